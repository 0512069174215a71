// sluice/scd2.hpp: Slowly Changing Dimension Type 2 history that is a pure function of the
// set of changes received.
//
// Feed change records (CDC upserts and deletes) in any order, batching, repetition or
// lateness: the history keeps every version of every key with its half-open validity
// interval [valid_from, valid_to), and is always exactly the history the full set of
// distinct changes defines. Every change gets a verdict; every apply returns a MERGE-able
// diff (rows to remove, rows to add). Work per apply scales with the batch, not the history.
// Memory comes from arenas and can be capped: apply is then all-or-nothing. Never throws.
//
//   struct customer_traits {
//     using record = customer;
//     static std::uint64_t key(const customer& c) { return c.id; }
//     static std::int64_t sequence(const customer& c) { return c.updated_at; }
//     static bool is_delete(const customer& c) { return c.op == 'D'; }
//     static auto tracked(const customer& c) { return std::tie(c.name, c.city); }
//   };
//   sluice::scd2::history<customer_traits> dimension;
//   auto diff = dimension.apply(batch.data(), batch.size());   // diff.removed, diff.added
//   const auto* now = dimension.current(42);                     // nullptr if absent/deleted
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/arena.hpp"
#include "sluice/detail/config.hpp"
#include "sluice/detail/scd2_storage.hpp"
#include "sluice/detail/scd2_traits.hpp"
#include "sluice/errors.hpp"
#include "sluice/hash.hpp"

SLUICE_NAMESPACE_BEGIN
namespace scd2 {

// What became of one change given to apply().
enum class change_verdict : std::uint8_t {
  opened,             // an upsert that starts a version (splitting one, if it came late)
  closed,             // a delete that ends a version
  absorbed,           // an upsert with unchanged tracked columns, folded into its version
  duplicate,          // a repeat of a change already known (or earlier in the same batch)
  conflict_won,       // same key and sequence as a different change; this one decides
  conflict_lost,      // same key and sequence as a different change; the other one decides
  late,               // older than the retention horizon (forget_before); not applied
  delete_of_nothing,  // a delete with no open version to end
};

// The verdict's name, e.g. "conflict_won".
constexpr std::string_view to_string(change_verdict verdict) noexcept {
  switch (verdict) {
    case change_verdict::opened: return "opened";
    case change_verdict::closed: return "closed";
    case change_verdict::absorbed: return "absorbed";
    case change_verdict::duplicate: return "duplicate";
    case change_verdict::conflict_won: return "conflict_won";
    case change_verdict::conflict_lost: return "conflict_lost";
    case change_verdict::late: return "late";
    case change_verdict::delete_of_nothing: return "delete_of_nothing";
  }
  return "unknown";
}

// The sluice code a verdict reports, for dead-letter tables and counters:
// SEQUENCE_CONFLICT for both conflict verdicts, LATE_EVENT for late, DUPLICATE_EVENT for
// duplicate; an empty code for the others.
inline std::error_code to_error_code(change_verdict verdict) noexcept {
  switch (verdict) {
    case change_verdict::conflict_won:
    case change_verdict::conflict_lost: return make_error_code(errc::sequence_conflict);
    case change_verdict::late: return make_error_code(errc::late_event);
    case change_verdict::duplicate: return make_error_code(errc::duplicate_event);
    default: return {};
  }
}

// Options of a history. The defaults suit most uses; `history<T> h;` uses them.
struct history_config {
  // Cap on the bytes the history holds from the heap for its state (key blocks, key index,
  // arena block headers), at every moment, inside apply too. An apply that would exceed it
  // changes nothing and reports MEMORY_BUDGET_EXCEEDED. Apply's working buffer and the
  // returned diff are not counted. Note apply builds the new blocks of touched keys before
  // releasing the old ones, and fills a grown index while the old one is still held.
  std::size_t memory_budget = SIZE_MAX;
  // Keys to size the key index for, at least, whenever it grows (it grows as needed anyway);
  // a hint that would not fit the budget is set aside.
  std::size_t expected_keys = 0;
  // Size of the first arena block; later blocks double up to the arena's maximum.
  std::size_t first_block_bytes = std::size_t{64} << 10;
  // Seed of the key hash. Where keys come from outside, draw it at random per process
  // (see sluice/hash.hpp) so nobody can craft keys that collide in the index.
  std::uint64_t seed = 0;
};

// The versions of every key, derived from the set of changes received. Traits describe the
// user's record type:
//   using record = R;
//   static K key(const R&);             // business key: hashed by sluice::hasher<K>, ==
//   static S sequence(const R&);        // SEQUENCE BY: any totally ordered type (operator<)
//   static bool is_delete(const R&);
//   static auto tracked(const R&);      // history columns: a tuple (std::tie) with == and <
//   static auto untracked(const R&);    // optional; columns updated in place: a tuple
// A tuple of references returned by key() is stored as a tuple of values.
//
// Semantics: per key, the distinct changes (equal key, sequence, delete flag, tracked and
// untracked columns make one change; other fields of the record are not compared) sorted by
// sequence. Different changes with one sequence conflict; a delete beats an upsert, else the
// greater (tracked, untracked) tuple wins. Walking the winners in order with an open version
// V: an upsert whose tracked columns equal V's is absorbed (V.record becomes it, valid_from
// stays); any other upsert closes V at its sequence and opens a new version; a delete closes
// V, or changes nothing when none is open. A late change splits the version it falls into;
// a late upsert older than a delete never resurrects the row.
//
// Cost: an apply() does work proportional to its batch plus the stored changes of the keys
// it touches (each is rebuilt from them), never to the whole history.
// Thread-compatible: const member functions may run concurrently with each other; apply(),
// forget_before() and shrink_to_fit() need exclusive access, and pointers and ranges into
// the history stay valid until the next of them. Record copies must not throw.
template <class Traits>
class history {
  using adapter = detail::scd2_adapter<Traits>;

 public:
  using traits_type = Traits;
  using record_type = typename Traits::record;
  using key_type = typename adapter::key_type;
  using sequence_type = typename adapter::sequence_type;

  // One version of a key: valid over [valid_from, valid_to); the current one has no valid_to.
  struct row {
    key_type key;
    sequence_type valid_from;
    std::optional<sequence_type> valid_to;
    record_type record;
  };

