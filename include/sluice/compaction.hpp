// sluice/compaction.hpp: a deterministic small-file compaction planner that converges.
//
// From file metadata alone (size, partition, last write, rows, deleted rows, rewrite count)
// make_plan() groups the files that need rewriting: small files are merged, oversized files
// split, files with many deleted rows purged. Guarantees:
// - Deterministic: the same multiset of files gives the same plan in any input order.
// - Selective: a file inside [min_bytes, max_bytes] with few deletes is never rewritten.
// - Packing: each group's predicted outputs land in [min_bytes, max_bytes] whenever its bytes
//   allow, in the count closest to bytes / target_bytes; a partition cut into several groups
//   aims at its own ideal count (reported beside the plan's) and may miss it by a file.
// - Converges: applying the plan as predicted and planning again yields an empty plan, once
//   partitions left out by the budget or the cool-down have been planned too.
// - Budgeted, with cool-down for partitions still being written and a cap on rewrites.
// Never throws, no RTTI; a bad policy gives errc::invalid_config.
//
//   std::vector<sluice::compaction::file> catalog = load_catalog();
//   sluice::compaction::policy rules;                 // 512 MiB target, Iceberg thresholds
//   rules.cool_down = 3600;                           // leave partitions written this hour
//   auto plan = sluice::compaction::make_plan(catalog.data(), catalog.size(), rules, now);
//   if (plan) for (const auto& g : plan->groups) submit(g.partition, g.files, g.output_files);
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "sluice/detail/compaction_math.hpp"
#include "sluice/detail/config.hpp"
#include "sluice/errors.hpp"

SLUICE_NAMESPACE_BEGIN
namespace compaction {

// One data file as the catalog describes it.
struct file {
  std::uint64_t id = 0;             // caller's handle; the final tie-breaker
  std::uint64_t bytes = 0;
  std::uint64_t partition = 0;      // caller's partition id; groups never cross partitions
  std::int64_t written_at = 0;      // last write time, in the unit of `now`
  std::uint64_t rows = 0;
  std::uint64_t deleted_rows = 0;   // rows masked by deletion vectors or position deletes
  std::uint32_t rewrites = 0;       // how many times this data has been rewritten already
};

// What a healthy file looks like and how much work one run may do.
struct policy {
  std::uint64_t target_bytes = 512ull << 20;
  std::uint64_t min_bytes = 0;      // 0: 3/4 of target; smaller files are merged
  std::uint64_t max_bytes = 0;      // 0: 9/5 of target; larger files are split
  std::size_t min_input_files = 5;  // small files worth a group; values below 2 act as 2
  std::uint64_t max_group_bytes = 100ull << 30;  // input bytes per group (one rewrite job)
  double max_delete_ratio = 0.3;    // files with a larger share of deleted rows are rewritten
  double output_ratio = 1.0;        // expected output bytes per input byte
  std::uint64_t budget_bytes = std::numeric_limits<std::uint64_t>::max();  // per run
  std::int64_t cool_down = 0;       // skip partitions written within this span before `now`
  std::uint32_t max_rewrites = std::numeric_limits<std::uint32_t>::max();  // then left alone
};

// One rewrite job: these files of one partition become `output_files` new files.
struct group {
  std::uint64_t partition = 0;
  std::vector<std::uint64_t> files;  // ids, ascending by (bytes, id)
  std::uint64_t input_bytes = 0;
  std::uint32_t output_files = 0;
  // Files fixed, in file equivalents: files removed, oversized files split, and each input's
  // share of deleted rows. Groups are ranked by benefit / input_bytes.
  double benefit = 0;
  std::uint64_t output_bytes = 0;     // predicted: input_bytes * output_ratio
  std::uint64_t remainder_bytes = 0;  // non-zero: the last output is an undersized remainder

