// Machinery behind sluice/dedup.hpp: the time-bucketed state of a window_dedup.
//
// Event time is mapped to unsigned "expiry space" by flipping the sign bit, so order is kept and
// nothing overflows. A key remembered with expiry e lives in the bucket numbered e / span, where
// span = ceil((window + allowed_lateness) / buckets per window). Every remembered expiry lies in
// (W, W + window + allowed_lateness], so at most (buckets per window + 1) buckets are ever held.
// Each bucket owns a table (and, for string keys, an arena); when W reaches a bucket's last
// expiry the whole bucket is freed at once. A slot stores the key and the expiry's offset from
// the bucket's base (32 bits when span <= 2^32, else 64).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <string>
#include <utility>
#include <vector>

#include "sluice/arena.hpp"
#include "sluice/detail/byte_io.hpp"
#include "sluice/detail/dedup_keys.hpp"
#include "sluice/detail/dedup_table.hpp"
#include "sluice/errors.hpp"

// How many time buckets cover one window plus allowed lateness. More buckets free expired keys
// sooner (held-but-expired keys average about half a bucket) but make a lookup of a new key probe
// more tables. Override by defining it before including sluice/dedup.hpp; it must be >= 1.
#ifndef SLUICE_DEDUP_BUCKETS_PER_WINDOW
#define SLUICE_DEDUP_BUCKETS_PER_WINDOW() 4
#endif

SLUICE_NAMESPACE_BEGIN

enum class verdict : std::uint8_t;
enum class expiry : std::uint8_t;
struct window_dedup_config;

namespace detail {

inline std::uint64_t dedup_to_unsigned(std::int64_t t) noexcept {
  return static_cast<std::uint64_t>(t) ^ (std::uint64_t{1} << 63);
}
inline std::int64_t dedup_to_signed(std::uint64_t u) noexcept {
  u ^= std::uint64_t{1} << 63;
  std::int64_t t;
  std::memcpy(&t, &u, sizeof t);
  return t;
}
inline std::int64_t dedup_saturating_add(std::int64_t a, std::int64_t b) noexcept {
  return (b > 0 && a > std::numeric_limits<std::int64_t>::max() - b) ? std::numeric_limits<std::int64_t>::max()
                                                                     : a + b;
}
inline std::int64_t dedup_saturating_sub(std::int64_t a, std::int64_t b) noexcept {
  return (b > 0 && a < std::numeric_limits<std::int64_t>::min() + b) ? std::numeric_limits<std::int64_t>::min()
                                                                     : a - b;
}
// Bucket span for a configuration: ceil((window + lateness) / buckets), at least 1.
inline std::uint64_t dedup_span(std::int64_t window, std::int64_t lateness) noexcept {
  const std::uint64_t total = static_cast<std::uint64_t>(window) + static_cast<std::uint64_t>(lateness);
  const std::uint64_t buckets = SLUICE_DEDUP_BUCKETS_PER_WINDOW();
  const std::uint64_t span = total / buckets + (total % buckets != 0 ? 1u : 0u);
  return span == 0 ? 1 : span;
}

// Plain copies of the public types, so the engine does not depend on the order of definitions.
struct dedup_settings {
  std::int64_t window = 0;
  std::int64_t allowed_lateness = 0;
  bool sliding = false;
  std::size_t memory_budget = SIZE_MAX;
  std::uint64_t seed = 0;
};

struct dedup_counters {
  std::uint64_t first = 0, duplicate = 0, late = 0, over_budget = 0, evicted = 0;
};

// Checkpoint framing shared by save and restore (see docs/dedup.md for the full layout).
inline constexpr char dedup_magic[4] = {'S', 'L', 'D', 'D'};
inline constexpr std::size_t dedup_header_size = 120;

// Forwards checkpoint bytes to a std::string, a byte vector, or a callable returning void or
// bool; remembers a failure and stops writing after it.
template <class Sink>
struct dedup_sink_adapter {
  Sink& sink;
  bool ok;
  void operator()(const void* data, std::size_t size) {
    if (!ok) return;
    if constexpr (std::is_invocable_v<Sink&, const void*, std::size_t>) {
      if constexpr (std::is_convertible_v<std::invoke_result_t<Sink&, const void*, std::size_t>, bool>) {
        ok = static_cast<bool>(sink(data, size));
      } else {
        sink(data, size);
      }
    } else {
      using element = typename Sink::value_type;
      static_assert(sizeof(element) == 1, "a checkpoint sink holds bytes");
      const std::size_t old = sink.size();
      sink.resize(old + size);
      std::memcpy(&sink[old], data, size);
    }
  }
};

enum class dedup_outcome : std::uint8_t { first, duplicate, late, over_budget };

// Stands in for the arena of buckets whose keys need none.
struct dedup_no_arena {
  std::size_t reserved() const noexcept { return 0; }
};

template <class Storage, class Offset>
class dedup_engine {
 public:
  static constexpr std::size_t key_size = Storage::stored_size;
  static constexpr std::size_t slot_size = key_size + sizeof(Offset);
  using table = dedup_table<slot_size>;
  using prepared = typename Storage::prepared;
  static constexpr std::size_t npos = table::npos;