  // The versions of one key, ordered by valid_from (empty if the key is unknown).
  class row_range {
   public:
    row_range() noexcept = default;
    row_range(const row* first, const row* last) noexcept : first_(first), last_(last) {}
    const row* begin() const noexcept { return first_; }
    const row* end() const noexcept { return last_; }
    std::size_t size() const noexcept { return static_cast<std::size_t>(last_ - first_); }
    bool empty() const noexcept { return first_ == last_; }
    const row& operator[](std::size_t i) const noexcept { return first_[i]; }
    const row& front() const noexcept { return *first_; }
    const row& back() const noexcept { return last_[-1]; }

   private:
    const row* first_ = nullptr;
    const row* last_ = nullptr;
  };

  // What an apply() did. `removed` and `added` form a MERGE-able diff: old rows - removed +
  // added == new rows; an updated row appears in both as its old and new form, and no row
  // is both removed and added unchanged. Rows are grouped by key, ordered by valid_from.
  // Every change is counted once: applied + duplicates + conflicts + late == n.
  struct apply_result {
    std::vector<row> removed, added;
    std::size_t applied = 0;     // new distinct changes without a sequence conflict
    std::size_t duplicates = 0;  // repeats of a known change
    std::size_t conflicts = 0;   // new distinct changes sharing key+sequence with another
    std::size_t late = 0;        // refused: older than the retention horizon
    // MEMORY_BUDGET_EXCEEDED when the change set did not fit: then nothing was applied, the
    // diff is empty, the counts are zero and no verdict was written.
    std::error_code error;
  };

  // Heap memory held by the history.
  struct memory_usage {
    std::size_t reserved = 0;    // held from the heap, headers included (<= the budget)
    std::size_t in_use = 0;      // in live key blocks and the key index
    std::size_t recyclable = 0;  // in freed key blocks kept for reuse
    std::size_t index = 0;       // of reserved, the key index; it doubles when it grows, and
                                 // apply holds both copies until the new one is filled
    // Outside `reserved` and the budget: apply()'s working buffer, kept for the next batch (a
    // batch of a million changes would otherwise map it fresh every time). Sized for the
    // last large batch; a batch under a quarter of that size, or shrink_to_fit(), releases it.
    std::size_t scratch = 0;
  };

  history() noexcept : history(history_config{}) {}
  explicit history(const history_config& config) noexcept
      : config_(config),
        pool_(granule, arena(config.first_block_bytes, config.memory_budget)) {}
  history(history&& other) noexcept
      : config_(other.config_),
        pool_(std::move(other.pool_)),
        index_(std::move(other.index_)),
        plans_(std::move(other.plans_)),
        horizon_(std::exchange(other.horizon_, std::nullopt)),
        row_count_(std::exchange(other.row_count_, 0)),
        change_count_(std::exchange(other.change_count_, 0)),
        key_count_(std::exchange(other.key_count_, 0)) {}
  history& operator=(history&& other) noexcept {
    if (this != &other) {
      destroy_all();
      config_ = other.config_;
      pool_ = std::move(other.pool_);
      index_ = std::move(other.index_);
      plans_ = std::move(other.plans_);
      horizon_ = std::exchange(other.horizon_, std::nullopt);
      row_count_ = std::exchange(other.row_count_, 0);
      change_count_ = std::exchange(other.change_count_, 0);
      key_count_ = std::exchange(other.key_count_, 0);
    }
    return *this;
  }
  history(const history&) = delete;
  history& operator=(const history&) = delete;
  ~history() { destroy_all(); }

  // Adds `n` changes (any order; repeats and late arrivals welcome) and returns the diff.
  // If `verdicts` is given, verdicts[i] receives the verdict of changes[i]. All-or-nothing:
  // on MEMORY_BUDGET_EXCEEDED the history is unchanged.
  apply_result apply(const record_type* changes, std::size_t n,
                     change_verdict* verdicts = nullptr) {
    apply_result result;
    apply(changes, n, result, verdicts);
    return result;
  }

