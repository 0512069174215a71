// Machinery behind sluice/arena.hpp: block and destructor-record layout, the single point
// where an arena touches the heap, and the policy for allocators that cannot return null.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "sluice/detail/config.hpp"
#include "sluice/detail/huge_pages.hpp"

// Size in bytes of the first heap block of a default-constructed arena, header included.
// Small, because many arenas (one per time bucket, one per request) stay small.
#ifndef SLUICE_ARENA_FIRST_BLOCK_BYTES
#define SLUICE_ARENA_FIRST_BLOCK_BYTES() 4096
#endif

// Heap blocks grow geometrically (x2) up to this size (or the first block's size, if that is
// larger). 2 MiB is the usual huge-page size; larger requests get a block of their own.
// Define it identically in every translation unit of a program.
#ifndef SLUICE_ARENA_MAX_BLOCK_BYTES
#define SLUICE_ARENA_MAX_BLOCK_BYTES() (std::size_t{2} << 20)
#endif

// What arena_allocator and arena_resource do when the arena is exhausted. Standard containers
// and std::pmr require allocation to either return usable memory or not return at all, so
// these two adapters cannot report nullptr. Default: throw std::bad_alloc when exceptions
// are enabled, std::abort() otherwise. Define it as a statement that does not return (for
// example a call to your own [[noreturn]] panic handler) to change the policy.
#ifndef SLUICE_ARENA_EXHAUSTED
#if SLUICE_HAS_EXCEPTIONS()
#define SLUICE_ARENA_EXHAUSTED() throw std::bad_alloc()
#else
#define SLUICE_ARENA_EXHAUSTED() std::abort()
#endif
#endif

SLUICE_NAMESPACE_BEGIN
namespace detail {

// Header at the start of every heap block. Blocks form a list, newest first.
struct arena_block {
  arena_block* previous;
  std::size_t size;  // bytes obtained from the heap for this block, header included
};

// One per object with a non-trivial destructor; lives in the arena itself.
struct arena_destructor_record {
  void (*destroy)(void*) noexcept;
  void* object;
  arena_destructor_record* previous;
};

// malloc returns memory aligned for any fundamental type; the header keeps that alignment
// for the block's payload.
inline constexpr std::size_t arena_heap_alignment = alignof(std::max_align_t);
inline constexpr std::size_t arena_block_header_bytes =
    (sizeof(arena_block) + arena_heap_alignment - 1) / arena_heap_alignment *
    arena_heap_alignment;
inline constexpr std::size_t arena_minimum_block_bytes = 64;

// The largest block a heap-backed arena asks for: sizes of objects and differences of
// pointers must fit in std::ptrdiff_t, and malloc refuses larger requests anyway.
inline constexpr std::size_t arena_largest_block_bytes = static_cast<std::size_t>(PTRDIFF_MAX);

// True when no heap block could serve `bytes` aligned to `alignment`: bytes + alignment +
// block header exceeds arena_largest_block_bytes. Such requests are refused before the heap
// is touched. Never overflows.
constexpr bool arena_request_too_large(std::size_t bytes, std::size_t alignment) noexcept {
  constexpr std::size_t limit = arena_largest_block_bytes - arena_block_header_bytes;
  return bytes > limit || alignment > limit - bytes;
}

// The only two places where an arena touches the heap: heap-backed arenas obtain and release
// whole blocks here, through std::malloc and std::free (never operator new), or, for blocks
// of SLUICE_HUGE_PAGE_BYTES() and more on Linux, through mmap and munmap. Fixed-buffer arenas
// never reach these functions.
inline bool arena_block_mapped(std::size_t bytes) noexcept { return can_map_pages && wants_huge_pages(bytes); }
inline void* arena_heap_obtain(std::size_t bytes) noexcept {
  return arena_block_mapped(bytes) ? map_pages(bytes) : std::malloc(bytes);
}
inline void arena_heap_release(void* block, std::size_t bytes) noexcept {
  if (arena_block_mapped(bytes)) {
    unmap_pages(block, bytes);
  } else {
    std::free(block);
  }
}

template <class T>
void arena_destroy(void* object) noexcept {
  static_cast<T*>(object)->~T();
}

[[noreturn]] inline void arena_exhausted() {
  SLUICE_ARENA_EXHAUSTED();
  std::abort();  // in case a user-defined policy returns
}

constexpr bool arena_is_power_of_two(std::size_t value) noexcept {
  return value != 0 && (value & (value - 1)) == 0;
}

// Bytes to skip from `address` to the next multiple of `alignment` (a power of two).
inline std::size_t arena_padding(const void* address, std::size_t alignment) noexcept {
  auto bits = reinterpret_cast<std::uintptr_t>(address);
  return static_cast<std::size_t>((std::uintptr_t{0} - bits) & (alignment - 1));
}

}  // namespace detail
SLUICE_NAMESPACE_END