  struct bucket {
    std::uint64_t index = 0;
    std::uint64_t base = 0;   // first expiry (unsigned space) of the bucket
    std::uint64_t last = 0;   // last expiry of the bucket
    table keys;
    std::conditional_t<Storage::uses_arena, arena, dedup_no_arena> strings;
  };

  dedup_engine() noexcept = default;

  // Sets up an empty engine; `fixed_bytes` is what the owner counts against the budget.
  bool init(const dedup_settings& settings, std::size_t fixed_bytes) {
    settings_ = settings;
    span_ = dedup_span(settings.window, settings.allowed_lateness);
    origin_ = (std::uint64_t{1} << 63) % span_;
    cached_index_ = index_of(0);
    cached_base_ = base_of(cached_index_);
    cached_span_ = last_of(cached_index_) - cached_base_;
    const std::size_t wanted = SLUICE_DEDUP_BUCKETS_PER_WINDOW() + 2;
    bytes_ = fixed_bytes;
    if (!charge_buckets(wanted)) return false;
    buckets_.reserve(wanted);
    return true;
  }

  const dedup_settings& settings() const noexcept { return settings_; }
  std::int64_t watermark() const noexcept { return watermark_; }
  const dedup_counters& counters() const noexcept { return counters_; }
  dedup_counters& counters() noexcept { return counters_; }
  std::size_t bytes() const noexcept { return bytes_; }
  std::uint64_t held_keys() const noexcept {
    std::uint64_t n = 0;
    for (const bucket& b : buckets_) n += b.keys.used();
    return n;
  }
  std::size_t bucket_count() const noexcept { return buckets_.size(); }

  prepared prepare(const typename Storage::key_type& key) noexcept {
    return Storage::prepare(key, settings_.seed, scratch_);
  }

  void prefetch(std::uint64_t hash) const noexcept {
    for (const bucket& b : buckets_) b.keys.prefetch(hash);
  }

  dedup_outcome offer(const prepared& p, std::int64_t time) noexcept {
    if (time < watermark_) {
      ++counters_.late;
      return dedup_outcome::late;
    }
    const std::uint64_t w = dedup_to_unsigned(watermark_);
    const std::uint64_t fresh = dedup_to_unsigned(dedup_saturating_add(time, settings_.window));
    if (fresh <= w) {
      // Only at watermark INT64_MAX, where every expiry is dead and no bucket is held: the
      // key is `first` and expired on arrival, so it is counted as remembered and released.
      ++counters_.first;
      ++counters_.evicted;
      return dedup_outcome::first;
    }
    auto matches = [&p](const unsigned char* slot) { return Storage::equal(slot, p); };

    const std::uint64_t target = fresh - cached_base_ <= cached_span_ ? cached_index_ : index_of(fresh);
    std::size_t dead_bucket = npos, dead_slot = npos, target_bucket = npos, target_empty = npos;
    dedup_outcome outcome = dedup_outcome::first;
    for (std::size_t i = buckets_.size(); i-- > 0;) {
      bucket& b = buckets_[i];
      std::size_t empty = npos;
      const std::size_t s = b.keys.find(p.hash, matches, empty);
      if (s == npos) {
        if (b.index == target) {
          target_bucket = i;
          target_empty = empty;
        }
        continue;
      }
      const std::uint64_t held = b.base + static_cast<std::uint64_t>(dedup_load<Offset>(b.keys.slot(s) + key_size));
      if (held <= w) {
        dead_bucket = i;
        dead_slot = s;
        continue;
      }
      outcome = dedup_outcome::duplicate;
      if (settings_.sliding && fresh > held && !extend(i, s, fresh, p)) outcome = dedup_outcome::over_budget;
      break;
    }
    if (outcome == dedup_outcome::first) {
      if (target_empty != npos && buckets_[target_bucket].keys.has_room() &&
          (dead_bucket == npos || buckets_[dead_bucket].index != target)) {
        // The common case: the key goes to a bucket the search just visited.
        bucket& b = buckets_[target_bucket];
        unsigned char* slot = b.keys.slot(target_empty);
        if (store_key(b, p, slot)) {
          b.keys.claim_empty(target_empty, p.hash);
          dedup_store(slot + key_size, static_cast<Offset>(fresh - b.base));
        } else {
          outcome = dedup_outcome::over_budget;
        }
      } else if (!remember(p, fresh, dead_bucket, dead_slot)) {
        outcome = dedup_outcome::over_budget;
      }
    }

    switch (outcome) {
      case dedup_outcome::first: ++counters_.first; break;
      case dedup_outcome::duplicate: ++counters_.duplicate; break;
      default: ++counters_.over_budget; break;
    }
    advance(dedup_saturating_sub(time, settings_.allowed_lateness));
    return outcome;
  }

