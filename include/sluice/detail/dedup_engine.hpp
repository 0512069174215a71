// Machinery behind sluice/dedup.hpp: the state of a window_dedup.
//
// Every remembered key sits in one cuckoo table (dedup_table.hpp): a slot stores the key and its
// expiry as an offset from a moving base (21 bits in packed lines when window + lateness <= 2^19,
// 32 bits when it is <= 2^30, else 64), so a lookup reads at most two cache lines. Event time is mapped to unsigned "expiry space" by
// flipping the sign bit, so order is kept and nothing overflows.
//
// Memory is reclaimed by time bucket, never key by key. The bucket of expiry e is e / span, with
// span = ceil((window + allowed_lateness) / buckets per window); each bucket counts its keys
// (and, for string keys, owns the arena of their bytes). Every remembered expiry lies in
// (W, W + window + allowed_lateness], so at most (buckets per window + 1) buckets exist. When W
// reaches a bucket's last expiry the bucket is dropped at once, and with it every slot whose
// expiry lies below the oldest remaining bucket becomes free: one comparison, no sweep.
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
// sooner (held-but-expired keys average about half a bucket); lookups do not depend on it.
// Override by defining it before including sluice/dedup.hpp; it must be >= 1.
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

// `Packed` selects dedup_packed_layout (8-byte keys without a tag, 32-bit Offset values of at
// most 21 bits, window + lateness <= 2^19); otherwise the key, its tag and the Offset sit side
// by side.
template <class Storage, class Offset, bool Packed = false>
class dedup_engine {
 public:
  static constexpr std::size_t key_size = Storage::stored_size;
  // Keys kept behind a pointer (strings) carry 16 hash bits, so a lookup follows the pointer
  // only on a likely match (a 64-bit string key then takes 16 bytes: four to a cache line).
  static constexpr std::size_t tag_size = Storage::uses_arena ? 2 : 0;
  static constexpr std::size_t offset_at = key_size + tag_size;
  using layout = std::conditional_t<Packed, dedup_packed_layout, dedup_inline_layout<offset_at, Offset>>;
  static_assert(!Packed || (key_size == 8 && tag_size == 0 && std::is_same_v<Offset, std::uint32_t>),
                "the packed layout holds 8-byte keys without a tag");
  using table = dedup_table<layout>;
  using line_pair = typename table::line_pair;
  using stash = dedup_stash<layout>;
  using prepared = typename Storage::prepared;
  static constexpr std::size_t npos = table::npos;
  static constexpr std::uint64_t offset_max = layout::offset_max;
  static constexpr std::size_t string_block_bytes = 1024;  // first block of a bucket's arena

  struct bucket {
    std::uint64_t index = 0;
    std::uint64_t base = 0;  // first expiry (unsigned space) of the bucket
    std::uint64_t last = 0;  // last expiry of the bucket
    std::size_t keys = 0;    // keys held whose expiry falls in the bucket
    std::uint64_t lowest = ~std::uint64_t{0};  // lowest expiry given to a key here (never raised)
    std::conditional_t<Storage::uses_arena, arena, dedup_no_arena> strings;
  };

  dedup_engine() noexcept = default;

  // Sets up an empty engine; `fixed_bytes` is what the owner counts against the budget.
  bool init(const dedup_settings& settings, std::size_t fixed_bytes) {
    settings_ = settings;
    keyed_ = seeded_hash(settings.seed);
    latest_unsaturated_ = dedup_saturating_sub(std::numeric_limits<std::int64_t>::max(), settings.window);
    earliest_unsaturated_ = dedup_saturating_add(std::numeric_limits<std::int64_t>::min(), settings.allowed_lateness);
    span_ = dedup_span(settings.window, settings.allowed_lateness);
    origin_ = (std::uint64_t{1} << 63) % span_;
    cached_index_ = index_of(0);
    cached_base_ = base_of(cached_index_);
    cached_span_ = last_of(cached_index_) - cached_base_;
    const std::size_t wanted = SLUICE_DEDUP_BUCKETS_PER_WINDOW() + 2;
    bytes_ = fixed_bytes;
    if (!charge_buckets(wanted)) return false;
    buckets_.reserve(wanted);
    refresh_limits();
    return true;
  }

  const dedup_settings& settings() const noexcept { return settings_; }
  std::int64_t watermark() const noexcept { return watermark_; }
  const dedup_counters& counters() const noexcept { return counters_; }
  dedup_counters& counters() noexcept { return counters_; }
  std::size_t bytes() const noexcept { return bytes_; }
  std::uint64_t held_keys() const noexcept { return held_; }
  std::size_t bucket_count() const noexcept { return buckets_.size(); }
  std::size_t table_slots() const noexcept { return keys_.slots(); }
  std::size_t table_bytes() const noexcept { return keys_.bytes(); }
  std::size_t stashed_keys() const noexcept { return stash_.size(); }

