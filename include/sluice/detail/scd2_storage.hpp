// Machinery behind sluice/scd2.hpp: the memory a history keeps. Per-key blocks come from a
// size-class pool over one arena (freed blocks are recycled by class); the key index is an
// open-addressing table in an arena of its own, replaced wholesale when it grows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "sluice/arena.hpp"
#include "sluice/detail/config.hpp"

SLUICE_NAMESPACE_BEGIN
namespace detail {

// Blocks of one size class are interchangeable. Up to 128 granules every multiple of the
// granule is a class (no waste); above, each doubling is split into 8 classes (at most 12.5%
// waste), so a key that grows by one change at a time keeps reusing its class.
class scd2_block_pool {
 public:
  static constexpr std::size_t exact_classes = 128;

  scd2_block_pool(std::size_t granule, arena memory) noexcept
      : granule_(granule), arena_(std::move(memory)) {}
  // The moved-from pool is empty and usable.
  scd2_block_pool(scd2_block_pool&& other) noexcept
      : granule_(other.granule_),
        arena_(std::move(other.arena_)),
        heads_(std::move(other.heads_)),
        listed_bytes_(std::exchange(other.listed_bytes_, 0)),
        live_bytes_(std::exchange(other.live_bytes_, 0)),
        free_bytes_(std::exchange(other.free_bytes_, 0)) {
    other.heads_.clear();
  }
  scd2_block_pool& operator=(scd2_block_pool&& other) noexcept {
    if (this != &other) {
      granule_ = other.granule_;
      arena_ = std::move(other.arena_);
      heads_ = std::move(other.heads_);
      other.heads_.clear();
      listed_bytes_ = std::exchange(other.listed_bytes_, 0);
      live_bytes_ = std::exchange(other.live_bytes_, 0);
      free_bytes_ = std::exchange(other.free_bytes_, 0);
    }
    return *this;
  }

  // Capacity in bytes of the class that holds `bytes`.
  std::size_t class_bytes(std::size_t bytes) const noexcept {
    return granules_of_class(class_of(bytes)) * granule_;
  }

  // A block of at least `bytes`, from the class's free list or fresh from the arena;
  // nullptr when the arena's budget is exhausted. `recycled` tells which.
  void* allocate(std::size_t bytes, bool& recycled) noexcept {
    const std::size_t index = class_of(bytes);
    const std::size_t capacity = granules_of_class(index) * granule_;
    if (index < heads_.size() && heads_[index] != nullptr) {
      void* block = heads_[index];
      heads_[index] = *static_cast<void**>(block);
      if (heads_[index] != nullptr) {
        // The next block of this class is likely written soon: fetch it for writing.
        const std::size_t lines = capacity < 512 ? capacity : 512;
        for (std::size_t offset = 0; offset < lines; offset += 64)
          SLUICE_PREFETCH_WRITE(static_cast<char*>(heads_[index]) + offset);
      }
      free_bytes_ -= capacity;
      live_bytes_ += capacity;
      recycled = true;
      return block;
    }
    recycled = false;
    void* block = arena_.allocate(capacity, granule_);
    if (block != nullptr) live_bytes_ += capacity;
    return block;
  }

  // Makes sure that releasing a block of `bytes` later allocates nothing (the free list of
  // its class exists): an apply calls it while building, so that installing cannot fail.
  void prepare_release(std::size_t bytes) {
    if (bytes > listed_bytes_) list_class_of(bytes);
  }

  // Returns a block of `bytes` (the size it was allocated for) to its class's free list.
  void release(void* block, std::size_t bytes) {
    prepare_release(bytes);
    const std::size_t index = class_of(bytes);
    *static_cast<void**>(block) = heads_[index];
    heads_[index] = block;
    const std::size_t capacity = granules_of_class(index) * granule_;
    free_bytes_ += capacity;
    live_bytes_ -= capacity;
  }

