// Policy validation: bad policies are INVALID_CONFIG, defaults resolve as documented.
#include <cmath>
#include <limits>
#include <vector>

#include "catch_shim.hpp"
#include "sluice/compaction.hpp"

namespace compaction_test_policy {

namespace compaction = sluice::compaction;

namespace {
bool rejected(const compaction::policy& p) {
  std::vector<compaction::file> files(3);
  auto planned = compaction::make_plan(files.data(), files.size(), p, 0);
  auto resolved = compaction::resolve(p);
  return !planned && planned.error() == sluice::errc::invalid_config && !resolved &&
         resolved.error() == sluice::errc::invalid_config;
}
}  // namespace

TEST_CASE("defaults resolve to 3/4 and 9/5 of the target", "[compaction]") {
  compaction::policy p;
  auto r = compaction::resolve(p);
  REQUIRE(r);
  CHECK(r->min_bytes == (512ull << 20) / 4 * 3);
  CHECK(r->max_bytes == (512ull << 20) / 5 * 9 + (512ull << 20) % 5 * 9 / 5);
  CHECK(r->min_input_files == 5);
  p.target_bytes = 1001;
  r = compaction::resolve(p);
  REQUIRE(r);
  CHECK(r->min_bytes == 750);   // floor(1001 * 3 / 4)
  CHECK(r->max_bytes == 1801);  // floor(1001 * 9 / 5)
  p.min_input_files = 0;
  CHECK(compaction::resolve(p)->min_input_files == 2);
  p.min_input_files = 1;
  CHECK(compaction::resolve(p)->min_input_files == 2);
}

TEST_CASE("huge targets do not overflow the default thresholds", "[compaction]") {
  compaction::policy p;
  p.target_bytes = std::numeric_limits<std::uint64_t>::max() / 10 * 6;
  auto r = compaction::resolve(p);
  REQUIRE(r);  // 9/5 saturates at 2^64 - 1, still above the target
  CHECK(r->max_bytes == std::numeric_limits<std::uint64_t>::max());
  p.target_bytes = std::numeric_limits<std::uint64_t>::max();
  CHECK(rejected(p));  // no max above the target exists
}

TEST_CASE("bad policies are INVALID_CONFIG", "[compaction]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  compaction::policy p;
  SECTION("zero target") { p.target_bytes = 0; }
  SECTION("target too small for defaults") { p.target_bytes = 1; }
  SECTION("min equal to target") { p.target_bytes = 100; p.min_bytes = 100; }
  SECTION("min above target") { p.target_bytes = 100; p.min_bytes = 150; p.max_bytes = 300; }
  SECTION("max equal to target") { p.target_bytes = 100; p.max_bytes = 100; }
  SECTION("max below target") { p.target_bytes = 100; p.min_bytes = 10; p.max_bytes = 50; }
  SECTION("NaN output ratio") { p.output_ratio = nan; }
  SECTION("infinite output ratio") { p.output_ratio = inf; }
  SECTION("zero output ratio") { p.output_ratio = 0; }
  SECTION("negative output ratio") { p.output_ratio = -0.5; }
  SECTION("NaN delete ratio") { p.max_delete_ratio = nan; }
  SECTION("negative delete ratio") { p.max_delete_ratio = -0.1; }
  SECTION("zero group size") { p.max_group_bytes = 0; }
  CHECK(rejected(p));
}

TEST_CASE("unusual but valid policies are accepted", "[compaction]") {
  compaction::policy p;
  p.max_delete_ratio = std::numeric_limits<double>::infinity();  // deletes never matter
  CHECK(compaction::resolve(p));
  p.max_delete_ratio = 0;  // any deleted row matters
  CHECK(compaction::resolve(p));
  p.output_ratio = 1e-6;
  CHECK(compaction::resolve(p));
  p.max_group_bytes = 1;  // every group is a single file
  CHECK(compaction::resolve(p));
}

TEST_CASE("no files and a null pointer", "[compaction]") {
  compaction::policy p;
  auto empty = compaction::make_plan(static_cast<const compaction::file*>(nullptr), 0, p, 0);
  REQUIRE(empty);
  CHECK(empty->groups.empty());
  CHECK(empty->ideal_output_files == 0);
  auto bad = compaction::make_plan(static_cast<const compaction::file*>(nullptr), 3, p, 0);
  CHECK_FALSE(bad);
}

TEST_CASE("partitions of 2^64 bytes or more keep the cap and the unlimited budget", "[compaction]") {
  compaction::policy p;
  p.target_bytes = std::uint64_t{1} << 40;
  p.max_group_bytes = (std::uint64_t{1} << 63) + (std::uint64_t{1} << 62);  // 3/4 of 2^64
  std::vector<compaction::file> files;
  const std::uint64_t size = (std::uint64_t{1} << 62) + (std::uint64_t{1} << 61);  // 3/8 of 2^64
  for (std::uint64_t i = 0; i < 4; ++i) files.push_back({i + 1, size, 1, 0, 0, 0, 0});
  auto plan = compaction::make_plan(files.data(), files.size(), p, 0);
  REQUIRE(plan);
  CHECK(plan->skipped_budget == 0);
  std::size_t planned = 0;
  for (const auto& g : plan->groups) {
    CHECK(g.files.size() <= 2);  // two files reach the cap; three would pass it
    planned += g.files.size();
  }
  CHECK(planned == 4);
  CHECK(plan->rewrite_bytes == std::numeric_limits<std::uint64_t>::max());  // saturated
}

TEST_CASE("a partition cut by max_group_bytes reaches its ideal count when a cut allows it", "[compaction]") {
  compaction::policy p;
  p.target_bytes = 1000;  // outputs of 750..1800 bytes
  p.max_group_bytes = 2000;
  std::vector<compaction::file> files;
  for (std::uint64_t i = 0; i < 42; ++i) files.push_back({i + 1, 100, 7, 0, 0, 0, 0});
  auto plan = compaction::make_plan(files.data(), files.size(), p, 0);
  REQUIRE(plan);
  // Slices of equal bytes (3 x 1400) could only give one output each: 3 against the ideal 4.
  CHECK(plan->ideal_output_files == 4);
  CHECK(plan->output_files == 4);
  std::size_t planned = 0;
  for (const auto& g : plan->groups) {
    CHECK(g.input_bytes <= p.max_group_bytes);
    for (std::uint32_t i = 0; i < g.output_files; ++i) {
      CHECK(g.output_file_bytes(i) >= 750);
      CHECK(g.output_file_bytes(i) <= 1800);
    }
    planned += g.files.size();
  }
  CHECK(planned == 42);
}

}  // namespace compaction_test_policy