  prepared prepare(const typename Storage::key_type& key) noexcept { return prepare(key, keyed_); }
  // The same with the seed's keys passed in: a loop that holds a copy in a local keeps them in
  // registers (the table's stores may alias the member, so they are reloaded otherwise).
  prepared prepare(const typename Storage::key_type& key, const seeded_hash& keyed) noexcept {
    return Storage::prepare(key, keyed, scratch_);
  }
  const seeded_hash& keyed() const noexcept { return keyed_; }

  SLUICE_ALWAYS_INLINE void prefetch(std::uint64_t hash) const noexcept { keys_.prefetch(hash); }
  // For keys kept behind a pointer: starts loading the bytes of the keys in the lines of
  // `hash` whose tag matches, which a lookup of a repeated key compares. Call it once the lines
  // themselves have arrived (the batch offer, some records after prefetch).
  SLUICE_ALWAYS_INLINE void prefetch_stored_keys(std::uint64_t hash) const noexcept {
    if constexpr (Storage::uses_arena) {
      const std::uint16_t tag = tag_of(hash);
      keys_.each_slot_of(hash, [tag](const unsigned char* slot) {
        if (tag_matches(slot, tag)) Storage::prefetch_bytes(slot);
      });
    } else {
      (void)hash;
    }
  }

  dedup_outcome offer(const prepared& p, std::int64_t time) noexcept {
    if (time < watermark_) {
      ++counters_.late;
      return dedup_outcome::late;
    }
    const std::uint64_t w = dedup_to_unsigned(watermark_);
    const std::int64_t expiry_time =
        time <= latest_unsaturated_ ? time + settings_.window : std::numeric_limits<std::int64_t>::max();
    const std::uint64_t fresh = dedup_to_unsigned(expiry_time);
    if (fresh <= w) {
      // Only at watermark INT64_MAX, where every expiry is dead and nothing is held: the key is
      // `first` and expired on arrival, so it is counted as remembered and released.
      ++counters_.first;
      ++counters_.evicted;
      return dedup_outcome::first;
    }
    // Computed once for the lookup and a new key's slot. The caller prefetched them: here,
    // after the call and the checks above, the wait for the first line would start later.
    const line_pair lines = keys_.lines_of(p.hash);
    const std::uint16_t tag = tag_of(p.hash);
    Offset offset = 0;  // the found key's, read where the scan knows the slot's place
    unsigned char* at = find(lines, [&](const unsigned char* slot) {
      // Keys behind a pointer are compared only in held slots (a freed bucket's arena is gone);
      // other keys first, as a mismatch is the predictable outcome.
      if constexpr (Storage::uses_arena) {
        if (!tag_matches(slot, tag)) return false;
        offset = load_offset(slot);
        return offset > held_above_ && Storage::equal(slot, p);
      } else {
        if (!Storage::equal(slot, p)) return false;
        offset = load_offset(slot);
        return offset > held_above_;
      }
    });
    dedup_outcome outcome = dedup_outcome::first;
    if (at != nullptr) {
      const std::uint64_t held = base_ + offset;
      if (held > w) {
        outcome = dedup_outcome::duplicate;
        if (settings_.sliding && fresh > held && !move(at, held, fresh, p)) outcome = dedup_outcome::over_budget;
      } else if (move(at, held, fresh, p)) {
        ++counters_.evicted;  // the expired key is released and remembered anew
      } else {
        outcome = dedup_outcome::over_budget;
      }
    } else if (!insert(p, fresh, lines)) {
      outcome = dedup_outcome::over_budget;
    }
    switch (outcome) {
      case dedup_outcome::first: ++counters_.first; break;
      case dedup_outcome::duplicate: ++counters_.duplicate; break;
      default: ++counters_.over_budget; break;
    }
    const std::int64_t reached =
        time >= earliest_unsaturated_ ? time - settings_.allowed_lateness : std::numeric_limits<std::int64_t>::min();
    advance_after_offer(reached);
    return outcome;
  }

  // advance(w) at the end of an offer. W moves for about half of the records, at random, and a
  // branch on it would mispredict as often: when no bucket dies, W is set to its new value, or
  // to its old one, without one.
  SLUICE_ALWAYS_INLINE void advance_after_offer(std::int64_t w) noexcept {
    const std::int64_t next = w > watermark_ ? w : watermark_;
    if (held_ != 0 && oldest_last_ > dedup_to_unsigned(next)) {
      watermark_ = next;
      return;
    }
    advance(w);
  }

