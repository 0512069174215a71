// Large allocations (arena blocks, dedup tables) ask Linux for transparent huge pages before
// their first touch: one page fault per 2 MiB instead of 512, and TLB reach for random access.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sluice/detail/config.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

// Allocations of at least this many bytes get the hint (madvise MADV_HUGEPAGE on their
// 2 MiB-aligned interior). Define it as 0 to turn the hint off. It changes nothing where the
// system disables transparent huge pages, and nothing but speed where it enables them always.
#ifndef SLUICE_HUGE_PAGE_BYTES
#define SLUICE_HUGE_PAGE_BYTES() (std::size_t{8} << 20)
#endif

SLUICE_NAMESPACE_BEGIN
namespace detail {

// A hint only: failure is ignored, and memory outside the aligned interior keeps small pages.
inline void advise_huge_pages(void* memory, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
  if (SLUICE_HUGE_PAGE_BYTES() == 0 || bytes < SLUICE_HUGE_PAGE_BYTES()) return;
  const auto first = reinterpret_cast<std::uintptr_t>(memory);
  const std::uintptr_t start = (first + huge - 1) & ~(huge - 1);
  const std::uintptr_t end = (first + bytes) & ~(huge - 1);
  if (end > start) (void)madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
#else
  (void)memory;
  (void)bytes;
#endif
}

}  // namespace detail
SLUICE_NAMESPACE_END
