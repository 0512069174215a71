// A deliberately naive reference for the compaction planner: classifies files, recomputes ideal
// output counts by trying every count, checks a plan's promises one by one, and applies a plan
// the way the guarantee describes (each group's files replaced by its predicted outputs).
// Sizes in these tests stay small (well under 2^40), so plain 64-bit products do not overflow.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sluice/compaction.hpp"
#include "test_support.hpp"

namespace compaction_model {

using sluice::compaction::file;
using sluice::compaction::group;
using sluice::compaction::plan;
using sluice::compaction::policy;

// The policy with its defaults filled in, computed plainly (3/4 and 9/5 of the target).
inline policy resolved(policy p) {
  if (p.min_bytes == 0) p.min_bytes = p.target_bytes * 3 / 4;
  if (p.max_bytes == 0) p.max_bytes = p.target_bytes * 9 / 5;
  if (p.min_input_files < 2) p.min_input_files = 2;
  return p;
}

inline bool is_small(const file& f, const policy& p) { return f.bytes < p.min_bytes; }
inline bool is_oversized(const file& f, const policy& p) { return f.bytes > p.max_bytes; }
inline bool is_delete_heavy(const file& f, const policy& p) {
  if (f.deleted_rows == 0) return false;
  if (f.rows == 0) return true;
  return static_cast<double>(f.deleted_rows) > p.max_delete_ratio * static_cast<double>(f.rows);
}
inline bool is_candidate(const file& f, const policy& p) {
  return f.bytes == 0 || is_small(f, p) || is_oversized(f, p) || is_delete_heavy(f, p);
}

inline bool is_hot(const std::vector<file>& catalog, std::uint64_t partition, const policy& p,
                   std::int64_t now) {
  if (p.cool_down <= 0) return false;
  for (const file& f : catalog)
    if (f.partition == partition && f.written_at > now - p.cool_down) return true;
  return false;
}

inline bool is_eligible(const std::vector<file>& catalog, const file& f, const policy& p,
                        std::int64_t now) {
  return is_candidate(f, p) && !is_hot(catalog, f.partition, p, now) &&
         f.rewrites < p.max_rewrites;
}

inline std::uint64_t predict(std::uint64_t input, double ratio) {
  if (input == 0) return 0;
  if (ratio == 1.0) return input;
  auto out = static_cast<std::uint64_t>(std::floor(static_cast<double>(input) * ratio));
  return out == 0 ? 1 : out;
}

// True when `count` files can share `out` bytes with every one in [min, max].
inline bool fits(std::uint64_t out, std::uint64_t count, const policy& p) {
  return count * p.min_bytes <= out && out <= count * p.max_bytes;
}

// Tries every count; the one in range closest to out / target, the smaller on a tie; when
// none is in range, the fewest files none of which exceeds max.
inline std::uint64_t ideal_count(std::uint64_t out, const policy& p) {
  if (out == 0) return 0;
  std::uint64_t best = 0;
  std::uint64_t best_distance = 0;
  for (std::uint64_t k = 1; k <= out / p.min_bytes + 1; ++k) {
    if (!fits(out, k, p)) continue;
    std::uint64_t product = k * p.target_bytes;
    std::uint64_t distance = product > out ? product - out : out - product;
    if (best == 0 || distance < best_distance) {
      best = k;
      best_distance = distance;
    }
  }
  if (best != 0) return best;
  std::uint64_t k = 1;
  while (k * p.max_bytes < out) ++k;
  return k;
}

// The keep rule of the issue, on a set of nonzero files.
inline bool worth_rewriting(const std::vector<file>& files, const policy& p) {
  std::uint64_t bytes = 0;
  bool special = false;
  for (const file& f : files) {
    bytes += f.bytes;
    special = special || is_oversized(f, p) || is_delete_heavy(f, p);
  }
  return files.size() >= p.min_input_files || (files.size() >= 2 && bytes > p.target_bytes) ||
         special;
}

// A set of files the planner must leave alone next time: all small without deletes, and
// one file, or fewer than min_input_files that total at most the target.
inline bool is_quiet(const std::vector<file>& files, const policy& p) {
  std::uint64_t bytes = 0;
  for (const file& f : files) {
    if (f.bytes == 0 || !is_small(f, p) || is_delete_heavy(f, p)) return false;
    bytes += f.bytes;
  }
  return files.size() <= 1 || (files.size() < p.min_input_files && bytes <= p.target_bytes);
}

// The predicted sizes of a group's outputs, by the documented rule.
inline std::vector<std::uint64_t> output_sizes(const group& g) {
  std::vector<std::uint64_t> sizes;
  for (std::uint32_t i = 0; i < g.output_files; ++i) sizes.push_back(g.output_file_bytes(i));
  return sizes;
}

// Replaces each group's files by its predicted outputs (fresh ids, no deletes, rewrites + 1,
// written at `now`). Files of unknown id are an error the caller checks through `ok`.
inline std::vector<file> apply(const std::vector<file>& catalog, const plan& pl, std::int64_t now,
                               bool& ok) {
  ok = true;
  std::map<std::uint64_t, file> by_id;
  std::uint64_t next_id = 1;
  for (const file& f : catalog) {
    by_id[f.id] = f;
    next_id = std::max(next_id, f.id + 1);
  }
  std::vector<file> added;
  for (const group& g : pl.groups) {
    std::uint64_t live_rows = 0;
    std::uint32_t rewrites = 0;
    for (std::uint64_t id : g.files) {
      auto it = by_id.find(id);
      if (it == by_id.end()) {
        ok = false;
        continue;
      }
      const file& f = it->second;
      live_rows += f.rows > f.deleted_rows ? f.rows - f.deleted_rows : 0;
      rewrites = std::max(rewrites, f.rewrites);
      by_id.erase(it);
    }
    std::vector<std::uint64_t> sizes = output_sizes(g);
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      file out;
      out.id = next_id++;
      out.bytes = sizes[i];
      out.partition = g.partition;
      out.written_at = now;
      out.rows = live_rows / sizes.size() + (i < live_rows % sizes.size() ? 1 : 0);
      out.deleted_rows = 0;
      out.rewrites = rewrites + 1;
      added.push_back(out);
    }
  }
  std::vector<file> next;
  for (const auto& entry : by_id) next.push_back(entry.second);
  next.insert(next.end(), added.begin(), added.end());
  return next;
}