  // The same, into `result`: its old contents are replaced, its vectors keep their capacity.
  // A pipeline that applies batch after batch into one result reuses the diff's memory
  // instead of having fresh pages mapped for every batch.
  void apply(const record_type* changes, std::size_t n, apply_result& result,
             change_verdict* verdicts = nullptr) {
    result.removed.clear();
    result.added.clear();
    result.applied = result.duplicates = result.conflicts = result.late = 0;
    result.error = std::error_code();
    if (n == 0) return;
    std::vector<change_verdict> verdict(n, change_verdict::duplicate);
    std::vector<pending> pendings;
    pendings.reserve(n);
    const std::uint64_t seed = config_.seed;
    auto take = [&](auto is_late) {
      for (std::size_t i = 0; i < n; ++i) {
        if (is_late(changes[i])) {
          verdict[i] = change_verdict::late;
          continue;
        }
        pendings.push_back(pending{hash_of_record(changes[i], seed), i});
      }
    };
    if (horizon_) {
      const sequence_type& horizon = *horizon_;
      take([&](const record_type& c) {
        return adapter::sequence_less(Traits::sequence(c), horizon);
      });
    } else {
      take([](const record_type&) { return false; });
    }
    sort_by_hash(pendings);

    // Build every touched key's new block while its old one is hot; nothing is visible
    // until all of them (and the index) fit, then install them at once.
    workspace work;
    std::vector<plan>& plans = plans_;
    plans.clear();
    if (plans.capacity() / 4 > pendings.size() + 1024) std::vector<plan>().swap(plans);
    if constexpr (sizeof(void*) >= 8) {
      // Room for the usual diff (a late change splits a row in two or three) in one go:
      // growing would copy every row again. Untouched capacity costs address space only.
      result.added.reserve(2 * pendings.size());
      result.removed.reserve(pendings.size());
      plans.reserve(pendings.size());
    }
    const arena::marker before = pool_.memory().mark();
    // Until the install, leaving early (a refusal, or an allocation that throws) undoes every
    // block built so far; the install itself allocates nothing.
    struct undo_builds {
      history& self;
      std::vector<plan>& built;
      const arena::marker& mark;
      bool armed = true;
      ~undo_builds() {
        if (armed) self.abandon(built, mark);
      }
    } undo{*this, plans, before};
    bool fits = true;
    std::size_t fetched_input = 0, fetched_block = 0;
    for (std::size_t start = 0; start < pendings.size() && fits;) {
      // Fetch ahead: the input record and home slot 32 changes on, the block 16 changes on.
      for (; fetched_input < std::min(pendings.size(), start + 32); ++fetched_input) {
        const record_type* change = &changes[pendings[fetched_input].index];
        SLUICE_PREFETCH(change);
        SLUICE_PREFETCH(reinterpret_cast<const char*>(change + 1) - 1);
        index_.prefetch_slot(pendings[fetched_input].hash);
      }
      for (; fetched_block < std::min(pendings.size(), start + 16); ++fetched_block) {
        if (const void* block = index_.likely_block(pendings[fetched_block].hash)) {
          for (std::size_t line = 0; line < 384; line += 64)
            SLUICE_PREFETCH(static_cast<const char*>(block) + line);
        }
      }
      std::size_t stop = start + 1;
      while (stop < pendings.size() && pendings[stop].hash == pendings[start].hash) ++stop;
      for_each_key_group(changes, pendings, start, stop, [&](std::size_t first, std::size_t last) {
        if (fits)
          fits = build_key(changes, pendings.data() + first, pendings.data() + last,
                           verdict.data(), work, plans, result);
      });
      start = stop;
    }
    detail::scd2_index grown;
    const bool grow = fits && !plans.empty() && grow_index_if_needed(plans, grown, fits);
    // The blocks fit by the arena's cap, a grown index by the room grow_index_if_needed gave
    // it beside the blocks and the old index (held until the grown one is filled).
    assert(!fits || pool_.memory().reserved() + index_.reserved() + (grow ? grown.reserved() : 0) <=
                        config_.memory_budget);
    if (!fits) {
      undo.armed = false;
      abandon(plans, before);
      result.removed.clear();
      result.added.clear();
      result.error = make_error_code(errc::memory_budget_exceeded);
      return;
    }
    undo.armed = false;
    if (grow) {
      grown.take_keys_of(index_);
      index_ = std::move(grown);
      cap_blocks();
    }
    for (std::size_t i = 0; i < plans.size(); ++i) {
      if (i + 8 < plans.size() && plans[i + 8].old_block != nullptr)
        SLUICE_PREFETCH_WRITE(plans[i + 8].old_block);  // its free-list link
      install(plans[i], grow);
    }

    for (change_verdict v : verdict) {
      switch (v) {
        case change_verdict::duplicate: ++result.duplicates; break;
        case change_verdict::late: ++result.late; break;
        case change_verdict::conflict_won:
        case change_verdict::conflict_lost: ++result.conflicts; break;
        default: ++result.applied; break;
      }
    }
    if (verdicts != nullptr) std::copy(verdict.begin(), verdict.end(), verdicts);
  }

  // The versions of `key`, ordered by valid_from; empty if the key has none.
  row_range versions(const key_type& key) const {
    const void* block = find_block(key);
    if (block == nullptr) return {};
    return {rows_of(block), rows_of(block) + header_of(block).row_count};
  }

  // The open version of `key`; nullptr if the key is unknown or its last version is closed.
  const row* current(const key_type& key) const {
    row_range rows = versions(key);
    if (rows.empty() || rows.back().valid_to) return nullptr;
    return &rows.back();
  }

  // The version of `key` valid at `at`; nullptr if none was.
  const row* as_of(const key_type& key, const sequence_type& at) const {
    row_range rows = versions(key);
    const row* after = std::upper_bound(
        rows.begin(), rows.end(), at,
        [](const sequence_type& s, const row& r) { return adapter::sequence_less(s, r.valid_from); });
    if (after == rows.begin()) return nullptr;
    const row* candidate = after - 1;
    if (candidate->valid_to && !adapter::sequence_less(at, *candidate->valid_to)) return nullptr;
    return candidate;
  }

  // Calls f(const row&) for every row: keys in unspecified order, each key's rows in order.
  template <class F>
  void for_each_row(F&& f) const {
    for (std::size_t i = 0; i < index_.capacity(); ++i) {
      const void* block = index_.slot(i).block;
      if (block == nullptr) continue;
      const row* rows = rows_of(block);
      for (std::uint32_t r = 0; r < header_of(block).row_count; ++r) f(rows[r]);
    }
  }

  // Verifies every invariant (rows ordered and non-overlapping, at most one open row per key
  // and only as the last, each row's record within its interval, the stored changes in
  // order, the rows exactly those the stored changes define, the index consistent).
  // INVARIANT_VIOLATION if any fails; a bug, never expected. Takes time linear in the size.
  std::error_code check() const {
    const std::error_code broken = make_error_code(errc::invariant_violation);
    std::size_t keys = 0, rows_seen = 0, changes_seen = 0, keys_with_rows = 0;
    workspace work;
    for (std::size_t i = 0; i < index_.capacity(); ++i) {
      const void* block = index_.slot(i).block;
      if (block == nullptr) continue;
      ++keys;
      const block_header& header = header_of(block);
      if (header.row_count + std::size_t{header.extra_count} == 0) return broken;
      const key_type key = key_of(block);
      const std::uint64_t hash = hash_of(key);
      if (index_.slot(i).hash != hash || find_block(key) != block) return broken;
      const row* rows = rows_of(block);
      for (std::uint32_t r = 0; r < header.row_count; ++r) {
        const row& version = rows[r];
        const sequence_type record_sequence = Traits::sequence(version.record);
        if (!(version.key == key) || !(version.key == Traits::key(version.record)) ||
            Traits::is_delete(version.record) ||
            adapter::sequence_less(record_sequence, version.valid_from))
          return broken;
        if (version.valid_to) {
          if (!adapter::sequence_less(version.valid_from, *version.valid_to) ||
              !adapter::sequence_less(record_sequence, *version.valid_to))
            return broken;
          if (r + 1 < header.row_count &&
              adapter::sequence_less(rows[r + 1].valid_from, *version.valid_to))
            return broken;
        } else if (r + 1 != header.row_count) {
          return broken;
        }
      }
      const record_type* extras = extras_of(block);
      for (std::uint32_t e = 0; e < header.extra_count; ++e) {
        if (!(key == Traits::key(extras[e]))) return broken;
        if (e > 0 && adapter::compare_change(extras[e - 1], extras[e]) >= 0) return broken;
      }
      // The rows must be exactly what the stored changes define.
      work.clear();
      if (recompute(block, nullptr, nullptr, nullptr, nullptr, work) != outcome::changed)
        return broken;  // stored changes out of order or repeated
      if (work.rows.size() != header.row_count || work.extras.size() != header.extra_count)
        return broken;
      for (std::size_t r = 0; r < work.rows.size(); ++r) {
        if (work.rows[r].record != &rows[r].record ||
            !adapter::sequence_equal(work.rows[r].from, rows[r].valid_from) ||
            !same_end(work.rows[r].to, rows[r].valid_to))
          return broken;
      }
      for (std::size_t e = 0; e < work.extras.size(); ++e)
        if (work.extras[e] != &extras[e]) return broken;
      rows_seen += header.row_count;
      changes_seen += header.row_count + std::size_t{header.extra_count};
      keys_with_rows += header.row_count != 0 ? 1 : 0;
    }
    if (keys != index_.size() || rows_seen != row_count_ || changes_seen != change_count_ ||
        keys_with_rows != key_count_)
      return broken;
    return {};
  }

