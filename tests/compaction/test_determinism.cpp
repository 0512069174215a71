// The same multiset of files gives the same plan in any order, ties broken by size then id.
#include <vector>

#include "catch_shim.hpp"
#include "compaction/model.hpp"

namespace compaction_test_determinism {

namespace compaction = sluice::compaction;
using namespace compaction_model;

TEST_CASE("plans do not depend on input order", "[compaction]") {
  sluice_test::rng rng(0xde7e0001);
  for (std::size_t round = 0; round < sluice_test::scaled(400); ++round) {
    policy p = random_policy(rng);
    if (rng.percent(30)) p.budget_bytes = rng.below(20 * p.target_bytes);
    if (rng.percent(30)) p.cool_down = 20;
    std::vector<file> catalog = random_catalog(rng, p, 1 + rng.below(10), 40, 100);
    auto reference = compaction::make_plan(catalog.data(), catalog.size(), p, 100);
    REQUIRE(reference);
    for (int shuffle_round = 0; shuffle_round < 4; ++shuffle_round) {
      shuffle(catalog, rng);
      auto again = compaction::make_plan(catalog.data(), catalog.size(), p, 100);
      REQUIRE(again);
      INFO("round " << round);
      CHECK(same_plan(*reference, *again));
    }
  }
}

TEST_CASE("equal sizes are ordered by id, duplicates of a file are interchangeable",
          "[compaction]") {
  policy p;
  p.target_bytes = 100;
  std::vector<file> catalog;
  for (std::uint64_t i = 0; i < 8; ++i) catalog.push_back({100 - i, 10, 1, 0, 0, 0, 0});
  catalog.push_back({50, 10, 1, 7, 3, 0, 0});  // duplicate id, other fields differ
  catalog.push_back({50, 10, 1, 7, 3, 0, 0});
  sluice_test::rng rng(7);
  auto reference = compaction::make_plan(catalog.data(), catalog.size(), p, 0);
  REQUIRE(reference);
  REQUIRE(reference->groups.size() == 1);
  CHECK(reference->groups[0].files ==
        std::vector<std::uint64_t>{50, 50, 93, 94, 95, 96, 97, 98, 99, 100});
  for (int i = 0; i < 20; ++i) {
    shuffle(catalog, rng);
    auto again = compaction::make_plan(catalog.data(), catalog.size(), p, 0);
    REQUIRE(again);
    CHECK(same_plan(*reference, *again));
  }
}

TEST_CASE("budget ties are broken by size, then partition and file order", "[compaction]") {
  policy p;
  p.target_bytes = 100;
  std::vector<file> catalog;
  // Three partitions with the same benefit per byte; two of them also the same size.
  for (std::uint64_t part : {30u, 10u, 20u}) {
    std::uint64_t size = part == 20 ? 15 : 20;
    for (std::uint64_t i = 0; i < 6; ++i) catalog.push_back({part * 100 + i, size, part, 0, 0, 0, 0});
  }
  auto pl = compaction::make_plan(catalog.data(), catalog.size(), p, 0);
  REQUIRE(pl);
  REQUIRE(pl->groups.size() == 3);
  CHECK(pl->groups[0].partition == 20);  // 5 files removed for 90 bytes: best per byte
  CHECK(pl->groups[1].partition == 10);  // 120 bytes each: partition order
  CHECK(pl->groups[2].partition == 30);
}

}  // namespace compaction_test_determinism