  // Predicted size of output file `index` (< output_files): equal shares of output_bytes, or,
  // when no count keeps every output in range, files of max_bytes and one remainder last.
  std::uint64_t output_file_bytes(std::uint32_t index) const noexcept {
    if (output_files == 0) return 0;
    if (remainder_bytes != 0) {
      if (index + 1u == output_files) return remainder_bytes;
      return (output_bytes - remainder_bytes) / (output_files - 1u);
    }
    std::uint64_t share = output_bytes / output_files;
    return share + (index < output_bytes % output_files ? 1u : 0u);
  }
};

// The groups to rewrite, best benefit per byte first, and what was left alone.
struct plan {
  std::vector<group> groups;
  std::uint64_t rewrite_bytes = 0;     // sum of the groups' input bytes (saturating)
  std::size_t input_files = 0;         // files in all groups
  std::size_t output_files = 0;        // predicted outputs of all groups
  std::size_t ideal_output_files = 0;  // per partition, the ideal count for the planned bytes
  std::size_t skipped_cool_down = 0;   // candidate files in partitions written too recently
  std::size_t skipped_rewrites = 0;    // candidate files with rewrites >= max_rewrites
  std::size_t skipped_budget = 0;      // groups left out by budget_bytes
  // Candidate files left alone because every grouping the planner knows would leave files
  // that the next run rewrites again (a policy the partition's sizes cannot meet).
  std::size_t skipped_unstable = 0;
};

// How make_plan reads a caller's own file type. The primary template reads members named like
// those of `file`; specialize it, or pass any object with these member functions.
template <class File>
struct file_traits {
  static std::uint64_t id(const File& f) noexcept { return f.id; }
  static std::uint64_t bytes(const File& f) noexcept { return f.bytes; }
  static std::uint64_t partition(const File& f) noexcept { return f.partition; }
  static std::int64_t written_at(const File& f) noexcept { return f.written_at; }
  static std::uint64_t rows(const File& f) noexcept { return f.rows; }
  static std::uint64_t deleted_rows(const File& f) noexcept { return f.deleted_rows; }
  static std::uint32_t rewrites(const File& f) noexcept { return f.rewrites; }
};

// The policy with min_bytes and max_bytes filled in, or errc::invalid_config when it cannot
// be met: zero target or max_group_bytes, min >= target, target >= max, a NaN, infinite or
// non-positive output_ratio, a NaN or negative max_delete_ratio.
result<policy> resolve(const policy& rules) noexcept;

// Plans one compaction run over `files[0, count)` at time `now`.
template <class File, class Traits = file_traits<File>>
result<plan> make_plan(const File* files, std::size_t count, const policy& rules,
                       std::int64_t now, const Traits& traits = Traits{});

// The same for sluice's own file struct.
result<plan> make_plan(const file* files, std::size_t count, const policy& rules,
                       std::int64_t now);

// ---------------------------------------------------------------------------------------------
// Implementation.

inline result<policy> resolve(const policy& rules) noexcept {
  policy out = rules;
  if (out.target_bytes == 0 || out.max_group_bytes == 0) return errc::invalid_config;
  if (!std::isfinite(out.output_ratio) || !(out.output_ratio > 0)) return errc::invalid_config;
  if (std::isnan(out.max_delete_ratio) || out.max_delete_ratio < 0) return errc::invalid_config;
  if (out.min_bytes == 0) out.min_bytes = detail::scale(out.target_bytes, 3, 4);
  if (out.max_bytes == 0) out.max_bytes = detail::scale(out.target_bytes, 9, 5);
  if (out.min_bytes >= out.target_bytes || out.target_bytes >= out.max_bytes)
    return errc::invalid_config;
  if (out.min_input_files < 2) out.min_input_files = 2;
  return out;
}

namespace detail {

template <class File, class Traits>
class planner {
 public:
  planner(const File* files, std::size_t count, const policy& rules, std::int64_t now,
          const Traits& traits)
      : files_(files), count_(count), rules_(rules), now_(now), traits_(traits) {}

  plan run() {
    collect();
    for (std::size_t ordinal = 0; ordinal < partitions_.size(); ++ordinal)
      plan_partition(ordinal);
    return select();
  }