  // Retention: from now on, changes with a sequence older than `horizon` are refused with
  // verdict `late` (LATE_EVENT) and not applied, so the rows before the horizon are final.
  // Rows do not change. Frees the stored changes no future change can need any more (those
  // older than the horizon, except the one that carries a version across it). A horizon not
  // newer than the current one changes nothing.
  void forget_before(const sequence_type& horizon) {
    if (horizon_ && !adapter::sequence_less(*horizon_, horizon)) return;
    horizon_ = horizon;
    for (std::size_t i = 0; i < index_.capacity();) {
      if (index_.slot(i).block != nullptr && compact(i)) continue;  // slot i refilled: again
      ++i;
    }
  }

  // Copies every key's block into fresh, tightly packed memory and returns the old memory
  // (including the recyclable blocks apply() leaves behind, and its kept working buffer) to
  // the heap, so memory().reserved comes down to about memory().in_use. Needs both copies
  // at once: if they do not fit the budget, changes nothing and returns
  // MEMORY_BUDGET_EXCEEDED. Rows do not change.
  std::error_code shrink_to_fit() {
    const std::size_t held = pool_.memory().reserved() + index_.reserved();
    if (held >= config_.memory_budget) return make_error_code(errc::memory_budget_exceeded);
    detail::scd2_block_pool packed(granule,
                                   arena(config_.first_block_bytes, config_.memory_budget - held));
    std::vector<void*> copies(index_.capacity(), nullptr);
    for (std::size_t i = 0; i < index_.capacity(); ++i) {
      const void* block = index_.slot(i).block;
      if (block == nullptr) continue;
      const std::size_t bytes = block_bytes(block);
      bool recycled = false;
      void* copy = packed.allocate(bytes, recycled);
      if (copy == nullptr) {
        for (void* made : copies)
          if (made != nullptr) destroy_objects(made);
        return make_error_code(errc::memory_budget_exceeded);
      }
      const block_header& header = header_of(block);
      ::new (copy) block_header{header.row_count, header.extra_count};
      char* cursor = static_cast<char*>(copy) + rows_offset;
      const row* rows = rows_of(block);
      for (std::uint32_t r = 0; r < header.row_count; ++r, cursor += sizeof(row))
        ::new (static_cast<void*>(cursor)) row(rows[r]);
      const record_type* extras = extras_of(block);
      for (std::uint32_t e = 0; e < header.extra_count; ++e, cursor += sizeof(record_type))
        ::new (static_cast<void*>(cursor)) record_type(extras[e]);
      copies[i] = copy;
    }
    for (std::size_t i = 0; i < index_.capacity(); ++i) {
      if (copies[i] == nullptr) continue;
      destroy_objects(index_.slot(i).block);
      index_.slot(i).block = copies[i];
    }
    pool_ = std::move(packed);
    cap_blocks();
    std::vector<plan>().swap(plans_);
    return {};
  }

  // The retention horizon, if forget_before() was called.
  const std::optional<sequence_type>& horizon() const noexcept { return horizon_; }

  // Keys with at least one version.
  std::size_t key_count() const noexcept { return key_count_; }
  // Versions of all keys.
  std::size_t row_count() const noexcept { return row_count_; }
  // Distinct changes stored (each version's record counts as one).
  std::size_t change_count() const noexcept { return change_count_; }

  // Heap memory held now (see memory_usage); reserved <= the budget at every moment.
  memory_usage memory() const noexcept {
    memory_usage usage;
    usage.reserved = pool_.memory().reserved() + index_.reserved();
    usage.in_use = pool_.live_bytes() + index_.capacity() * sizeof(detail::scd2_slot);
    usage.recyclable = pool_.free_bytes();
    usage.index = index_.reserved();
    usage.scratch = plans_.capacity() * sizeof(plan);
    return usage;
  }

  // The options this history was made with.
  const history_config& config() const noexcept { return config_; }

 private:
  // Each key owns one block: this header, its rows ordered by valid_from, then its other
  // stored changes ("extras": absorbed ones, conflict losers, deletes) in change order.
  struct block_header {
    std::uint32_t row_count;
    std::uint32_t extra_count;
  };
  static constexpr std::size_t max_of(std::size_t a, std::size_t b) { return a < b ? b : a; }
  static constexpr std::size_t granule =
      max_of(max_of(alignof(row), alignof(block_header)), max_of(sizeof(void*), 8));
  static constexpr std::size_t rows_offset =
      (sizeof(block_header) + alignof(row) - 1) / alignof(row) * alignof(row);

  static constexpr std::size_t npos = ~std::size_t{0};

  struct pending {
    std::uint64_t hash;
    std::size_t index;
  };
  struct entry {
    const record_type* record;
    std::size_t batch_index;  // npos for a stored change
    bool row_record;          // the record of a version in the new state
  };
  struct planned_row {
    sequence_type from;
    std::optional<sequence_type> to;
    const record_type* record;
  };
  // A key's new state as recompute() plans it: the old block's first `kept_rows` rows and
  // `kept_extras` extras as they are, then `rows` and `extras`.
  struct workspace {
    std::vector<entry> stored, all;
    std::size_t kept_rows = 0, kept_extras = 0;
    std::vector<planned_row> rows;
    std::vector<const record_type*> extras;
    void clear() {
      stored.clear();
      all.clear();
      kept_rows = kept_extras = 0;
      rows.clear();
      extras.clear();
    }
  };
  // The new block of one touched key, built but not yet installed.
  // Counts are the block headers' (block_bytes() refuses larger ones).
  struct plan {
    void* old_block;
    void* new_block;
    std::uint64_t hash;
    std::size_t slot;
    std::uint32_t old_rows, old_extras, new_rows, new_extras;
    bool recycled;
  };