// Checks every promise a plan makes about `catalog` under `raw` (the caller's policy, budget
// included). Returns the first broken promise, or an empty string.
inline std::string check_plan(const std::vector<file>& catalog, const policy& raw,
                              std::int64_t now, const plan& pl) {
  const policy p = resolved(raw);
  std::ostringstream why;
  std::map<std::uint64_t, const file*> by_id;
  for (const file& f : catalog) by_id[f.id] = &f;
  std::set<std::uint64_t> used;
  std::map<std::uint64_t, std::uint64_t> partition_bytes;
  std::map<std::uint64_t, std::uint64_t> partition_outputs;
  std::map<std::uint64_t, std::size_t> partition_groups;
  std::uint64_t rewrite_bytes = 0;
  std::size_t input_files = 0, output_files = 0;
  for (std::size_t gi = 0; gi < pl.groups.size(); ++gi) {
    const group& g = pl.groups[gi];
    std::vector<file> members;
    std::uint64_t bytes = 0;
    for (std::uint64_t id : g.files) {
      auto it = by_id.find(id);
      if (it == by_id.end()) return "group names an unknown file";
      if (!used.insert(id).second) return "a file is in two groups";
      const file& f = *it->second;
      if (f.partition != g.partition) return "group crosses partitions";
      if (!is_eligible(catalog, f, p, now)) {
        why << "file " << id << " (" << f.bytes << " bytes) is not an eligible candidate";
        return why.str();
      }
      members.push_back(f);
      bytes += f.bytes;
    }
    for (std::size_t i = 1; i < members.size(); ++i)
      if (members[i - 1].bytes > members[i].bytes ||
          (members[i - 1].bytes == members[i].bytes && members[i - 1].id > members[i].id))
        return "group files not ascending by (bytes, id)";
    if (g.input_bytes != bytes) return "input_bytes is not the sum of the files";
    if (g.output_bytes != predict(bytes, p.output_ratio)) return "output_bytes is not predicted";
    if (members.size() > 1 && bytes > p.max_group_bytes) return "group exceeds max_group_bytes";
    std::vector<std::uint64_t> sizes = output_sizes(g);
    std::uint64_t sum = 0;
    for (std::uint64_t s : sizes) sum += s;
    if (sum != g.output_bytes) return "output sizes do not add up to output_bytes";
    if (bytes == 0) {
      if (g.output_files != 0) return "empty files produce outputs";
    } else {
      if (!worth_rewriting(members, p)) return "group fails the keep rule";
      bool all_in = true;
      for (std::uint64_t s : sizes) all_in = all_in && s >= p.min_bytes && s <= p.max_bytes;
      if (fits(g.output_bytes, g.output_files, p) != all_in) return "output sizes out of range";
      if (!all_in) {
        // Only the undersized-remainder shape is allowed, and only when nothing fits.
        if (g.output_files != ideal_count(g.output_bytes, p)) return "odd out-of-range count";
        for (std::uint32_t k = 1; k <= g.output_files + 1; ++k)
          if (fits(g.output_bytes, k, p)) return "outputs out of range although a count fits";
        for (std::size_t i = 0; i + 1 < sizes.size(); ++i)
          if (sizes[i] != p.max_bytes) return "remainder shape wrong";
        if (sizes.back() >= p.min_bytes) return "remainder not undersized";
      }
      partition_bytes[g.partition] += bytes;
      partition_outputs[g.partition] += g.output_files;
      ++partition_groups[g.partition];
    }
    double removed = members.size() > g.output_files
                         ? static_cast<double>(members.size() - g.output_files)
                         : 0.0;
    double benefit = removed;
    for (const file& f : members) {
      if (is_oversized(f, p)) benefit += 1;
      if (f.deleted_rows != 0)
        benefit += f.deleted_rows >= f.rows ? 1.0
                                            : static_cast<double>(f.deleted_rows) /
                                                  static_cast<double>(f.rows);
    }
    if (std::fabs(benefit - g.benefit) > 1e-9 * std::max(1.0, benefit)) return "benefit differs";
    if (gi > 0) {
      const group& before = pl.groups[gi - 1];
      double left = before.benefit * static_cast<double>(g.input_bytes);
      double right = g.benefit * static_cast<double>(before.input_bytes);
      if (left < right) return "groups not ranked by benefit per byte";
    }
    rewrite_bytes += bytes;
    input_files += members.size();
    output_files += g.output_files;
  }
  if (rewrite_bytes > p.budget_bytes) return "budget exceeded";
  if (pl.rewrite_bytes != rewrite_bytes) return "rewrite_bytes wrong";
  if (pl.input_files != input_files) return "input_files wrong";
  if (pl.output_files != output_files) return "output_files wrong";

  std::size_t ideal = 0;
  for (const auto& entry : partition_bytes) {
    std::uint64_t want = ideal_count(predict(entry.second, p.output_ratio), p);
    ideal += static_cast<std::size_t>(want);
    // One group per partition: its count must be the ideal one exactly.
    if (pl.skipped_budget == 0 && partition_groups[entry.first] == 1 &&
        partition_outputs[entry.first] != want)
      return "single-group partition misses its ideal count";
  }
  // Partitions with only empty files planned still count (ideal 0).
  if (pl.ideal_output_files != ideal) {
    why << "ideal_output_files " << pl.ideal_output_files << " != " << ideal;
    return why.str();
  }

  // Skip counters and coverage, recomputed per partition.
  std::set<std::uint64_t> partitions;
  for (const file& f : catalog) partitions.insert(f.partition);
  std::size_t cool = 0, rewrites = 0, unstable = 0;
  const bool unbudgeted = pl.skipped_budget == 0;
  for (std::uint64_t part : partitions) {
    bool hot = is_hot(catalog, part, p, now);
    std::vector<file> eligible_nonzero, left_out;
    for (const file& f : catalog) {
      if (f.partition != part || !is_candidate(f, p)) continue;
      if (hot) {
        ++cool;
        continue;
      }
      if (f.rewrites >= p.max_rewrites) {
        ++rewrites;
        continue;
      }
      if (f.bytes == 0) {
        if (unbudgeted && !used.count(f.id)) return "an empty file was not planned";
        continue;
      }
      eligible_nonzero.push_back(f);
      if (!used.count(f.id)) left_out.push_back(f);
    }
    if (!unbudgeted || left_out.empty() || is_quiet(left_out, p)) continue;
    if (left_out.size() != eligible_nonzero.size())
      return "partition left files out that the next run would plan";
    unstable += left_out.size();
  }
  if (pl.skipped_cool_down != cool) return "skipped_cool_down wrong";
  if (pl.skipped_rewrites != rewrites) return "skipped_rewrites wrong";
  if (unbudgeted && pl.skipped_unstable != unstable) return "skipped_unstable wrong";
  return {};
}