 private:
  // A candidate, cached so planning rarely goes back to the caller's (large) array.
  struct record {
    std::uint64_t bytes;
    std::uint64_t id;
    std::uint64_t index_and_flags;  // index into files_, and the two flags below
    std::size_t index() const noexcept {
      return static_cast<std::size_t>(index_and_flags & ~(heavy_flag | deletes_flag));
    }
    bool heavy_deletes() const noexcept { return (index_and_flags & heavy_flag) != 0; }
    bool has_deletes() const noexcept { return (index_and_flags & deletes_flag) != 0; }
  };
  static constexpr std::uint64_t heavy_flag = 1ull << 63;
  static constexpr std::uint64_t deletes_flag = 1ull << 62;
  struct slot_state {
    std::int64_t last_write = std::numeric_limits<std::int64_t>::min();
    std::size_t eligible = 0;
    std::size_t rewrites_skipped = 0;
    std::size_t next = 0;  // scatter cursor into records_
  };
  struct partition_span {
    std::uint64_t id;
    std::size_t begin, end;  // into records_
  };
  struct pending {
    std::size_t ordinal;  // partition, in id order
    std::size_t begin, end;
    std::uint64_t input_bytes;
    std::uint64_t output_bytes;
    std::uint64_t output_files;
    std::uint64_t remainder_bytes;
    double benefit;
  };
  struct range_facts {
    std::size_t begin, end;
    std::uint64_t input_bytes = 0;
    std::uint64_t output_bytes = 0;
    std::uint64_t output_files = 0;
    std::size_t oversized = 0;
    bool heavy_deletes = false;
    double deleted_share = 0;
    bool kept = false;
  };

  bool is_delete_heavy(const File& f) const noexcept {
    std::uint64_t deleted = traits_.deleted_rows(f);
    if (deleted == 0) return false;
    return static_cast<double>(deleted) >
           rules_.max_delete_ratio * static_cast<double>(traits_.rows(f));
  }
  // The fraction of a file's rows that are deleted, in [0, 1].
  double deleted_share(const File& f) const noexcept {
    std::uint64_t deleted = traits_.deleted_rows(f), rows = traits_.rows(f);
    if (deleted == 0) return 0.0;
    return deleted >= rows ? 1.0 : static_cast<double>(deleted) / static_cast<double>(rows);
  }
  bool is_candidate(const File& f) const noexcept {
    std::uint64_t bytes = traits_.bytes(f);
    return bytes < rules_.min_bytes || bytes == 0 || bytes > rules_.max_bytes ||
           is_delete_heavy(f);
  }
  bool is_hot(std::int64_t last_write) const noexcept {
    if (rules_.cool_down <= 0) return false;
    if (last_write > now_) return true;
    std::uint64_t age = static_cast<std::uint64_t>(now_) - static_cast<std::uint64_t>(last_write);
    return age < static_cast<std::uint64_t>(rules_.cool_down);
  }

  // Finds the eligible candidates and buckets them by partition, in partition id order.
  void collect() {
    partition_index index;
    std::vector<slot_state> slots;
    struct found {
      std::size_t index;
      std::uint32_t slot;
    };
    std::vector<found> candidates;
    candidates.reserve(count_);
    const bool track_writes = rules_.cool_down > 0;
    for (std::size_t i = 0; i < count_; ++i) {
      const File& f = files_[i];
      const bool candidate = is_candidate(f);
      if (!candidate && !track_writes) continue;
      std::uint32_t slot = index.slot_of(traits_.partition(f));
      if (slot == slots.size()) slots.emplace_back();
      slot_state& state = slots[slot];
      if (track_writes) state.last_write = std::max(state.last_write, traits_.written_at(f));
      if (!candidate) continue;
      if (traits_.rewrites(f) >= rules_.max_rewrites) {
        ++state.rewrites_skipped;
        continue;
      }
      ++state.eligible;
      candidates.push_back({i, slot});
    }

    std::vector<std::uint32_t> order;
    for (std::uint32_t slot = 0; slot < slots.size(); ++slot) {
      slot_state& state = slots[slot];
      if (is_hot(state.last_write)) {
        skipped_cool_down_ += state.eligible + state.rewrites_skipped;
        state.eligible = 0;
        continue;
      }
      skipped_rewrites_ += state.rewrites_skipped;
      if (state.eligible != 0) order.push_back(slot);
    }
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      return index.id(a) < index.id(b);
    });
    std::size_t total = 0;
    partitions_.reserve(order.size());
    for (std::uint32_t slot : order) {
      slots[slot].next = total;
      partitions_.push_back({index.id(slot), total, total + slots[slot].eligible});
      total += slots[slot].eligible;
    }
    records_.resize(total);
    for (const found& c : candidates) {
      slot_state& state = slots[c.slot];
      if (state.eligible == 0) continue;  // hot partition
      const File& f = files_[c.index];
      std::uint64_t flags = static_cast<std::uint64_t>(c.index);
      if (traits_.deleted_rows(f) != 0) flags |= deletes_flag;
      if (is_delete_heavy(f)) flags |= heavy_flag;
      records_[state.next++] = {traits_.bytes(f), traits_.id(f), flags};
    }
  }