  void advance(std::int64_t w) noexcept {
    if (w <= watermark_) return;
    watermark_ = w;
    const std::uint64_t unsigned_w = dedup_to_unsigned(w);
    std::size_t dead = 0;
    while (dead < buckets_.size() && buckets_[dead].last <= unsigned_w) {
      counters_.evicted += buckets_[dead].keys.used();
      bytes_ -= bucket_bytes(buckets_[dead]);
      ++dead;
    }
    if (dead != 0) buckets_.erase(buckets_.begin(), buckets_.begin() + static_cast<std::ptrdiff_t>(dead));
  }

  // Calls fn(expiry, slot, control) for every held key, oldest bucket first.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const bucket& b : buckets_)
      for (std::size_t i = 0; i < b.keys.capacity(); ++i)
        if (b.keys.is_used(i)) {
          const unsigned char* slot = b.keys.slot(i);
          std::uint64_t e = b.base + static_cast<std::uint64_t>(dedup_load<Offset>(slot + key_size));
          fn(dedup_to_signed(e), slot, b.keys.control(i));
        }
  }

  // Bucket numbering. Boundaries fall on multiples of span in signed event time, that is at
  // r + k * span in unsigned space, r = 2^63 mod span. When r > 0, bucket 0 holds the expiries
  // below r and bucket k >= 1 holds [r + (k - 1) * span, r + k * span); when r == 0, bucket k
  // holds [k * span, (k + 1) * span). Either way the index of the largest expiry fits (with
  // span 1, r is 0 and the largest index is 2^64 - 1).
  std::uint64_t index_of(std::uint64_t e) const noexcept {
    if (origin_ == 0) return e / span_;
    return e >= origin_ ? (e - origin_) / span_ + 1 : 0;
  }
  std::uint64_t base_of(std::uint64_t index) const noexcept {
    if (origin_ == 0) return index * span_;
    return index == 0 ? 0 : origin_ + (index - 1) * span_;
  }
  std::uint64_t last_of(std::uint64_t index) const noexcept {
    if (origin_ != 0 && index == 0) return origin_ - 1;
    const std::uint64_t base = base_of(index);
    return base > ~std::uint64_t{0} - (span_ - 1) ? ~std::uint64_t{0} : base + (span_ - 1);
  }

  // Restore support: state without the rules.
  void set_state(std::int64_t watermark, const dedup_counters& counters) noexcept {
    watermark_ = watermark;
    counters_ = counters;
  }
  enum class insert_status { ok, duplicate_key, no_memory };
  // Inserts a decoded slot (key bytes in `key_bytes`) with `expiry`.
  insert_status insert_decoded(const unsigned char* key_bytes, std::uint64_t hash, std::int64_t expiry_time) noexcept {
    const std::uint64_t e = dedup_to_unsigned(expiry_time);
    const std::size_t i = bucket_for(index_of(e));
    if (i == npos) return insert_status::no_memory;
    bucket& b = buckets_[i];
    auto same = [key_bytes](const unsigned char* slot) { return std::memcmp(slot, key_bytes, key_size) == 0; };
    if (b.keys.find(hash, same) != npos) return insert_status::duplicate_key;
    if (!b.keys.has_room() && !grow(b)) return insert_status::no_memory;
    unsigned char* slot = b.keys.slot(b.keys.claim(hash));
    std::memcpy(slot, key_bytes, key_size);
    dedup_store(slot + key_size, static_cast<Offset>(e - b.base));
    return insert_status::ok;
  }
  // Whether a checkpoint entry with this expiry can belong to a consistent state.
  bool may_hold(std::int64_t expiry_time) const noexcept {
    const std::int64_t horizon = dedup_saturating_add(
        dedup_saturating_add(watermark_, settings_.window), settings_.allowed_lateness);
    return expiry_time <= horizon && last_of(index_of(dedup_to_unsigned(expiry_time))) > dedup_to_unsigned(watermark_);
  }
  // Creates the bucket for this expiry sized for `count` keys (restore presizes every bucket).
  bool reserve_bucket(std::int64_t expiry_time, std::size_t count) noexcept {
    return bucket_for(index_of(dedup_to_unsigned(expiry_time)), table::capacity_for(count)) != npos;
  }
  std::uint64_t bucket_index(std::int64_t expiry_time) const noexcept { return index_of(dedup_to_unsigned(expiry_time)); }

