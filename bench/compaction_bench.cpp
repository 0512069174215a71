// Compaction planning: sluice's planner against the Iceberg bin-pack planner's rules (written
// plainly below: next-fit in scan order, 0.75/1.8 thresholds, its output-count remainder rule)
// on synthetic lakes of 1M and 10M files over 10K partitions with skewed sizes.
//
//   compaction_bench [--quick] [--csv FILE]
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "sluice/compaction.hpp"

// Counts live heap bytes so the planner's peak memory per file can be reported.
namespace heap {
std::atomic<std::size_t> live{0};
std::atomic<std::size_t> peak{0};
constexpr std::size_t header = 16;
void note(std::size_t bytes) {
  std::size_t now = live.fetch_add(bytes) + bytes;
  std::size_t seen = peak.load();
  while (now > seen && !peak.compare_exchange_weak(seen, now)) {
  }
}
}  // namespace heap

SLUICE_NOINLINE void* operator new(std::size_t size) {
  void* block = std::malloc(size + heap::header);
  if (block == nullptr) std::abort();
  std::memcpy(block, &size, sizeof size);
  heap::note(size);
  return static_cast<char*>(block) + heap::header;
}
SLUICE_NOINLINE void operator delete(void* pointer) noexcept {
  if (pointer == nullptr) return;
  char* block = static_cast<char*>(pointer) - heap::header;
  std::size_t size;
  std::memcpy(&size, block, sizeof size);
  heap::live.fetch_sub(size);
  std::free(block);
}
void operator delete(void* pointer, std::size_t) noexcept { operator delete(pointer); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return operator new(size); }
void operator delete(void* pointer, const std::nothrow_t&) noexcept { operator delete(pointer); }