  // W = max(W, w): frees every bucket whose last expiry W has reached, and the table with them
  // when nothing is held any more (or shrinks it when it is mostly empty, or settles it).
  void advance(std::int64_t w) noexcept {
    if (w <= watermark_) return;
    watermark_ = w;
    const std::uint64_t unsigned_w = dedup_to_unsigned(w);
    std::size_t dead = 0;
    while (dead < buckets_.size() && buckets_[dead].last <= unsigned_w) {
      counters_.evicted += buckets_[dead].keys;
      held_ -= buckets_[dead].keys;
      bytes_ -= buckets_[dead].strings.reserved();
      ++dead;
    }
    if (dead != 0) {
      buckets_.erase(buckets_.begin(), buckets_.begin() + static_cast<std::ptrdiff_t>(dead));
      refresh_limits();
      expired_once_ = true;
    }
    if (held_ == 0 && reserved_lines_ == 0) {
      if (keys_.empty() && stash_.bytes() == 0) return;
      bytes_ -= keys_.bytes() + stash_.bytes();
      keys_.release();
      stash_.release();
      blank_ = true;
      expired_once_ = false;  // a stream that comes back starts from an empty table
    } else if (held_ == 0) {
      stash_.clear();  // a reserved table stays, every slot free
      if (keys_.lines() > reserved_lines_) rebuild(reserved_lines_);
    } else if (dead != 0 && held_ < keys_.slots() / 4 && keys_.slots() > 64) {
      // May fail (budget or heap); the table then stays as it is.
      const std::size_t lines = table::lines_for(slots_for(static_cast<std::size_t>(held_)));
      if (keys_.lines() > reserved_lines_) rebuild(lines > reserved_lines_ ? lines : reserved_lines_);
    } else if (dead != 0 && settle_due()) {
      hold_size_for_a_window();
      fit_table();  // may fail (budget or heap), as above
    } else if (dead != 0 && !stash_.empty()) {
      stash_.keep_if([this](const unsigned char* slot) { return load_offset(slot) > held_above_; });
    }
  }

