// Arithmetic and indexing behind sluice/compaction.hpp: output-size prediction, the ideal
// output count, and a small partition index. Integer-only wherever a decision depends on it,
// so plans are identical on every platform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "sluice/detail/config.hpp"

SLUICE_NAMESPACE_BEGIN
namespace compaction {
namespace detail {

constexpr std::uint64_t max_u64 = std::numeric_limits<std::uint64_t>::max();

inline std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
  return a > max_u64 - b ? max_u64 : a + b;
}

// numerator / denominator * factor for a default threshold (3/4 or 9/5 of the target),
// without overflow; saturates.
inline std::uint64_t scale(std::uint64_t value, std::uint64_t numerator,
                           std::uint64_t denominator) noexcept {
  std::uint64_t whole = value / denominator;
  std::uint64_t part = value % denominator * numerator / denominator;
  if (whole > (max_u64 - part) / numerator) return max_u64;
  return whole * numerator + part;
}

// Predicted output bytes of rewriting `input` bytes: floor(input * ratio), at least one byte
// when there is any input (data never vanishes), saturating at 2^64 - 1. One multiplication
// and one conversion, so every IEEE-754 platform gets the same answer.
inline std::uint64_t predict_output(std::uint64_t input, double ratio) noexcept {
  if (input == 0) return 0;
  if (ratio == 1.0) return input;
  double scaled = static_cast<double>(input) * ratio;
  if (!(scaled < 18446744073709551616.0)) return max_u64;
  auto out = static_cast<std::uint64_t>(scaled);
  return out == 0 ? 1 : out;
}

inline std::uint64_t divide_up(std::uint64_t a, std::uint64_t b) noexcept {
  return a / b + (a % b != 0 ? 1 : 0);
}

// The range of output counts k that keep every one of k equal outputs of `out` bytes inside
// [min_bytes, max_bytes]: k in [lowest, highest]; empty when lowest > highest.
struct count_range {
  std::uint64_t lowest;
  std::uint64_t highest;
  bool empty() const noexcept { return lowest > highest; }
};

inline count_range in_range_counts(std::uint64_t out, std::uint64_t min_bytes,
                                   std::uint64_t max_bytes) noexcept {
  if (out == 0) return {1, 0};
  return {divide_up(out, max_bytes), min_bytes == 0 ? max_u64 : out / min_bytes};
}

// True when `count` equal files of `out` bytes in total all land in [min_bytes, max_bytes].
inline bool counts_in_range(std::uint64_t out, std::uint64_t count, std::uint64_t min_bytes,
                            std::uint64_t max_bytes) noexcept {
  if (count == 0) return out == 0;
  return out / count >= min_bytes && divide_up(out, count) <= max_bytes;
}

// The output count for `out` predicted bytes: among the counts that keep every file inside
// [min_bytes, max_bytes], the one closest to out / target (the smaller on a tie). When no
// count does, the fewest files none of which is oversized: full files of max_bytes and one
// undersized remainder.
inline std::uint64_t ideal_count(std::uint64_t out, std::uint64_t target, std::uint64_t min_bytes,
                                 std::uint64_t max_bytes) noexcept {
  if (out == 0) return 0;
  count_range range = in_range_counts(out, min_bytes, max_bytes);
  if (range.empty()) return range.lowest;
  std::uint64_t below = out / target;
  std::uint64_t rest = out % target;
  std::uint64_t nearest = rest > target - rest ? below + 1 : below;
  if (nearest < range.lowest) return range.lowest;
  if (nearest > range.highest) return range.highest;
  return nearest;
}

// Index from a caller's partition id to a dense slot number, in order of first appearance.
// Open addressing with linear probing; the last hit is cached because catalogs usually list a
// partition's files together.
class partition_index {
 public:
  std::uint32_t slot_of(std::uint64_t partition) {
    if (has_last_ && partition == last_partition_) return last_slot_;
    if ((ids_.size() + 1) * 2 > buckets_.size()) grow();
    std::size_t at = static_cast<std::size_t>(mix(partition)) & mask_;
    for (;;) {
      std::uint32_t entry = buckets_[at];
      if (entry == 0) {
        ids_.push_back(partition);
        entry = static_cast<std::uint32_t>(ids_.size());
        buckets_[at] = entry;
        break;
      }
      if (ids_[entry - 1] == partition) break;
      at = (at + 1) & mask_;
    }
    has_last_ = true;
    last_partition_ = partition;
    last_slot_ = buckets_[at] - 1;
    return last_slot_;
  }
  std::size_t size() const noexcept { return ids_.size(); }
  std::uint64_t id(std::uint32_t slot) const noexcept { return ids_[slot]; }

 private:
  static std::uint64_t mix(std::uint64_t x) noexcept {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
  }
  void grow() {
    std::size_t capacity = buckets_.empty() ? 64 : buckets_.size() * 2;
    buckets_.assign(capacity, 0);
    mask_ = capacity - 1;
    for (std::size_t slot = 0; slot < ids_.size(); ++slot) {
      std::size_t at = static_cast<std::size_t>(mix(ids_[slot])) & mask_;
      while (buckets_[at] != 0) at = (at + 1) & mask_;
      buckets_[at] = static_cast<std::uint32_t>(slot + 1);
    }
  }

  std::vector<std::uint64_t> ids_;
  std::vector<std::uint32_t> buckets_;
  std::size_t mask_ = 0;
  bool has_last_ = false;
  std::uint64_t last_partition_ = 0;
  std::uint32_t last_slot_ = 0;
};

}  // namespace detail
}  // namespace compaction
SLUICE_NAMESPACE_END