  static const block_header& header_of(const void* block) noexcept {
    return *std::launder(static_cast<const block_header*>(block));
  }
  static const row* rows_of(const void* block) noexcept {
    return std::launder(
        reinterpret_cast<const row*>(static_cast<const char*>(block) + rows_offset));
  }
  static const record_type* extras_of(const void* block) noexcept {
    return std::launder(reinterpret_cast<const record_type*>(
        static_cast<const char*>(block) + rows_offset + header_of(block).row_count * sizeof(row)));
  }
  // Bytes of a block; 0 when the counts do not fit the header or the address space.
  static std::size_t block_bytes(std::size_t rows, std::size_t extras) noexcept {
    constexpr std::size_t limit = 0xFFFFFFFFu;
    if (rows > limit || extras > limit) return 0;
    const std::size_t room = SIZE_MAX - rows_offset - granule;
    if (rows > room / sizeof(row)) return 0;
    const std::size_t row_bytes = rows * sizeof(row);
    if (extras > (room - row_bytes) / sizeof(record_type)) return 0;
    return rows_offset + row_bytes + extras * sizeof(record_type);
  }
  static std::size_t block_bytes(const void* block) noexcept {
    return block_bytes(header_of(block).row_count, header_of(block).extra_count);
  }

  std::uint64_t hash_of(const key_type& key) const noexcept {
    return hasher<key_type>{config_.seed}.hash(key);
  }
  // With the seed passed in: a loop that keeps it in a local lets the compiler derive the
  // hash's seed keys once (stores into a vector of hashes may alias config_.seed).
  static std::uint64_t hash_of_record(const record_type& record, std::uint64_t seed) {
    // Directly when hasher<key_type> takes the key as returned (the stored type itself, or a
    // string_view of a std::string key), else through a stored-type copy.
    if constexpr (detail::scd2_hashes_directly<hasher<key_type>, decltype(Traits::key(record))>::value)
      return hasher<key_type>{seed}.hash(Traits::key(record));
    else
      return hasher<key_type>{seed}.hash(key_type(Traits::key(record)));
  }

  // Orders by hash, keeping input order among equal hashes (so the first of identical
  // changes is the one kept). Batches of more than a few hundred changes: a stable radix
  // sort on the top 33 bits in three 11-bit digits (their counters stay in L1), then the
  // (tiny) runs that share those bits are finished by insertion.
  static void sort_by_hash(std::vector<pending>& pendings) {
    auto before = [](const pending& a, const pending& b) {
      return a.hash != b.hash ? a.hash < b.hash : a.index < b.index;
    };
    if (pendings.size() < 512) {
      std::sort(pendings.begin(), pendings.end(), before);
      return;
    }
    constexpr unsigned digit_bits = 11, digits = 3, sorted_from = 64 - digit_bits * digits;
    constexpr std::size_t buckets = std::size_t{1} << digit_bits;
    auto digit = [](std::uint64_t hash, unsigned d) {
      return static_cast<std::size_t>(hash >> (sorted_from + d * digit_bits)) & (buckets - 1);
    };
    std::vector<std::size_t> count(digits * buckets, 0);
    for (const pending& p : pendings)
      for (unsigned d = 0; d < digits; ++d) ++count[d * buckets + digit(p.hash, d)];
    for (unsigned d = 0; d < digits; ++d) {
      std::size_t offset = 0;
      for (std::size_t b = 0; b < buckets; ++b)
        offset += std::exchange(count[d * buckets + b], offset);
    }
    std::vector<pending> scratch(pendings.size());
    for (unsigned d = 0; d < digits; ++d) {
      std::size_t* next = &count[d * buckets];
      for (const pending& p : pendings) scratch[next[digit(p.hash, d)]++] = p;
      pendings.swap(scratch);
    }
    for (std::size_t i = 1; i < pendings.size(); ++i) {
      if ((pendings[i].hash >> sorted_from) != (pendings[i - 1].hash >> sorted_from) ||
          !before(pendings[i], pendings[i - 1]))
        continue;
      const pending moving = pendings[i];
      std::size_t j = i;
      while (j > 0 && (pendings[j - 1].hash >> sorted_from) == (moving.hash >> sorted_from) &&
             before(moving, pendings[j - 1])) {
        pendings[j] = pendings[j - 1];
        --j;
      }
      pendings[j] = moving;
    }
  }

  template <class Key>
  static bool block_has_key(const void* block, const Key& key) {
    const block_header& header = header_of(block);
    if (header.row_count != 0) return rows_of(block)->key == key;
    return key == Traits::key(*extras_of(block));
  }
  static key_type key_of(const void* block) {
    if (header_of(block).row_count != 0) return rows_of(block)->key;
    return key_type(Traits::key(*extras_of(block)));
  }
  const void* find_block(const key_type& key) const {
    const std::size_t slot = index_.find(
        hash_of(key), [&](const void* block) { return block_has_key(block, key); });
    return slot == index_.npos ? nullptr : index_.slot(slot).block;
  }

  static bool same_end(const std::optional<sequence_type>& a,
                       const std::optional<sequence_type>& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a || adapter::sequence_equal(*a, *b);
  }

  // Calls group(first, last) for each run of one key within pendings[start, stop), which
  // share a hash (several keys only on a hash collision).
  template <class Group>
  static void for_each_key_group(const record_type* changes, std::vector<pending>& pendings,
                                 std::size_t start, std::size_t stop, Group&& group) {
    if (stop - start == 1) {
      group(start, stop);
      return;
    }
    bool one_key = true;
    const auto& first_key = Traits::key(changes[pendings[start].index]);
    for (std::size_t i = start + 1; i < stop && one_key; ++i)
      one_key = Traits::key(changes[pendings[i].index]) == first_key;
    if (one_key) {
      group(start, stop);
      return;
    }
    while (start < stop) {
      const record_type& leader = changes[pendings[start].index];
      auto middle = std::stable_partition(
          pendings.begin() + static_cast<std::ptrdiff_t>(start),
          pendings.begin() + static_cast<std::ptrdiff_t>(stop), [&](const pending& p) {
            return Traits::key(changes[p.index]) == Traits::key(leader);
          });
      // At least the leader: a key unequal to itself (a NaN) must not stop the loop.
      const auto split = std::max(start + 1, static_cast<std::size_t>(middle - pendings.begin()));
      group(start, split);
      start = split;
    }
  }