  // Calls fn(expiry, slot) for every held key, in table order, then the stash's.
  template <class Fn>
  void for_each(Fn&& fn) const {
    each_slot([&](const unsigned char* slot) {
      const Offset offset = load_offset(slot);
      if (offset > held_above_) fn(dedup_to_signed(base_ + offset), slot);
    });
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
    refresh_limits();
  }
  // Sizes the table for `count` keys (3/4 full) before a restore inserts them; the
  // budget is checked once all keys are in (see recount). False when the heap refuses.
  bool reserve(std::size_t count) noexcept {
    return count == 0 || rebuild(table::lines_for(slots_for(count)), false);
  }
  // Sizes the table for `keys` held keys now and keeps it at least that large from then on.
  // False, with nothing changed, when the budget or the heap refuses.
  bool reserve_table(std::size_t keys) noexcept {
    if (keys > SIZE_MAX / 2) return false;
    const std::size_t lines = table::lines_for(slots_for(keys));
    if (lines > keys_.lines() && !rebuild(lines)) return false;
    reserved_lines_ = lines;
    return true;
  }
  // Rebuilds the table smaller, to fit the keys alive now (fit_slots), never below the
  // reservation, releasing the expired keys it holds. True when the table already fits them
  // (nothing changed then); false, with nothing changed, when the budget or the heap refuses.
  bool fit_table() noexcept {
    if (keys_.empty()) return true;
    std::size_t alive = 0;
    const Offset alive_above = alive_limit();
    each_slot([&](const unsigned char* slot) { alive += load_offset(slot) > alive_above ? 1u : 0u; });
    std::size_t lines = table::lines_for(fit_slots(alive));
    if (lines < reserved_lines_) lines = reserved_lines_;
    return lines >= keys_.lines() || rebuild(lines, true, alive_above);
  }
  enum class insert_status { ok, duplicate_key, no_memory };
  // Inserts a decoded key (its stored form in `key_bytes`) with `expiry_time`.
  insert_status insert_decoded(const unsigned char* key_bytes, std::uint64_t hash, std::int64_t expiry_time) noexcept {
    const std::uint64_t e = dedup_to_unsigned(expiry_time);
    fit(e);
    const std::size_t b = bucket_for(index_of(e));
    if (b == npos) return insert_status::no_memory;
    const std::uint16_t tag = tag_of(hash);
    auto same = [&](const unsigned char* slot) {
      return load_offset(slot) > held_above_ && tag_matches(slot, tag) && same_stored_key(slot, key_bytes);
    };
    if (find(hash, same) != nullptr) return insert_status::duplicate_key;
    unsigned char* slot = room_for(hash, keys_.lines_of(hash), true);
    if (slot == nullptr) return insert_status::no_memory;
    std::memcpy(slot, key_bytes, key_size);
    fill(slot, tag, e);
    note_key(buckets_[b], e);
    ++held_;
    return insert_status::ok;
  }
  // Whether a checkpoint entry with this expiry can belong to a consistent state: an expiry is
  // an event time plus the window, so never below INT64_MIN + window.
  bool may_hold(std::int64_t expiry_time) const noexcept {
    const std::int64_t horizon = dedup_saturating_add(
        dedup_saturating_add(watermark_, settings_.window), settings_.allowed_lateness);
    const std::int64_t lowest = std::numeric_limits<std::int64_t>::min() + settings_.window;
    return expiry_time >= lowest && expiry_time <= horizon &&
           last_of(index_of(dedup_to_unsigned(expiry_time))) > dedup_to_unsigned(watermark_);
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
  // Recomputes the byte count after a restore wrote into arenas directly; when the total breaks
  // the budget, shrinks the table to the largest size that fits, if the keys fit in it.
  bool recount(std::size_t fixed_bytes) noexcept {
    if constexpr (Storage::uses_arena) pack_strings();
    fit_stash();
    std::size_t total = fixed_bytes + buckets_.capacity() * sizeof(bucket) + keys_.bytes() + stash_.bytes();
    for (const bucket& b : buckets_) total += b.strings.reserved();
    bytes_ = total;
    if (total <= settings_.memory_budget) return true;
    const std::size_t others = total - keys_.bytes() - stash_.bytes();
    if (others >= settings_.memory_budget) return false;
    // Keys that find no room go to the stash, so a smaller table may fit where a larger one
    // overflowed (the original may have held some keys in its stash).
    std::size_t lines = (settings_.memory_budget - others) / table::line_bytes;
    for (int attempt = 0; attempt < 8 && lines >= 2; ++attempt) {
      if (!rebuild(lines, false)) {
        --lines;
        continue;
      }
      fit_stash();
      if (bytes_ <= settings_.memory_budget) return true;
      // The stash took more than the table left over: give up that much table, and a line.
      const std::size_t fewer = (bytes_ - settings_.memory_budget) / table::line_bytes + 1;
      lines = lines > fewer ? lines - fewer : 0;
    }
    return false;
  }

 private:
  // Restore support: whether two stored keys are the same key. Keys whose bytes live in an
  // arena are stored as pointers, so they are compared by their checkpoint encoding.
  static bool same_stored_key(const unsigned char* a, const unsigned char* b) {
    if constexpr (Storage::uses_arena) {
      std::string first, second;
      byte_writer<std::string> first_out(first), second_out(second);
      Storage::encode(a, first_out);
      Storage::encode(b, second_out);
      return first == second;
    } else {
      return std::memcmp(a, b, key_size) == 0;
    }
  }

  // Restore support: the stash grows by doubling; a restore keeps exactly what it holds, as
  // the original's doubling may have left it less room than the restore's layout needs.
  void fit_stash() noexcept {
    const std::size_t before = stash_.bytes();
    if (stash_.reserve(stash_.size())) bytes_ -= before - stash_.bytes();  // else it stays as it was
  }

  // Restore support: moves each bucket's strings into one block of exactly their size, which
  // no arena that held them can undercut, so a restore never needs more than the original.
  void pack_strings() noexcept {
    std::size_t sizes[SLUICE_DEDUP_BUCKETS_PER_WINDOW() + 1] = {};
    if (buckets_.size() > SLUICE_DEDUP_BUCKETS_PER_WINDOW() + 1) return;
    each_slot([&](const unsigned char* slot) {
      const Offset offset = load_offset(slot);
      if (offset > held_above_) sizes[held_bucket(base_ + offset)] += Storage::arena_bytes(slot);
    });
    arena packed[SLUICE_DEDUP_BUCKETS_PER_WINDOW() + 1];
    arena views[SLUICE_DEDUP_BUCKETS_PER_WINDOW() + 1];
    for (std::size_t b = 0; b < buckets_.size(); ++b) {
      packed[b] = arena(string_block_bytes);
      void* block = sizes[b] == 0 ? nullptr : packed[b].allocate(sizes[b], 1);
      if (sizes[b] != 0 && block == nullptr) return;  // the heap refused: keep the arenas
      views[b] = arena(block, sizes[b]);
    }
    each_slot([&](unsigned char* slot) {
      const Offset offset = load_offset(slot);
      if (offset > held_above_) Storage::relocate(slot, views[held_bucket(base_ + offset)]);
    });
    for (std::size_t b = 0; b < buckets_.size(); ++b) buckets_[b].strings = std::move(packed[b]);
  }

  static Offset load_offset(const unsigned char* slot) noexcept { return layout::load_offset(slot); }
  static void store_offset(unsigned char* slot, std::uint64_t offset) noexcept {
    layout::store_offset(slot, static_cast<Offset>(offset));
  }
  static std::uint16_t tag_of(std::uint64_t hash) noexcept { return static_cast<std::uint16_t>(hash); }
  static bool tag_matches(const unsigned char* slot, std::uint16_t tag) noexcept {
    if constexpr (tag_size == 0) {
      (void)slot;
      (void)tag;
      return true;
    } else {
      return dedup_load<std::uint16_t>(slot + key_size) == tag;
    }
  }
  // Writes tag and expiry; `e` must fit (see fit).
  void fill(unsigned char* slot, std::uint16_t tag, std::uint64_t e) noexcept {
    if constexpr (tag_size != 0) dedup_store(slot + key_size, tag);
    store_offset(slot, e - base_);
    blank_ = false;
  }
  // Offsets at or below the result stand for expiries at or below `e`.
  Offset offset_limit(std::uint64_t e) const noexcept {
    if (e < base_) return 0;
    return e - base_ >= offset_max ? static_cast<Offset>(offset_max) : static_cast<Offset>(e - base_);
  }
  // A slot is held when its offset is above held_above_: its bucket has not been freed (held
  // expiries are never below the oldest bucket's base; with no bucket nothing is held). It is
  // alive when its offset is above alive_limit(): its expiry is after the watermark. Slots that
  // are not alive are free for new keys.
  void refresh_limits() noexcept {
    if (buckets_.empty()) {
      held_above_ = static_cast<Offset>(offset_max);
      oldest_last_ = 0;
    } else {
      const std::uint64_t floor = buckets_.front().base;
      held_above_ = floor == 0 ? 0 : offset_limit(floor - 1);
      oldest_last_ = buckets_.front().last;
    }
  }
  Offset alive_limit() const noexcept { return offset_limit(dedup_to_unsigned(watermark_)); }

  // Makes expiry `e` representable as an offset. With 32-bit (21-bit) offsets the base moves
  // forward now and then (a pass over the table, at most once per 2^31 (2^20) time units);
  // slots whose expiry falls at or below the new base are cleared. They all expire, and their
  // buckets are freed, before the offer that moved the base returns: e lies within window +
  // lateness (<= 2^30, or 2^19: a quarter of the offset range, so that even a single bucket
  // spanning all of it is freed) of the watermark that offer sets.
  void fit(std::uint64_t e) noexcept {
    if (e - base_ <= offset_max) return;
    const std::uint64_t new_base = e - (offset_max >> 1);
    const std::uint64_t shift = new_base - base_;
    if (!blank_) {  // a blank table (every offset 0) reads the same under any base
      each_slot([&](unsigned char* slot) {
        const Offset offset = load_offset(slot);
        store_offset(slot, offset > shift ? offset - shift : 0);
      });
    }
    base_ = new_base;
    refresh_limits();
  }

  std::uint64_t hash_of(const unsigned char* slot) const noexcept { return Storage::rehash(slot, keyed_); }

  // A slot to fill for `hash` in `into` (after moving keys if need be), or nullptr. With
  // `reuse_expired` false (restores, rebuilds), slots of expired but held keys stay as they are.
  unsigned char* make_room(table& into, std::uint64_t hash, bool reuse_expired) noexcept {
    return make_room(into, into.lines_of(hash), reuse_expired);
  }
  // The same for the lines of a hash in `into`.
  unsigned char* make_room(table& into, const line_pair& lines, bool reuse_expired) noexcept {
    if (into.empty()) return nullptr;
    const Offset free_up_to = reuse_expired ? alive_limit() : held_above_;
    return into.make_room(
        lines, free_up_to, [this](const unsigned char* slot) { return hash_of(slot); },
        [this](const unsigned char* slot) { release_if_held(slot); });
  }

  // A free slot about to be reused may still hold an expired key whose bucket is not freed
  // yet: that key is released now (counted in `evicted`) rather than with its bucket.
  void release_if_held(const unsigned char* slot) noexcept {
    const Offset offset = load_offset(slot);
    if (offset <= held_above_) return;
    --buckets_[held_bucket(base_ + offset)].keys;
    --held_;
    ++counters_.evicted;
  }

  // Moves every held key into a new table of `lines` lines (keys that find no room there go to
  // a new stash); false (nothing changed) when the budget (old and new memory together, if
  // `charged`) or the heap refuses.
  // With `drop_up_to` above held_above_, held keys whose offsets are at most that (expired
  // ones) are not copied but released, once the new table is complete.
  bool rebuild(std::size_t lines, bool charged = true, Offset drop_up_to = 0) noexcept {
    const Offset copy_above = drop_up_to > held_above_ ? drop_up_to : held_above_;
    const std::size_t extra = table::bytes_for(lines);
    if (extra == SIZE_MAX || (charged && !fits(extra))) return false;
    table bigger;
    if (!bigger.allocate(lines)) return false;
    stash overflow;
    bool ok = true, copied = false;
    auto place = [&](const unsigned char* slot, std::uint64_t hash) {
      copied = true;
      unsigned char* to = make_room(bigger, hash, false);
      if (to != nullptr) {
        layout::copy(to, slot);
      } else if (!append(overflow, slot, charged, extra)) {
        ok = false;
      }
    };
    // Held keys in table order, then the stash's. Each key's lines in the new table are
    // fetched `ahead` keys before it is placed: a table that takes long to rebuild is larger
    // than the caches, and its lines would otherwise be waited for one by one.
    constexpr std::size_t ahead = 16;
    struct queued_key {
      const unsigned char* slot;
      std::uint64_t hash;
    } queue[ahead];
    std::size_t queued = 0, placed = 0;
    keys_.each_slot([&](const unsigned char* slot) {
      if (!ok || load_offset(slot) <= copy_above) return;
      const std::uint64_t hash = hash_of(slot);
      bigger.prefetch(hash);
      if (queued - placed == ahead) {
        const queued_key& next = queue[placed++ % ahead];
        place(next.slot, next.hash);
      }
      queue[queued++ % ahead] = {slot, hash};
    });
    for (; ok && placed < queued; ++placed) place(queue[placed % ahead].slot, queue[placed % ahead].hash);
    for (std::size_t i = 0; ok && i < stash_.size(); ++i)
      if (load_offset(stash_[i]) > copy_above) place(stash_[i], hash_of(stash_[i]));
    if (!ok) return false;
    if (copy_above != held_above_)
      each_slot([this, copy_above](const unsigned char* slot) {
        if (load_offset(slot) <= copy_above) release_if_held(slot);
      });
    bytes_ = bytes_ - keys_.bytes() - stash_.bytes() + bigger.bytes() + overflow.bytes();
    keys_ = std::move(bigger);
    stash_.swap(overflow);
    blank_ = !copied;
    return true;
  }

  // Appends a copy of `slot` (a cleared slot if null) to a stash, growing it under the budget
  // if `charged` (counting `pending` bytes about to be charged as well); the slot appended, or
  // nullptr on refusal.
  unsigned char* append(stash& into, const unsigned char* slot, bool charged, std::size_t pending = 0) noexcept {
    if (into.size() == into.capacity()) {
      const std::size_t wanted = into.capacity() * 2 + 4;
      const std::size_t wanted_bytes = stash::bytes_for(wanted);  // held beside the old while copying
      if (charged && !fits(pending + wanted_bytes)) return nullptr;
      const std::size_t before = into.bytes();
      if (!into.reserve(wanted)) return nullptr;
      if (&into == &stash_) bytes_ += wanted_bytes - before;
    }
    return slot != nullptr ? into.push(slot) : into.push_cleared();
  }

  // Calls fn(slot) for every slot of the table and the stash.
  template <class Fn>
  void each_slot(Fn&& fn) {
    keys_.each_slot(fn);
    for (std::size_t i = 0; i < stash_.size(); ++i) fn(stash_[i]);
  }
  template <class Fn>
  void each_slot(Fn&& fn) const {
    keys_.each_slot(fn);
    for (std::size_t i = 0; i < stash_.size(); ++i) fn(stash_[i]);
  }

  // The held slot of either line of `hash`, or of the stash, for which pred holds.
  template <class Pred>
  unsigned char* find(std::uint64_t hash, Pred&& pred) noexcept {
    return find(keys_.lines_of(hash), pred);
  }
  template <class Pred>
  unsigned char* find(const line_pair& lines, Pred&& pred) noexcept {
    if (unsigned char* at = keys_.find(lines, pred)) return at;
    for (std::size_t i = 0; i < stash_.size(); ++i)
      if (pred(stash_[i])) return stash_[i];
    return nullptr;
  }

  // Held keys minus an estimate of the expired ones, whose slots new keys may take: only the
  // oldest bucket can hold expired keys, about in proportion to how far W is into it.
  // Counted from the lowest expiry the bucket holds: when expiries bunch at its end (saturated
  // at INT64_MAX, say), none has expired yet.
  std::uint64_t in_use() const noexcept {
    if (buckets_.empty()) return held_;
    const bucket& oldest = buckets_.front();
    const std::uint64_t w = dedup_to_unsigned(watermark_);
    const std::uint64_t from = oldest.lowest > oldest.base ? oldest.lowest : oldest.base;
    if (w < from) return held_;
    const std::uint64_t width = oldest.last - from + 1;  // a bucket spans less than 2^63
    const std::uint64_t elapsed = w - from + 1;          // < width: the bucket is not freed
    const std::uint64_t parts = width >= 1024 ? elapsed / (width / 1024) : elapsed * 1024 / width;
    return held_ - oldest.keys * (parts < 1024 ? parts : 1024) / 1024;
  }

  // Table sizing. Cuckoo inserts stay cheap while about 80% of the slots hold live keys; the
  // table grows at 27/32 in use to 3/4, and shrinks back to 3/4 when under a quarter is held.
  // Packed slots take 10.7 bytes, which leaves room to run emptier (from 7/10 to 25/32): each
  // packed slot costs a few more instructions, and fewer searches for room pay for them.
  // Fingerprint slots take 20 bytes, so their tables run fuller (from 21/25 to 9/10) to stay
  // within 24 bytes per key. (Rounded so that small tables keep free slots too: a restore,
  // which places keys in another order, must find room for everything the original held in
  // the same space.)
  static std::size_t fill_limit(std::size_t slots) noexcept {
    if (Packed) return slots - (slots * 7 + 31) / 32;
    return Storage::fingerprint ? slots - (slots + 9) / 10 : slots - (slots * 5 + 31) / 32;
  }
  static std::size_t slots_for(std::size_t keys) noexcept {
    if (Packed) return keys + keys / 7 * 3 + keys % 7 * 3 / 7 + 1;
    return Storage::fingerprint ? keys + keys / 21 * 4 + keys % 21 * 4 / 21 + 1 : keys + keys / 3 + 1;
  }

  // The slots a fitted table gives `keys`: 1/32 of its slots below its fill limit, that is
  // 13/16 full in 5-slot lines, 3/4 in packed lines, 139/160 for fingerprints.
  static std::size_t fit_slots(std::size_t keys) noexcept {
    if (Packed) return keys + keys / 3 + 1;
    return Storage::fingerprint ? keys + keys / 139 * 21 + keys % 139 * 21 / 139 + 1
                                : keys + keys / 13 * 3 + keys % 13 * 3 / 13 + 1;
  }

  // Tables settle (settle_due) where slots hold whole keys and are not packed: there the table
  // is the memory, and 12.8-byte slots must be 4/5 full for 16 bytes per 64-bit key, where a
  // growth leaves them 3/4 full. Packed and fingerprint tables meet their bounds at the size
  // they grow to, and string keys' memory is mostly their bytes: those keep that size.
  static constexpr bool settles = !Packed && !Storage::fingerprint && !Storage::uses_arena;
  // True, when a bucket has just been freed, if the table settles, is larger than fitted to the
  // keys in use (by over a 64th, so that 5-slot lines stay within 16 bytes a key), and has not
  // grown or settled for a whole window + lateness: a stream that keeps growing is not rebuilt
  // twice a step, nor one that keeps shrinking more than once a window. Growth in the first
  // window, from an empty table, does not count: by its first release a stream has shown its size.
  bool settle_due() const noexcept {
    if (!settles || watermark_ < settle_after_ || keys_.lines() <= reserved_lines_) return false;
    const std::size_t lines = table::lines_for(fit_slots(static_cast<std::size_t>(in_use())));
    return keys_.lines() > lines + lines / 64;
  }
  void hold_size_for_a_window() noexcept {
    settle_after_ = dedup_saturating_add(dedup_saturating_add(watermark_, settings_.window), settings_.allowed_lateness);
  }

  // Grows the table so that one more key fits (doubling while small); `charged` as for rebuild.
  bool grow(bool charged = true) noexcept {
    if (expired_once_) hold_size_for_a_window();
    const std::size_t slots = keys_.slots();
    const std::uint64_t used = in_use();
    std::size_t wanted = slots_for(static_cast<std::size_t>(used + 1));
    if (slots < 1024 && wanted < slots * 2) wanted = slots * 2;
    if (wanted < slots + slots / 16 + table::slots_per_line) wanted = slots + slots / 16 + table::slots_per_line;
    std::size_t lines = table::lines_for(wanted);
    for (int attempt = 0; attempt < 4; ++attempt, lines += lines / 8 + 1)
      if (rebuild(lines, charged)) return true;
    return false;
  }

  // The slot for a new key of `hash`, growing the table when it reaches its fill limit, or when
  // no room can be made in a table at least half full. Keys whose lines stay full anyway (many
  // keys of one hash: a flooding attack) go to the stash, which every lookup also searches.
  // nullptr on budget or heap refusal. A restore reuses no expired slot and leaves the budget
  // to recount, which fits the whole state to it at the end.
  // `lines` are the hash's lines in the table as it is.
  unsigned char* room_for(std::uint64_t hash, line_pair lines, bool restoring = false) noexcept {
    const std::size_t limit = fill_limit(keys_.slots());
    if (held_ + 1 > limit && in_use() + 1 > limit) {  // in_use <= held_
      if (!grow(!restoring)) return nullptr;
      lines = keys_.lines_of(hash);
    }
    unsigned char* at = make_room(keys_, lines, !restoring);
    if (at == nullptr && held_ >= keys_.slots() / 2 && grow(!restoring)) at = make_room(keys_, hash, !restoring);
    if (at != nullptr) return at;
    return append(stash_, nullptr, !restoring);
  }

  bool insert(const prepared& p, std::uint64_t fresh, const line_pair& lines) noexcept {
    fit(fresh);
    const std::size_t b = bucket_for_expiry(fresh);
    if (b == npos) return false;
    unsigned char* slot = room_for(p.hash, lines);
    if (slot == nullptr) return false;
    if (!store_key(buckets_[b], p, slot)) {
      store_offset(slot, 0);  // the slot may still hold a moved key's copy
      return false;
    }
    fill(slot, tag_of(p.hash), fresh);
    note_key(buckets_[b], fresh);
    ++held_;
    return true;
  }

  static void note_key(bucket& b, std::uint64_t e) noexcept {
    ++b.keys;
    if (e < b.lowest) b.lowest = e;
  }

  // Gives the held key at `at` (expiry `held`) the expiry `fresh`; a key behind a pointer is
  // copied into the new bucket's arena. False (nothing changed) on budget refusal.
  bool move(unsigned char* slot, std::uint64_t held, std::uint64_t fresh, const prepared& p) noexcept {
    fit(fresh);
    const std::size_t from = held_bucket(held);
    if (fresh > buckets_[from].last) {
      const std::size_t to = bucket_for_expiry(fresh);  // newer than the key's bucket
      if (to == npos) return false;
      if constexpr (Storage::uses_arena) {
        unsigned char key_bytes[key_size];
        if (!store_key(buckets_[to], p, key_bytes)) return false;
        std::memcpy(slot, key_bytes, key_size);
      }
      --buckets_[from].keys;
      note_key(buckets_[to], fresh);
    }
    store_offset(slot, fresh - base_);
    return true;
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

  // The held bucket an expiry belongs to (it must exist).
  std::size_t held_bucket(std::uint64_t e) const noexcept {
    std::size_t b = 0;
    while (buckets_[b].last < e) ++b;
    return b;
  }
  // Finds or creates the bucket of expiry `e`, skipping the division for the bucket new keys
  // went to last.
  std::size_t bucket_for_expiry(std::uint64_t e) noexcept {
    if (e - cached_base_ > cached_span_) return bucket_for(index_of(e));
    if (!buckets_.empty() && buckets_.back().index == cached_index_) return buckets_.size() - 1;  // the usual case
    return bucket_for(cached_index_);
  }
  // Finds or creates the bucket numbered `index`; npos when the budget or heap refuses.
  std::size_t bucket_for(std::uint64_t index) noexcept {
    if (!buckets_.empty() && buckets_.back().index == index) return remember_target(buckets_.size() - 1);
    std::size_t place = buckets_.size();
    while (place > 0 && buckets_[place - 1].index >= index) {
      if (buckets_[place - 1].index == index) return remember_target(place - 1);
      --place;
    }
    if (buckets_.size() == buckets_.capacity()) {
      const std::size_t more = buckets_.capacity() * 2 + 1;
      if (!charge_buckets(more)) return npos;
      buckets_.reserve(more);
    }
    bucket fresh_bucket;
    fresh_bucket.index = index;
    fresh_bucket.base = base_of(index);
    fresh_bucket.last = last_of(index);
    if constexpr (Storage::uses_arena) fresh_bucket.strings = arena(string_block_bytes);
    buckets_.insert(buckets_.begin() + static_cast<std::ptrdiff_t>(place), std::move(fresh_bucket));
    if (place == 0) refresh_limits();
    return remember_target(place);
  }

  // Caches the expiry range of the bucket new keys went to last, to skip a division.
  std::size_t remember_target(std::size_t place) noexcept {
    cached_index_ = buckets_[place].index;
    cached_base_ = buckets_[place].base;
    cached_span_ = buckets_[place].last - buckets_[place].base;
    return place;
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

  dedup_settings settings_;
  seeded_hash keyed_;  // settings_.seed with its hash keys derived once
  // Times for which time + window and time - allowed_lateness do not overflow.
  std::int64_t latest_unsaturated_ = 0, earliest_unsaturated_ = 0;
  std::uint64_t span_ = 1;
  std::uint64_t origin_ = 0;
  std::uint64_t cached_index_ = 0, cached_base_ = 0, cached_span_ = 0;
  std::int64_t watermark_ = std::numeric_limits<std::int64_t>::min();
  dedup_counters counters_;
  std::size_t bytes_ = 0;
  std::uint64_t held_ = 0;
  std::uint64_t base_ = 0;   // slots store expiry - base_; 0 marks a slot that was never used
  Offset held_above_ = 0;    // slots with a larger offset are held
  std::uint64_t oldest_last_ = 0;  // the oldest bucket's last expiry (0 with no bucket)
  std::vector<bucket> buckets_;
  table keys_;
  stash stash_;  // slots of keys the table had no room for
  std::size_t reserved_lines_ = 0;    // the table's least size (reserve_table), 0 if none
  bool expired_once_ = false;  // a bucket has been freed since the table was last empty (or made)
  std::int64_t settle_after_ = std::numeric_limits<std::int64_t>::min();  // see settle_due
  bool blank_ = true;  // no offset written to the table or stash since they were allocated
  std::string scratch_;
  arena unused_arena_{std::size_t{0}, std::size_t{0}};  // never allocates: budget 0
};

}  // namespace detail
SLUICE_NAMESPACE_END
