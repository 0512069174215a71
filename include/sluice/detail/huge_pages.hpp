// Page-level allocation for large, long-lived memory: dedup tables and very large arena blocks.
// On Linux such memory is mapped directly rather than taken from malloc, so that freeing it
// returns it to the system at once (malloc keeps freed chunks of its heap resident), and
// regions of SLUICE_HUGE_PAGE_BYTES() or more ask for transparent huge pages before their
// first touch: one page fault per 2 MiB instead of 512, and TLB reach for random access.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sluice/detail/config.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

// Mapped regions of at least this many bytes get the huge-page hint (madvise MADV_HUGEPAGE),
// and heap arena blocks of at least this size are mapped. Define it as 0 to turn both off.
// Where the system disables transparent huge pages the hint changes nothing.
#ifndef SLUICE_HUGE_PAGE_BYTES
#define SLUICE_HUGE_PAGE_BYTES() (std::size_t{8} << 20)
#endif

#if defined(__linux__) && defined(MAP_ANONYMOUS)
#define SLUICE_DETAIL_CAN_MAP() 1
#else
#define SLUICE_DETAIL_CAN_MAP() 0
#endif

SLUICE_NAMESPACE_BEGIN
namespace detail {

inline constexpr bool can_map_pages = SLUICE_DETAIL_CAN_MAP() != 0;

inline bool wants_huge_pages(std::size_t bytes) noexcept {
  return SLUICE_HUGE_PAGE_BYTES() != 0 && bytes >= SLUICE_HUGE_PAGE_BYTES();
}

// `bytes` of zero-filled memory aligned to 2 MiB, or nullptr (also where can_map_pages is
// false). Release with unmap_pages(memory, bytes).
inline void* map_pages(std::size_t bytes) noexcept {
#if SLUICE_DETAIL_CAN_MAP()
  constexpr std::size_t huge = std::size_t{2} << 20;
  if (bytes == 0 || bytes > SIZE_MAX - huge) return nullptr;
  void* mapped = mmap(nullptr, bytes + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return nullptr;
  // Keep the 2 MiB-aligned part; unmap the slack before it and the whole pages after it.
  const auto first = reinterpret_cast<std::uintptr_t>(mapped);
  const std::uintptr_t start = (first + huge - 1) & ~std::uintptr_t{huge - 1};
  if (start != first) munmap(mapped, static_cast<std::size_t>(start - first));
  const long page_size = sysconf(_SC_PAGESIZE);
  const std::uintptr_t page = page_size > 0 ? static_cast<std::uintptr_t>(page_size) : 4096u;
  const std::uintptr_t used_end = (start + bytes + page - 1) & ~(page - 1);
  const std::uintptr_t mapped_end = first + bytes + huge;
  if (mapped_end > used_end) munmap(reinterpret_cast<void*>(used_end), static_cast<std::size_t>(mapped_end - used_end));
  void* memory = reinterpret_cast<void*>(start);
#if defined(MADV_HUGEPAGE)
  if (wants_huge_pages(bytes)) (void)madvise(memory, bytes, MADV_HUGEPAGE);  // only a hint
#endif
  return memory;
#else
  (void)bytes;
  return nullptr;
#endif
}

inline void unmap_pages(void* memory, std::size_t bytes) noexcept {
#if SLUICE_DETAIL_CAN_MAP()
  if (memory != nullptr) munmap(memory, bytes);
#else
  (void)memory;
  (void)bytes;
#endif
}

}  // namespace detail
SLUICE_NAMESPACE_END
