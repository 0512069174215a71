// Cool-down skips partitions still being written; max_rewrites leaves churned files alone.
#include <limits>
#include <vector>

#include "catch_shim.hpp"
#include "compaction/model.hpp"

namespace compaction_test_cool_down {

namespace compaction = sluice::compaction;
using namespace compaction_model;

namespace {
std::vector<file> five_small(std::uint64_t partition, std::int64_t written_at) {
  std::vector<file> out;
  for (std::uint64_t i = 0; i < 5; ++i)
    out.push_back({partition * 10 + i, 10, partition, written_at, 0, 0, 0});
  return out;
}
}  // namespace

TEST_CASE("a partition written within the cool-down is skipped and counted", "[compaction]") {
  policy p;
  p.target_bytes = 100;
  p.cool_down = 60;
  std::vector<file> catalog = five_small(1, 0);
  for (const file& f : five_small(2, 0)) catalog.push_back(f);
  catalog.push_back({99, 100, 2, 950, 0, 0, 0});  // a healthy file, just written
  auto pl = compaction::make_plan(catalog.data(), catalog.size(), p, 1000);
  REQUIRE(pl);
  REQUIRE(pl->groups.size() == 1);
  CHECK(pl->groups[0].partition == 1);
  CHECK(pl->skipped_cool_down == 5);  // candidates only; the healthy file is not counted
  // Exactly at the edge: written 60 before now is outside the span.
  catalog.back().written_at = 940;
  pl = compaction::make_plan(catalog.data(), catalog.size(), p, 1000);
  REQUIRE(pl);
  CHECK(pl->groups.size() == 2);
  CHECK(pl->skipped_cool_down == 0);
  // A write time in the future counts as recent.
  catalog.back().written_at = 5000;
  pl = compaction::make_plan(catalog.data(), catalog.size(), p, 1000);
  REQUIRE(pl);
  CHECK(pl->groups.size() == 1);
}

TEST_CASE("cool-down arithmetic does not overflow at the ends of time", "[compaction]") {
  policy p;
  p.target_bytes = 100;
  p.cool_down = std::numeric_limits<std::int64_t>::max();
  const std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
  const std::int64_t highest = std::numeric_limits<std::int64_t>::max();
  std::vector<file> catalog = five_small(1, lowest);
  auto pl = compaction::make_plan(catalog.data(), catalog.size(), p, highest);
  REQUIRE(pl);
  CHECK(pl->groups.size() == 1);  // age 2^64 - 1 is beyond any cool-down
  pl = compaction::make_plan(catalog.data(), catalog.size(), p, lowest + 5);
  REQUIRE(pl);
  CHECK(pl->groups.empty());
  CHECK(pl->skipped_cool_down == 5);
}

TEST_CASE("files rewritten max_rewrites times are left alone and counted", "[compaction]") {
  policy p;
  p.target_bytes = 100;
  p.max_rewrites = 2;
  std::vector<file> catalog = five_small(1, 0);
  catalog[0].rewrites = 2;
  catalog[1].rewrites = 7;
  auto pl = compaction::make_plan(catalog.data(), catalog.size(), p, 0);
  REQUIRE(pl);
  CHECK(pl->groups.empty());  // three eligible small files are not worth a group
  CHECK(pl->skipped_rewrites == 2);
  catalog[1].rewrites = 1;
  p.min_input_files = 4;
  pl = compaction::make_plan(catalog.data(), catalog.size(), p, 0);
  REQUIRE(pl);
  REQUIRE(pl->groups.size() == 1);
  CHECK(pl->groups[0].files.size() == 4);
  CHECK(pl->skipped_rewrites == 1);
}

TEST_CASE("random cool-downs and rewrite caps are counted as the model says", "[compaction]") {
  sluice_test::rng rng(0xc001d0e5);
  for (std::size_t round = 0; round < sluice_test::scaled(200); ++round) {
    policy p = random_policy(rng);
    p.cool_down = static_cast<std::int64_t>(rng.below(60));
    p.max_rewrites = static_cast<std::uint32_t>(rng.below(4));
    const std::int64_t now = 100;
    std::vector<file> catalog = random_catalog(rng, p, 2 + rng.below(10), 30, now);
    auto pl = compaction::make_plan(catalog.data(), catalog.size(), p, now);
    REQUIRE(pl);
    INFO("round " << round);
    CHECK(check_plan(catalog, p, now, *pl) == "");
  }
}

}  // namespace compaction_test_cool_down