namespace {

namespace compaction = sluice::compaction;
using compaction::file;

constexpr std::uint64_t mib = 1ull << 20;

// splitmix64, for a reproducible lake.
struct random_source {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
};

// A streaming lake: partition sizes skewed (a few hot partitions hold many files), file sizes
// mostly small (1 MiB to 256 MiB, log-uniform), some healthy, some oversized, a few empty,
// deletion vectors on some files. Files appear in write order, partitions interleaved.
std::vector<file> make_lake(std::size_t files, std::size_t partitions, std::uint64_t seed) {
  random_source rng{seed};
  std::vector<file> lake(files);
  for (std::size_t i = 0; i < files; ++i) {
    file& f = lake[i];
    f.id = i;
    double u = rng.unit();
    f.partition = static_cast<std::uint64_t>(u * u * static_cast<double>(partitions));
    double kind = rng.unit();
    if (kind < 0.001)
      f.bytes = 0;
    else if (kind < 0.02)
      f.bytes = 1 + rng.next() % mib;
    else if (kind < 0.72)
      f.bytes = static_cast<std::uint64_t>(static_cast<double>(mib) * (1u << (rng.next() % 8)) *
                                           (1.0 + rng.unit()));
    else if (kind < 0.92)
      f.bytes = 384 * mib + rng.next() % (537 * mib);
    else
      f.bytes = 922 * mib + rng.next() % (3ull << 30);
    f.rows = f.bytes / 100 + 1;
    if (rng.unit() < 0.05) f.deleted_rows = rng.next() % f.rows;
    f.written_at = static_cast<std::int64_t>(i);
  }
  return lake;
}

// ---- The peer: Iceberg's bin-pack rewrite planner, rule by rule ------------------------------
struct peer_rules {
  std::uint64_t target = 512 * mib;
  std::uint64_t min_size = static_cast<std::uint64_t>(512.0 * mib * 0.75);
  std::uint64_t max_size = static_cast<std::uint64_t>(512.0 * mib * 1.8);
  std::size_t min_input_files = 5;
  std::uint64_t max_group = 100ull << 30;
  double delete_ratio = 0.3;
};
struct peer_group {
  std::uint64_t partition;
  std::vector<std::size_t> files;  // indexes into the lake
  std::uint64_t bytes;
  std::uint64_t outputs;
};

std::uint64_t peer_output_count(std::uint64_t bytes, const peer_rules& r) {
  if (bytes < r.target) return 1;
  std::uint64_t with_remainder = (bytes + r.target - 1) / r.target;
  std::uint64_t without = bytes / r.target;
  if (bytes % r.target > r.min_size) return with_remainder;
  double write_max = static_cast<double>(r.target) + static_cast<double>(r.max_size - r.target) * 0.5;
  double average = static_cast<double>(bytes / without);
  if (average < std::min(1.1 * static_cast<double>(r.target), write_max)) return without;
  return with_remainder;
}

std::vector<peer_group> peer_plan(const std::vector<file>& lake, const peer_rules& r) {
  // Files per partition in scan order.
  std::vector<std::size_t> order(lake.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return lake[a].partition < lake[b].partition;
  });
  std::vector<peer_group> groups;
  auto too_many_deletes = [&](const file& f) {
    return f.rows != 0 &&
           static_cast<double>(f.deleted_rows) / static_cast<double>(f.rows) >= r.delete_ratio;
  };
  auto close = [&](peer_group& g) {
    bool deletes = false;
    for (std::size_t i : g.files) deletes = deletes || too_many_deletes(lake[i]);
    bool enough_files = g.files.size() > 1 && g.files.size() >= r.min_input_files;
    bool enough_content = g.files.size() > 1 && g.bytes > r.target;
    bool too_much = g.bytes > r.max_size;
    if (enough_files || enough_content || too_much || deletes) {
      g.outputs = peer_output_count(g.bytes, r);
      groups.push_back(std::move(g));
    }
  };
  for (std::size_t at = 0; at < order.size();) {
    std::uint64_t partition = lake[order[at]].partition;
    peer_group open{partition, {}, 0, 0};
    for (; at < order.size() && lake[order[at]].partition == partition; ++at) {
      const file& f = lake[order[at]];
      if (f.bytes >= r.min_size && f.bytes <= r.max_size && !too_many_deletes(f)) continue;
      if (!open.files.empty() && open.bytes + f.bytes > r.max_group) {  // next-fit, lookback 1
        close(open);
        open = {partition, {}, 0, 0};
      }
      open.files.push_back(order[at]);
      open.bytes += f.bytes;
    }
    if (!open.files.empty()) close(open);
  }
  return groups;
}

// ---- Applying plans, as a writer that produces `actual_ratio` bytes per input byte ----------
std::vector<file> apply_groups(const std::vector<file>& lake,
                               const std::vector<std::vector<std::uint64_t>>& group_ids,
                               const std::vector<std::uint64_t>& partitions,
                               const std::vector<std::uint64_t>& output_counts,
                               const std::vector<std::vector<std::uint64_t>>& output_sizes,
                               std::int64_t now) {
  std::uint64_t next_id = 0;
  for (const file& f : lake) next_id = std::max(next_id, f.id + 1);
  std::vector<char> gone(next_id, 0);
  std::vector<std::uint32_t> rewrites(next_id, 0);
  for (const file& f : lake) rewrites[f.id] = f.rewrites;
  std::vector<file> next;
  for (std::size_t g = 0; g < group_ids.size(); ++g) {
    std::uint32_t most = 0;
    for (std::uint64_t id : group_ids[g]) {
      gone[id] = 1;
      most = std::max(most, rewrites[id]);
    }
    for (std::uint64_t o = 0; o < output_counts[g]; ++o) {
      file out;
      out.id = next_id++;
      out.bytes = output_sizes[g][o];
      out.partition = partitions[g];
      out.written_at = now;
      out.rows = out.bytes / 100 + 1;
      out.rewrites = most + 1;
      next.push_back(out);
    }
  }
  for (const file& f : lake)
    if (!gone[f.id]) next.push_back(f);
  return next;
}