  // The arena a decoded key for this expiry goes to (a dummy for storages without one).
  arena* restore_arena_for(std::int64_t expiry_time) noexcept {
    const std::size_t i = bucket_for(index_of(dedup_to_unsigned(expiry_time)));
    if (i == npos) return nullptr;
    if constexpr (Storage::uses_arena) {
      return &buckets_[i].strings;
    } else {
      return &unused_arena_;
    }
  }
  // Recomputes the byte count after a restore wrote into arenas directly.
  bool recount(std::size_t fixed_bytes) noexcept {
    std::size_t total = fixed_bytes + buckets_.capacity() * sizeof(bucket);
    for (const bucket& b : buckets_) total += bucket_bytes(b);
    bytes_ = total;
    return total <= settings_.memory_budget;
  }

 private:
  static std::size_t bucket_bytes(const bucket& b) noexcept {
    return b.keys.bytes() + b.strings.reserved();
  }
  bool fits(std::size_t extra) const noexcept {
    return extra <= settings_.memory_budget && bytes_ <= settings_.memory_budget - extra;
  }
  // Accounts for the bucket vector holding `capacity` buckets.
  bool charge_buckets(std::size_t capacity) noexcept {
    const std::size_t now = buckets_.capacity() * sizeof(bucket);
    const std::size_t wanted = capacity * sizeof(bucket);
    if (wanted <= now) return true;
    if (!fits(wanted - now)) return false;
    bytes_ += wanted - now;
    return true;
  }

  // Finds or creates the bucket numbered `index`; npos when the budget or heap refuses.
  std::size_t bucket_for(std::uint64_t index, std::size_t capacity = 0) noexcept {
    std::size_t position = buckets_.size();
    while (position > 0 && buckets_[position - 1].index >= index) {
      if (buckets_[position - 1].index == index) return remember_target(position - 1);
      --position;
    }
    if (capacity == 0) {
      // A new bucket is sized like the fullest one held, plus three standard deviations of
      // Poisson noise: in a steady stream it ends up about as full and rarely has to grow.
      std::size_t hint = 0;
      for (const bucket& b : buckets_) hint = b.keys.used() > hint ? b.keys.used() : hint;
      std::size_t root = 1;
      while (root * root < hint) root *= 2;
      for (int step = 0; step < 4 && hint > 1; ++step) root = (root + hint / root + 1) / 2;
      capacity = table::capacity_for(hint + 3 * root);
    }
    std::size_t extra = table::bytes_for(capacity);
    if (extra == SIZE_MAX) return npos;
    if (buckets_.size() == buckets_.capacity()) {
      const std::size_t more = buckets_.capacity() * 2 + 1;
      if (!fits(extra + (more - buckets_.capacity()) * sizeof(bucket))) return npos;
      if (!charge_buckets(more)) return npos;
      buckets_.reserve(more);
    }
    if (!fits(extra)) return npos;
    bucket fresh_bucket;
    if (!fresh_bucket.keys.allocate(capacity)) return npos;
    fresh_bucket.index = index;
    fresh_bucket.base = base_of(index);
    fresh_bucket.last = last_of(index);
    if constexpr (Storage::uses_arena) fresh_bucket.strings = arena(1024);
    bytes_ += extra;
    buckets_.insert(buckets_.begin() + static_cast<std::ptrdiff_t>(position), std::move(fresh_bucket));
    return remember_target(position);
  }

  // Caches the expiry range of the bucket new keys went to last, to skip a division.
  std::size_t remember_target(std::size_t position) noexcept {
    cached_index_ = buckets_[position].index;
    cached_base_ = buckets_[position].base;
    cached_span_ = buckets_[position].last - buckets_[position].base;
    return position;
  }