  enum class outcome { unchanged, changed, corrupt };

  // Recomputes one key from its stored changes (`block`, may be null) and the new changes
  // [first, last) (sorted by change order, then index). Appends the key's new rows and
  // extras to `work` and writes the new changes' verdicts, unless no change is new
  // (`unchanged`). Only changes at or after the horizon are replayed: earlier rows are final,
  // and the version open across the horizon resumes from its last change before it.
  // With no new changes (for check()), `corrupt` if the stored changes are out of order.
  outcome recompute(const void* block, const pending* first, const pending* last,
                    const record_type* changes, change_verdict* verdict,
                    workspace& work) const {
    std::size_t row_total = 0, extra_total = 0;
    const row* rows = nullptr;
    const record_type* extras = nullptr;
    if (block != nullptr) {
      row_total = header_of(block).row_count;
      extra_total = header_of(block).extra_count;
      rows = rows_of(block);
      extras = extras_of(block);
    }
    if (first != last && row_total + extra_total != 0 &&
        follows_stored(changes[first->index], rows, row_total, extras, extra_total))
      return recompute_appended(rows, row_total, extra_total, first, last, changes, verdict,
                                work);

    std::size_t frozen = 0;
    if (horizon_)
      while (frozen < row_total && rows[frozen].valid_to &&
             adapter::sequence_less(*rows[frozen].valid_to, *horizon_))
        ++frozen;

    // Stored changes in change order: rows' records interleaved with the extras.
    work.stored.clear();
    for (std::size_t r = 0, e = 0; r < row_total || e < extra_total;) {
      if (e == extra_total ||
          (r < row_total && adapter::compare_change(rows[r].record, extras[e]) < 0)) {
        work.stored.push_back(entry{&rows[r].record, npos, r < frozen});
        ++r;
      } else {
        work.stored.push_back(entry{&extras[e], npos, false});
        ++e;
      }
    }

    // Merge in the new changes; repeats become duplicates.
    work.all.clear();
    bool any_new = false;
    std::size_t k = 0;
    for (const pending* p = first; p != last; ++p) {
      const record_type& change = changes[p->index];
      if (p != first && adapter::compare_change(changes[p[-1].index], change) == 0) continue;
      int order = -1;
      while (k < work.stored.size() &&
             (order = adapter::compare_change(*work.stored[k].record, change)) < 0) {
        work.all.push_back(work.stored[k++]);
        order = -1;
      }
      if (k < work.stored.size() && order == 0) continue;
      work.all.push_back(entry{&change, p->index, false});
      any_new = true;
    }
    for (; k < work.stored.size(); ++k) work.all.push_back(work.stored[k]);
    if (first != last && !any_new) return outcome::unchanged;
    if (first == last) {
      for (std::size_t i = 1; i < work.all.size(); ++i)
        if (adapter::compare_change(*work.all[i - 1].record, *work.all[i].record) >= 0)
          return outcome::corrupt;
    }

    // Replay from the horizon on.
    std::size_t replay_from = 0;
    if (horizon_)
      while (replay_from < work.all.size() &&
             adapter::sequence_less(Traits::sequence(*work.all[replay_from].record), *horizon_))
        ++replay_from;
    for (std::size_t r = 0; r < frozen; ++r)
      work.rows.push_back(planned_row{rows[r].valid_from, rows[r].valid_to, &rows[r].record});

    bool open = false;
    std::size_t open_entry = 0;
    std::optional<sequence_type> open_from;
    if (horizon_ && frozen < row_total &&
        adapter::sequence_less(rows[frozen].valid_from, *horizon_) && replay_from > 0) {
      open = true;
      open_from = rows[frozen].valid_from;
      open_entry = replay_from - 1;  // the version's last change before the horizon
    }
    replay(work, replay_from, open, open_entry, open_from, verdict);
    for (const entry& item : work.all)
      if (!item.row_record) work.extras.push_back(item.record);
    return outcome::changed;
  }

  // True when `change` (the first new change of a key) comes after every stored change of
  // the key: then the stored rows stand, and only the version open at the end goes on.
  static bool follows_stored(const record_type& change, const row* rows, std::size_t row_total,
                             const record_type* extras, std::size_t extra_total) {
    const sequence_type& sequence = Traits::sequence(change);
    if (row_total != 0 &&
        !adapter::sequence_less(Traits::sequence(rows[row_total - 1].record), sequence))
      return false;
    return extra_total == 0 ||
           adapter::sequence_less(Traits::sequence(extras[extra_total - 1]), sequence);
  }

  // recompute() for new changes that all come after the stored ones (the usual traffic):
  // the same result without replaying the stored changes. Every stored extra and every
  // stored row but an open last one stay as they are (work.kept_*); an open last row
  // resumes from its record, as the replay would have left it.
  outcome recompute_appended(const row* rows, std::size_t row_total, std::size_t extra_total,
                             const pending* first, const pending* last,
                             const record_type* changes, change_verdict* verdict,
                             workspace& work) const {
    const bool open = row_total != 0 && !rows[row_total - 1].valid_to;
    const std::size_t kept = open ? row_total - 1 : row_total;
    work.kept_rows = kept;
    work.kept_extras = extra_total;
    std::optional<sequence_type> open_from;
    if (open) {
      open_from = rows[kept].valid_from;
      work.all.push_back(entry{&rows[kept].record, npos, false});
    }
    for (const pending* p = first; p != last; ++p) {
      const record_type& change = changes[p->index];
      if (p != first && adapter::compare_change(changes[p[-1].index], change) == 0) continue;
      work.all.push_back(entry{&change, p->index, false});
    }
    replay(work, open ? 1 : 0, open, 0, open_from, verdict);
    for (const entry& item : work.all)
      if (!item.row_record) work.extras.push_back(item.record);
    return outcome::changed;
  }

