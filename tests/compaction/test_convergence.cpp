// Applying a plan as predicted and planning again yields an empty plan, round after round.
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "compaction/model.hpp"

namespace compaction_test_convergence {

namespace compaction = sluice::compaction;
using namespace compaction_model;

namespace {
// New writes into some partitions: small files, and deletes on some existing files.
void stream_writes(std::vector<file>& catalog, sluice_test::rng& rng, const policy& raw,
                   std::int64_t now) {
  const policy p = resolved(raw);
  std::uint64_t next_id = 0;
  for (const file& f : catalog) next_id = std::max(next_id, f.id + 1);
  const std::size_t existing = catalog.size();
  for (std::size_t i = 0; i < existing; ++i) {
    if (!rng.percent(5)) continue;
    file& f = catalog[i];
    f.deleted_rows = std::min(f.rows, f.deleted_rows + rng.below(f.rows / 2 + 2));
    f.written_at = now;
  }
  for (std::size_t i = 0; i < existing && i < 200; ++i) {
    if (!rng.percent(20)) continue;
    file f;
    f.id = next_id++;
    f.partition = catalog[i].partition;
    f.bytes = rng.percent(3) ? 0 : 1 + rng.below(p.min_bytes);
    f.rows = f.bytes / 8 + 1;
    f.written_at = now;
    catalog.push_back(f);
  }
}
}  // namespace

TEST_CASE("re-planning an applied plan gives an empty plan", "[compaction]") {
  sluice_test::rng rng(0xc0de0001);
  const std::size_t rounds = sluice_test::scaled(1000);
  std::size_t planned = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    policy p = random_policy(rng);
    std::int64_t now = 1000;
    std::vector<file> catalog = random_catalog(rng, p, 1 + rng.below(10), 50, now);
    for (int cycle = 0; cycle < 4; ++cycle) {
      auto first = compaction::make_plan(catalog.data(), catalog.size(), p, now);
      REQUIRE(first);
      INFO("round " << round << " cycle " << cycle << " target " << p.target_bytes << " min "
                    << p.min_bytes << " max " << p.max_bytes << " cap " << p.max_group_bytes
                    << " ratio " << p.output_ratio << " min files " << p.min_input_files);
      CHECK(check_plan(catalog, p, now, *first) == "");
      planned += first->groups.size();
      bool ok = false;
      catalog = apply(catalog, *first, now, ok);
      REQUIRE(ok);
      auto second = compaction::make_plan(catalog.data(), catalog.size(), p, now);
      REQUIRE(second);
      CHECK(second->groups.empty());
      CHECK(second->skipped_unstable == first->skipped_unstable);
      now += 100;
      stream_writes(catalog, rng, p, now);
    }
  }
  CHECK(planned > rounds);
}

TEST_CASE("partitions held back by cool-down converge once planned", "[compaction]") {
  sluice_test::rng rng(0xc0de0002);
  for (std::size_t round = 0; round < sluice_test::scaled(150); ++round) {
    policy p = random_policy(rng);
    p.cool_down = 40;
    const std::int64_t now = 1000;
    std::vector<file> catalog = random_catalog(rng, p, 2 + rng.below(8), 40, now);
    auto first = compaction::make_plan(catalog.data(), catalog.size(), p, now);
    REQUIRE(first);
    CHECK(check_plan(catalog, p, now, *first) == "");
    bool ok = false;
    catalog = apply(catalog, *first, now, ok);
    REQUIRE(ok);
    p.cool_down = 0;  // the held-back partitions are planned now, then nothing
    auto second = compaction::make_plan(catalog.data(), catalog.size(), p, now);
    REQUIRE(second);
    CHECK(check_plan(catalog, p, now, *second) == "");
    catalog = apply(catalog, *second, now, ok);
    REQUIRE(ok);
    auto third = compaction::make_plan(catalog.data(), catalog.size(), p, now);
    REQUIRE(third);
    CHECK(third->groups.empty());
  }
}

TEST_CASE("default policies never leave a partition unstable", "[compaction]") {
  sluice_test::rng rng(0xc0de0003);
  for (std::size_t round = 0; round < sluice_test::scaled(200); ++round) {
    policy p;
    p.target_bytes = 1000 + rng.below(1000);
    if (rng.percent(50)) p.output_ratio = rng.percent(50) ? 0.55 : 0.8;
    std::vector<file> catalog = random_catalog(rng, p, 1 + rng.below(10), 60, 0);
    auto pl = compaction::make_plan(catalog.data(), catalog.size(), p, 0);
    REQUIRE(pl);
    CHECK(pl->skipped_unstable == 0);
    CHECK(pl->output_files == pl->ideal_output_files);
  }
}

}  // namespace compaction_test_convergence