struct cycle_result {
  std::size_t replans = 0;  // non-empty plans after the first, until an empty one
  std::uint64_t bytes = 0;  // bytes rewritten over all plans
  bool converged = false;
};

cycle_result sluice_cycles(std::vector<file> lake, const compaction::policy& p, int limit) {
  cycle_result out;
  for (int round = 0; round < limit; ++round) {
    auto pl = compaction::make_plan(lake.data(), lake.size(), p, 1 << 30);
    if (!pl) std::abort();
    if (pl->groups.empty()) {
      out.converged = true;
      return out;
    }
    if (round > 0) ++out.replans;
    out.bytes += pl->rewrite_bytes;
    std::vector<std::vector<std::uint64_t>> ids;
    std::vector<std::uint64_t> partitions, counts;
    std::vector<std::vector<std::uint64_t>> sizes;
    for (const auto& g : pl->groups) {
      ids.push_back(g.files);
      partitions.push_back(g.partition);
      counts.push_back(g.output_files);
      std::vector<std::uint64_t> s;
      for (std::uint32_t i = 0; i < g.output_files; ++i) s.push_back(g.output_file_bytes(i));
      sizes.push_back(std::move(s));
    }
    lake = apply_groups(lake, ids, partitions, counts, sizes, 1 << 30);
  }
  return out;
}

cycle_result peer_cycles(std::vector<file> lake, const peer_rules& r, double actual_ratio,
                         int limit) {
  cycle_result out;
  for (int round = 0; round < limit; ++round) {
    std::vector<peer_group> groups = peer_plan(lake, r);
    if (groups.empty()) {
      out.converged = true;
      return out;
    }
    if (round > 0) ++out.replans;
    std::vector<std::vector<std::uint64_t>> ids;
    std::vector<std::uint64_t> partitions, counts;
    std::vector<std::vector<std::uint64_t>> sizes;
    for (const peer_group& g : groups) {
      out.bytes += g.bytes;
      std::vector<std::uint64_t> group_ids;
      for (std::size_t i : g.files) group_ids.push_back(lake[i].id);
      ids.push_back(std::move(group_ids));
      partitions.push_back(g.partition);
      counts.push_back(g.outputs);
      auto written = static_cast<std::uint64_t>(static_cast<double>(g.bytes) * actual_ratio);
      std::vector<std::uint64_t> s(g.outputs, written / g.outputs);
      if (!s.empty()) s.back() += written % g.outputs;
      sizes.push_back(std::move(s));
    }
    lake = apply_groups(lake, ids, partitions, counts, sizes, 1 << 30);
  }
  return out;
}

std::size_t ideal_for_peer(const std::vector<peer_group>& groups, const compaction::policy& p) {
  auto r = compaction::resolve(p);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> bytes;  // partition, bytes
  for (const peer_group& g : groups) bytes.emplace_back(g.partition, g.bytes);
  std::sort(bytes.begin(), bytes.end());
  std::size_t ideal = 0;
  for (std::size_t i = 0; i < bytes.size();) {
    std::uint64_t sum = 0;
    std::size_t j = i;
    for (; j < bytes.size() && bytes[j].first == bytes[i].first; ++j) sum += bytes[j].second;
    ideal += compaction::detail::ideal_count(sum, r->target_bytes, r->min_bytes, r->max_bytes);
    i = j;
  }
  return ideal;
}

// Process CPU seconds of `fn()`, best of `repeats`: the planner is single-threaded, so this is
// its wall time on an idle machine, and it is not inflated when other jobs share the cores.
template <class F>
double best_cpu_seconds(int repeats, F&& fn) {
  double best = 1e300;
  for (int i = 0; i < repeats; ++i) {
    std::clock_t start = std::clock();
    fn();
    best = std::min(best, static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC);
  }
  return best;
}