  // Walks work.all from `from` on, each sequence once (its greatest content wins), starting
  // with the version open since `open_from` whose latest change is work.all[open_entry] if
  // `open`; appends the versions it closes (and the one left open) to work.rows, marks their
  // records, and writes the verdicts of the new changes.
  static void replay(workspace& work, std::size_t from, bool open, std::size_t open_entry,
                     std::optional<sequence_type> open_from, change_verdict* verdict) {
    auto close_open = [&](const std::optional<sequence_type>& to) {
      work.rows.push_back(planned_row{*open_from, to, work.all[open_entry].record});
      work.all[open_entry].row_record = true;
    };
    for (std::size_t s = from; s < work.all.size();) {
      const sequence_type sequence = Traits::sequence(*work.all[s].record);
      std::size_t e = s + 1;
      while (e < work.all.size() &&
             adapter::sequence_equal(Traits::sequence(*work.all[e].record), sequence))
        ++e;
      const std::size_t winner = e - 1;  // the greatest content of the sequence
      const record_type& change = *work.all[winner].record;
      change_verdict role;
      if (Traits::is_delete(change)) {
        if (open) {
          close_open(sequence);
          open = false;
          role = change_verdict::closed;
        } else {
          role = change_verdict::delete_of_nothing;
        }
      } else if (open && adapter::same_tracked(change, *work.all[open_entry].record)) {
        open_entry = winner;
        role = change_verdict::absorbed;
      } else {
        if (open) close_open(sequence);
        open = true;
        open_from = sequence;
        open_entry = winner;
        role = change_verdict::opened;
      }
      if (verdict != nullptr) {
        const bool conflict = e - s > 1;
        for (std::size_t t = s; t < e; ++t) {
          if (work.all[t].batch_index == npos) continue;
          verdict[work.all[t].batch_index] =
              !conflict ? role
                        : (t == winner ? change_verdict::conflict_won
                                       : change_verdict::conflict_lost);
        }
      }
      s = e;
    }
    if (open) close_open(std::nullopt);
  }

  // Recomputes the key of the new changes [first, last) and, if any is new, builds its new
  // block and its part of the diff. False when the block does not fit the budget.
  bool build_key(const record_type* changes, pending* first, pending* last,
                 change_verdict* verdict, workspace& work, std::vector<plan>& plans,
                 apply_result& result) {
    if (last - first > 1)
      std::sort(first, last, [&](const pending& a, const pending& b) {
        const int order = adapter::compare_change(changes[a.index], changes[b.index]);
        return order != 0 ? order < 0 : a.index < b.index;
      });
    const record_type& sample = changes[first->index];
    const std::uint64_t hash = first->hash;
    const std::size_t slot = index_.find(
        hash, [&](const void* block) { return block_has_key(block, Traits::key(sample)); });
    void* old_block = slot == index_.npos ? nullptr : index_.slot(slot).block;
    if (old_block != nullptr) pool_.prepare_release(block_bytes(old_block));
    work.clear();
    if (recompute(old_block, first, last, changes, verdict, work) == outcome::unchanged)
      return true;

    const std::size_t new_rows = work.kept_rows + work.rows.size();
    const std::size_t new_extras = work.kept_extras + work.extras.size();
    const std::size_t bytes = block_bytes(new_rows, new_extras);
    if (bytes == 0) return false;
    bool recycled = false;
    void* block = pool_.allocate(bytes, recycled);
    if (block == nullptr) return false;
    const key_type key =
        old_block != nullptr ? key_of(old_block) : key_type(Traits::key(sample));
    ::new (block) block_header{static_cast<std::uint32_t>(new_rows),
                               static_cast<std::uint32_t>(new_extras)};
    char* cursor = static_cast<char*>(block) + rows_offset;
    for (std::size_t r = 0; r < work.kept_rows; ++r) {
      ::new (static_cast<void*>(cursor)) row(rows_of(old_block)[r]);
      cursor += sizeof(row);
    }
    for (const planned_row& planned : work.rows) {
      ::new (static_cast<void*>(cursor)) row{key, planned.from, planned.to, *planned.record};
      cursor += sizeof(row);
    }
    for (std::size_t e = 0; e < work.kept_extras; ++e) {
      ::new (static_cast<void*>(cursor)) record_type(extras_of(old_block)[e]);
      cursor += sizeof(record_type);
    }
    for (const record_type* extra : work.extras) {
      ::new (static_cast<void*>(cursor)) record_type(*extra);
      cursor += sizeof(record_type);
    }

    // The diff: walk old and new rows by valid_from, after the rows kept as they were.
    const row* installed = rows_of(block);
    std::size_t old_rows = 0, old_extras = 0;
    if (old_block != nullptr) {
      old_rows = header_of(old_block).row_count;
      old_extras = header_of(old_block).extra_count;
      const row* before = rows_of(old_block);
      std::size_t i = work.kept_rows, j = work.kept_rows;
      while (i < old_rows || j < new_rows) {
        if (j == new_rows || (i < old_rows && adapter::sequence_less(before[i].valid_from,
                                                                     installed[j].valid_from))) {
          result.removed.push_back(before[i++]);
        } else if (i == old_rows ||
                   adapter::sequence_less(installed[j].valid_from, before[i].valid_from)) {
          result.added.push_back(installed[j++]);
        } else {
          const planned_row& planned = work.rows[j - work.kept_rows];
          if (planned.record != &before[i].record || !same_end(planned.to, before[i].valid_to)) {
            result.removed.push_back(before[i]);
            result.added.push_back(installed[j]);
          }
          ++i;
          ++j;
        }
      }
    } else {
      for (std::size_t j = 0; j < new_rows; ++j) result.added.push_back(installed[j]);
    }
    plans.push_back(plan{old_block, block, hash, slot, static_cast<std::uint32_t>(old_rows),
                         static_cast<std::uint32_t>(old_extras),
                         static_cast<std::uint32_t>(new_rows),
                         static_cast<std::uint32_t>(new_extras), recycled});
    return true;
  }

