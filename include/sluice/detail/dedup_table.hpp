// Machinery behind sluice/dedup.hpp: the bucketized cuckoo table that holds every remembered key.
//
// The table is an array of lines; a line holds `slots_per_line` slots as a layout type (below)
// arranges them: 5 slots of a 64-bit key and a 32-bit expiry offset, or 6 of a 64-bit key and
// a 21-bit offset, in one 64-byte cache line. A slot is named by the address of its key. A key
// may live in one of two lines chosen by its hash, so a lookup reads at most two lines,
// whatever the load, and both can be prefetched. Inserting into two full lines moves keys to
// their other line along a path found by a bounded breadth-first search; the path is carried
// out only once it is complete, so a failed search changes nothing. The table knows offsets
// only as the layout stores them: callers say up to which offset a slot is free and how to
// rehash a stored key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
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

// Loops over the slots of a line are unrolled, so that each slot's place is a constant.
#if defined(__clang__)
#define SLUICE_DETAIL_UNROLL_LINE() _Pragma("unroll")
#elif defined(__GNUC__)
#define SLUICE_DETAIL_UNROLL_LINE() _Pragma("GCC unroll 8")
#else
#define SLUICE_DETAIL_UNROLL_LINE()
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

// Slot layouts. Each says where a slot's expiry offset is (0 marks a free slot that never held
// a key) and how a whole slot is copied; lines are 64-byte aligned wherever slots live.

// The key's bytes (`KeyBytes`, a tag included), then the offset, side by side.
template <std::size_t KeyBytes, class Offset>
struct dedup_inline_layout {
  using offset_type = Offset;
  static constexpr std::uint64_t offset_max = std::numeric_limits<Offset>::max();
  static constexpr std::size_t stride = KeyBytes + sizeof(Offset);
  static constexpr std::size_t slots_per_line = stride * 4 >= 64 ? 4 : 64 / stride;
  static constexpr std::size_t line_bytes = slots_per_line * stride <= 64 ? 64 : slots_per_line * stride;

  static Offset load_offset(const unsigned char* slot) noexcept {
    Offset offset;
    std::memcpy(&offset, slot + KeyBytes, sizeof offset);
    return offset;
  }
  static void store_offset(unsigned char* slot, Offset offset) noexcept {
    std::memcpy(slot + KeyBytes, &offset, sizeof offset);
  }
  static void copy(unsigned char* to, const unsigned char* from) noexcept { std::memcpy(to, from, stride); }
  static void clear(unsigned char* slot) noexcept { std::memset(slot, 0, stride); }

  // Where slot i of a line starts.
  static constexpr std::size_t slot_at(std::size_t i) noexcept { return i * stride; }
  // Where the first slot of `line` whose offset is at most `free_up_to` starts, or line_bytes
  // if there is none.
  static std::size_t first_free(const unsigned char* line, Offset free_up_to) noexcept {
    std::size_t i = 0;
    while (i < slots_per_line && load_offset(line + slot_at(i)) > free_up_to) ++i;
    return i == slots_per_line ? line_bytes : slot_at(i);
  }
};

// Six 8-byte keys in two halves of a line, each half three keys and then their 21-bit offsets
// in one 64-bit word: 10.7 bytes a slot instead of 12.8, for windows short enough to need no
// more than 21 bits (window + lateness <= 2^19 time units: see dedup_engine.hpp). A slot's
// offset word is found from its address (the end of its 32-byte half), so slots live only in
// 64-byte aligned lines.
struct dedup_packed_layout {
  using offset_type = std::uint32_t;
  static constexpr unsigned offset_bits = 21;
  static constexpr std::uint64_t offset_max = (std::uint64_t{1} << offset_bits) - 1;
  static constexpr std::size_t key_bytes = 8;
  static constexpr std::size_t slots_per_line = 6;
  static constexpr std::size_t line_bytes = 64;
  static constexpr std::size_t half_bytes = 32;  // three keys, then their offsets' word

  static constexpr std::size_t slot_at(std::size_t i) noexcept { return i / 3 * half_bytes + i % 3 * key_bytes; }

