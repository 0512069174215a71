// Plans compaction for a synthetic lake of streaming writes and prints the plan summary.
#include <cstdint>
#include <cstdio>
#include <vector>

#include <sluice/compaction.hpp>

int main() {
  namespace compaction = sluice::compaction;
  constexpr std::uint64_t mib = 1ull << 20;

  // 20 partitions (days); each got 40 small files from a stream, a few healthy and one
  // oversized file, and some rows deleted. The newest day is still being written.
  std::vector<compaction::file> lake;
  std::uint64_t state = 12345;
  auto next = [&state] { return state = state * 6364136223846793005ull + 1442695040888963407ull; };
  for (std::uint64_t day = 0; day < 20; ++day) {
    const std::int64_t written = static_cast<std::int64_t>(day) * 86400;
    for (int i = 0; i < 40; ++i)
      lake.push_back({lake.size(), (4 + next() % 60) * mib, day, written, 100000, 0, 0});
    for (int i = 0; i < 3; ++i)
      lake.push_back({lake.size(), (400 + next() % 500) * mib, day, written, 4000000,
                      i == 0 ? 1500000u : 0u, 1});
    lake.push_back({lake.size(), 2300 * mib, day, written, 9000000, 0, 0});
  }

  compaction::policy rules;              // 512 MiB files, Iceberg's 0.75 / 1.8 thresholds
  rules.cool_down = 86400;               // leave partitions written in the last day alone
  rules.budget_bytes = 40ull << 30;      // at most 40 GiB rewritten in this run
  const std::int64_t now = 19 * 86400 + 7200;  // two hours after the newest write

  auto plan = compaction::make_plan(lake.data(), lake.size(), rules, now);
  if (!plan) {
    std::printf("bad policy: %s\n", plan.error().message().c_str());
    return 1;
  }
  std::printf("%zu groups rewrite %.1f GiB: %zu files in, %zu out (ideal %zu)\n",
              plan->groups.size(), static_cast<double>(plan->rewrite_bytes) / (1ull << 30),
              plan->input_files, plan->output_files, plan->ideal_output_files);
  std::printf("left alone: %zu files cooling down, %zu over max_rewrites, %zu groups over budget\n",
              plan->skipped_cool_down, plan->skipped_rewrites, plan->skipped_budget);
  for (std::size_t i = 0; i < plan->groups.size() && i < 5; ++i) {
    const auto& g = plan->groups[i];
    std::printf("  day %2llu: %3zu files, %6.1f GiB -> %u files of ~%llu MiB (benefit %.1f)\n",
                static_cast<unsigned long long>(g.partition), g.files.size(),
                static_cast<double>(g.input_bytes) / (1ull << 30), g.output_files,
                static_cast<unsigned long long>(g.output_file_bytes(0) / mib), g.benefit);
  }
  return 0;
}
