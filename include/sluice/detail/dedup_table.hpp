// Machinery behind sluice/dedup.hpp: the bucketized cuckoo table that holds every remembered key.
//
// The table is an array of lines; a line holds `slots_per_line` fixed-size slots (5 for a 64-bit
// key with a 32-bit expiry, so a line is one 64-byte cache line). A key may live in one of two
// lines chosen by its hash, so a lookup reads at most two lines, whatever the load, and both
// can be prefetched. Inserting into two full lines moves keys to their other line along a path
// found by a bounded breadth-first search; the path is carried out only once it is complete, so
// a failed search changes nothing. The table knows nothing about keys or expiries: callers say
// which slots are free and how to rehash a stored key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <utility>

#include "sluice/detail/config.hpp"
#include "sluice/detail/hash_core.hpp"
#include "sluice/detail/huge_pages.hpp"

#if defined(__SSE2__) || defined(_M_X64)
#define SLUICE_DETAIL_DEDUP_SSE2() 1
#else
#define SLUICE_DETAIL_DEDUP_SSE2() 0
#endif

SLUICE_NAMESPACE_BEGIN
namespace detail {

// Index of the lowest set bit; `mask` must not be 0.
inline unsigned dedup_count_trailing_zeros(std::uint64_t mask) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  return static_cast<unsigned>(__builtin_ctzll(mask));
#else
  unsigned n = 0;
  while ((mask & 1u) == 0) mask >>= 1, ++n;
  return n;
#endif
}

template <std::size_t SlotSize>
class dedup_table {
 public:
  static constexpr std::size_t slot_size = SlotSize;
  static constexpr std::size_t slots_per_line = SlotSize * 4 >= 64 ? 4 : 64 / SlotSize;
  static constexpr std::size_t line_bytes =
      slots_per_line * SlotSize <= 64 ? 64 : slots_per_line * SlotSize;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  static constexpr std::size_t line_alignment = 64;

  // Where a slot is: its byte offset in the table.
  using position = std::size_t;

