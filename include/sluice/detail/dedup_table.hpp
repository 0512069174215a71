// Machinery behind sluice/dedup.hpp: the open-addressing table every time bucket owns.
//
// Layout of one table with capacity C and S-byte slots, in one allocation:
//   [slot 0 .. slot C-1: C * S bytes, packed, read with memcpy][control: C + 16 bytes]
// A control byte is 0x00-0x7F (a used slot; the low 7 bits of the key's hash), 0x80 (empty)
// or 0xFE (deleted). The last 16 control bytes mirror the first 16, so a 16-byte group can be
// read at any position without wrapping. C need not be a power of two: the home position is
// ((hash >> 32) * C) >> 32, which lets every bucket be sized to its expected key count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "sluice/detail/config.hpp"

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define SLUICE_DETAIL_DEDUP_SSE2() 1
#else
#define SLUICE_DETAIL_DEDUP_SSE2() 0
#endif

SLUICE_NAMESPACE_BEGIN
namespace detail {

inline constexpr std::uint8_t dedup_control_empty = 0x80;
inline constexpr std::uint8_t dedup_control_deleted = 0xFE;
inline constexpr std::size_t dedup_group_width = 16;

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

inline void dedup_prefetch(const void* address) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(address);
#else
  (void)address;
#endif
}

// Sixteen control bytes; each query returns a mask whose bit i stands for byte i.
class dedup_group {
 public:
#if SLUICE_DETAIL_DEDUP_SSE2()
  explicit dedup_group(const std::uint8_t* bytes) noexcept
      : bytes_(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes))) {}
  std::uint32_t match(std::uint8_t control) const noexcept {
    return static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(bytes_, _mm_set1_epi8(static_cast<char>(control)))));
  }
  std::uint32_t match_free() const noexcept {
    return static_cast<std::uint32_t>(_mm_movemask_epi8(bytes_));
  }

 private:
  __m128i bytes_;
#else
  explicit dedup_group(const std::uint8_t* bytes) noexcept : low_(load(bytes)), high_(load(bytes + 8)) {}
  std::uint32_t match(std::uint8_t control) const noexcept {
    const std::uint64_t pattern = 0x0101010101010101ull * control;
    return gather(zero_bytes(low_ ^ pattern)) | gather(zero_bytes(high_ ^ pattern)) << 8;
  }
  std::uint32_t match_free() const noexcept {
    return gather(low_ & high_bits) | gather(high_ & high_bits) << 8;
  }

 private:
  static constexpr std::uint64_t high_bits = 0x8080808080808080ull;
  static constexpr std::uint64_t low_bits = 0x7F7F7F7F7F7F7F7Full;
  // Byte i of the result is 0x80 exactly where byte i of x is zero.
  static std::uint64_t zero_bytes(std::uint64_t x) noexcept {
    return ~(((x & low_bits) + low_bits) | x) & high_bits;
  }
  // Packs the top bit of each byte into 8 bits, byte 0 lowest.
  static std::uint32_t gather(std::uint64_t top_bits) noexcept {
    return static_cast<std::uint32_t>(((top_bits >> 7) * 0x0102040810204080ull) >> 56);
  }
  static std::uint64_t load(const std::uint8_t* bytes) noexcept {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | bytes[i];
    return v;
  }
  std::uint64_t low_, high_;
#endif
};

// A table of fixed-size slots; it knows nothing about keys: callers pass hashes and
// slot predicates. Not copyable; moves leave the source empty.
template <std::size_t SlotSize>
class dedup_table {
 public:
  static constexpr std::size_t slot_size = SlotSize;
  static constexpr std::size_t minimum_capacity = dedup_group_width;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

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

  // Bytes one allocation of `capacity` slots takes; SIZE_MAX when it cannot be represented.
  static std::size_t bytes_for(std::size_t capacity) noexcept {
    if (capacity > (SIZE_MAX - dedup_group_width) / (SlotSize + 1)) return SIZE_MAX;
    return capacity * (SlotSize + 1) + dedup_group_width;
  }
  // The most slots (used or deleted) a table of `capacity` holds before it must grow: 7/8.
  static std::size_t fill_limit(std::size_t capacity) noexcept { return capacity - capacity / 8; }
  // The smallest capacity whose fill limit admits `count` slots.
  static std::size_t capacity_for(std::size_t count) noexcept {
    std::size_t capacity = count + count / 7;
    if (capacity < minimum_capacity) return fill_limit(minimum_capacity) >= count ? minimum_capacity : count + 2;
    while (fill_limit(capacity) < count) ++capacity;
    while (capacity > minimum_capacity && fill_limit(capacity - 1) >= count) --capacity;
    return capacity;
  }

  // Allocates an empty table; false when the heap refuses (the table stays empty).
  bool allocate(std::size_t capacity) noexcept {
    release();
    if (capacity < minimum_capacity || capacity > 0xFFFFFFFFu) return false;
    std::size_t bytes = bytes_for(capacity);
    if (bytes == SIZE_MAX) return false;
    auto* memory = static_cast<unsigned char*>(::operator new(bytes, std::nothrow));
    if (memory == nullptr) return false;
    memory_ = memory;
    capacity_ = capacity;
    control_ = reinterpret_cast<std::uint8_t*>(memory_ + capacity * SlotSize);
    std::memset(control_, dedup_control_empty, capacity + dedup_group_width);
    return true;
  }

  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t used() const noexcept { return used_; }
  std::size_t deleted() const noexcept { return deleted_; }
  std::size_t bytes() const noexcept { return memory_ == nullptr ? 0 : bytes_for(capacity_); }
  bool has_room() const noexcept { return used_ + deleted_ < fill_limit(capacity_); }

