// Randomized differential test: random sequences of allocate / allocate_array / create /
// copy / mark / rewind / reset / release against the naive model, in heap and fixed mode.
// Checked after every step: alignment, no overlap with any live allocation, contents intact,
// used() exact, reserved() <= budget(), peak() monotone, destructor order, and for a fixed
// buffer the exact address a bump allocator must return.
#include <cstring>
#include <string>
#include <vector>

#include "arena/model.hpp"
#include "catch_shim.hpp"
#include "test_support.hpp"

namespace arena_test_model {

namespace {

// Reports the seed and step only when a check fails, so passing runs stay fast.
#define ARENA_EXPECT(condition)                 \
  do {                                          \
    if (!(condition)) {                         \
      INFO("seed " << seed << " step " << step); \
      REQUIRE(condition);                       \
    }                                           \
  } while (0)

struct plain_pair {
  int first;
  int second;
};

std::size_t random_size(sluice_test::rng& random) {
  auto bucket = random.below(1000);
  if (bucket < 500) return static_cast<std::size_t>(random.below(65));
  if (bucket < 800) return static_cast<std::size_t>(random.between(65, 512));
  if (bucket < 950) return static_cast<std::size_t>(random.between(513, 8192));
  if (bucket < 995) return static_cast<std::size_t>(random.between(8193, 200000));
  return SIZE_MAX - static_cast<std::size_t>(random.below(10000));  // must fail: overflow
}

std::size_t random_alignment(sluice_test::rng& random) {
  static const std::size_t common[] = {1, 2, 4, 8, 16, 16, 16, 32, 64, 256, 4096};
  auto pick = random.below(100);
  if (pick == 0) return 8192;
  if (pick == 1) return 3;  // not a power of two: must fail
  if (pick == 2) return 0;  // not a power of two: must fail
  return common[random.below(sizeof common / sizeof common[0])];
}

struct scenario {
  sluice::arena& memory;
  arena_model::model& model;
  std::vector<int>& log;
  const unsigned char* buffer;  // fixed mode: start of the buffer, else nullptr
  std::uint64_t seed;
};

template <class T>
void create_tracked(scenario& s, sluice_test::rng& random, int& next_id, std::size_t step) {
  const std::uint64_t seed = s.seed;
  const std::size_t used_before = s.memory.used();
  const std::size_t reserved_before = s.memory.reserved();
  const unsigned char* record_place = nullptr;
  const unsigned char* object_place = nullptr;
  if (s.buffer != nullptr) {
    record_place = s.model.predict(sluice::arena::destructor_overhead,
                                   alignof(sluice::detail::arena_destructor_record));
    if (record_place != nullptr)
      object_place = s.model.predict_from(
          static_cast<std::size_t>(record_place + sluice::arena::destructor_overhead - s.buffer),
          sizeof(T), alignof(T));
  }
  int id = next_id++;
  T* object = s.memory.create<T>(id, &s.log);
  if (s.buffer != nullptr) ARENA_EXPECT(reinterpret_cast<unsigned char*>(object) == object_place);
  if (object == nullptr) {
    ARENA_EXPECT(s.memory.used() == used_before);
    ARENA_EXPECT(s.memory.reserved() == reserved_before);
    return;
  }
  ARENA_EXPECT(reinterpret_cast<std::uintptr_t>(object) % alignof(T) == 0);
  ARENA_EXPECT(object->id == id);
  auto fill = static_cast<unsigned char>(random.next());
  std::memset(object->payload, fill, sizeof object->payload);
  s.model.add_record(record_place);
  ARENA_EXPECT(s.model.add(reinterpret_cast<unsigned char*>(object), sizeof(T), object->payload,
                           sizeof object->payload, fill, id, sizeof(T)));
}

void check_destroyed(scenario& s, const std::vector<int>& due, std::size_t step) {
  const std::uint64_t seed = s.seed;
  ARENA_EXPECT(s.log == due);
  s.log.clear();
}

void run(scenario& s, std::size_t steps) {
  const std::uint64_t seed = s.seed;
  sluice_test::rng random(seed);
  int next_id = 0;
  std::size_t peak = s.memory.peak();
  for (std::size_t step = 0; step < steps; ++step) {
    const std::size_t reserved_before = s.memory.reserved();
    auto op = random.below(1000);
    if (op < 450) {
      std::size_t bytes = random_size(random);
      std::size_t alignment = random_alignment(random);
      const unsigned char* predicted = nullptr;
      bool valid_alignment = alignment != 0 && (alignment & (alignment - 1)) == 0;
      if (s.buffer != nullptr && valid_alignment) predicted = s.model.predict(bytes, alignment);
      auto* p = static_cast<unsigned char*>(s.memory.allocate(bytes, alignment));
      if (!valid_alignment || bytes > SIZE_MAX / 2) ARENA_EXPECT(p == nullptr);
      if (s.buffer != nullptr) ARENA_EXPECT(p == predicted);
      // Heap mode must succeed whenever a fresh block for the request fits in the budget;
      // a zero-byte request is served as one byte, so its block needs one payload byte.
      const std::size_t served = bytes == 0 ? 1 : bytes;
      if (s.buffer == nullptr && valid_alignment && bytes < SIZE_MAX / 2 &&
          served + alignment - 1 + sluice::arena::block_overhead <=
              s.memory.budget() - reserved_before)
        ARENA_EXPECT(p != nullptr);
      if (p != nullptr) {
        ARENA_EXPECT(reinterpret_cast<std::uintptr_t>(p) % alignment == 0);
        auto fill = static_cast<unsigned char>(random.next());
        std::memset(p, fill, bytes);
        ARENA_EXPECT(s.model.add(p, bytes, p, bytes, fill, -1, served));
      } else {
        ARENA_EXPECT(s.memory.reserved() == reserved_before);
      }
    } else if (op < 520) {
      std::size_t count = static_cast<std::size_t>(random.below(100));
      if (random.percent(2)) count = SIZE_MAX / 2;  // count * 4 overflows: must fail
      const unsigned char* predicted =
          s.buffer != nullptr ? s.model.predict(count * 4, 4) : nullptr;
      auto* p = s.memory.allocate_array<std::uint32_t>(count);
      if (count == SIZE_MAX / 2) {
        ARENA_EXPECT(p == nullptr);
      } else {
        if (s.buffer != nullptr) ARENA_EXPECT(reinterpret_cast<unsigned char*>(p) == predicted);
        if (p != nullptr) {
          auto* bytes = reinterpret_cast<unsigned char*>(p);
          auto fill = static_cast<unsigned char>(random.next());
          std::memset(bytes, fill, count * 4);
          ARENA_EXPECT(s.model.add(bytes, count * 4, bytes, count * 4, fill, -1,
                                   count == 0 ? 1 : count * 4));
        }
      }
    } else if (op < 620) {
      std::size_t length = static_cast<std::size_t>(random.below(random.percent(10) ? 3000 : 40));
      std::string text(length, '\0');
      for (char& c : text) c = static_cast<char>('a' + random.below(26));
      const unsigned char* predicted =
          s.buffer != nullptr && length > 0 ? s.model.predict(length, 1) : nullptr;
      std::string_view copied = s.memory.copy(text);
      if (length == 0) {
        ARENA_EXPECT(copied.data() != nullptr);
        ARENA_EXPECT(copied.empty());
      } else if (copied.data() == nullptr) {
        ARENA_EXPECT(copied.empty());
        ARENA_EXPECT((s.buffer == nullptr || predicted == nullptr));
      } else {
        ARENA_EXPECT(copied == text);
        auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(copied.data()));
        if (s.buffer != nullptr) ARENA_EXPECT(p == predicted);
        // Give the copy a uniform fill so the corruption check covers it too.
        auto fill = static_cast<unsigned char>(random.next());
        std::memset(p, fill, length);
        ARENA_EXPECT(s.model.add(p, length, p, length, fill, -1, length));
      }
    } else if (op < 760) {
      switch (random.below(4)) {
        case 0: create_tracked<arena_model::tracked<4>>(s, random, next_id, step); break;
        case 1: create_tracked<arena_model::tracked<100>>(s, random, next_id, step); break;
        case 2: create_tracked<arena_model::tracked<8, 64>>(s, random, next_id, step); break;
        default: {
          const unsigned char* predicted =
              s.buffer != nullptr ? s.model.predict(sizeof(plain_pair), alignof(plain_pair))
                                  : nullptr;
          plain_pair* pair = s.memory.create<plain_pair>(7, 9);  // aggregate: braces
          if (s.buffer != nullptr) ARENA_EXPECT(reinterpret_cast<unsigned char*>(pair) == predicted);
          if (pair != nullptr) {
            ARENA_EXPECT(pair->first == 7);
            ARENA_EXPECT(pair->second == 9);
            auto* p = reinterpret_cast<unsigned char*>(pair);
            ARENA_EXPECT(s.model.add(p, sizeof *pair, p, 0, 0, -1, sizeof *pair));
          }
        }
      }
    } else if (op < 820) {
      s.model.mark(s.memory.mark(), s.memory.reserved());
    } else if (op < 860) {
      if (!s.model.marks().empty()) {
        std::size_t index = static_cast<std::size_t>(random.below(s.model.marks().size()));
        arena_model::saved_mark target = s.model.marks()[index];
        s.memory.rewind(target.marker);
        check_destroyed(s, s.model.rewind(index), step);
        ARENA_EXPECT(s.memory.reserved() == target.reserved);
      }
    } else if (op < 868) {
      s.memory.reset();
      check_destroyed(s, s.model.reset(), step);
      ARENA_EXPECT(s.memory.reserved() <= reserved_before);
    } else if (op < 870) {
      s.memory.release();
      check_destroyed(s, s.model.reset(), step);
      if (s.buffer == nullptr) ARENA_EXPECT(s.memory.reserved() == 0);
    } else {
      // A burst of small objects, the common case for dedup and plan building.
      for (int i = 0; i < 16; ++i) {
        std::size_t bytes = 16 + static_cast<std::size_t>(random.below(49));
        const unsigned char* predicted = s.buffer != nullptr ? s.model.predict(bytes, 8) : nullptr;
        auto* p = static_cast<unsigned char*>(s.memory.allocate(bytes, 8));
        if (s.buffer != nullptr) ARENA_EXPECT(p == predicted);
        if (p == nullptr) break;
        auto fill = static_cast<unsigned char>(random.next());
        std::memset(p, fill, bytes);
        ARENA_EXPECT(s.model.add(p, bytes, p, bytes, fill, -1, bytes));
      }
    }

    ARENA_EXPECT(s.memory.used() == s.model.used());
    ARENA_EXPECT(s.memory.reserved() <= s.memory.budget());
    ARENA_EXPECT(s.memory.peak() >= s.memory.reserved());
    ARENA_EXPECT(s.memory.peak() >= peak);
    peak = s.memory.peak();
    ARENA_EXPECT(s.log.empty());
    if (step % 64 == 0) ARENA_EXPECT(s.model.first_corrupted() == nullptr);
  }
  const std::size_t step = steps;
  ARENA_EXPECT(s.model.first_corrupted() == nullptr);
}

}  // namespace