  dedup_table() noexcept = default;
  dedup_table(const dedup_table&) = delete;
  dedup_table& operator=(const dedup_table&) = delete;
  dedup_table(dedup_table&& other) noexcept { take(other); }
  dedup_table& operator=(dedup_table&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  ~dedup_table() { release(); }

  // Bytes a table of `lines` lines takes; SIZE_MAX when it cannot be represented.
  static std::size_t bytes_for(std::size_t lines) noexcept {
    return lines > SIZE_MAX / line_bytes ? SIZE_MAX : lines * line_bytes;
  }
  // The fewest lines that give `slots` slots.
  static std::size_t lines_for(std::size_t slots) noexcept {
    const std::size_t lines = slots / slots_per_line + (slots % slots_per_line != 0 ? 1 : 0);
    return lines < 2 ? 2 : lines;
  }

  // Allocates a zero-filled table (every slot's bytes 0); false when the heap refuses.
  bool allocate(std::size_t lines) noexcept {
    release();
    const std::size_t bytes = bytes_for(lines);
    if (lines < 2 || bytes == SIZE_MAX) return false;
    void* memory = nullptr;
    if (mapped(bytes)) {
      memory = map_pages(bytes);  // zero-filled
      if (memory == nullptr) return false;
    } else {
      memory = ::operator new(bytes, std::align_val_t{line_alignment}, std::nothrow);
      if (memory == nullptr) return false;
      std::memset(memory, 0, bytes);
    }
    memory_ = static_cast<unsigned char*>(memory);
    lines_ = lines;
    return true;
  }
  void release() noexcept {
    if (memory_ != nullptr) {
      if (mapped(bytes())) {
        unmap_pages(memory_, bytes());
      } else {
        ::operator delete(memory_, std::align_val_t{line_alignment});
      }
    }
    memory_ = nullptr;
    lines_ = 0;
  }

  // Tables of 1 MiB and more are mapped where the platform can (see huge_pages.hpp): a table
  // that grows or shrinks then hands its old memory back to the system.
  static bool mapped(std::size_t bytes) noexcept { return can_map_pages && bytes >= (std::size_t{1} << 20); }

  bool empty() const noexcept { return memory_ == nullptr; }
  std::size_t lines() const noexcept { return lines_; }
  std::size_t slots() const noexcept { return lines_ * slots_per_line; }
  std::size_t bytes() const noexcept { return lines_ * line_bytes; }

  // Calls fn(slot) for every slot, line by line.
  template <class Fn>
  void each_slot(Fn&& fn) {
    for (std::size_t line = 0; line < lines_; ++line)
      for (std::size_t i = 0; i < slots_per_line; ++i) fn(memory_ + line * line_bytes + i * SlotSize);
  }
  template <class Fn>
  void each_slot(Fn&& fn) const {
    const unsigned char* memory = memory_;
    for (std::size_t line = 0; line < lines_; ++line)
      for (std::size_t i = 0; i < slots_per_line; ++i) fn(memory + line * line_bytes + i * SlotSize);
  }

  // The two lines a hash may live in (they may coincide). hash / 2^64 * lines is a fixed-point
  // number in [0, lines): its integer part is the first line and its fraction, scaled the same
  // way, the second, so both come from the hash's bits without a division.
  struct line_pair {
    std::size_t first, second;
  };
  line_pair lines_of(std::uint64_t hash) const noexcept {
    const hashing::pair64 scaled = hashing::multiply(hash, lines_);
    const hashing::pair64 fraction = hashing::multiply(scaled.low, lines_);
    return {static_cast<std::size_t>(scaled.high), static_cast<std::size_t>(fraction.high)};
  }

  // Starts loading both lines of a hash. Forced inline, as is every function on the way to it:
  // GCC treats a function whose only effect is a prefetch as free of side effects and deletes
  // calls to it that it did not inline (the batch offer of fingerprints lost its prefetches so).
  SLUICE_ALWAYS_INLINE void prefetch(std::uint64_t hash) const noexcept {
    if (memory_ == nullptr) return;
    const line_pair lines = lines_of(hash);
    const unsigned char* first = memory_ + lines.first * line_bytes;
    const unsigned char* second = memory_ + lines.second * line_bytes;
    SLUICE_PREFETCH(first);
    SLUICE_PREFETCH(second);
    if (line_bytes > 64) {
      SLUICE_PREFETCH(first + line_bytes - 1);
      SLUICE_PREFETCH(second + line_bytes - 1);
    }
  }

  // Calls fn(slot) for every slot of the lines of `hash`.
  template <class Fn>
  SLUICE_ALWAYS_INLINE void each_slot_of(std::uint64_t hash, Fn&& fn) const noexcept {
    if (memory_ == nullptr) return;
    const line_pair lines = lines_of(hash);
    for (std::size_t i = 0; i < slots_per_line; ++i) fn(memory_ + lines.first * line_bytes + i * SlotSize);
    if (lines.second == lines.first) return;
    for (std::size_t i = 0; i < slots_per_line; ++i) fn(memory_ + lines.second * line_bytes + i * SlotSize);
  }

  // The first slot of either line of `hash` for which `pred(slot)` holds, or nullptr.
  template <class Pred>
  unsigned char* find(std::uint64_t hash, Pred&& pred) noexcept {
    if (memory_ == nullptr) return nullptr;
    const line_pair lines = lines_of(hash);
    const position p = scan_both(lines.first, lines.second, pred);
    return p == npos ? nullptr : memory_ + p;
  }

  // Finds a free slot for `hash`, moving stored keys to their other line if both lines are
  // full: free(slot) tells a free slot, hash_of(slot) a stored key's hash, and claim(slot) is
  // called on the free slot about to be overwritten. Returns the slot to fill, or nullptr when
  // no path of moves was found within the search bound (nothing moved). The search itself is
  // out of line: a free slot in one of the two lines is the common case.
  template <class Free, class HashOf, class Claim>
  SLUICE_ALWAYS_INLINE unsigned char* make_room(std::uint64_t hash, Free&& free, HashOf&& hash_of,
                                                Claim&& claim) noexcept {
    const line_pair lines = lines_of(hash);
    const position p = scan_both(lines.first, lines.second, free);
    if (p != npos) {
      claim(memory_ + p);
      return memory_ + p;
    }
    const position moved = move_to_make_room(lines.first, lines.second, free, hash_of, claim);
    return moved == npos ? nullptr : memory_ + moved;
  }

 private:
  template <class Free, class HashOf, class Claim>
  SLUICE_NOINLINE position move_to_make_room(std::size_t first, std::size_t second, Free& free, HashOf& hash_of,
                                             Claim& claim) noexcept {
    // Breadth-first search over "the key in this slot moves to its other line". The other
    // line of every step is computed, and its loading started, when the step is queued, so
    // that the cache misses of one level overlap.
    struct step {
      position at;
      std::size_t other;
      int parent;
    };
    constexpr int most_steps = 128;
    step steps[most_steps];
    int count = 0;
    auto queue = [&](std::size_t line, int parent) {
      for (std::size_t k = 0; k < slots_per_line; ++k) {
        const position candidate = line * line_bytes + k * SlotSize;
        bool on_path = false;  // a path through one slot twice would lose a key
        for (int j = parent; j >= 0 && !on_path; j = steps[j].parent) on_path = steps[j].at == candidate;
        if (on_path) continue;
        const line_pair moved_lines = lines_of(hash_of(static_cast<const unsigned char*>(memory_ + candidate)));
        const std::size_t other = moved_lines.first == line ? moved_lines.second : moved_lines.first;
        if (other == line) continue;
        SLUICE_PREFETCH(memory_ + other * line_bytes);
        steps[count++] = {candidate, other, parent};
      }
    };
    // Carries out the path ending at step i from its end: each key moves into the slot its
    // child vacated, the last one into `hole`.
    auto carry_out = [&](int i, position hole) {
      claim(memory_ + hole);
      position to = hole;
      for (int j = i; j >= 0; j = steps[j].parent) {
        std::memcpy(memory_ + to, memory_ + steps[j].at, SlotSize);
        to = steps[j].at;
      }
      return to;
    };
    // The first level line by line: a key of the first line usually has room in its other
    // line, and the second line's keys are then never hashed. The order of the search is the
    // same as queuing both lines at once.
    int scanned = 0;
    for (int side = 0; side < 2; ++side) {
      if (side == 1 && second == first) break;
      queue(side == 0 ? first : second, -1);
      for (; scanned < count; ++scanned) {
        const position hole = scan(steps[scanned].other, free);
        if (hole != npos) return carry_out(scanned, hole);
      }
    }
    for (int i = 0; i < count; ++i) {
      if (i >= scanned) {
        const position hole = scan(steps[i].other, free);
        if (hole != npos) return carry_out(i, hole);
      }
      if (count + static_cast<int>(slots_per_line) <= most_steps) queue(steps[i].other, i);
    }
    return npos;
  }

  template <class Pred>
  position scan_both(std::size_t first, std::size_t second, Pred& pred) const noexcept {
    const position p = scan(first, pred);
    return p == npos && second != first ? scan(second, pred) : p;
  }
  template <class Pred>
  position scan(std::size_t line, Pred& pred) const noexcept {
    const unsigned char* base = memory_ + line * line_bytes;
    for (std::size_t i = 0; i < slots_per_line; ++i)
      if (pred(base + i * SlotSize)) return line * line_bytes + i * SlotSize;
    return npos;
  }
  void take(dedup_table& other) noexcept {
    memory_ = other.memory_;
    lines_ = other.lines_;
    other.memory_ = nullptr;
    other.lines_ = 0;
  }

  unsigned char* memory_ = nullptr;
  std::size_t lines_ = 0;
};

}  // namespace detail
SLUICE_NAMESPACE_END
