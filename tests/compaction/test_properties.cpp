// Every promise of a plan, checked by the naive model on randomized lakes and policies:
// selectivity, partitions, group caps, keep rule, output sizes, ideal counts, counters.
#include <set>
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "compaction/model.hpp"

namespace compaction_test_properties {

namespace compaction = sluice::compaction;
using namespace compaction_model;

TEST_CASE("random plans keep every promise", "[compaction]") {
  sluice_test::rng rng(0x5eed0001);
  const std::size_t rounds = sluice_test::scaled(2000);
  std::size_t groups = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    policy p = random_policy(rng);
    const std::int64_t now = 1000;
    if (rng.percent(30)) p.cool_down = static_cast<std::int64_t>(rng.below(30));
    std::vector<file> catalog = random_catalog(rng, p, 1 + rng.below(12), 40, now);
    auto pl = compaction::make_plan(catalog.data(), catalog.size(), p, now);
    REQUIRE(pl);
    std::string broken = check_plan(catalog, p, now, *pl);
    INFO("round " << round << " target " << p.target_bytes << " min " << p.min_bytes << " max "
                  << p.max_bytes << " cap " << p.max_group_bytes << " ratio " << p.output_ratio);
    CHECK(broken == "");
    groups += pl->groups.size();
  }
  CHECK(groups > rounds);  // the lakes are not trivially healthy
}

TEST_CASE("partitions that fit one group are planned exactly as the model says",
          "[compaction]") {
  sluice_test::rng rng(0x5eed0002);
  const std::size_t rounds = sluice_test::scaled(300);
  std::size_t compared = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    policy p = random_policy(rng);
    const std::int64_t now = 500;
    std::vector<file> catalog = random_catalog(rng, p, 1 + rng.below(8), 30, now);
    auto pl = compaction::make_plan(catalog.data(), catalog.size(), p, now);
    REQUIRE(pl);
    std::set<std::uint64_t> partitions;
    for (const file& f : catalog) partitions.insert(f.partition);
    for (std::uint64_t part : partitions) {
      std::vector<std::uint64_t> expected;
      if (!single_group_expectation(catalog, p, now, part, expected)) continue;
      std::vector<std::uint64_t> actual;
      for (const auto& g : pl->groups)
        if (g.partition == part && g.input_bytes != 0)
          for (std::uint64_t id : g.files) actual.push_back(id);
      std::sort(actual.begin(), actual.end());
      INFO("round " << round << " partition " << part);
      CHECK(actual == expected);
      ++compared;
    }
  }
  CHECK(compared > rounds);
}

TEST_CASE("healthy files are never rewritten", "[compaction]") {
  sluice_test::rng rng(0x5eed0003);
  for (std::size_t round = 0; round < sluice_test::scaled(200); ++round) {
    policy p = random_policy(rng);
    std::vector<file> catalog = random_catalog(rng, p, 6, 40, 0);
    policy r = resolved(p);
    std::set<std::uint64_t> healthy;
    for (const file& f : catalog)
      if (!is_candidate(f, r)) healthy.insert(f.id);
    auto pl = compaction::make_plan(catalog.data(), catalog.size(), p, 0);
    REQUIRE(pl);
    for (const auto& g : pl->groups)
      for (std::uint64_t id : g.files) CHECK(healthy.count(id) == 0);
  }
}

}  // namespace compaction_test_properties
