// Fuzz target: arena. The bytes choose heap or fixed mode, the budget or buffer, then a
// sequence of allocate / allocate_array / create / copy / mark / rewind / reset / release /
// move operations, run against the naive model of tests/arena/model.hpp. After every step:
// no allocation overlaps a live one, every live allocation keeps its contents, used() is
// exact, reserved() <= budget(), peak() is monotone, destructors ran in the model's order, and
// over a fixed buffer every address is the one a bump allocator must return.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "arena/model.hpp"
#include "fuzz/fuzz_support.hpp"
#include "sluice/arena.hpp"

namespace {

struct plain_pair {
  int first;
  int second;
};

std::size_t pick_size(fuzz::input& in) {
  switch (in.below(8)) {
    case 0: return 0;
    case 1: return static_cast<std::size_t>(in.below(4096));
    case 2: return static_cast<std::size_t>(in.below(70000));
    case 3: return SIZE_MAX - static_cast<std::size_t>(in.below(5000));  // overflows: refused
    default: return static_cast<std::size_t>(in.below(96));
  }
}

std::size_t pick_alignment(fuzz::input& in) {
  static const std::size_t choices[] = {1, 2, 4, 8, 16, 32, 64, 256, 4096, 0, 3, 24};
  return choices[in.below(sizeof choices / sizeof choices[0])];
}

bool power_of_two(std::size_t n) { return n != 0 && (n & (n - 1)) == 0; }

struct state {
  sluice::arena memory;
  arena_model::model model;
  std::vector<int> log;
  const unsigned char* buffer;  // fixed mode: the buffer, else nullptr
  int next_id = 0;
};

template <class T>
void create_tracked(state& s, unsigned char fill) {
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
  const std::size_t used_before = s.memory.used();
  const std::size_t reserved_before = s.memory.reserved();
  const int id = s.next_id++;
  T* object = s.memory.create<T>(id, &s.log);
  if (s.buffer != nullptr) FUZZ_CHECK(reinterpret_cast<const unsigned char*>(object) == object_place);
  if (object == nullptr) {
    FUZZ_CHECK(s.memory.used() == used_before);
    FUZZ_CHECK(s.memory.reserved() == reserved_before);
    return;
  }
  FUZZ_CHECK(reinterpret_cast<std::uintptr_t>(object) % alignof(T) == 0);
  std::memset(object->payload, fill, sizeof object->payload);
  s.model.add_record(record_place);
  FUZZ_CHECK(s.model.add(reinterpret_cast<unsigned char*>(object), sizeof(T), object->payload,
                         sizeof object->payload, fill, id, sizeof(T)));
}

void expect_destroyed(state& s, const std::vector<int>& due) {
  FUZZ_CHECK(s.log == due);
  s.log.clear();
}

void step(state& s, fuzz::input& in) {
  const std::size_t reserved_before = s.memory.reserved();
  const unsigned char fill = in.byte();
  switch (in.below(12)) {
    case 0:
    case 1: {
      const std::size_t bytes = pick_size(in);
      const std::size_t alignment = pick_alignment(in);
      const bool valid = power_of_two(alignment);
      const unsigned char* predicted =
          s.buffer != nullptr && valid && bytes < SIZE_MAX / 2 ? s.model.predict(bytes, alignment) : nullptr;
      auto* p = static_cast<unsigned char*>(s.memory.allocate(bytes, alignment));
      if (!valid || bytes > SIZE_MAX / 2) FUZZ_CHECK(p == nullptr);
      if (s.buffer != nullptr) FUZZ_CHECK(p == predicted);
      if (s.buffer == nullptr && valid && bytes < SIZE_MAX / 2 &&
          (bytes == 0 ? 1 : bytes) + alignment - 1 + sluice::arena::block_overhead <=
              s.memory.budget() - reserved_before) {  // a zero-byte request takes one byte
        if (p == nullptr)
          std::fprintf(stderr, "refused %zu bytes aligned %zu: budget %zu, reserved %zu, used %zu\n", bytes,
                       alignment, s.memory.budget(), reserved_before, s.memory.used());
        FUZZ_CHECK(p != nullptr);  // a fresh block would fit: the arena must not refuse
      }
      if (p == nullptr) {
        FUZZ_CHECK(s.memory.reserved() == reserved_before);
        break;
      }
      FUZZ_CHECK(reinterpret_cast<std::uintptr_t>(p) % alignment == 0);
      std::memset(p, fill, bytes);
      FUZZ_CHECK(s.model.add(p, bytes, p, bytes, fill, -1, bytes == 0 ? 1 : bytes));
      break;
    }
    case 2: {
      std::size_t count = static_cast<std::size_t>(in.below(200));
      if (in.below(16) == 0) count = SIZE_MAX / 2;  // count * 4 overflows
      const unsigned char* predicted =
          s.buffer != nullptr && count != SIZE_MAX / 2 ? s.model.predict(count * 4, 4) : nullptr;
      auto* p = s.memory.allocate_array<std::uint32_t>(count);
      if (count == SIZE_MAX / 2) {
        FUZZ_CHECK(p == nullptr);
        break;
      }
      if (s.buffer != nullptr) FUZZ_CHECK(reinterpret_cast<unsigned char*>(p) == predicted);
      if (p != nullptr) {
        auto* bytes = reinterpret_cast<unsigned char*>(p);
        std::memset(bytes, fill, count * 4);
        FUZZ_CHECK(s.model.add(bytes, count * 4, bytes, count * 4, fill, -1, count == 0 ? 1 : count * 4));
      }
      break;
    }
    case 3: {
      const std::string_view text = in.prefixed(in.flag() ? 2000 : 40);
      const unsigned char* predicted =
          s.buffer != nullptr && !text.empty() ? s.model.predict(text.size(), 1) : nullptr;
      const std::string_view copied = s.memory.copy(text);
      if (text.empty()) {
        FUZZ_CHECK(copied.data() != nullptr && copied.empty());
      } else if (copied.data() == nullptr) {
        FUZZ_CHECK(copied.empty());
        FUZZ_CHECK(s.buffer == nullptr || predicted == nullptr);
      } else {
        FUZZ_CHECK(copied == text);
        auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(copied.data()));
        if (s.buffer != nullptr) FUZZ_CHECK(p == predicted);
        std::memset(p, fill, text.size());
        FUZZ_CHECK(s.model.add(p, text.size(), p, text.size(), fill, -1, text.size()));
      }
      break;
    }
    case 4:
      switch (in.below(3)) {
        case 0: create_tracked<arena_model::tracked<4>>(s, fill); break;
        case 1: create_tracked<arena_model::tracked<100>>(s, fill); break;
        default: create_tracked<arena_model::tracked<8, 64>>(s, fill); break;
      }
      break;
    case 5: {
      const unsigned char* predicted =
          s.buffer != nullptr ? s.model.predict(sizeof(plain_pair), alignof(plain_pair)) : nullptr;
      plain_pair* pair = s.memory.create<plain_pair>(7, 9);
      if (s.buffer != nullptr) FUZZ_CHECK(reinterpret_cast<unsigned char*>(pair) == predicted);
      if (pair != nullptr) {
        FUZZ_CHECK(pair->first == 7 && pair->second == 9);
        auto* p = reinterpret_cast<unsigned char*>(pair);
        FUZZ_CHECK(s.model.add(p, sizeof *pair, p, 0, 0, -1, sizeof *pair));
      }
      break;
    }
    case 6:
    case 7: s.model.mark(s.memory.mark(), s.memory.reserved()); break;
    case 8:
      if (!s.model.marks().empty()) {
        const auto index = static_cast<std::size_t>(in.below(s.model.marks().size()));
        const arena_model::saved_mark target = s.model.marks()[index];
        s.memory.rewind(target.marker);
        expect_destroyed(s, s.model.rewind(index));
        FUZZ_CHECK(s.memory.reserved() == target.reserved);
      }
      break;
    case 9:
      if (in.flag()) {
        s.memory.reset();
        expect_destroyed(s, s.model.reset());
        FUZZ_CHECK(s.memory.reserved() <= reserved_before);
      } else {
        s.memory.release();
        expect_destroyed(s, s.model.reset());
        if (s.buffer == nullptr) FUZZ_CHECK(s.memory.reserved() == 0);
      }
      break;
    case 10: {
      // Moving the cap: refused, with nothing changed, below reserved() and in fixed mode.
      const std::size_t before = s.memory.budget();
      const std::size_t wanted = in.flag() ? reserved_before + static_cast<std::size_t>(in.below(1u << 16))
                                           : static_cast<std::size_t>(in.below(1u << 20));
      const bool moved = s.memory.set_budget(wanted);
      FUZZ_CHECK(moved == (s.buffer == nullptr && wanted >= reserved_before));
      FUZZ_CHECK(s.memory.budget() == (moved ? wanted : before));
      FUZZ_CHECK(s.memory.reserved() == reserved_before);
      break;
    }
    default: {
      // Moving the arena moves every allocation; markers die, so the model forgets them.
      sluice::arena moved(std::move(s.memory));
      FUZZ_CHECK(s.memory.used() == 0 && s.memory.reserved() == 0);
      s.memory = std::move(moved);
      s.model.marks().clear();
      break;
    }
  }
  FUZZ_CHECK(s.memory.used() == s.model.used());
  FUZZ_CHECK(s.memory.reserved() <= s.memory.budget());
  FUZZ_CHECK(s.memory.peak() >= s.memory.reserved());
  FUZZ_CHECK(s.log.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const bool fixed = in.flag();
  std::vector<unsigned char> storage;
  const unsigned char* buffer = nullptr;
  std::size_t budget = SIZE_MAX;
  std::unique_ptr<state> s;
  if (fixed) {
    const auto buffer_size = static_cast<std::size_t>(in.below(1u << 16));
    const auto offset = static_cast<std::size_t>(in.below(16));  // any alignment
    storage.resize(buffer_size + offset + 1);
    buffer = storage.data() + offset;
    s.reset(new state{sluice::arena(storage.data() + offset, buffer_size),
                      arena_model::model(buffer, buffer_size), {}, buffer});
    FUZZ_CHECK(s->memory.is_fixed() && s->memory.budget() == buffer_size);
  } else {
    const auto first_block = static_cast<std::size_t>(in.below(8192));
    switch (in.below(4)) {
      case 0: break;
      case 1: budget = 0; break;
      default: budget = static_cast<std::size_t>(in.below(1u << 20)); break;
    }
    s.reset(new state{sluice::arena(first_block, budget), arena_model::model(), {}, nullptr});
    FUZZ_CHECK(s->memory.budget() == budget);
  }
  std::size_t peak = 0;
  for (int steps = 0; !in.empty() && steps < 2000; ++steps) {
    step(*s, in);
    FUZZ_CHECK(s->memory.peak() >= peak);
    peak = s->memory.peak();
  }
  FUZZ_CHECK(s->model.first_corrupted() == nullptr);
  // release() runs what is left, newest first (the arena's destructor does the same).
  const std::vector<int> due = s->model.reset();
  s->memory.release();
  FUZZ_CHECK(s->log == due);
  return 0;
}