  bool record_less(const record& a, const record& b) const noexcept {
    if (a.bytes != b.bytes) return a.bytes < b.bytes;
    if (a.id != b.id) return a.id < b.id;
    const File& x = files_[a.index()];
    const File& y = files_[b.index()];
    if (traits_.written_at(x) != traits_.written_at(y))
      return traits_.written_at(x) < traits_.written_at(y);
    if (traits_.rows(x) != traits_.rows(y)) return traits_.rows(x) < traits_.rows(y);
    if (traits_.deleted_rows(x) != traits_.deleted_rows(y))
      return traits_.deleted_rows(x) < traits_.deleted_rows(y);
    return traits_.rewrites(x) < traits_.rewrites(y);
  }

  std::uint64_t predict(std::uint64_t input) const noexcept {
    return predict_output(input, rules_.output_ratio);
  }
  bool splittable_in_range(std::uint64_t input) const noexcept {
    return !in_range_counts(predict(input), rules_.min_bytes, rules_.max_bytes).empty();
  }

  // Cuts the nonzero files [begin, end) (ascending, total > max_group_bytes) into ranges of
  // about equal bytes, or, with `whole_outputs`, of whole outputs: the ideal output count of
  // what remains spread over as few slices as the cap allows.
  void slice(std::size_t begin, std::size_t end, bool whole_outputs) {
    const std::uint64_t cap = rules_.max_group_bytes;
    std::size_t giants = end;
    while (giants > begin && records_[giants - 1].bytes > cap) --giants;
    std::uint64_t remaining = 0;
    for (std::size_t i = begin; i < giants; ++i)
      remaining = saturating_add(remaining, records_[i].bytes);
    std::size_t at = begin;
    while (at < giants) {
      if (remaining <= cap) {
        ranges_.push_back({at, giants});
        break;
      }
      std::uint64_t goal = divide_up(remaining, divide_up(remaining, cap));
      if (whole_outputs) {
        std::uint64_t outputs = ideal_count(predict(remaining), rules_.target_bytes, rules_.min_bytes, rules_.max_bytes);
        if (outputs == 0) outputs = 1;
        const std::uint64_t per_output = divide_up(remaining, outputs);
        const std::uint64_t per_slice = per_output >= cap ? 1 : cap / per_output;
        const std::uint64_t share = divide_up(outputs, divide_up(outputs, per_slice));
        if (share < outputs) goal = per_output * share;
      }
      std::size_t best_end = at + 1;
      std::uint64_t best_bytes = records_[at].bytes;
      std::uint64_t best_distance = max_u64;
      bool best_in_range = false;
      std::uint64_t bytes = 0;
      for (std::size_t e = at; e < giants && records_[e].bytes <= cap - bytes; ++e) {
        bytes += records_[e].bytes;
        const std::uint64_t distance = bytes > goal ? bytes - goal : goal - bytes;
        if (best_in_range && bytes > goal && distance > best_distance) break;
        const bool in_range = splittable_in_range(bytes);
        if ((in_range && !best_in_range) || (in_range == best_in_range && distance <= best_distance)) {
          best_end = e + 1;
          best_bytes = bytes;
          best_distance = distance;
          best_in_range = in_range;
        }
      }
      ranges_.push_back({at, best_end});
      at = best_end;
      if (remaining != max_u64) {
        remaining -= best_bytes;
      } else {  // the sum saturated (2^64 bytes or more): count what is left again
        remaining = 0;
        for (std::size_t i = at; i < giants; ++i) remaining = saturating_add(remaining, records_[i].bytes);
      }
    }
    for (std::size_t i = giants; i < end; ++i) ranges_.push_back({i, i + 1});
  }

