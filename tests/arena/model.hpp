// A deliberately naive model of sluice::arena for differential tests: it remembers every live
// allocation (address, size, fill byte), the markers taken, and the objects whose destructors
// are due, and predicts used(), destruction order and, for a fixed buffer, the exact address
// a bump allocator must return.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <sluice/arena.hpp>

namespace arena_model {

// Records its id into a log when destroyed; carries a payload so objects vary in size.
template <std::size_t PayloadBytes, std::size_t Alignment = alignof(int)>
struct alignas(Alignment) alignas(void*) tracked {
  tracked(int identity, std::vector<int>* destruction_log) noexcept
      : id(identity), log(destruction_log) {}
  tracked(const tracked&) = delete;
  tracked& operator=(const tracked&) = delete;
  ~tracked() { log->push_back(id); }
  int id;
  std::vector<int>* log;
  unsigned char payload[PayloadBytes];
};

struct allocation {
  unsigned char* address;
  unsigned char* fill_address;
  std::size_t fill_bytes;
  unsigned char fill;
  int object_id;  // -1 for raw memory
};

struct saved_mark {
  sluice::arena::marker marker;
  std::size_t allocation_count;
  std::size_t used;
  std::size_t reserved;
  std::size_t cursor;  // fixed mode: offset of the next free byte
};

class model {
 public:
  // `buffer`/`size`: the fixed buffer when modelling a fixed arena, nullptr otherwise.
  explicit model(const unsigned char* buffer = nullptr, std::size_t size = 0)
      : buffer_(buffer), size_(size) {}

  std::size_t used() const { return used_; }
  const std::vector<allocation>& live() const { return live_; }
  std::vector<saved_mark>& marks() { return marks_; }

  // Fixed mode: where a bump allocator must place `bytes` aligned to `alignment`, or nullptr
  // when it does not fit. Does not change the model.
  const unsigned char* predict(std::size_t bytes, std::size_t alignment) const {
    return predict_from(cursor_, bytes, alignment);
  }
  const unsigned char* predict_from(std::size_t cursor, std::size_t bytes,
                                    std::size_t alignment) const {
    if (bytes == 0) bytes = 1;
    auto address = reinterpret_cast<std::uintptr_t>(buffer_) + cursor;
    std::uintptr_t aligned = (address + alignment - 1) / alignment * alignment;
    std::size_t offset = static_cast<std::size_t>(aligned - reinterpret_cast<std::uintptr_t>(buffer_));
    if (offset > size_ || size_ - offset < bytes) return nullptr;
    return buffer_ + offset;
  }
  std::size_t cursor() const { return cursor_; }

  // Records a successful allocation of `bytes` at `address` whose bytes from `fill_address`
  // on (`fill_bytes` of them) hold `fill`; returns false when it overlaps a live allocation.
  bool add(unsigned char* address, std::size_t bytes, unsigned char* fill_address,
           std::size_t fill_bytes, unsigned char fill, int object_id, std::size_t counted_bytes) {
    std::size_t extent = bytes == 0 ? 1 : bytes;
    auto begin = reinterpret_cast<std::uintptr_t>(address);
    auto next = ranges_.lower_bound(begin);
    if (next != ranges_.end() && next->first < begin + extent) return false;
    if (next != ranges_.begin() && std::prev(next)->second > begin) return false;
    ranges_.emplace(begin, begin + extent);
    live_.push_back({address, fill_address, fill_bytes, fill, object_id});
    used_ += counted_bytes;
    if (buffer_ != nullptr) cursor_ = static_cast<std::size_t>(address + extent - buffer_);
    return true;
  }
  // Fixed mode: a create() of a non-trivially-destructible object also consumes a record.
  void add_record(const unsigned char* record) {
    used_ += sluice::arena::destructor_overhead;
    if (buffer_ != nullptr)
      cursor_ = static_cast<std::size_t>(record + sluice::arena::destructor_overhead - buffer_);
  }

  saved_mark mark(sluice::arena::marker marker, std::size_t reserved) {
    saved_mark m{marker, live_.size(), used_, reserved, cursor_};
    marks_.push_back(m);
    return m;
  }

  // Forgets everything after mark `index` (which stays valid); returns the ids of the objects
  // whose destructors must run, in the order they must run.
  std::vector<int> rewind(std::size_t index) {
    saved_mark m = marks_[index];
    marks_.resize(index + 1);
    std::vector<int> due;
    while (live_.size() > m.allocation_count) {
      const allocation& a = live_.back();
      if (a.object_id >= 0) due.push_back(a.object_id);
      ranges_.erase(reinterpret_cast<std::uintptr_t>(a.address));
      live_.pop_back();
    }
    used_ = m.used;
    cursor_ = m.cursor;
    return due;
  }

  std::vector<int> reset() {
    marks_.clear();
    std::vector<int> due;
    for (auto it = live_.rbegin(); it != live_.rend(); ++it)
      if (it->object_id >= 0) due.push_back(it->object_id);
    live_.clear();
    ranges_.clear();
    used_ = 0;
    cursor_ = 0;
    return due;
  }

  // The first live allocation whose bytes no longer hold its fill pattern, or nullptr.
  const allocation* first_corrupted() const {
    for (const allocation& a : live_) {
      for (std::size_t i = 0; i < a.fill_bytes; ++i)
        if (a.fill_address[i] != a.fill) return &a;
    }
    return nullptr;
  }

 private:
  const unsigned char* buffer_;
  std::size_t size_;
  std::size_t cursor_ = 0;
  std::size_t used_ = 0;
  std::vector<allocation> live_;
  std::vector<saved_mark> marks_;
  std::map<std::uintptr_t, std::uintptr_t> ranges_;  // begin -> end of live allocations
};

}  // namespace arena_model
