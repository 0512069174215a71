// Slot layouts of the key table: every slot of a line keeps its own offset whatever is written
// to its neighbours, copies carry key and offset together, and the stash keeps slots in the
// same layout through growth, compaction and shrinking.
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "catch_shim.hpp"
#include "sluice/dedup.hpp"
#include "test_support.hpp"

namespace dedup_test_layout {

namespace {

using packed = sluice::detail::dedup_packed_layout;
using inline32 = sluice::detail::dedup_inline_layout<8, std::uint32_t>;

// Lines of a layout in 64-byte aligned memory, as the table holds them.
template <class Layout>
struct lines {
  explicit lines(std::size_t n) : count(n) {
    memory = static_cast<unsigned char*>(::operator new(n * Layout::line_bytes, std::align_val_t{64}));
    std::memset(memory, 0, n * Layout::line_bytes);
  }
  ~lines() { ::operator delete(memory, std::align_val_t{64}); }
  lines(const lines&) = delete;
  lines& operator=(const lines&) = delete;
  unsigned char* slot(std::size_t i) const {
    return memory + i / Layout::slots_per_line * Layout::line_bytes + Layout::slot_at(i % Layout::slots_per_line);
  }
  std::size_t slots() const { return count * Layout::slots_per_line; }
  unsigned char* memory;
  std::size_t count;
};

template <class Layout>
void check_slots_are_independent(std::uint64_t seed) {
  lines<Layout> table(3);
  sluice_test::rng rng(seed);
  std::vector<std::uint64_t> keys(table.slots());
  std::vector<typename Layout::offset_type> offsets(table.slots());
  auto check_all = [&] {
    for (std::size_t i = 0; i < table.slots(); ++i) {
      std::uint64_t key;
      std::memcpy(&key, table.slot(i), 8);
      REQUIRE(key == keys[i]);
      REQUIRE(Layout::load_offset(table.slot(i)) == offsets[i]);
    }
  };
  check_all();  // zero-filled lines: every offset 0
  for (int round = 0; round < 2000; ++round) {
    const std::size_t i = static_cast<std::size_t>(rng.below(table.slots()));
    CAPTURE(round, i);
    switch (rng.below(3)) {
      case 0:
        offsets[i] = static_cast<typename Layout::offset_type>(rng.percent(20) ? Layout::offset_max : rng.below(Layout::offset_max + 1));
        Layout::store_offset(table.slot(i), offsets[i]);
        keys[i] = rng.next();
        std::memcpy(table.slot(i), &keys[i], 8);
        break;
      case 1: {
        const std::size_t from = static_cast<std::size_t>(rng.below(table.slots()));
        Layout::copy(table.slot(i), table.slot(from));
        keys[i] = keys[from];
        offsets[i] = offsets[from];
        break;
      }
      default:
        Layout::clear(table.slot(i));
        keys[i] = 0;
        offsets[i] = 0;
    }
    check_all();
  }
}

// first_free finds the first slot whose offset is at most the limit, as a slot-by-slot scan
// does: offsets and limits drawn near 0, near offset_max and at random, with every key bit set
// (keys must not leak into the test).
template <class Layout>
void check_first_free(std::uint64_t seed) {
  lines<Layout> line(1);
  sluice_test::rng rng(seed);
  constexpr std::uint64_t top = Layout::offset_max;
  auto draw = [&]() -> std::uint64_t {
    switch (rng.below(4)) {
      case 0: return rng.below(3);
      case 1: return top - rng.below(3);
      default: return rng.below(top + 1);
    }
  };
  for (std::size_t i = 0; i < Layout::slots_per_line; ++i) std::memset(line.slot(i), 0xff, 8);
  for (int round = 0; round < 20000; ++round) {
    for (std::size_t i = 0; i < Layout::slots_per_line; ++i)
      Layout::store_offset(line.slot(i), static_cast<typename Layout::offset_type>(draw()));
    const auto limit = static_cast<typename Layout::offset_type>(draw());
    std::size_t expected = Layout::line_bytes;
    for (std::size_t i = Layout::slots_per_line; i-- > 0;)
      if (Layout::load_offset(line.slot(i)) <= limit) expected = Layout::slot_at(i);
    CAPTURE(round, limit);
    REQUIRE(Layout::first_free(line.memory, limit) == expected);
  }
}

}  // namespace

TEST_CASE("a line's first free slot is the first whose offset is at most the limit", "[dedup]") {
  check_first_free<packed>(0x1a72u);
  check_first_free<inline32>(0x1a73u);
}

TEST_CASE("each slot of a line keeps its key and offset whatever its neighbours do", "[dedup]") {
  static_assert(packed::slot_at(5) + 2 * 8 == packed::line_bytes);
  static_assert(packed::offset_max == (1u << 21) - 1);
  static_assert(inline32::slots_per_line == 5);
  check_slots_are_independent<packed>(0x1a70u);
  check_slots_are_independent<inline32>(0x1a71u);
}

TEST_CASE("the stash keeps packed slots through growth, compaction and shrinking", "[dedup]") {
  sluice::detail::dedup_stash<packed> stash;
  lines<packed> source(1);
  std::vector<std::uint64_t> keys;
  for (std::uint32_t i = 0; i < 40; ++i) {
    const std::uint64_t key = 1000u + i;
    std::memcpy(source.slot(i % 6), &key, 8);
    packed::store_offset(source.slot(i % 6), i + 1);
    if (stash.size() == stash.capacity()) REQUIRE(stash.reserve(stash.capacity() * 2 + 4));
    stash.push(source.slot(i % 6));
    keys.push_back(key);
  }
  CHECK(stash.bytes() == sluice::detail::dedup_stash<packed>::bytes_for(stash.capacity()));
  stash.keep_if([](const unsigned char* slot) { return packed::load_offset(slot) % 3 == 0; });
  REQUIRE(stash.size() == 13);
  const std::size_t held_bytes = stash.bytes();
  CHECK_FALSE(stash.reserve(12));  // below the slots held: refused, nothing changed
  CHECK(stash.bytes() == held_bytes);
  REQUIRE(stash.reserve(stash.size()));  // shrinks to the lines the slots need
  CHECK(stash.bytes() == 3 * packed::line_bytes);
  for (std::size_t i = 0; i < stash.size(); ++i) {
    const std::uint32_t offset = static_cast<std::uint32_t>(3 * (i + 1));
    CHECK(packed::load_offset(stash[i]) == offset);
    std::uint64_t key;
    std::memcpy(&key, stash[i], 8);
    CHECK(key == keys[offset - 1]);
  }
  CHECK(packed::load_offset(stash.push_cleared()) == 0);
}

}  // namespace dedup_test_layout