  void measure(range_facts& r) const noexcept {
    std::size_t files = r.end - r.begin;
    for (std::size_t i = r.begin; i < r.end; ++i) {
      const record& rec = records_[i];
      r.input_bytes = saturating_add(r.input_bytes, rec.bytes);
      if (rec.bytes > rules_.max_bytes) ++r.oversized;
      if (rec.heavy_deletes()) r.heavy_deletes = true;
      if (rec.has_deletes()) r.deleted_share += deleted_share(files_[rec.index()]);
    }
    r.kept = files >= rules_.min_input_files || (files >= 2 && r.input_bytes > rules_.target_bytes) ||
             r.oversized != 0 || r.heavy_deletes;
    if (r.kept) {
      r.output_bytes = predict(r.input_bytes);
      r.output_files = ideal_count(r.output_bytes, rules_.target_bytes, rules_.min_bytes,
                                   rules_.max_bytes);
    }
  }

  // The ranges' facts, output counts apportioned.
  void measure_ranges(std::vector<range_facts>& facts) {
    facts.clear();
    for (const auto& r : ranges_) {
      range_facts f;
      f.begin = r.first;
      f.end = r.second;
      measure(f);
      facts.push_back(f);
    }
    apportion(facts);
  }

  // Whether what the next run would see of a partition planned so (files left out, undersized
  // remainders) is provably unplannable; an output count past 2^32 never settles.
  bool settles(const std::vector<range_facts>& facts) const noexcept {
    std::size_t leftover_files = 0;
    std::uint64_t leftover_bytes = 0;
    for (const range_facts& r : facts) {
      if (!r.kept) {
        leftover_files += r.end - r.begin;
        leftover_bytes = saturating_add(leftover_bytes, r.input_bytes);
        continue;
      }
      if (r.output_files > std::numeric_limits<std::uint32_t>::max()) return false;
      if (!counts_in_range(r.output_bytes, r.output_files, rules_.min_bytes, rules_.max_bytes)) {
        if (r.output_files != divide_up(r.output_bytes, rules_.max_bytes)) return false;
        const std::uint64_t remainder = r.output_bytes - (r.output_files - 1) * rules_.max_bytes;
        ++leftover_files;
        leftover_bytes = saturating_add(leftover_bytes, remainder);
      }
    }
    return leftover_files <= 1 ||
           (leftover_files < rules_.min_input_files && leftover_bytes <= rules_.target_bytes);
  }

  // How well a partition's groups pack: whether they settle (see plan_partition), groups
  // whose outputs are out of range, and how far their output count is from the ideal count
  // for their bytes.
  struct packing_score {
    bool settled = true;
    std::size_t out_of_range = 0;
    std::uint64_t distance = 0;
  };
  packing_score score(const std::vector<range_facts>& facts) const noexcept {
    packing_score result;
    std::uint64_t bytes = 0, outputs = 0;
    for (const range_facts& r : facts) {
      if (!r.kept) continue;
      bytes = saturating_add(bytes, r.input_bytes);
      outputs = saturating_add(outputs, r.output_files);
      if (!counts_in_range(r.output_bytes, r.output_files, rules_.min_bytes, rules_.max_bytes)) ++result.out_of_range;
    }
    const std::uint64_t want = ideal_count(predict(bytes), rules_.target_bytes, rules_.min_bytes, rules_.max_bytes);
    result.distance = outputs > want ? outputs - want : want - outputs;
    result.settled = settles(facts);
    return result;
  }

