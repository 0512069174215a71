// Shared configuration: the versioned namespace and the feature switches every header uses.
#pragma once

// SLUICE_HASH_DISPATCH (see sluice/hash.hpp), defined empty or non-zero: 1 when requested.
#if defined(SLUICE_HASH_DISPATCH)
#if (SLUICE_HASH_DISPATCH + 0) != 0 || (1 - SLUICE_HASH_DISPATCH - 1) == 2
#define SLUICE_DETAIL_HASH_DISPATCH_REQUESTED 1
#endif
#endif

// All public names live in an inline namespace named after the ABI version, so two
// incompatible versions of sluice linked into one program never collide at link time. The
// name also carries the SIMD configuration the hash kernels are compiled for: translation
// units built with different flags (-mavx2, NEON, SLUICE_HASH_DISPATCH) compile different
// bodies for the same inline functions, and each must keep its own rather than the linker
// picking one (a baseline unit could otherwise run AVX2 code). Objects can still be shared
// between such units through the user's own types; their layout and values are the same.
#if (defined(__x86_64__) || defined(__i386__) || defined(_M_X64)) && defined(__AVX2__)
#define SLUICE_DETAIL_ABI v0_avx2
#elif (defined(__x86_64__) || defined(__i386__) || defined(_M_X64)) && \
    defined(SLUICE_DETAIL_HASH_DISPATCH_REQUESTED)
#define SLUICE_DETAIL_ABI v0_dispatch
#elif defined(__ARM_NEON)
#define SLUICE_DETAIL_ABI v0_neon
#else
#define SLUICE_DETAIL_ABI v0
#endif
#define SLUICE_NAMESPACE_BEGIN \
  namespace sluice {           \
  inline namespace SLUICE_DETAIL_ABI {
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
