// versions, current, as_of, for_each_row and the counters, checked against the model's rows.
#include "scd2/support.hpp"

namespace scd2_test_queries {

using namespace scd2_test;
using history = sluice::scd2::history<change_traits>;
using model = scd2_model::model<change_traits>;

TEST_CASE("scd2: point queries agree with the model's rows", "[scd2]") {
  const std::size_t rounds = sluice_test::scaled(60);
  sluice_test::rng random(0x5cd2'0301);
  for (std::size_t round = 0; round < rounds; ++round) {
    shape s;
    s.keys = 12;
    s.sequences = 50;
    const auto changes = random_changes(random, 150, s);
    history h;
    model m;
    for (const auto& batch : random_batches(random, changes, 40)) {
      h.apply(batch.data(), batch.size());
      m.apply(batch);
    }
    const auto expected = rows_of_model(m);
    for (std::uint64_t key = 0; key < s.keys + 2; ++key) {
      std::vector<flat_row> mine;
      for (const auto& r : expected)
        if (r.key == key) mine.push_back(r);
      auto versions = h.versions(key);
      REQUIRE(versions.size() == mine.size());
      CHECK(versions.empty() == mine.empty());
      std::size_t i = 0;
      for (const auto& r : versions) CHECK(flatten(r) == mine[i++]);

      const auto* current = h.current(key);
      const bool open = !mine.empty() && mine.back().open;
      CHECK((current != nullptr) == open);
      if (current != nullptr) CHECK(flatten(*current) == mine.back());

      for (std::int64_t at = -1; at <= s.sequences; ++at) {
        const flat_row* valid = nullptr;
        for (const auto& r : mine)
          if (r.from <= at && (r.open || at < r.to)) valid = &r;
        const auto* found = h.as_of(key, at);
        CHECK((found != nullptr) == (valid != nullptr));
        if (found != nullptr && valid != nullptr) CHECK(flatten(*found) == *valid);
      }
    }
    std::size_t keys = 0;
    for (std::size_t i = 0; i < expected.size(); ++i)
      keys += (i == 0 || expected[i - 1].key != expected[i].key) ? 1 : 0;
    CHECK(h.key_count() == keys);
    CHECK(h.row_count() == expected.size());
  }
}

TEST_CASE("scd2: a history moves, and a moved-from one is empty", "[scd2]") {
  history h;
  std::vector<change> batch{upsert(1, 1, 1), upsert(2, 1, 1), upsert(1, 5, 2)};
  h.apply(batch.data(), batch.size());
  const auto rows = rows_of(h);
  history moved(std::move(h));
  CHECK(rows_of(moved) == rows);
  CHECK(h.row_count() == 0);  // NOLINT(bugprone-use-after-move): documented state
  CHECK(h.versions(1).empty());
  history assigned;
  assigned.apply(batch.data(), 1);
  assigned = std::move(moved);
  CHECK(rows_of(assigned) == rows);
  CHECK_FALSE(assigned.check());
  CHECK(assigned.memory().in_use > 0);
  CHECK(assigned.memory().reserved >= assigned.memory().in_use);
}

}  // namespace scd2_test_queries