  // Moves output counts by one step, where that keeps outputs in range, so the partition's
  // total matches the ideal count for its bytes.
  void apportion(std::vector<range_facts>& facts) {
    std::uint64_t bytes = 0, sum = 0;
    std::size_t kept = 0;
    for (const range_facts& r : facts) {
      if (!r.kept) continue;
      ++kept;
      bytes = saturating_add(bytes, r.input_bytes);
      sum += r.output_files;
    }
    if (kept < 2) return;
    const std::uint64_t t = rules_.target_bytes;
    const std::uint64_t want = ideal_count(predict(bytes), t, rules_.min_bytes, rules_.max_bytes);
    if (want == sum) return;
    const bool fewer = want < sum;
    std::uint64_t steps = fewer ? sum - want : want - sum;
    movable_.clear();
    for (std::size_t i = 0; i < facts.size(); ++i) {
      const range_facts& r = facts[i];
      if (!r.kept) continue;
      const std::uint64_t below = r.output_bytes / t;
      if (!counts_in_range(r.output_bytes, r.output_files, rules_.min_bytes, rules_.max_bytes))
        continue;
      const std::uint64_t moved = fewer ? r.output_files - 1 : r.output_files + 1;
      if (r.output_files != (fewer ? below + 1 : below)) continue;
      if (!counts_in_range(r.output_bytes, moved, rules_.min_bytes, rules_.max_bytes)) continue;
      movable_.push_back(i);
    }
    // Cheapest first: the share of a target each group rounded by, then position.
    std::sort(movable_.begin(), movable_.end(), [&](std::size_t a, std::size_t b) {
      const std::uint64_t ra = facts[a].output_bytes % t, rb = facts[b].output_bytes % t;
      if (ra != rb) return fewer ? ra < rb : ra > rb;
      return a < b;
    });
    for (std::size_t i = 0; i < movable_.size() && steps != 0; ++i, --steps) {
      if (fewer)
        --facts[movable_[i]].output_files;
      else
        ++facts[movable_[i]].output_files;
    }
  }

  void plan_partition(std::size_t ordinal) {
    const partition_span span = partitions_[ordinal];
    std::sort(records_.begin() + static_cast<std::ptrdiff_t>(span.begin),
              records_.begin() + static_cast<std::ptrdiff_t>(span.end),
              [this](const record& a, const record& b) { return record_less(a, b); });
    std::size_t nonzero = span.begin;
    while (nonzero < span.end && records_[nonzero].bytes == 0) ++nonzero;
    if (nonzero != span.begin) {
      // Empty files are dropped outright: no bytes to rewrite, no outputs.
      double benefit = static_cast<double>(nonzero - span.begin);
      for (std::size_t i = span.begin; i < nonzero; ++i)
        if (records_[i].has_deletes()) benefit += deleted_share(files_[records_[i].index()]);
      pending_.push_back({ordinal, span.begin, nonzero, 0, 0, 0, 0, benefit});
    }
    if (nonzero == span.end) return;

    std::uint64_t total = 0;
    for (std::size_t i = nonzero; i < span.end; ++i)
      total = saturating_add(total, records_[i].bytes);
    ranges_.clear();
    if (total <= rules_.max_group_bytes)
      ranges_.push_back({nonzero, span.end});
    else
      slice(nonzero, span.end, false);
    measure_ranges(facts_);
    if (ranges_.size() > 1) {
      // Slices of equal bytes can all sit between two counts that their outputs cannot reach
      // in range, the partition then missing its ideal count. Slices of whole outputs are
      // taken instead when they miss it by less, with no more outputs out of range, and
      // settle whenever the equal slices do.
      const packing_score equal_bytes = score(facts_);
      if (equal_bytes.distance != 0) {
        ranges_.clear();
        slice(nonzero, span.end, true);
        measure_ranges(other_facts_);
        const packing_score whole = score(other_facts_);
        if ((whole.settled || !equal_bytes.settled) && whole.out_of_range <= equal_bytes.out_of_range &&
            whole.distance < equal_bytes.distance)
          facts_.swap(other_facts_);
      }
    }

    // Unless what the next run would see of this partition is provably unplannable, plan
    // nothing here, so the next run decides the same on the same files.
    if (!settles(facts_)) {
      skipped_unstable_ += span.end - nonzero;
      return;
    }
    for (const range_facts& r : facts_) {
      if (!r.kept) continue;
      std::uint64_t remainder = 0;
      if (!counts_in_range(r.output_bytes, r.output_files, rules_.min_bytes, rules_.max_bytes))
        remainder = r.output_bytes - (r.output_files - 1) * rules_.max_bytes;
      const std::size_t files = r.end - r.begin;
      const double removed =
          files > r.output_files ? static_cast<double>(files - r.output_files) : 0.0;
      pending_.push_back({ordinal, r.begin, r.end, r.input_bytes, r.output_bytes,
                          r.output_files, remainder,
                          removed + static_cast<double>(r.oversized) + r.deleted_share});
    }
  }

