// Shared configuration: the versioned namespace and the feature switches every header uses.
#pragma once

// All public names live in an inline namespace named after the ABI version, so two
// incompatible versions of sluice linked into one program never collide at link time.
#define SLUICE_NAMESPACE_BEGIN \
  namespace sluice {           \
  inline namespace v0 {
#define SLUICE_NAMESPACE_END \
  }                          \
  }

// Feature switches are function-like (`#if SLUICE_HAS_EXCEPTIONS()`), so a misspelt switch
// fails to compile instead of quietly reading as 0.

// 1 when the translation unit is compiled with exception support. sluice never throws;
// this only tells tests and examples what the build mode is.
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define SLUICE_HAS_EXCEPTIONS() 1
#else
#define SLUICE_HAS_EXCEPTIONS() 0
#endif

// 1 on big-endian targets (s390x, ...). Portable code paths handle both byte orders.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define SLUICE_BIG_ENDIAN() 1
#else
#define SLUICE_BIG_ENDIAN() 0
#endif

// SLUICE_PREFETCH(address) hints the processor to fetch the cache line at `address` soon
// (SLUICE_PREFETCH_WRITE: to write it); no effect on other compilers. Never faults, whatever
// the address.
#if defined(__GNUC__) || defined(__clang__)
#define SLUICE_PREFETCH(address) __builtin_prefetch(address)
#define SLUICE_PREFETCH_WRITE(address) __builtin_prefetch(address, 1)
#define SLUICE_LIKELY(x) __builtin_expect(!!(x), 1)
#define SLUICE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define SLUICE_ALWAYS_INLINE inline __attribute__((always_inline))
#define SLUICE_NOINLINE __attribute__((noinline))
#else
#define SLUICE_PREFETCH(address) ((void)(address))
#define SLUICE_PREFETCH_WRITE(address) ((void)(address))
#define SLUICE_LIKELY(x) (x)
#define SLUICE_UNLIKELY(x) (x)
#define SLUICE_ALWAYS_INLINE inline
#define SLUICE_NOINLINE
#endif
