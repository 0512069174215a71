// A catalog's own file struct plans directly through traits.
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "compaction/model.hpp"

// The catalog's own file type and its traits specialization, at global scope (a specialization
// must be declared in a namespace that encloses sluice::compaction).
namespace lake {
struct data_file {
  std::string path;
  std::uint64_t handle;
  std::uint64_t size_in_bytes;
  std::uint32_t partition_ordinal;
  std::int64_t modified_ms;
  std::uint64_t record_count;
  std::uint64_t deleted_count;
  std::uint32_t generation;
};
}  // namespace lake

template <>
struct sluice::compaction::file_traits<lake::data_file> {
  static std::uint64_t id(const lake::data_file& f) noexcept { return f.handle; }
  static std::uint64_t bytes(const lake::data_file& f) noexcept { return f.size_in_bytes; }
  static std::uint64_t partition(const lake::data_file& f) noexcept { return f.partition_ordinal; }
  static std::int64_t written_at(const lake::data_file& f) noexcept { return f.modified_ms; }
  static std::uint64_t rows(const lake::data_file& f) noexcept { return f.record_count; }
  static std::uint64_t deleted_rows(const lake::data_file& f) noexcept { return f.deleted_count; }
  static std::uint32_t rewrites(const lake::data_file& f) noexcept { return f.generation; }
};

namespace compaction_test_traits {

namespace compaction = sluice::compaction;
using namespace compaction_model;

namespace {
// A stateful traits object: sizes are stored in kilobytes.
struct kilobyte_traits {
  std::uint64_t unit = 1024;
  std::uint64_t id(const file& f) const noexcept { return f.id; }
  std::uint64_t bytes(const file& f) const noexcept { return f.bytes * unit; }
  std::uint64_t partition(const file& f) const noexcept { return f.partition; }
  std::int64_t written_at(const file& f) const noexcept { return f.written_at; }
  std::uint64_t rows(const file& f) const noexcept { return f.rows; }
  std::uint64_t deleted_rows(const file& f) const noexcept { return f.deleted_rows; }
  std::uint32_t rewrites(const file& f) const noexcept { return f.rewrites; }
};
}  // namespace

TEST_CASE("a specialized traits struct plans a catalog's own type", "[compaction]") {
  sluice_test::rng rng(0x7a175);
  for (std::size_t round = 0; round < sluice_test::scaled(100); ++round) {
    policy p = random_policy(rng);
    p.cool_down = static_cast<std::int64_t>(rng.below(20));
    std::vector<file> catalog = random_catalog(rng, p, 1 + rng.below(6), 30, 50);
    std::vector<lake::data_file> own;
    for (const file& f : catalog)
      own.push_back({"s3://bucket/" + std::to_string(f.id), f.id, f.bytes,
                     static_cast<std::uint32_t>(f.partition), f.written_at, f.rows,
                     f.deleted_rows, f.rewrites});
    auto expected = compaction::make_plan(catalog.data(), catalog.size(), p, 50);
    auto actual = compaction::make_plan(own.data(), own.size(), p, 50);
    REQUIRE(expected);
    REQUIRE(actual);
    CHECK(same_plan(*expected, *actual));
  }
}

TEST_CASE("a traits object with state", "[compaction]") {
  policy p;
  p.target_bytes = 100 * 1024;
  std::vector<file> catalog;
  for (std::uint64_t i = 0; i < 5; ++i) catalog.push_back({i, 30, 1, 0, 0, 0, 0});
  auto pl = compaction::make_plan(catalog.data(), catalog.size(), p, 0, kilobyte_traits{});
  REQUIRE(pl);
  REQUIRE(pl->groups.size() == 1);
  CHECK(pl->groups[0].input_bytes == 150 * 1024);
  CHECK(pl->groups[0].output_files == 1);  // 1.5 targets: a tie goes to the smaller count
}

}  // namespace compaction_test_traits