  // Ranks the groups by benefit per byte, applies the budget and assembles the plan.
  plan select() {
    std::vector<std::size_t> rank(pending_.size());
    for (std::size_t i = 0; i < rank.size(); ++i) rank[i] = i;
    std::sort(rank.begin(), rank.end(), [&](std::size_t a, std::size_t b) {
      const pending& x = pending_[a];
      const pending& y = pending_[b];
      const double left = x.benefit * static_cast<double>(y.input_bytes);
      const double right = y.benefit * static_cast<double>(x.input_bytes);
      if (left != right) return left > right;
      if (x.input_bytes != y.input_bytes) return x.input_bytes < y.input_bytes;
      return a < b;
    });

    plan out;
    out.skipped_cool_down = skipped_cool_down_;
    out.skipped_rewrites = skipped_rewrites_;
    out.skipped_unstable = skipped_unstable_;
    std::vector<std::uint64_t> planned_bytes(partitions_.size(), 0);
    std::vector<bool> planned(partitions_.size(), false);
    std::size_t taken = 0;
    for (std::size_t i : rank) {
      const pending& p = pending_[i];
      // Saturating: an unlimited budget takes every group, even past 2^64 bytes in all.
      const std::uint64_t with = saturating_add(out.rewrite_bytes, p.input_bytes);
      if (with > rules_.budget_bytes) {
        ++out.skipped_budget;
        continue;
      }
      out.rewrite_bytes = with;
      rank[taken++] = i;
    }
    out.groups.resize(taken);
    for (std::size_t g = 0; g < taken; ++g) {
      const pending& p = pending_[rank[g]];
      group& target = out.groups[g];
      target.partition = partitions_[p.ordinal].id;
      target.files.resize(p.end - p.begin);
      for (std::size_t i = p.begin; i < p.end; ++i) target.files[i - p.begin] = records_[i].id;
      target.input_bytes = p.input_bytes;
      target.output_files = static_cast<std::uint32_t>(p.output_files);
      target.benefit = p.benefit;
      target.output_bytes = p.output_bytes;
      target.remainder_bytes = p.remainder_bytes;
      out.input_files += target.files.size();
      out.output_files += target.output_files;
      planned_bytes[p.ordinal] = saturating_add(planned_bytes[p.ordinal], p.input_bytes);
      planned[p.ordinal] = true;
    }
    for (std::size_t ordinal = 0; ordinal < partitions_.size(); ++ordinal) {
      if (!planned[ordinal]) continue;
      out.ideal_output_files += static_cast<std::size_t>(
          ideal_count(predict(planned_bytes[ordinal]), rules_.target_bytes, rules_.min_bytes,
                      rules_.max_bytes));
    }
    return out;
  }

  const File* files_;
  std::size_t count_;
  policy rules_;
  std::int64_t now_;
  const Traits& traits_;

  std::vector<record> records_;
  std::vector<partition_span> partitions_;
  std::vector<pending> pending_;
  std::vector<std::pair<std::size_t, std::size_t>> ranges_;
  std::vector<range_facts> facts_, other_facts_;
  std::vector<std::size_t> movable_;
  std::size_t skipped_cool_down_ = 0;
  std::size_t skipped_rewrites_ = 0;
  std::size_t skipped_unstable_ = 0;
};

}  // namespace detail

template <class File, class Traits>
result<plan> make_plan(const File* files, std::size_t count, const policy& rules,
                       std::int64_t now, const Traits& traits) {
  result<policy> resolved = resolve(rules);
  if (!resolved) return resolved.error();
  if (count != 0 && files == nullptr) return errc::invalid_config;
  detail::planner<File, Traits> planner(files, count, *resolved, now, traits);
  return planner.run();
}

inline result<plan> make_plan(const file* files, std::size_t count, const policy& rules,
                              std::int64_t now) {
  return make_plan<file, file_traits<file>>(files, count, rules, now, file_traits<file>{});
}

}  // namespace compaction
SLUICE_NAMESPACE_END