TEST_CASE("arena matches the model in heap mode under a budget", "[arena]") {
  static const std::size_t first_blocks[] = {0, 64, 100, 1000, 4096, 65536};
  static const std::size_t budgets[] = {SIZE_MAX, 0, 100, 10000, 100000, 1000000, 5000000};
  const std::size_t runs = sluice_test::scaled(120);
  for (std::size_t run_index = 0; run_index < runs; ++run_index) {
    std::uint64_t seed = 0xA4E7A000u + run_index;
    sluice_test::rng random(seed * 31);
    std::size_t first = first_blocks[random.below(6)];
    std::size_t budget = random.percent(30) ? static_cast<std::size_t>(random.below(3000000))
                                            : budgets[random.below(7)];
    std::vector<int> log;
    arena_model::model model;
    {
      sluice::arena memory(first, budget);
      CHECK(memory.budget() == budget);
      CHECK_FALSE(memory.is_fixed());
      scenario s{memory, model, log, nullptr, seed};
      run(s, 1500);
      log.clear();
    }
    INFO("seed " << seed);
    CHECK(log == model.reset());  // the arena's destructor ran the remaining destructors
  }
}

TEST_CASE("arena matches the model exactly over a fixed buffer", "[arena]") {
  const std::size_t runs = sluice_test::scaled(120);
  for (std::size_t run_index = 0; run_index < runs; ++run_index) {
    std::uint64_t seed = 0xF1CED000u + run_index;
    sluice_test::rng random(seed * 17);
    std::size_t size = random.percent(10) ? static_cast<std::size_t>(random.below(64))
                                          : static_cast<std::size_t>(random.below(1500000));
    std::size_t misalignment = static_cast<std::size_t>(random.below(16));
    std::vector<unsigned char> storage(size + misalignment + 1);
    unsigned char* buffer = storage.data() + misalignment;
    std::vector<int> log;
    arena_model::model model(buffer, size);
    {
      sluice::arena memory(buffer, size);
      CHECK(memory.is_fixed());
      CHECK(memory.budget() == size);
      CHECK(memory.reserved() == size);
      scenario s{memory, model, log, buffer, seed};
      run(s, 1500);
      log.clear();
    }
    INFO("seed " << seed);
    CHECK(log == model.reset());
  }
}

}  // namespace arena_test_model