  // Rebuilds a full table larger (or at the same size when deleted slots dominate).
  bool grow(bucket& b) noexcept {
    const std::size_t live = b.keys.used();
    // Mostly deleted slots: rebuild at about the same size. Large tables grow by a quarter
    // (they were sized from a neighbour and are only slightly short), small ones by a half.
    const std::size_t wanted = b.keys.deleted() > live / 2 ? live + live / 4 + 1
                               : live >= 4096            ? live + live / 4 + 1
                                                         : live + live / 2 + 1;
    const std::size_t capacity = table::capacity_for(wanted);
    const std::size_t extra = table::bytes_for(capacity);
    if (extra == SIZE_MAX || !fits(extra)) return false;
    table bigger;
    if (!bigger.allocate(capacity)) return false;
    for (std::size_t i = 0; i < b.keys.capacity(); ++i) {
      if (!b.keys.is_used(i)) continue;
      const unsigned char* slot = b.keys.slot(i);
      std::uint64_t hash = Storage::rehash(slot, b.keys.control(i), settings_.seed);
      std::memcpy(bigger.slot(bigger.claim(hash)), slot, slot_size);
    }
    bytes_ = bytes_ - b.keys.bytes() + bigger.bytes();
    b.keys = std::move(bigger);
    return true;
  }

  // Writes the key's stored form into `out`, copying string bytes into the bucket's arena;
  // false when the arena's growth would break the budget.
  bool store_key(bucket& b, const prepared& p, unsigned char* out) noexcept {
    if constexpr (Storage::uses_arena) {
      const std::size_t before = b.strings.reserved();
      const arena::marker mark = b.strings.mark();
      if (!Storage::store(p, out, b.strings)) return false;
      const std::size_t growth = b.strings.reserved() - before;
      if (!fits(growth)) {
        b.strings.rewind(mark);
        return false;
      }
      bytes_ += growth;
      return true;
    } else {
      return Storage::store(p, out, unused_arena_);
    }
  }

  // Makes room in bucket b and stores the key there; npos on budget refusal.
  std::size_t store_new(bucket& b, const prepared& p) noexcept {
    if (!b.keys.has_room() && !grow(b)) return npos;
    unsigned char key_bytes[key_size];
    if (!store_key(b, p, key_bytes)) return npos;
    const std::size_t s = b.keys.claim(p.hash);
    std::memcpy(b.keys.slot(s), key_bytes, key_size);
    return s;
  }

  bool remember(const prepared& p, std::uint64_t fresh, std::size_t dead_bucket, std::size_t dead_slot) noexcept {
    const std::uint64_t index = index_of(fresh);
    if (dead_bucket != npos && buckets_[dead_bucket].index == index) {
      // The key is still held, expired, in the very bucket it belongs to again: revive it.
      bucket& b = buckets_[dead_bucket];
      dedup_store(b.keys.slot(dead_slot) + key_size, static_cast<Offset>(fresh - b.base));
      ++counters_.evicted;
      return true;
    }
    const std::size_t i = bucket_for(index);
    if (i == npos) return false;
    bucket& b = buckets_[i];
    const std::size_t s = store_new(b, p);
    if (s == npos) return false;
    dedup_store(b.keys.slot(s) + key_size, static_cast<Offset>(fresh - b.base));
    return true;
  }

  // Sliding expiry: moves the key in bucket i, slot s, to expiry `fresh`.
  bool extend(std::size_t i, std::size_t s, std::uint64_t fresh, const prepared& p) noexcept {
    const std::uint64_t index = index_of(fresh);
    if (buckets_[i].index == index) {
      dedup_store(buckets_[i].keys.slot(s) + key_size, static_cast<Offset>(fresh - buckets_[i].base));
      return true;
    }
    const std::size_t target = bucket_for(index);  // newer than bucket i, so i stays valid
    if (target == npos) return false;
    bucket& to = buckets_[target];
    const std::size_t moved = store_new(to, p);
    if (moved == npos) return false;
    dedup_store(to.keys.slot(moved) + key_size, static_cast<Offset>(fresh - to.base));
    buckets_[i].keys.erase(s);
    return true;
  }

  dedup_settings settings_;
  std::uint64_t span_ = 1;
  std::uint64_t origin_ = 0;
  // fresh - cached_base_ <= cached_span_ means the expiry belongs to bucket cached_index_.
  std::uint64_t cached_index_ = 0, cached_base_ = 0, cached_span_ = 0;
  std::int64_t watermark_ = std::numeric_limits<std::int64_t>::min();
  dedup_counters counters_;
  std::size_t bytes_ = 0;
  std::vector<bucket> buckets_;
  std::string scratch_;
  arena unused_arena_{std::size_t{0}, std::size_t{0}};  // never allocates: budget 0
};

}  // namespace detail
SLUICE_NAMESPACE_END