// The expected plan for a partition whose eligible nonzero files fit in one group: all of them
// in one group when the keep rule holds, else none. Returns false when the partition does not
// qualify (too many bytes for one group, or cool-down/budget in play).
inline bool single_group_expectation(const std::vector<file>& catalog, const policy& raw,
                                     std::int64_t now, std::uint64_t partition,
                                     std::vector<std::uint64_t>& expected_ids) {
  const policy p = resolved(raw);
  std::vector<file> members;
  std::uint64_t bytes = 0;
  for (const file& f : catalog)
    if (f.partition == partition && f.bytes != 0 && is_eligible(catalog, f, p, now)) {
      members.push_back(f);
      bytes += f.bytes;
    }
  if (bytes > p.max_group_bytes) return false;
  expected_ids.clear();
  if (!members.empty() && worth_rewriting(members, p))
    for (const file& f : members) expected_ids.push_back(f.id);
  std::sort(expected_ids.begin(), expected_ids.end());
  return true;
}

// A random lake: skewed sizes around `target`, some empty files, oversized and huge files,
// deletes, rewrites and write times in [now - 100, now]. Ids are unique.
inline std::vector<file> random_catalog(sluice_test::rng& rng, const policy& raw,
                                        std::uint64_t partitions, std::uint64_t max_files,
                                        std::int64_t now) {
  const policy p = resolved(raw);
  std::vector<file> out;
  std::uint64_t id = rng.below(1000);
  for (std::uint64_t part = 0; part < partitions; ++part) {
    std::uint64_t partition_id = rng.below(1u << 20);
    std::size_t files = static_cast<std::size_t>(rng.below(max_files + 1));
    unsigned style = static_cast<unsigned>(rng.below(4));  // per-partition skew
    for (std::size_t i = 0; i < files; ++i) {
      file f;
      f.id = id;
      id += 1 + rng.below(3);
      f.partition = partition_id;
      std::uint64_t kind = rng.below(100);
      if (style == 0) kind = kind / 2;  // mostly tiny and small
      if (kind < 2)
        f.bytes = 0;
      else if (kind < 40)
        f.bytes = 1 + rng.below(p.target_bytes / 8 + 1);
      else if (kind < 60)
        f.bytes = 1 + rng.below(p.min_bytes);
      else if (kind < 85)
        f.bytes = p.min_bytes + rng.below(p.max_bytes - p.min_bytes + 1);
      else if (kind < 97)
        f.bytes = p.max_bytes + 1 + rng.below(3 * p.max_bytes);
      else
        f.bytes = p.max_bytes + 1 + rng.below(std::min<std::uint64_t>(p.max_group_bytes, 50 * p.target_bytes) * 2);
      f.rows = f.bytes / 8 + rng.below(3);
      if (rng.percent(15)) f.deleted_rows = rng.below(f.rows + 2);
      f.rewrites = static_cast<std::uint32_t>(rng.below(4));
      f.written_at = now - static_cast<std::int64_t>(rng.below(101));
      out.push_back(f);
    }
  }
  return out;
}

