// Small hand-worked plans: the documentation of what the planner does.
#include <vector>

#include "catch_shim.hpp"
#include "sluice/compaction.hpp"

namespace compaction_test_examples {

namespace compaction = sluice::compaction;
using compaction::file;

namespace {
compaction::policy small_policy() {
  compaction::policy p;
  p.target_bytes = 100;  // min 75, max 180
  return p;
}
const compaction::group* find_group(const compaction::plan& pl, std::uint64_t partition) {
  for (const auto& g : pl.groups)
    if (g.partition == partition) return &g;
  return nullptr;
}
}  // namespace

TEST_CASE("six small files merge into one", "[compaction]") {
  std::vector<file> files;
  for (std::uint64_t i = 0; i < 6; ++i) files.push_back({10 + i, 20, 1, 0, 200, 0, 0});
  files.push_back({99, 100, 1, 0, 1000, 0, 0});  // healthy: left alone
  auto pl = compaction::make_plan(files.data(), files.size(), small_policy(), 0);
  REQUIRE(pl);
  REQUIRE(pl->groups.size() == 1);
  const auto& g = pl->groups[0];
  CHECK(g.files == std::vector<std::uint64_t>{10, 11, 12, 13, 14, 15});
  CHECK(g.input_bytes == 120);
  CHECK(g.output_files == 1);  // 120 bytes: one file of 120 is inside [75, 180]
  CHECK(g.output_file_bytes(0) == 120);
  CHECK(g.benefit == 5.0);  // six files become one
  CHECK(pl->ideal_output_files == 1);
}

TEST_CASE("four small files of 20 are not worth a rewrite", "[compaction]") {
  std::vector<file> files;
  for (std::uint64_t i = 0; i < 4; ++i) files.push_back({i, 20, 1, 0, 200, 0, 0});
  auto pl = compaction::make_plan(files.data(), files.size(), small_policy(), 0);
  REQUIRE(pl);
  CHECK(pl->groups.empty());  // fewer than 5 files and only 80 bytes
  files.push_back({7, 30, 1, 0, 300, 0, 0});
  pl = compaction::make_plan(files.data(), files.size(), small_policy(), 0);
  REQUIRE(pl);
  CHECK(pl->groups.size() == 1);  // five files now
}

TEST_CASE("two files over the target merge", "[compaction]") {
  std::vector<file> files = {{1, 60, 5, 0, 0, 0, 0}, {2, 70, 5, 0, 0, 0, 0}};
  auto pl = compaction::make_plan(files.data(), files.size(), small_policy(), 0);
  REQUIRE(pl);
  REQUIRE(pl->groups.size() == 1);
  CHECK(pl->groups[0].output_files == 1);  // 130 bytes fit one file
}

TEST_CASE("an oversized file is split into the count nearest the target", "[compaction]") {
  std::vector<file> files = {{1, 430, 3, 0, 0, 0, 0}};
  auto pl = compaction::make_plan(files.data(), files.size(), small_policy(), 0);
  REQUIRE(pl);
  REQUIRE(pl->groups.size() == 1);
  const auto& g = pl->groups[0];
  CHECK(g.output_files == 4);  // 430 / 100 = 4.3; counts 3..5 keep files in [75, 180]
  CHECK(g.output_file_bytes(0) == 108);
  CHECK(g.output_file_bytes(1) == 108);
  CHECK(g.output_file_bytes(2) == 107);
  CHECK(g.output_file_bytes(3) == 107);
  CHECK(g.benefit == 1.0);  // one oversized file fixed, no files removed
}

TEST_CASE("small files join a split so no remainder is left behind", "[compaction]") {
  std::vector<file> files = {{1, 400, 3, 0, 0, 0, 0}, {2, 10, 3, 0, 0, 0, 0}, {3, 15, 3, 0, 0, 0, 0}};
  auto pl = compaction::make_plan(files.data(), files.size(), small_policy(), 0);
  REQUIRE(pl);
  REQUIRE(pl->groups.size() == 1);
  CHECK(pl->groups[0].files == std::vector<std::uint64_t>{2, 3, 1});
  CHECK(pl->groups[0].output_files == 4);  // 425 bytes
}

TEST_CASE("a file with many deleted rows is purged", "[compaction]") {
  std::vector<file> files = {{1, 100, 2, 0, 1000, 400, 0}, {2, 100, 2, 0, 1000, 300, 0}};
  auto pl = compaction::make_plan(files.data(), files.size(), small_policy(), 0);
  REQUIRE(pl);
  REQUIRE(pl->groups.size() == 1);
  CHECK(pl->groups[0].files == std::vector<std::uint64_t>{1});  // 30% is not over 0.3
  CHECK(pl->groups[0].benefit == 0.4);
}

TEST_CASE("empty files are removed without rewriting anything", "[compaction]") {
  std::vector<file> files = {{1, 0, 4, 0, 0, 0, 0}, {2, 0, 4, 0, 0, 0, 0}, {3, 50, 4, 0, 0, 0, 0}};
  auto pl = compaction::make_plan(files.data(), files.size(), small_policy(), 0);
  REQUIRE(pl);
  REQUIRE(pl->groups.size() == 1);
  CHECK(pl->groups[0].files == std::vector<std::uint64_t>{1, 2});
  CHECK(pl->groups[0].input_bytes == 0);
  CHECK(pl->groups[0].output_files == 0);
  CHECK(pl->rewrite_bytes == 0);
}

TEST_CASE("a narrow range that no count meets leaves one undersized remainder",
          "[compaction]") {
  compaction::policy p;
  p.target_bytes = 100;
  p.min_bytes = 95;
  p.max_bytes = 105;
  std::vector<file> files;
  for (std::uint64_t i = 0; i < 6; ++i) files.push_back({i, 25, 1, 0, 0, 0, 0});  // 150 bytes
  auto pl = compaction::make_plan(files.data(), files.size(), p, 0);
  REQUIRE(pl);
  REQUIRE(pl->groups.size() == 1);
  const auto& g = pl->groups[0];
  CHECK(g.output_files == 2);  // neither 1 x 150 nor 2 x 75 fits [95, 105]
  CHECK(g.output_file_bytes(0) == 105);
  CHECK(g.output_file_bytes(1) == 45);
  CHECK(g.remainder_bytes == 45);
}

TEST_CASE("groups of a large partition respect max_group_bytes", "[compaction]") {
  compaction::policy p = small_policy();
  p.max_group_bytes = 1000;
  std::vector<file> files;
  for (std::uint64_t i = 0; i < 100; ++i) files.push_back({i, 50, 1, 0, 0, 0, 0});  // 5000 bytes
  auto pl = compaction::make_plan(files.data(), files.size(), p, 0);
  REQUIRE(pl);
  CHECK(pl->groups.size() == 5);
  for (const auto& g : pl->groups) CHECK(g.input_bytes <= 1000);
  CHECK(pl->output_files == 50);
  CHECK(pl->ideal_output_files == 50);
  CHECK(pl->input_files == 100);
  CHECK(find_group(*pl, 1) != nullptr);
}

}  // namespace compaction_test_examples