std::string label(std::size_t files) {
  return files >= 1000000 ? std::to_string(files / 1000000) + "M files" : std::to_string(files) + " files";
}

void run_workload(bench::report& report, std::size_t files, int repeats, bool cycles) {
  const std::string name = label(files) + " / 10K partitions";
  std::vector<file> lake = make_lake(files, 10000, 42 + files);
  compaction::policy p;  // 512 MiB target, Iceberg's thresholds and group size
  peer_rules r;

  compaction::plan ours;
  heap::peak.store(heap::live.load());
  const std::size_t before = heap::live.load();
  double ours_wall = bench::best_seconds(repeats, [&] {
    auto pl = compaction::make_plan(lake.data(), lake.size(), p, 1 << 30);
    bench::keep(pl->groups.size());
    ours = std::move(*pl);
  });
  double ours_seconds = best_cpu_seconds(repeats, [&] {
    auto pl = compaction::make_plan(lake.data(), lake.size(), p, 1 << 30);
    bench::keep(pl->groups.size());
  });
  const double bytes_per_file =
      static_cast<double>(heap::peak.load() - before) / static_cast<double>(files);
  std::vector<peer_group> theirs;
  double peer_seconds = best_cpu_seconds(repeats, [&] {
    theirs = peer_plan(lake, r);
    bench::keep(theirs.size());
  });

  const double time_budget = files >= 10000000 ? 3.0 : 0.3;
  report.add({name, "sluice plan CPU time (ratio: of budget)", ours_seconds, "s",
              ours_seconds / time_budget, files >= 10000000 ? "<= 1 of 3 s" : "<= 1 of 0.3 s"});
  report.add({name, "sluice plan wall time, shared cores (ratio: of budget)", ours_wall, "s",
              ours_wall / time_budget, ""});
  report.add({name, "iceberg rules plan CPU time (ratio: vs sluice)", peer_seconds, "s",
              peer_seconds / ours_seconds, ""});
  report.add({name, "sluice planner memory (ratio: of 64 B)", bytes_per_file, "B/file",
              bytes_per_file / 64.0, "<= 1 of 64 B/file"});

  std::uint64_t peer_bytes = 0, peer_outputs = 0;
  std::size_t peer_inputs = 0;
  for (const peer_group& g : theirs) {
    peer_bytes += g.bytes;
    peer_outputs += g.outputs;
    peer_inputs += g.files.size();
  }
  // First run only; sluice also merges the few stragglers the peer's next-fit leaves behind.
  report.add({name, "sluice bytes rewritten, first run", static_cast<double>(ours.rewrite_bytes) / (1ull << 40),
              "TiB", static_cast<double>(ours.rewrite_bytes) / static_cast<double>(peer_bytes), ""});
  report.add({name, "iceberg rules bytes rewritten, first run", static_cast<double>(peer_bytes) / (1ull << 40),
              "TiB", 0, ""});
  report.add({name, "sluice files removed", static_cast<double>(ours.input_files) - static_cast<double>(ours.output_files),
              "files", 0, ""});
  report.add({name, "iceberg rules files removed", static_cast<double>(peer_inputs) - static_cast<double>(peer_outputs),
              "files", 0, ""});
  // Ratio: predicted outputs against the ideal count, as max(a/b, b/a).
  auto off_ideal = [](double outputs, double ideal) {
    return std::max(outputs / ideal, ideal / outputs);
  };
  report.add({name, "sluice predicted outputs (ratio: vs ideal)",
              static_cast<double>(ours.output_files), "files",
              off_ideal(static_cast<double>(ours.output_files),
                        static_cast<double>(ours.ideal_output_files)),
              "<= 1.01 ideal"});
  const std::size_t peer_ideal = ideal_for_peer(theirs, p);
  report.add({name, "iceberg rules predicted outputs (ratio: vs ideal)",
              static_cast<double>(peer_outputs), "files",
              off_ideal(static_cast<double>(peer_outputs), static_cast<double>(peer_ideal)), ""});
  std::printf("%s: sluice %zu groups, %zu unstable files; iceberg rules %zu groups\n",
              name.c_str(), ours.groups.size(), ours.skipped_unstable, theirs.size());

  // Same budget for both: 10% of what the unbudgeted peer rewrites. The peer takes groups in
  // its scan order (no ranking), sluice by benefit per byte.
  {
    compaction::policy budgeted = p;
    budgeted.budget_bytes = peer_bytes / 10;
    auto pl = compaction::make_plan(lake.data(), lake.size(), budgeted, 1 << 30);
    std::uint64_t used = 0, removed = 0;
    for (const peer_group& g : theirs) {
      if (used + g.bytes > budgeted.budget_bytes) continue;
      used += g.bytes;
      removed += g.files.size() > g.outputs ? g.files.size() - g.outputs : 0;
    }
    const double ours_removed = static_cast<double>(pl->input_files) - static_cast<double>(pl->output_files);
    report.add({name + ", budget 10%", "sluice files removed", ours_removed, "files",
                ours_removed / static_cast<double>(removed), ">= 1 peer"});
    report.add({name + ", budget 10%", "iceberg rules files removed", static_cast<double>(removed),
                "files", 0, ""});
  }

  if (!cycles) return;
  // Re-plans until the plan is empty, when the writer produces 0.55 bytes per input byte
  // (delta-rs issue 2576). sluice is told the ratio; Iceberg's rules have no such knob.
  compaction::policy shrinking = p;
  shrinking.output_ratio = 0.55;
  cycle_result ours_cycles = sluice_cycles(lake, shrinking, 10);
  cycle_result peer_cycles_055 = peer_cycles(lake, r, 0.55, 10);
  cycle_result ours_exact = sluice_cycles(lake, p, 10);
  cycle_result peer_exact = peer_cycles(lake, r, 1.0, 10);
  auto replans = [](const cycle_result& c) { return c.converged ? static_cast<double>(c.replans) : 99.0; };
  report.add({name + ", ratio 0.55", "sluice re-plans until empty", replans(ours_cycles), "plans", 0, ""});
  report.add({name + ", ratio 0.55", "iceberg rules re-plans until empty (99: never)",
              replans(peer_cycles_055), "plans", 0, ""});
  report.add({name + ", ratio 0.55", "sluice bytes rewritten, all runs",
              static_cast<double>(ours_cycles.bytes) / (1ull << 40), "TiB",
              static_cast<double>(ours_cycles.bytes) / static_cast<double>(peer_cycles_055.bytes),
              "<= 1 peer"});
  report.add({name + ", ratio 0.55", "iceberg rules bytes rewritten, all runs",
              static_cast<double>(peer_cycles_055.bytes) / (1ull << 40), "TiB", 0, ""});
  report.add({name + ", ratio 1.0", "sluice re-plans until empty", replans(ours_exact), "plans", 0, ""});
  report.add({name + ", ratio 1.0", "iceberg rules re-plans until empty", replans(peer_exact), "plans", 0, ""});
  report.add({name + ", ratio 1.0", "sluice bytes rewritten, all runs",
              static_cast<double>(ours_exact.bytes) / (1ull << 40), "TiB",
              static_cast<double>(ours_exact.bytes) / static_cast<double>(peer_exact.bytes),
              "<= 1 peer"});
  report.add({name + ", ratio 1.0", "iceberg rules bytes rewritten, all runs",
              static_cast<double>(peer_exact.bytes) / (1ull << 40), "TiB", 0, ""});
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
  bench::report report("compaction planning (target 512 MiB, thresholds 0.75/1.8)", argc, argv);
  run_workload(report, 1000000, 3, true);
  if (!quick) run_workload(report, 10000000, 2, false);
  return report.finish();
}
