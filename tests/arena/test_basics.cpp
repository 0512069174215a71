// Example-based tests of sluice::arena: each guarantee of the header shown on a small case.
#include <cstdint>
#include <string>
#include <vector>

#include <sluice/arena.hpp>

#include "catch_shim.hpp"

namespace arena_test_basics {

namespace {

bool aligned(const void* p, std::size_t alignment) {
  return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

struct recorder {
  recorder(std::vector<int>& log, int identity) : destroyed(&log), id(identity) {}
  ~recorder() { destroyed->push_back(id); }
  std::vector<int>* destroyed;
  int id;
};

}  // namespace

TEST_CASE("arena allocations honour alignments up to 8192", "[arena]") {
  sluice::arena heap;
  alignas(16) static unsigned char buffer[64 * 1024];
  sluice::arena fixed(buffer + 1, sizeof buffer - 1);  // deliberately misaligned buffer
  for (sluice::arena* memory : {&heap, &fixed}) {
    for (std::size_t alignment = 1; alignment <= 8192; alignment *= 2) {
      void* p = memory->allocate(3, alignment);
      REQUIRE(p != nullptr);
      CHECK(aligned(p, alignment));
    }
    CHECK(memory->used() == 14 * 3);
  }
}

TEST_CASE("arena zero-byte requests get distinct pointers and count one byte", "[arena]") {
  sluice::arena memory;
  void* first = memory.allocate(0, 1);
  void* second = memory.allocate(0, 1);
  REQUIRE(first != nullptr);
  REQUIRE(second != nullptr);
  CHECK(first != second);
  CHECK(memory.used() == 2);
}

TEST_CASE("arena rejects invalid alignments and overflowing sizes", "[arena]") {
  sluice::arena heap;
  unsigned char buffer[256];
  sluice::arena fixed(buffer, sizeof buffer);
  for (sluice::arena* memory : {&heap, &fixed}) {
    CHECK(memory->allocate(8, 0) == nullptr);
    CHECK(memory->allocate(8, 3) == nullptr);
    CHECK(memory->allocate(8, 48) == nullptr);
    CHECK(memory->allocate(SIZE_MAX, 1) == nullptr);
    CHECK(memory->allocate(SIZE_MAX - 100, 4096) == nullptr);
    CHECK(memory->allocate(SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 1) == nullptr);
    CHECK(memory->allocate_array<std::uint64_t>(SIZE_MAX / 4) == nullptr);
    CHECK(memory->used() == 0);
    CHECK(memory->allocate(8) != nullptr);  // still usable
  }
  CHECK(heap.reserved() <= 4096);
}

TEST_CASE("arena copy tells an empty copy from exhaustion", "[arena]") {
  unsigned char buffer[8];
  sluice::arena memory(buffer, sizeof buffer);
  std::string_view empty = memory.copy("");
  CHECK(empty.data() != nullptr);  // success, nothing copied
  CHECK(empty.empty());
  std::string_view fits = memory.copy("12345678");
  CHECK(fits == "12345678");
  CHECK(static_cast<const void*>(fits.data()) == buffer);
  std::string_view failed = memory.copy("x");
  CHECK(failed.data() == nullptr);  // exhausted
  CHECK(failed.empty());
  CHECK(memory.copy("").data() != nullptr);  // an empty copy succeeds even when full
}

TEST_CASE("arena runs destructors in reverse order of creation", "[arena]") {
  std::vector<int> log;
  SECTION("at destruction") {
    {
      sluice::arena memory;
      for (int i = 0; i < 5; ++i) REQUIRE(memory.create<recorder>(log, i) != nullptr);
      CHECK(log.empty());
    }
    CHECK(log == std::vector<int>{4, 3, 2, 1, 0});
  }
  SECTION("at reset and release") {
    sluice::arena memory;
    memory.create<recorder>(log, 1);
    memory.create<recorder>(log, 2);
    memory.reset();
    CHECK(log == std::vector<int>{2, 1});
    memory.create<recorder>(log, 3);
    memory.release();
    CHECK(log == std::vector<int>{2, 1, 3});
  }
  SECTION("at rewind, only those created since the mark") {
    sluice::arena memory;
    memory.create<recorder>(log, 1);
    sluice::arena::marker m = memory.mark();
    memory.create<recorder>(log, 2);
    memory.create<recorder>(log, 3);
    memory.rewind(m);
    CHECK(log == std::vector<int>{3, 2});
    memory.rewind(m);  // a marker may be rewound to again
    CHECK(log == std::vector<int>{3, 2});
  }
  SECTION("an object created by a constructor is destroyed after its creator") {
    struct nested {
      nested(sluice::arena& memory, std::vector<int>& l) : inner(memory.create<recorder>(l, 1)),
                                                          outer(l, 2) {}
      recorder* inner;
      recorder outer;
    };
    {
      sluice::arena memory;
      memory.create<nested>(memory, log);
    }
    CHECK(log == std::vector<int>{2, 1});
  }
}

TEST_CASE("arena used() counts requested bytes and destructor records exactly", "[arena]") {
  std::vector<int> log;  // outlives the arena, whose destructor logs into it
  sluice::arena memory;
  REQUIRE(memory.allocate(10, 1) != nullptr);
  REQUIRE(memory.allocate(3, 64) != nullptr);
  CHECK(memory.used() == 13);
  struct pod {
    int a, b;
  };
  pod* p = memory.create<pod>(1, 2);
  REQUIRE(p != nullptr);
  CHECK(p->b == 2);
  CHECK(memory.used() == 13 + sizeof(pod));
  memory.create<recorder>(log, 1);
  CHECK(memory.used() == 13 + sizeof(pod) + sizeof(recorder) + sluice::arena::destructor_overhead);
  CHECK(memory.copy("abc") == "abc");
  CHECK(memory.used() == 16 + sizeof(pod) + sizeof(recorder) + sluice::arena::destructor_overhead);
}

TEST_CASE("arena rewind returns the blocks obtained since the mark", "[arena]") {
  sluice::arena memory(1024);
  REQUIRE(memory.allocate(100) != nullptr);
  const std::size_t reserved = memory.reserved();
  const std::size_t used = memory.used();
  sluice::arena::marker m = memory.mark();
  for (int i = 0; i < 1000; ++i) REQUIRE(memory.allocate(200) != nullptr);
  REQUIRE(memory.allocate(1 << 20) != nullptr);  // a block of its own
  CHECK(memory.reserved() > reserved);
  memory.rewind(m);
  CHECK(memory.reserved() == reserved);
  CHECK(memory.used() == used);
  CHECK(memory.peak() > reserved);
}

TEST_CASE("arena blocks grow geometrically up to the cap", "[arena]") {
  sluice::arena memory(1024);
  std::vector<std::size_t> block_sizes;
  std::size_t reserved = 0;
  while (block_sizes.size() < 16) {
    REQUIRE(memory.allocate(64) != nullptr);
    if (memory.reserved() != reserved) {
      block_sizes.push_back(memory.reserved() - reserved);
      reserved = memory.reserved();
    }
  }
  std::size_t expected = 1024;
  for (std::size_t size : block_sizes) {
    CHECK(size == expected);
    expected = expected * 2 > SLUICE_ARENA_MAX_BLOCK_BYTES() ? SLUICE_ARENA_MAX_BLOCK_BYTES()
                                                              : expected * 2;
  }
  CHECK(block_sizes.back() == SLUICE_ARENA_MAX_BLOCK_BYTES());
}

TEST_CASE("arena never reserves beyond its budget and uses all of it", "[arena]") {
  const std::size_t budget = 10000;
  sluice::arena memory(1024, budget);
  std::size_t allocations = 0;
  while (memory.allocate(16, 16) != nullptr) {
    ++allocations;
    REQUIRE(memory.reserved() <= budget);
  }
  CHECK(memory.reserved() <= budget);
  // Every block but its header went to 16-byte requests: at most one request's worth of
  // space is left over per block.
  CHECK(allocations * 16 + 4 * (sluice::arena::block_overhead + 16) >= budget);
  CHECK(memory.allocate(budget) == nullptr);
  CHECK(memory.peak() <= budget);

  sluice::arena tiny(4096, sluice::arena::block_overhead - 1);
  CHECK(tiny.allocate(1) == nullptr);
  CHECK(tiny.reserved() == 0);
}

TEST_CASE("arena set_budget moves the cap but never below what is reserved", "[arena]") {
  sluice::arena memory(1024, 1024);
  REQUIRE(memory.allocate(100) != nullptr);
  CHECK(memory.reserved() == 1024);
  CHECK(memory.allocate(1000) == nullptr);  // the budget is spent

  CHECK_FALSE(memory.set_budget(1023));  // below reserved(): refused, nothing changed
  CHECK(memory.budget() == 1024);
  REQUIRE(memory.set_budget(1024 + 1500));
  CHECK(memory.budget() == 2524);
  CHECK(memory.allocate(950) != nullptr);  // the raised cap is usable at once
  CHECK(memory.reserved() == 2524);        // the next block was cut to what the cap leaves
  CHECK(memory.allocate(1500) == nullptr);

  memory.release();
  REQUIRE(memory.reserved() == 0);
  REQUIRE(memory.set_budget(sluice::arena::block_overhead + 100));  // lowered below its peak
  CHECK(memory.allocate(101) == nullptr);
  CHECK(memory.allocate(100) != nullptr);
  CHECK(memory.reserved() <= memory.budget());

  alignas(std::max_align_t) unsigned char buffer[256];
  sluice::arena fixed(buffer, sizeof buffer);
  CHECK_FALSE(fixed.set_budget(1024));
  CHECK_FALSE(fixed.set_budget(128));
  CHECK(fixed.budget() == sizeof buffer);
}

TEST_CASE("arena reset keeps one block and reuses it", "[arena]") {
  sluice::arena memory(4096);
  for (int i = 0; i < 100; ++i) REQUIRE(memory.allocate(1000) != nullptr);
  memory.reset();
  const std::size_t kept = memory.reserved();
  CHECK(kept > 4096);
  CHECK(memory.used() == 0);
  for (int round = 0; round < 3; ++round) {
    for (std::size_t bytes = 0; bytes + 1000 < kept - sluice::arena::block_overhead; bytes += 1000)
      REQUIRE(memory.allocate(1000, 8) != nullptr);
    CHECK(memory.reserved() == kept);  // no new block: the kept one served it all
    memory.reset();
  }
  memory.release();
  CHECK(memory.reserved() == 0);
  CHECK(memory.allocate(1) != nullptr);
}

TEST_CASE("arena moves transfer allocations and destructors", "[arena]") {
  std::vector<int> log;
  sluice::arena source(256, 100000);
  source.create<recorder>(log, 7);
  const std::size_t used = source.used();
  sluice::arena target(std::move(source));
  CHECK(target.used() == used);
  CHECK(target.budget() == 100000);
  CHECK(source.used() == 0);
  CHECK(source.reserved() == 0);
  CHECK(source.allocate(8) != nullptr);  // a moved-from heap arena is empty but usable
  sluice::arena other;
  other.create<recorder>(log, 8);
  other = std::move(target);  // destroys 8, takes 7
  CHECK(log == std::vector<int>{8});
  other.reset();
  CHECK(log == std::vector<int>{8, 7});

  alignas(std::max_align_t) unsigned char buffer[64];
  sluice::arena fixed(buffer, sizeof buffer);
  sluice::arena fixed_target(std::move(fixed));
  CHECK(fixed_target.is_fixed());
  CHECK(fixed.allocate(1) == nullptr);  // a moved-from fixed arena has no buffer left
  CHECK(fixed_target.allocate(1) == static_cast<void*>(buffer));
}

#if SLUICE_HAS_EXCEPTIONS()
TEST_CASE("arena create leaves the arena unchanged when a constructor throws", "[arena]") {
  struct throws_on_construction {
    explicit throws_on_construction(std::vector<int>& log) : first(log, 1) { throw 42; }
    recorder first;
  };
  std::vector<int> log;
  sluice::arena memory(256);
  memory.create<recorder>(log, 0);
  const std::size_t used = memory.used();
  const std::size_t reserved = memory.reserved();
  bool thrown = false;
  try {
    memory.create<throws_on_construction>(log);
  } catch (int) {
    thrown = true;
  }
  CHECK(thrown);
  CHECK(log == std::vector<int>{1});  // the member, unwound by the language
  CHECK(memory.used() == used);
  CHECK(memory.reserved() == reserved);
  memory.reset();
  CHECK(log == std::vector<int>{1, 0});
}
#endif

TEST_CASE("arena blocks of SLUICE_HUGE_PAGE_BYTES and more are usable, counted and returned", "[arena]") {
  // On Linux such blocks are mapped pages (test_mapped_pages.cpp tests those directly).
  const std::size_t big = SLUICE_HUGE_PAGE_BYTES() == 0 ? std::size_t{16} << 20 : SLUICE_HUGE_PAGE_BYTES() * 2;
  sluice::arena memory(4096);
  REQUIRE(memory.allocate(100) != nullptr);
  const std::size_t reserved = memory.reserved();
  sluice::arena::marker m = memory.mark();
  for (int round = 0; round < 3; ++round) {
    auto* bytes = static_cast<unsigned char*>(memory.allocate(big, 4096));
    REQUIRE(bytes != nullptr);
    CHECK(aligned(bytes, 4096));
    CHECK(memory.reserved() >= reserved + big);
    for (std::size_t i = 0; i < big; i += 4096) bytes[i] = static_cast<unsigned char>(i >> 12);
    bytes[big - 1] = 0xAB;
    bool intact = true;
    for (std::size_t i = 0; i < big - 1; i += 4096) intact = intact && bytes[i] == static_cast<unsigned char>(i >> 12);
    CHECK(intact);
    CHECK(bytes[big - 1] == 0xAB);
    memory.rewind(m);
    CHECK(memory.reserved() == reserved);
  }
}

}  // namespace arena_test_basics
