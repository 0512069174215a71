// Output prediction and the ideal output count, against brute force.
#include <limits>

#include "catch_shim.hpp"
#include "compaction/model.hpp"
#include "sluice/detail/compaction_math.hpp"

namespace compaction_test_math {

namespace detail = sluice::compaction::detail;
using namespace compaction_model;

TEST_CASE("ideal count matches trying every count", "[compaction]") {
  sluice_test::rng rng(0x1dea1);
  for (std::size_t round = 0; round < sluice_test::scaled(20000); ++round) {
    policy p;
    p.target_bytes = 2 + rng.below(300);
    p.min_bytes = 1 + rng.below(p.target_bytes - 1);
    p.max_bytes = p.target_bytes + 1 + rng.below(3 * p.target_bytes);
    std::uint64_t out = rng.below(60 * p.target_bytes);
    INFO("out " << out << " target " << p.target_bytes << " [" << p.min_bytes << ", "
                << p.max_bytes << "]");
    CHECK(detail::ideal_count(out, p.target_bytes, p.min_bytes, p.max_bytes) ==
          ideal_count(out, p));
    std::uint64_t k = 1 + rng.below(80);
    CHECK(detail::counts_in_range(out, k, p.min_bytes, p.max_bytes) == fits(out, k, p));
  }
}

TEST_CASE("ideal count edge cases", "[compaction]") {
  CHECK(detail::ideal_count(0, 100, 75, 180) == 0);
  CHECK(detail::ideal_count(1, 100, 75, 180) == 1);    // undersized, still one file
  CHECK(detail::ideal_count(150, 100, 75, 180) == 1);  // tie: fewer files
  CHECK(detail::ideal_count(151, 100, 75, 180) == 2);
  CHECK(detail::ideal_count(181, 100, 75, 180) == 2);  // 1 would be oversized
  CHECK(detail::ideal_count(150, 100, 95, 105) == 2);  // nothing fits: max + remainder
  const std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
  CHECK(detail::ideal_count(top, top / 2, top / 4, top - 1) == 2);
  CHECK(detail::ideal_count(top, 2, 1, 3) == top / 2);  // 2^63 - 0.5 targets: a tie
}

TEST_CASE("output prediction", "[compaction]") {
  CHECK(detail::predict_output(0, 0.5) == 0);
  CHECK(detail::predict_output(1, 0.5) == 1);  // data never vanishes
  CHECK(detail::predict_output(1000, 0.55) == 550);
  CHECK(detail::predict_output(1001, 0.5) == 500);
  const std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
  CHECK(detail::predict_output(top, 1.0) == top);
  CHECK(detail::predict_output(top, 2.0) == top);
  CHECK(detail::predict_output(top - 1, 1.0) == top - 1);  // exact when the ratio is one
}

TEST_CASE("partition index maps ids to dense slots", "[compaction]") {
  detail::partition_index index;
  sluice_test::rng rng(3);
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back(rng.next());
  for (std::size_t i = 0; i < ids.size(); ++i) CHECK(index.slot_of(ids[i]) == i);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    REQUIRE(index.slot_of(ids[i]) == i);
    REQUIRE(index.id(static_cast<std::uint32_t>(i)) == ids[i]);
  }
  CHECK(index.size() == ids.size());
}

}  // namespace compaction_test_math