  // Forgets a block allocated fresh since `m`, ahead of arena().rewind(m).
  void forget_fresh(std::size_t bytes) noexcept { live_bytes_ -= class_bytes(bytes); }

  arena& memory() noexcept { return arena_; }
  const arena& memory() const noexcept { return arena_; }
  std::size_t live_bytes() const noexcept { return live_bytes_; }
  std::size_t free_bytes() const noexcept { return free_bytes_; }

 private:
  // Extends the free lists to the class of `bytes` (and every smaller one).
  void list_class_of(std::size_t bytes) {
    const std::size_t index = class_of(bytes);
    if (index >= heads_.size()) heads_.resize(index + 1, nullptr);
    listed_bytes_ = granules_of_class(heads_.size() - 1) * granule_;
  }
  std::size_t class_of(std::size_t bytes) const noexcept {
    std::size_t granules = (bytes + granule_ - 1) / granule_;
    if (granules <= exact_classes) return granules;
    unsigned exponent = 0;
    while ((granules >> (exponent + 1)) != 0) ++exponent;  // floor(log2(granules)) >= 7
    const std::size_t step = std::size_t{1} << (exponent - 3);
    std::size_t steps = (granules - (std::size_t{1} << exponent) + step - 1) / step;
    if (steps == 8) {
      ++exponent;
      steps = 0;
    }
    return exact_classes + (exponent - 7) * 8 + steps;
  }
  static std::size_t granules_of_class(std::size_t index) noexcept {
    if (index <= exact_classes) return index;
    const std::size_t exponent = (index - exact_classes) / 8 + 7;
    const std::size_t steps = (index - exact_classes) % 8;
    return (std::size_t{1} << exponent) + steps * (std::size_t{1} << (exponent - 3));
  }

  std::size_t granule_;
  arena arena_;
  std::vector<void*> heads_;  // free list per class, linked through the blocks' first word
  std::size_t listed_bytes_ = 0;  // blocks up to this size have a free list in heads_
  std::size_t live_bytes_ = 0;
  std::size_t free_bytes_ = 0;
};

// One slot of the key index: the full 64-bit hash (compared before the key, and reused when
// the table grows) and the key's block; block == nullptr marks an empty slot.
struct scd2_slot {
  std::uint64_t hash;
  void* block;
};

// Linear probing from the slot named by the hash's top bits, so a batch sorted by hash walks
// the table front to back. At most 80% full.
class scd2_index {
 public:
  static constexpr std::size_t npos = ~std::size_t{0};

  scd2_index() noexcept = default;
  scd2_index(scd2_index&& other) noexcept { take(other); }
  scd2_index& operator=(scd2_index&& other) noexcept {
    if (this != &other) take(other);
    return *this;
  }
  scd2_index(const scd2_index&) = delete;
  scd2_index& operator=(const scd2_index&) = delete;

  // An empty index with room for `keys` keys, in an arena of its own capped at `budget`
  // bytes; an index with no slots when that does not fit.
  static scd2_index with_room_for(std::size_t keys, std::size_t budget) noexcept {
    scd2_index index;
    std::size_t capacity = 16;
    while (capacity / 5 * 4 < keys) {
      if (capacity > (SIZE_MAX / sizeof(scd2_slot)) / 4) return index;
      capacity *= 2;
    }
    const std::size_t bytes = capacity * sizeof(scd2_slot);
    if (bytes > SIZE_MAX - 2 * arena::block_overhead - 64) return index;
    arena memory(bytes + arena::block_overhead + 64, budget);
    auto* slots = static_cast<scd2_slot*>(memory.allocate(bytes, alignof(scd2_slot)));
    if (slots == nullptr) return index;
    for (std::size_t i = 0; i < capacity; ++i) slots[i] = scd2_slot{0, nullptr};
    index.memory_ = std::move(memory);
    index.slots_ = slots;
    index.capacity_ = capacity;
    unsigned bits = 0;
    while ((std::size_t{1} << bits) < capacity) ++bits;
    index.shift_ = 64u - bits;
    return index;
  }

  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t size() const noexcept { return size_; }
  bool has_room_for(std::size_t keys) const noexcept { return keys <= capacity_ / 5 * 4; }
  std::size_t reserved() const noexcept { return memory_.reserved(); }