  unsigned char* slot(std::size_t index) noexcept { return memory_ + index * SlotSize; }
  const unsigned char* slot(std::size_t index) const noexcept { return memory_ + index * SlotSize; }
  std::uint8_t control(std::size_t index) const noexcept { return control_[index]; }
  bool is_used(std::size_t index) const noexcept { return control_[index] < 0x80u; }

  std::size_t home(std::uint64_t hash) const noexcept {
    return static_cast<std::size_t>(((hash >> 32) * static_cast<std::uint64_t>(capacity_)) >> 32);
  }
  static std::uint8_t tag(std::uint64_t hash) noexcept { return static_cast<std::uint8_t>(hash & 0x7Fu); }

  // Starts loading the memory a lookup of `hash` reads first.
  void prefetch(std::uint64_t hash) const noexcept {
    if (capacity_ == 0) return;
    std::size_t position = home(hash);
    dedup_prefetch(control_ + position);
    dedup_prefetch(memory_ + position * SlotSize);
  }

  // The index of the used slot with this hash for which `matches(slot)` holds, or npos.
  template <class Matches>
  std::size_t find(std::uint64_t hash, Matches&& matches) const noexcept {
    if (capacity_ == 0) return npos;
    const std::uint8_t wanted = tag(hash);
    std::size_t position = home(hash);
    for (std::size_t probed = 0; probed < capacity_; probed += dedup_group_width) {
      dedup_group group(control_ + position);
      for (std::uint32_t mask = group.match(wanted); mask != 0; mask &= mask - 1) {
        std::size_t index = position + dedup_count_trailing_zeros(mask);
        if (index >= capacity_) index -= capacity_;
        if (matches(slot(index))) return index;
      }
      if (group.match(dedup_control_empty) != 0) return npos;
      position += dedup_group_width;
      if (position >= capacity_) position -= capacity_;
    }
    return npos;
  }

  // Like find; when the key is absent, `empty_slot` receives an empty slot of the group where
  // the search ended (npos if none), which claim_empty can take without probing again.
  template <class Matches>
  std::size_t find(std::uint64_t hash, Matches&& matches, std::size_t& empty_slot) const noexcept {
    empty_slot = npos;
    if (capacity_ == 0) return npos;
    const std::uint8_t wanted = tag(hash);
    std::size_t position = home(hash);
    for (std::size_t probed = 0; probed < capacity_; probed += dedup_group_width) {
      dedup_group group(control_ + position);
      for (std::uint32_t mask = group.match(wanted); mask != 0; mask &= mask - 1) {
        std::size_t index = position + dedup_count_trailing_zeros(mask);
        if (index >= capacity_) index -= capacity_;
        if (matches(slot(index))) return index;
      }
      if (const std::uint32_t empty = group.match(dedup_control_empty)) {
        empty_slot = position + dedup_count_trailing_zeros(empty);
        if (empty_slot >= capacity_) empty_slot -= capacity_;
        return npos;
      }
      position += dedup_group_width;
      if (position >= capacity_) position -= capacity_;
    }
    return npos;
  }

  // Takes an empty slot that find reported for this hash. Requires has_room().
  void claim_empty(std::size_t index, std::uint64_t hash) noexcept {
    ++used_;
    set_control(index, tag(hash));
  }

  // Claims a free slot for a hash known to be absent; the caller fills the slot. Requires
  // has_room().
  std::size_t claim(std::uint64_t hash) noexcept {
    std::size_t position = home(hash);
    for (;;) {
      std::uint32_t mask = dedup_group(control_ + position).match_free();
      if (mask != 0) {
        std::size_t index = position + dedup_count_trailing_zeros(mask);
        if (index >= capacity_) index -= capacity_;
        if (control_[index] == dedup_control_deleted)
          --deleted_;
        ++used_;
        set_control(index, tag(hash));
        return index;
      }
      position += dedup_group_width;
      if (position >= capacity_) position -= capacity_;
    }
  }

  // Marks a used slot deleted; its bytes stay until the table is dropped or rebuilt.
  void erase(std::size_t index) noexcept {
    set_control(index, dedup_control_deleted);
    --used_;
    ++deleted_;
  }

  void release() noexcept {
    ::operator delete(memory_);
    memory_ = nullptr;
    control_ = nullptr;
    capacity_ = used_ = deleted_ = 0;
  }

 private:
  void set_control(std::size_t index, std::uint8_t value) noexcept {
    control_[index] = value;
    if (index < dedup_group_width) control_[capacity_ + index] = value;
  }
  void take(dedup_table& other) noexcept {
    memory_ = other.memory_;
    control_ = other.control_;
    capacity_ = other.capacity_;
    used_ = other.used_;
    deleted_ = other.deleted_;
    other.memory_ = nullptr;
    other.control_ = nullptr;
    other.capacity_ = other.used_ = other.deleted_ = 0;
  }

  unsigned char* memory_ = nullptr;
  std::uint8_t* control_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t used_ = 0;
  std::size_t deleted_ = 0;
};

}  // namespace detail
SLUICE_NAMESPACE_END
