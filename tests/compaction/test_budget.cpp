// The budget takes groups best benefit per byte first while the total fits; the rest counted.
#include <vector>

#include "catch_shim.hpp"
#include "compaction/model.hpp"

namespace compaction_test_budget {

namespace compaction = sluice::compaction;
using namespace compaction_model;

TEST_CASE("budgeted plans are the greedy prefix of the ranked groups", "[compaction]") {
  sluice_test::rng rng(0xb0d9e701);
  for (std::size_t round = 0; round < sluice_test::scaled(200); ++round) {
    policy p = random_policy(rng);
    std::vector<file> catalog = random_catalog(rng, p, 2 + rng.below(10), 40, 0);
    auto all = compaction::make_plan(catalog.data(), catalog.size(), p, 0);
    REQUIRE(all);
    CHECK(all->skipped_budget == 0);
    // The unbudgeted order is the ranking (checked by the model), so greedy is plain.
    CHECK(check_plan(catalog, p, 0, *all) == "");
    for (int trial = 0; trial < 4; ++trial) {
      policy budgeted = p;
      budgeted.budget_bytes = rng.below(all->rewrite_bytes + 2);
      std::vector<const compaction::group*> expected;
      std::uint64_t used = 0;
      for (const auto& g : all->groups)
        if (used + g.input_bytes <= budgeted.budget_bytes) {
          used += g.input_bytes;
          expected.push_back(&g);
        }
      auto pl = compaction::make_plan(catalog.data(), catalog.size(), budgeted, 0);
      REQUIRE(pl);
      INFO("round " << round << " budget " << budgeted.budget_bytes);
      CHECK(check_plan(catalog, budgeted, 0, *pl) == "");
      CHECK(pl->rewrite_bytes == used);
      CHECK(pl->rewrite_bytes <= budgeted.budget_bytes);
      CHECK(pl->skipped_budget == all->groups.size() - expected.size());
      REQUIRE(pl->groups.size() == expected.size());
      for (std::size_t i = 0; i < expected.size(); ++i) {
        CHECK(pl->groups[i].files == expected[i]->files);
        CHECK(pl->groups[i].output_files == expected[i]->output_files);
      }
    }
  }
}

TEST_CASE("a zero budget still removes empty files", "[compaction]") {
  policy p;
  p.target_bytes = 100;
  p.budget_bytes = 0;
  std::vector<file> catalog = {{1, 0, 1, 0, 0, 0, 0}, {2, 10, 1, 0, 0, 0, 0}, {3, 10, 1, 0, 0, 0, 0},
                               {4, 10, 1, 0, 0, 0, 0}, {5, 10, 1, 0, 0, 0, 0}, {6, 10, 1, 0, 0, 0, 0}};
  auto pl = compaction::make_plan(catalog.data(), catalog.size(), p, 0);
  REQUIRE(pl);
  REQUIRE(pl->groups.size() == 1);
  CHECK(pl->groups[0].files == std::vector<std::uint64_t>{1});
  CHECK(pl->skipped_budget == 1);
}

TEST_CASE("purging deletes outranks merging when it is cheaper per byte", "[compaction]") {
  policy p;
  p.target_bytes = 100;
  p.budget_bytes = 150;
  std::vector<file> catalog;
  for (std::uint64_t i = 0; i < 5; ++i) catalog.push_back({i, 28, 1, 0, 0, 0, 0});  // 140 bytes, benefit 4
  catalog.push_back({10, 100, 2, 0, 100, 90, 0});  // 100 bytes, benefit 0.9
  catalog.push_back({11, 30, 3, 0, 100, 100, 0});  // alone, small, all rows deleted: benefit 1
  auto pl = compaction::make_plan(catalog.data(), catalog.size(), p, 0);
  REQUIRE(pl);
  // Per byte: partition 3 = 1/30, partition 1 = 4/140, partition 2 = 0.9/100.
  REQUIRE(pl->groups.size() == 2);
  CHECK(pl->groups[0].partition == 3);
  CHECK(pl->groups[1].partition == 2);  // 140 more bytes would pass the budget of 150
  CHECK(pl->skipped_budget == 1);
}

}  // namespace compaction_test_budget