  // The slot holding the key with `hash` that `matches(block)` accepts, or npos.
  template <class Matches>
  std::size_t find(std::uint64_t hash, Matches&& matches) const {
    if (capacity_ == 0) return npos;
    for (std::size_t i = home(hash);; i = (i + 1) & (capacity_ - 1)) {
      const scd2_slot& slot = slots_[i];
      if (slot.block == nullptr) return npos;
      if (slot.hash == hash && matches(slot.block)) return i;
    }
  }

  // Adds a key known to be absent; the index must have room for it.
  std::size_t insert(std::uint64_t hash, void* block) noexcept {
    std::size_t i = home(hash);
    while (slots_[i].block != nullptr) i = (i + 1) & (capacity_ - 1);
    slots_[i] = scd2_slot{hash, block};
    ++size_;
    return i;
  }

  // Removes the key in slot `i`, shifting later members of its cluster back so that every
  // key stays reachable from its home slot.
  void erase(std::size_t i) noexcept {
    const std::size_t mask = capacity_ - 1;
    std::size_t hole = i;
    for (std::size_t next = (hole + 1) & mask; slots_[next].block != nullptr;
         next = (next + 1) & mask) {
      const std::size_t want = home(slots_[next].hash);
      // Move `next` into the hole unless its home lies cyclically in (hole, next].
      const bool home_after_hole = ((next - want) & mask) < ((next - hole) & mask);
      if (!home_after_hole) {
        slots_[hole] = slots_[next];
        hole = next;
      }
    }
    slots_[hole] = scd2_slot{0, nullptr};
    --size_;
  }

  // Moves every key of `other` into this (empty) index.
  void take_keys_of(const scd2_index& other) noexcept {
    for (std::size_t i = 0; i < other.capacity_; ++i)
      if (other.slots_[i].block != nullptr) insert(other.slots_[i].hash, other.slots_[i].block);
  }

  // Prefetches the home slot of `hash`. Forced inline: GCC deletes calls it did not inline to
  // a function whose only effect is a prefetch.
  SLUICE_ALWAYS_INLINE void prefetch_slot(std::uint64_t hash) const noexcept {
    if (capacity_ != 0) SLUICE_PREFETCH(&slots_[home(hash)]);
  }
  // The block in the home slot of `hash` if that slot holds this hash: where a lookup will
  // most likely end, for prefetching. nullptr otherwise.
  const void* likely_block(std::uint64_t hash) const noexcept {
    if (capacity_ == 0) return nullptr;
    const scd2_slot& slot = slots_[home(hash)];
    return slot.hash == hash ? slot.block : nullptr;
  }

  scd2_slot& slot(std::size_t i) noexcept { return slots_[i]; }
  const scd2_slot& slot(std::size_t i) const noexcept { return slots_[i]; }

 private:
  std::size_t home(std::uint64_t hash) const noexcept {
    return static_cast<std::size_t>(hash >> shift_);
  }
  void take(scd2_index& other) noexcept {
    memory_ = std::move(other.memory_);
    slots_ = other.slots_;
    capacity_ = other.capacity_;
    size_ = other.size_;
    shift_ = other.shift_;
    other.slots_ = nullptr;
    other.capacity_ = other.size_ = 0;
  }

  arena memory_{64, 0};
  scd2_slot* slots_ = nullptr;
  std::size_t capacity_ = 0;  // a power of two, or 0
  std::size_t size_ = 0;
  unsigned shift_ = 64;
};

}  // namespace detail
SLUICE_NAMESPACE_END