// A random valid policy on a small scale: defaults, wide and narrow ranges, tiny and large
// group caps, output ratios below and above one.
inline policy random_policy(sluice_test::rng& rng) {
  policy p;
  p.target_bytes = 1000 + rng.below(4000);
  switch (rng.below(4)) {
    case 0: break;  // defaults
    case 1:         // narrow
      p.min_bytes = p.target_bytes - 1 - rng.below(p.target_bytes / 10);
      p.max_bytes = p.target_bytes + 1 + rng.below(p.target_bytes / 10);
      break;
    case 2:  // wide
      p.min_bytes = 1 + rng.below(p.target_bytes / 2);
      p.max_bytes = p.target_bytes * (2 + rng.below(3));
      break;
    default:
      p.min_bytes = p.target_bytes / 2 + rng.below(p.target_bytes / 2);
      p.max_bytes = p.target_bytes + 1 + rng.below(p.target_bytes);
      break;
  }
  p.min_input_files = static_cast<std::size_t>(rng.below(9));
  switch (rng.below(3)) {
    case 0: break;
    case 1: p.max_group_bytes = p.target_bytes * (1 + rng.below(6)); break;
    default: p.max_group_bytes = p.target_bytes * (5 + rng.below(40)); break;
  }
  static const double ratios[] = {1.0, 1.0, 0.55, 0.3, 0.8, 1.25, 0.97};
  p.output_ratio = ratios[rng.below(7)];
  static const double delete_ratios[] = {0.3, 0.0, 0.1, 1.0, 0.5};
  p.max_delete_ratio = delete_ratios[rng.below(5)];
  if (rng.percent(20)) p.max_rewrites = static_cast<std::uint32_t>(1 + rng.below(4));
  return p;
}

inline bool same_plan(const plan& a, const plan& b) {
  if (a.groups.size() != b.groups.size()) return false;
  for (std::size_t i = 0; i < a.groups.size(); ++i) {
    const group& x = a.groups[i];
    const group& y = b.groups[i];
    if (x.partition != y.partition || x.files != y.files || x.input_bytes != y.input_bytes ||
        x.output_files != y.output_files || x.benefit != y.benefit ||
        x.output_bytes != y.output_bytes || x.remainder_bytes != y.remainder_bytes)
      return false;
  }
  return a.rewrite_bytes == b.rewrite_bytes && a.input_files == b.input_files &&
         a.output_files == b.output_files && a.ideal_output_files == b.ideal_output_files &&
         a.skipped_cool_down == b.skipped_cool_down && a.skipped_rewrites == b.skipped_rewrites &&
         a.skipped_budget == b.skipped_budget && a.skipped_unstable == b.skipped_unstable;
}

inline void shuffle(std::vector<file>& files, sluice_test::rng& rng) {
  for (std::size_t i = files.size(); i > 1; --i)
    std::swap(files[i - 1], files[static_cast<std::size_t>(rng.below(i))]);
}

}  // namespace compaction_model