  static std::uint32_t load_offset(const unsigned char* slot) noexcept {
    const place at = place_of(slot);
    return static_cast<std::uint32_t>(load_word(at.word) >> at.shift & offset_max);
  }
  static void store_offset(unsigned char* slot, std::uint32_t offset) noexcept {
    const place at = place_of(slot);
    const std::uint64_t word = load_word(at.word);
    store_word(at.word, (word & ~(offset_max << at.shift)) | (std::uint64_t{offset} & offset_max) << at.shift);
  }
  static void copy(unsigned char* to, const unsigned char* from) noexcept {
    std::memcpy(to, from, key_bytes);
    store_offset(to, load_offset(from));
  }
  static void clear(unsigned char* slot) noexcept {
    std::memset(slot, 0, key_bytes);
    store_offset(slot, 0);
  }
  // The same for packed lines; `free_up_to` must be at most offset_max.
  static std::size_t first_free(const unsigned char* line, std::uint32_t free_up_to) noexcept {
    const std::uint64_t gap = offset_max - free_up_to;
    const std::uint64_t low = free_fields(load_word(line + 3 * key_bytes), gap);
    if (low != 0) return slot_in_half(low);
    const std::uint64_t high = free_fields(load_word(line + half_bytes + 3 * key_bytes), gap);
    return high == 0 ? line_bytes : half_bytes + slot_in_half(high);
  }

 private:
  // Bit 21 * (k + 1) set when the k-th offset of `word` is at most offset_max - gap. Adding
  // gap to an offset carries out of its 21 bits exactly when it is above that; the first and
  // third offsets are added in one word (their carries land in the cleared second field and in
  // bit 63), the second in another.
  static std::uint64_t free_fields(std::uint64_t word, std::uint64_t gap) noexcept {
    constexpr std::uint64_t field = offset_max;
    constexpr std::uint64_t carries = std::uint64_t{1} << 21 | std::uint64_t{1} << 42 | std::uint64_t{1} << 63;
    const std::uint64_t outer = (word & (field | field << 42)) + (gap | gap << 42);
    const std::uint64_t middle = (word & field << 21) + (gap << 21);
    return ((outer & (carries ^ std::uint64_t{1} << 42)) | (middle & std::uint64_t{1} << 42)) ^ carries;
  }
  // Where the slot of the lowest bit free_fields set starts in its half: bit 21 * (k + 1)
  // divided by 16 is k + 1.
  static std::size_t slot_in_half(std::uint64_t fields) noexcept {
    return (dedup_count_trailing_zeros(fields) / 16 - 1) * key_bytes;
  }
  struct place {
    unsigned char* word;
    unsigned shift;
  };
  static place place_of(const unsigned char* slot) noexcept {
    const std::size_t in_half = static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(slot) & (half_bytes - 1));
    unsigned char* word = const_cast<unsigned char*>(slot) - in_half + 3 * key_bytes;
    return {word, static_cast<unsigned>(in_half / key_bytes) * offset_bits};
  }
  static std::uint64_t load_word(const unsigned char* at) noexcept {
    std::uint64_t word;
    std::memcpy(&word, at, sizeof word);
    return word;
  }
  static void store_word(unsigned char* at, std::uint64_t word) noexcept { std::memcpy(at, &word, sizeof word); }
};