  // Makes a larger index (in `grown`) if the new keys need one; true if it did. Clears
  // `fits` if it does not fit the budget.
  bool grow_index_if_needed(const std::vector<plan>& plans, detail::scd2_index& grown,
                            bool& fits) {
    std::size_t new_keys = 0;
    for (const plan& p : plans) new_keys += p.old_block == nullptr ? 1 : 0;
    if (index_.has_room_for(index_.size() + new_keys)) return false;
    const std::size_t held = pool_.memory().reserved() + index_.reserved();
    const std::size_t wanted = std::max(index_.size() + new_keys, config_.expected_keys);
    if (held >= config_.memory_budget) {
      fits = false;
      return false;
    }
    grown = detail::scd2_index::with_room_for(wanted, config_.memory_budget - held);
    if (grown.capacity() == 0 && wanted > index_.size() + new_keys)  // the hint is only a hint
      grown = detail::scd2_index::with_room_for(index_.size() + new_keys, config_.memory_budget - held);
    fits = grown.capacity() != 0;
    return fits;
  }

  // The block arena may hold what the index leaves of the budget, so that the two together
  // never exceed it, even for a moment. Called whenever the index or the arena is replaced.
  void cap_blocks() noexcept {
    const bool capped = pool_.memory().set_budget(config_.memory_budget - index_.reserved());
    assert(capped);
    (void)capped;
  }

  // Destroys the blocks built by an apply that does not install them and returns their memory.
  void abandon(std::vector<plan>& plans, const arena::marker& before) noexcept {
    for (const plan& p : plans) {
      destroy_objects(p.new_block);
      if (p.recycled)
        pool_.release(p.new_block, block_bytes(p.new_rows, p.new_extras));  // its class exists
      else
        pool_.forget_fresh(block_bytes(p.new_rows, p.new_extras));
    }
    plans.clear();
    pool_.memory().rewind(before);
  }

  // Makes a planned block the key's block and recycles the old one.
  void install(const plan& p, bool rehashed) {
    if (p.old_block != nullptr) {
      std::size_t slot = p.slot;
      if (rehashed)
        slot = index_.find(p.hash, [&](const void* block) { return block == p.old_block; });
      index_.slot(slot).block = p.new_block;
      destroy_objects(p.old_block);
      pool_.release(p.old_block, block_bytes(p.old_rows, p.old_extras));
    } else {
      index_.insert(p.hash, p.new_block);
    }
    row_count_ = row_count_ - p.old_rows + p.new_rows;
    change_count_ = change_count_ - p.old_rows - p.old_extras + p.new_rows + p.new_extras;
    key_count_ = key_count_ - (p.old_rows != 0 ? 1 : 0) + (p.new_rows != 0 ? 1 : 0);
  }

  // Drops the extras of the key in `slot` that no future change can need. Returns true when
  // the key had nothing left and left the index (the slot now holds another key or none).
  bool compact(std::size_t slot) {
    void* block = index_.slot(slot).block;
    const block_header header = header_of(block);
    if (header.extra_count == 0) return false;
    const row* rows = rows_of(block);
    const record_type* extras = extras_of(block);
    const sequence_type& horizon = *horizon_;
    std::size_t frozen = 0;
    while (frozen < header.row_count && rows[frozen].valid_to &&
           adapter::sequence_less(*rows[frozen].valid_to, horizon))
      ++frozen;
    std::size_t keep_from = 0;
    while (keep_from < header.extra_count &&
           adapter::sequence_less(Traits::sequence(extras[keep_from]), horizon))
      ++keep_from;
    // The version open across the horizon resumes from its last change before it.
    if (frozen < header.row_count && adapter::sequence_less(rows[frozen].valid_from, horizon) &&
        !adapter::sequence_less(Traits::sequence(rows[frozen].record), horizon) && keep_from > 0)
      --keep_from;
    if (keep_from == 0) return false;

    const std::size_t kept = header.extra_count - keep_from;
    if (header.row_count == 0 && kept == 0) {
      index_.erase(slot);
      change_count_ -= header.extra_count;
      destroy_block(block);
      return true;
    }
    const std::size_t bytes = block_bytes(header.row_count, kept);
    bool recycled = false;
    void* fresh = pool_.allocate(bytes, recycled);
    if (fresh == nullptr) return false;  // no room to compact now; nothing is lost
    ::new (fresh) block_header{header.row_count, static_cast<std::uint32_t>(kept)};
    char* cursor = static_cast<char*>(fresh) + rows_offset;
    for (std::uint32_t r = 0; r < header.row_count; ++r, cursor += sizeof(row))
      ::new (static_cast<void*>(cursor)) row(rows[r]);
    for (std::size_t e = keep_from; e < header.extra_count; ++e, cursor += sizeof(record_type))
      ::new (static_cast<void*>(cursor)) record_type(extras[e]);
    index_.slot(slot).block = fresh;
    change_count_ -= keep_from;
    destroy_block(block);
    return false;
  }

  // Runs the destructors of a block's rows and extras.
  static void destroy_objects(void* block) noexcept {
    if constexpr (!std::is_trivially_destructible<row>::value ||
                  !std::is_trivially_destructible<record_type>::value) {
      const block_header& header = header_of(block);
      const row* rows = rows_of(block);
      for (std::uint32_t r = 0; r < header.row_count; ++r) rows[r].~row();
      const record_type* extras = extras_of(block);
      for (std::uint32_t e = 0; e < header.extra_count; ++e) extras[e].~record_type();
    }
  }
  // Runs the destructors of a block's rows and extras and recycles its memory.
  void destroy_block(void* block) {
    const std::size_t bytes = block_bytes(block);
    destroy_objects(block);
    pool_.release(block, bytes);
  }

  void destroy_all() noexcept {
    if constexpr (!std::is_trivially_destructible<row>::value ||
                  !std::is_trivially_destructible<record_type>::value) {
      for (std::size_t i = 0; i < index_.capacity(); ++i)
        if (index_.slot(i).block != nullptr) destroy_objects(index_.slot(i).block);
    }
  }

  history_config config_;
  detail::scd2_block_pool pool_;
  detail::scd2_index index_;
  std::vector<plan> plans_;  // apply()'s, kept between calls (see memory_usage::scratch)
  std::optional<sequence_type> horizon_;
  std::size_t row_count_ = 0;
  std::size_t change_count_ = 0;
  std::size_t key_count_ = 0;
};

}  // namespace scd2
SLUICE_NAMESPACE_END
