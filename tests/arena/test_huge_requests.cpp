// Requests no heap block could serve are refused before the heap is touched, even by an arena
// without a budget; and the budget edge is exact, zero-byte requests included.
#include <cerrno>
#include <cstddef>
#include <cstdint>

#include <sluice/arena.hpp>

#include "catch_shim.hpp"

namespace arena_test_huge_requests {

namespace {

constexpr std::size_t largest_block = static_cast<std::size_t>(PTRDIFF_MAX);
constexpr std::size_t header = sluice::arena::block_overhead;

// Calls allocate() with errno cleared and reports whether it left errno alone: malloc sets
// ENOMEM when it refuses a request, so a request that never reached the heap leaves it at 0.
// (Under AddressSanitizer such a malloc call aborts the test instead.)
bool refused_without_heap(sluice::arena& memory, std::size_t bytes, std::size_t alignment) {
  errno = 0;
  void* p = memory.allocate(bytes, alignment);
  const int error_after = errno;
  return p == nullptr && error_after == 0;
}

}  // namespace

TEST_CASE("arena refuses requests beyond PTRDIFF_MAX before touching the heap", "[arena]") {
  sluice::arena unlimited;                         // no budget
  sluice::arena explicit_unlimited(64, SIZE_MAX);  // budget spelled out
  sluice::arena huge_first_block(SIZE_MAX);        // first block clamped to PTRDIFF_MAX
  for (sluice::arena* memory : {&unlimited, &explicit_unlimited, &huge_first_block}) {
    for (std::size_t alignment : {std::size_t{1}, std::size_t{16}, std::size_t{4096}}) {
      CAPTURE(alignment);
      // The smallest refused size: bytes + alignment + header == PTRDIFF_MAX + 1.
      CHECK(refused_without_heap(*memory, largest_block - header - alignment + 1, alignment));
      CHECK(refused_without_heap(*memory, largest_block - header, alignment));
      CHECK(refused_without_heap(*memory, largest_block, alignment));
      CHECK(refused_without_heap(*memory, largest_block + 1, alignment));
      CHECK(refused_without_heap(*memory, SIZE_MAX - 16, alignment));
      CHECK(refused_without_heap(*memory, SIZE_MAX, alignment));
    }
    // An absurd alignment is refused the same way, whatever the size.
    CHECK(refused_without_heap(*memory, 1, SIZE_MAX / 2 + 1));
    CHECK(refused_without_heap(*memory, 0, SIZE_MAX / 2 + 1));
    errno = 0;
    void* array = memory->allocate_array<std::uint64_t>(largest_block / sizeof(std::uint64_t));
    const int error_after = errno;
    CHECK(array == nullptr);
    CHECK(error_after == 0);

    CHECK(memory->used() == 0);
    CHECK(memory->reserved() == 0);
    CHECK(memory->peak() == 0);
  }
  for (sluice::arena* memory : {&unlimited, &explicit_unlimited}) {
    REQUIRE(memory->allocate(100) != nullptr);  // still usable
    CHECK(memory->used() == 100);
  }
}

TEST_CASE("arena's largest-request rule is exact at PTRDIFF_MAX", "[arena]") {
  using sluice::detail::arena_request_too_large;
  for (std::size_t alignment : {std::size_t{1}, std::size_t{16}, std::size_t{4096}}) {
    CAPTURE(alignment);
    CHECK_FALSE(arena_request_too_large(largest_block - header - alignment, alignment));
    CHECK(arena_request_too_large(largest_block - header - alignment + 1, alignment));
    CHECK_FALSE(arena_request_too_large(0, alignment));
    CHECK(arena_request_too_large(SIZE_MAX, alignment));
  }
  CHECK(arena_request_too_large(1, SIZE_MAX / 2 + 1));
  CHECK_FALSE(arena_request_too_large(largest_block - header - 1, 1));
  CHECK(arena_request_too_large(largest_block - header, 1));
}

TEST_CASE("arena zero-byte requests at the budget edge need exactly one payload byte", "[arena]") {
  // Alignments up to malloc's need no padding on a fresh block.
  for (std::size_t alignment : {std::size_t{1}, std::size_t{2}, alignof(std::max_align_t)}) {
    CAPTURE(alignment);
    sluice::arena too_small(64, header);  // room for a block header and nothing more
    CHECK(too_small.allocate(0, alignment) == nullptr);
    CHECK(too_small.reserved() == 0);
    sluice::arena just_enough(64, header + 1);
    CHECK(just_enough.allocate(0, alignment) != nullptr);
    CHECK(just_enough.reserved() == header + 1);
    CHECK(just_enough.used() == 1);
    CHECK(just_enough.allocate(0, 1) == nullptr);  // the one byte is taken
  }
}

}  // namespace arena_test_huge_requests