template <class Layout>
class dedup_table {
 public:
  static constexpr std::size_t slots_per_line = Layout::slots_per_line;
  static constexpr std::size_t line_bytes = Layout::line_bytes;
  using offset_type = typename Layout::offset_type;
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
      SLUICE_DETAIL_UNROLL_LINE()
      for (std::size_t i = 0; i < slots_per_line; ++i) fn(aligned() + line * line_bytes + Layout::slot_at(i));
  }
  template <class Fn>
  void each_slot(Fn&& fn) const {
    const unsigned char* memory = aligned();
    for (std::size_t line = 0; line < lines_; ++line)
      SLUICE_DETAIL_UNROLL_LINE()
      for (std::size_t i = 0; i < slots_per_line; ++i) fn(memory + line * line_bytes + Layout::slot_at(i));
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
    const unsigned char* first = aligned() + lines.first * line_bytes;
    const unsigned char* second = aligned() + lines.second * line_bytes;
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
    SLUICE_DETAIL_UNROLL_LINE()
    for (std::size_t i = 0; i < slots_per_line; ++i) fn(aligned() + lines.first * line_bytes + Layout::slot_at(i));
    if (lines.second == lines.first) return;
    SLUICE_DETAIL_UNROLL_LINE()
    for (std::size_t i = 0; i < slots_per_line; ++i) fn(aligned() + lines.second * line_bytes + Layout::slot_at(i));
  }

  // The first slot of `lines` (a hash's) for which `pred(slot)` holds, or nullptr.
  template <class Pred>
  unsigned char* find(const line_pair& lines, Pred&& pred) noexcept {
    if (memory_ == nullptr) return nullptr;
    const position p = scan_both(lines.first, lines.second, pred);
    return p == npos ? nullptr : aligned() + p;
  }

  // Finds a free slot (one whose offset is at most `free_up_to`) in `lines`, a hash's, moving
  // stored keys to their other line if both lines are full: hash_of(slot) gives a stored key's
  // hash, and claim(slot) is called on the free slot about to be overwritten. Returns the slot
  // to fill, or nullptr when no path of moves was found within the search bound (nothing
  // moved). The search itself is out of line: a free slot in one of the two lines is the
  // common case.
  template <class HashOf, class Claim>
  SLUICE_ALWAYS_INLINE unsigned char* make_room(const line_pair& lines, offset_type free_up_to, HashOf&& hash_of,
                                                Claim&& claim) noexcept {
    position p = free_in(lines.first, free_up_to);
    if (p == npos && lines.second != lines.first) p = free_in(lines.second, free_up_to);
    if (p != npos) {
      claim(aligned() + p);
      return aligned() + p;
    }
    const position moved = move_to_make_room(lines.first, lines.second, free_up_to, hash_of, claim);
    return moved == npos ? nullptr : aligned() + moved;
  }

 private:
  template <class HashOf, class Claim>
  SLUICE_NOINLINE position move_to_make_room(std::size_t first, std::size_t second, offset_type free_up_to, HashOf& hash_of,
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
      SLUICE_DETAIL_UNROLL_LINE()
      for (std::size_t k = 0; k < slots_per_line; ++k) {
        const position candidate = line * line_bytes + Layout::slot_at(k);
        bool on_path = false;  // a path through one slot twice would lose a key
        for (int j = parent; j >= 0 && !on_path; j = steps[j].parent) on_path = steps[j].at == candidate;
        if (on_path) continue;
        const line_pair moved_lines = lines_of(hash_of(static_cast<const unsigned char*>(aligned() + candidate)));
        const std::size_t other = moved_lines.first == line ? moved_lines.second : moved_lines.first;
        if (other == line) continue;
        SLUICE_PREFETCH(aligned() + other * line_bytes);
        steps[count++] = {candidate, other, parent};
      }
    };
    // Carries out the path ending at step i from its end: each key moves into the slot its
    // child vacated, the last one into `hole`.
    auto carry_out = [&](int i, position hole) {
      claim(aligned() + hole);
      position to = hole;
      for (int j = i; j >= 0; j = steps[j].parent) {
        Layout::copy(aligned() + to, aligned() + steps[j].at);
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
        const position hole = free_in(steps[scanned].other, free_up_to);
        if (hole != npos) return carry_out(scanned, hole);
      }
    }
    for (int i = 0; i < count; ++i) {
      if (i >= scanned) {
        const position hole = free_in(steps[i].other, free_up_to);
        if (hole != npos) return carry_out(i, hole);
      }
      if (count + static_cast<int>(slots_per_line) <= most_steps) queue(steps[i].other, i);
    }
    return npos;
  }

  // The first free slot of a line, or npos.
  position free_in(std::size_t line, offset_type free_up_to) const noexcept {
    const std::size_t at = Layout::first_free(aligned() + line * line_bytes, free_up_to);
    return at == line_bytes ? npos : line * line_bytes + at;
  }
  template <class Pred>
  position scan_both(std::size_t first, std::size_t second, Pred& pred) const noexcept {
    const position p = scan(first, pred);
    return p == npos && second != first ? scan(second, pred) : p;
  }
  template <class Pred>
  position scan(std::size_t line, Pred& pred) const noexcept {
    const unsigned char* base = aligned() + line * line_bytes;
    SLUICE_DETAIL_UNROLL_LINE()
    for (std::size_t i = 0; i < slots_per_line; ++i)
      if (pred(base + Layout::slot_at(i))) return line * line_bytes + Layout::slot_at(i);
    return npos;
  }
  // The table's memory, marked for the compiler as the 64-byte aligned memory it is, so that
  // in unrolled loops over a line it can work out where a packed slot's offset word is.
  unsigned char* aligned() const noexcept {
#if defined(__GNUC__) || defined(__clang__)
    return static_cast<unsigned char*>(__builtin_assume_aligned(memory_, line_alignment));
#else
    return memory_;
#endif
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

// Slots that found no room in the table, kept in lines of the table's layout (64-byte aligned),
// so that a slot reads the same wherever it is. Grows only when told to (reserve).
template <class Layout>
class dedup_stash {
 public:
  static constexpr std::size_t slots_per_line = Layout::slots_per_line;
  static constexpr std::size_t line_bytes = Layout::line_bytes;

  dedup_stash() noexcept = default;
  dedup_stash(const dedup_stash&) = delete;
  dedup_stash& operator=(const dedup_stash&) = delete;
  dedup_stash(dedup_stash&& other) noexcept { swap(other); }
  dedup_stash& operator=(dedup_stash&& other) noexcept {
    if (this != &other) {
      release();
      swap(other);
    }
    return *this;
  }
  ~dedup_stash() { release(); }

  // Bytes the stash would take with room for `slots` slots.
  static std::size_t bytes_for(std::size_t slots) noexcept {
    return (slots / slots_per_line + (slots % slots_per_line != 0 ? 1 : 0)) * line_bytes;
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t capacity() const noexcept { return lines_ * slots_per_line; }
  std::size_t bytes() const noexcept { return lines_ * line_bytes; }

  unsigned char* operator[](std::size_t i) noexcept {
    return memory_ + i / slots_per_line * line_bytes + Layout::slot_at(i % slots_per_line);
  }
  const unsigned char* operator[](std::size_t i) const noexcept {
    return memory_ + i / slots_per_line * line_bytes + Layout::slot_at(i % slots_per_line);
  }

  // Room for exactly bytes_for(slots) bytes, keeping the slots held; false (nothing changed)
  // when the heap refuses or `slots` is below size().
  bool reserve(std::size_t slots) noexcept {
    if (slots < size_) return false;
    const std::size_t lines = bytes_for(slots) / line_bytes;
    if (lines == lines_) return true;
    dedup_stash bigger;
    if (lines != 0) {
      void* memory = ::operator new(lines * line_bytes, std::align_val_t{64}, std::nothrow);
      if (memory == nullptr) return false;
      std::memset(memory, 0, lines * line_bytes);
      bigger.memory_ = static_cast<unsigned char*>(memory);
      bigger.lines_ = lines;
    }
    for (std::size_t i = 0; i < size_; ++i) bigger.push((*this)[i]);
    swap(bigger);
    return true;
  }
  // Appends a copy of `slot`, or a cleared slot; the capacity must allow it.
  unsigned char* push(const unsigned char* slot) noexcept {
    unsigned char* to = (*this)[size_++];
    Layout::copy(to, slot);
    return to;
  }
  unsigned char* push_cleared() noexcept {
    unsigned char* to = (*this)[size_++];
    Layout::clear(to);
    return to;
  }
  // Keeps the slots for which keep(slot) holds, in order.
  template <class Keep>
  void keep_if(Keep&& keep) noexcept {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < size_; ++i)
      if (keep(static_cast<const unsigned char*>((*this)[i]))) {
        if (kept != i) Layout::copy((*this)[kept], (*this)[i]);
        ++kept;
      }
    size_ = kept;
  }
  void clear() noexcept { size_ = 0; }
  void release() noexcept {
    if (memory_ != nullptr) ::operator delete(memory_, std::align_val_t{64});
    memory_ = nullptr;
    lines_ = 0;
    size_ = 0;
  }
  void swap(dedup_stash& other) noexcept {
    std::swap(memory_, other.memory_);
    std::swap(lines_, other.lines_);
    std::swap(size_, other.size_);
  }

 private:
  unsigned char* memory_ = nullptr;
  std::size_t lines_ = 0;
  std::size_t size_ = 0;
};

}  // namespace detail
SLUICE_NAMESPACE_END
