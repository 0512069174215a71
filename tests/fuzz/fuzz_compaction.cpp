// Fuzz target: the compaction planner. The bytes give a policy (sometimes a hostile one:
// zero sizes, NaN, infinite or negative ratios, min >= target) and a catalog of files.
// Properties:
// - make_plan() refuses exactly the policies resolve() refuses, with INVALID_CONFIG;
// - on a small-scale catalog every promise of the plan holds (check_plan of
//   tests/compaction/model.hpp: eligibility, packing, ranking, budget, skip counters);
// - determinism: the same files in another order give the same plan;
// - convergence: with no budget and no cool-down, applying the plan as predicted and planning
//   again gives an empty plan;
// - on huge sizes (up to UINT64_MAX bytes, rows) nothing overflows (UBSan) and the plan's own
//   totals add up.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "compaction/model.hpp"
#include "fuzz/fuzz_support.hpp"
#include "sluice/compaction.hpp"

namespace {

namespace compaction = sluice::compaction;
using compaction::file;
using compaction::policy;

policy small_policy(fuzz::input& in) {
  policy p;
  p.target_bytes = 1000 + in.below(4000);
  switch (in.below(4)) {
    case 0: break;
    case 1:
      p.min_bytes = p.target_bytes - 1 - in.below(p.target_bytes / 10);
      p.max_bytes = p.target_bytes + 1 + in.below(p.target_bytes / 10);
      break;
    case 2:
      p.min_bytes = 1 + in.below(p.target_bytes / 2);
      p.max_bytes = p.target_bytes * (2 + in.below(3));
      break;
    default:
      p.min_bytes = p.target_bytes / 2 + in.below(p.target_bytes / 2);
      p.max_bytes = p.target_bytes + 1 + in.below(p.target_bytes);
      break;
  }
  p.min_input_files = static_cast<std::size_t>(in.below(9));
  switch (in.below(3)) {
    case 0: break;
    case 1: p.max_group_bytes = p.target_bytes * (1 + in.below(6)); break;
    default: p.max_group_bytes = p.target_bytes * (5 + in.below(40)); break;
  }
  static const double ratios[] = {1.0, 1.0, 0.55, 0.3, 0.8, 1.25, 0.97};
  p.output_ratio = ratios[in.below(7)];
  static const double delete_ratios[] = {0.3, 0.0, 0.1, 1.0, 0.5};
  p.max_delete_ratio = delete_ratios[in.below(5)];
  if (in.below(5) == 0) p.max_rewrites = static_cast<std::uint32_t>(1 + in.below(4));
  if (in.below(4) == 0) p.budget_bytes = in.below(p.target_bytes * 40);
  if (in.below(4) == 0) p.cool_down = static_cast<std::int64_t>(in.below(120));
  return p;
}

// Any field may be absurd; only resolve() decides whether the policy is usable.
policy hostile_policy(fuzz::input& in) {
  static const double doubles[] = {0.0, -0.0, -1.0, 1.0, 0.5, 1e-300, 1e300,
                                   std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity(),
                                   std::numeric_limits<double>::quiet_NaN(),
                                   std::numeric_limits<double>::denorm_min(), 2.0};
  policy p;
  p.target_bytes = in.flag() ? in.u64() : in.below(5000);
  p.min_bytes = in.flag() ? in.u64() : in.below(5000);
  p.max_bytes = in.flag() ? in.u64() : in.below(20000);
  p.min_input_files = static_cast<std::size_t>(in.below(4) == 0 ? in.u64() : in.below(10));
  p.max_group_bytes = in.flag() ? in.u64() : in.below(100000);
  p.max_delete_ratio = doubles[in.below(12)];
  p.output_ratio = doubles[in.below(12)];
  p.budget_bytes = in.flag() ? in.u64() : std::numeric_limits<std::uint64_t>::max();
  p.cool_down = in.flag() ? in.i64() : 0;
  p.max_rewrites = in.flag() ? in.u32() : std::numeric_limits<std::uint32_t>::max();
  return p;
}

bool model_accepts(const policy& raw) {
  if (raw.target_bytes == 0 || raw.max_group_bytes == 0) return false;
  if (!std::isfinite(raw.output_ratio) || !(raw.output_ratio > 0)) return false;
  if (std::isnan(raw.max_delete_ratio) || raw.max_delete_ratio < 0) return false;
  const policy p = compaction_model::resolved(raw);
  return p.min_bytes < p.target_bytes && p.target_bytes < p.max_bytes;
}

std::vector<file> catalog(fuzz::input& in, const policy& raw, bool huge, std::int64_t now) {
  const policy p = compaction_model::resolved(raw);
  std::vector<file> out;
  std::uint64_t id = in.below(1000);
  const std::size_t partitions = static_cast<std::size_t>(1 + in.below(6));
  for (std::size_t part = 0; part < partitions && !in.empty(); ++part) {
    const std::uint64_t partition = huge ? in.u64() : in.below(1u << 20);
    const std::size_t files = static_cast<std::size_t>(in.below(40));
    for (std::size_t i = 0; i < files && !in.empty(); ++i) {
      file f;
      f.id = id;
      id += 1 + in.below(3);
      f.partition = partition;
      const std::uint64_t kind = in.below(100);
      if (huge && kind < 30) {
        f.bytes = in.flag() ? std::numeric_limits<std::uint64_t>::max() - in.below(3) : in.u64();
      } else if (kind < 4) {
        f.bytes = 0;
      } else if (kind < 40) {
        f.bytes = 1 + in.below(p.min_bytes);
      } else if (kind < 80) {
        f.bytes = p.min_bytes + in.below(p.max_bytes - p.min_bytes + 1);
      } else {
        f.bytes = p.max_bytes + 1 + in.below(3 * p.max_bytes);
      }
      f.rows = huge && in.flag() ? in.u64() : f.bytes / 8 + in.below(3);
      if (in.below(6) == 0) f.deleted_rows = huge && in.flag() ? in.u64() : in.below(f.rows + 2);
      f.rewrites = static_cast<std::uint32_t>(in.below(4));
      f.written_at = huge && in.flag() ? in.i64() : now - static_cast<std::int64_t>(in.below(101));
      out.push_back(f);
    }
  }
  return out;
}

void check_totals(const compaction::plan& plan) {
  std::size_t inputs = 0, outputs = 0;
  for (const auto& g : plan.groups) {
    inputs += g.files.size();
    outputs += g.output_files;
    FUZZ_CHECK(!g.files.empty());
    FUZZ_CHECK(std::isfinite(g.benefit) && g.benefit >= 0);
  }
  FUZZ_CHECK(plan.input_files == inputs);
  FUZZ_CHECK(plan.output_files == outputs);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const std::uint8_t mode = in.byte() % 3;
  std::int64_t now = 1000;
  if (mode == 2) {
    // Hostile policies and sizes: documented refusals, no overflow, consistent totals.
    const policy p = hostile_policy(in);
    now = in.flag() ? in.i64() : 1000;
    auto resolved = compaction::resolve(p);
    std::vector<file> files;
    if (resolved) files = catalog(in, *resolved, true, now);
    auto plan = compaction::make_plan(files.data(), files.size(), p, now);
    FUZZ_CHECK(plan.has_value() == resolved.has_value());
    if (!resolved) {
      FUZZ_CHECK(resolved.error() == sluice::errc::invalid_config);
      FUZZ_CHECK(plan.error() == sluice::errc::invalid_config);
      return 0;
    }
    FUZZ_CHECK(resolved->min_bytes < resolved->target_bytes && resolved->target_bytes < resolved->max_bytes);
    check_totals(*plan);
    std::vector<file> reversed(files.rbegin(), files.rend());
    auto again = compaction::make_plan(reversed.data(), reversed.size(), p, now);
    FUZZ_CHECK(again.has_value() && compaction_model::same_plan(*plan, *again));
    return 0;
  }

  const policy p = small_policy(in);
  FUZZ_CHECK(model_accepts(p) == compaction::resolve(p).has_value());
  std::vector<file> files = catalog(in, p, false, now);
  auto plan = compaction::make_plan(files.data(), files.size(), p, now);
  FUZZ_CHECK(plan.has_value());
  const std::string broken = compaction_model::check_plan(files, p, now, *plan);
  if (!broken.empty()) std::fprintf(stderr, "broken promise: %s\n", broken.c_str());
  FUZZ_CHECK(broken.empty());
  check_totals(*plan);

  // Determinism: a rotation and a reversal of the input give the same plan.
  std::vector<file> shuffled = files;
  if (!shuffled.empty())
    std::rotate(shuffled.begin(), shuffled.begin() + static_cast<std::ptrdiff_t>(in.below(shuffled.size())),
                shuffled.end());
  std::reverse(shuffled.begin(), shuffled.end());
  auto same = compaction::make_plan(shuffled.data(), shuffled.size(), p, now);
  FUZZ_CHECK(same.has_value() && compaction_model::same_plan(*plan, *same));

  // Convergence.
  if (p.budget_bytes == std::numeric_limits<std::uint64_t>::max() && p.cool_down == 0) {
    bool ok = false;
    const std::vector<file> next = compaction_model::apply(files, *plan, now, ok);
    FUZZ_CHECK(ok);
    auto second = compaction::make_plan(next.data(), next.size(), p, now);
    FUZZ_CHECK(second.has_value());
    FUZZ_CHECK(second->groups.empty());
    FUZZ_CHECK(second->skipped_unstable == plan->skipped_unstable);
  }
  return 0;
}
