// forget_before: changes older than the horizon are refused as late, rows never change, and
// the history keeps answering exactly like the model while it frees what it no longer needs.
#include "scd2/support.hpp"

namespace scd2_test_retention {

using namespace scd2_test;
using history = sluice::scd2::history<change_traits>;
using model = scd2_model::model<change_traits>;

TEST_CASE("scd2: forget_before refuses late changes and keeps matching the model", "[scd2]") {
  const std::size_t rounds = sluice_test::scaled(300);
  sluice_test::rng random(0x5cd2'0101);
  std::size_t late_seen = 0, compacted = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    shape s;
    s.keys = 1 + random.below(6);
    s.sequences = static_cast<std::int64_t>(4 + random.below(40));
    s.names = static_cast<int>(1 + random.below(3));
    s.delete_percent = static_cast<unsigned>(random.below(30));
    const auto changes = random_changes(random, 20 + pick(random, 80), s);
    INFO("round " << round);

    history h;
    model m;
    std::vector<flat_row> replayed;
    std::int64_t horizon = -1;
    for (const auto& batch : random_batches(random, changes, 1 + pick(random, 20))) {
      if (random.percent(40)) {
        // Usually forward, sometimes a step back (which must change nothing).
        horizon += static_cast<std::int64_t>(random.below(6)) - 1;
        const auto rows_before = rows_of(h);
        const std::size_t changes_before = h.change_count();
        h.forget_before(horizon);
        m.forget_before(horizon);
        CHECK(rows_of(h) == rows_before);
        CHECK(h.change_count() <= changes_before);
        compacted += changes_before - h.change_count();
        CHECK_FALSE(h.check());
      }
      std::vector<change_verdict> verdicts(batch.size());
      auto result = h.apply(batch.data(), batch.size(), verdicts.data());
      auto expected = m.apply(batch);
      REQUIRE_FALSE(result.error);
      CHECK(verdicts == expected.verdicts);
      CHECK(result.late == expected.late);
      CHECK(result.applied == expected.applied);
      CHECK(result.conflicts == expected.conflicts);
      CHECK(result.duplicates == expected.duplicates);
      late_seen += result.late;
      REQUIRE(replay_diff(replayed, result));
      CHECK(replayed == rows_of(h));
      CHECK(rows_of(h) == rows_of_model(m));
      CHECK_FALSE(h.check());
    }
  }
  // The test must have exercised both refusals and compaction.
  CHECK(late_seen > 100);
  CHECK(compacted > 100);
}

TEST_CASE("scd2: a very late upsert never resurrects a deleted row", "[scd2]") {
  history h;
  std::vector<change> first{upsert(1, 10, 1), erase(1, 20)};
  h.apply(first.data(), first.size());
  h.forget_before(30);
  CHECK(h.current(1) == nullptr);

  // Older than the delete and older than the horizon: refused.
  change very_late = upsert(1, 15, 2);
  change_verdict verdict = change_verdict::opened;
  auto result = h.apply(&very_late, 1, &verdict);
  CHECK(verdict == change_verdict::late);
  CHECK(result.late == 1);
  CHECK(sluice::scd2::to_error_code(verdict) == sluice::errc::late_event);
  CHECK(result.added.empty());
  CHECK(h.current(1) == nullptr);
  CHECK(h.versions(1).size() == 1);

  // Even a repeat of a known change is late once the horizon passed it.
  result = h.apply(first.data(), 1, &verdict);
  CHECK(verdict == change_verdict::late);

  // At the horizon: accepted, a new version.
  change at_horizon = upsert(1, 30, 3);
  result = h.apply(&at_horizon, 1, &verdict);
  CHECK(verdict == change_verdict::opened);
  REQUIRE(h.current(1) != nullptr);
  CHECK(h.current(1)->valid_from == 30);
}

TEST_CASE("scd2: the version open across the horizon still absorbs and splits", "[scd2]") {
  history h;
  std::vector<change> changes{upsert(7, 1, 1, 0, 1), upsert(7, 3, 1, 0, 2),
                              upsert(7, 5, 1, 0, 3), upsert(7, 9, 1, 0, 4)};
  h.apply(changes.data(), changes.size());
  REQUIRE(h.versions(7).size() == 1);
  const std::size_t stored = h.change_count();
  h.forget_before(4);  // 1 and 3 are older; 3 carries the version across the horizon
  CHECK(h.change_count() == stored - 1);
  CHECK_FALSE(h.check());

  // A delete at 4 ends the version there: its record is the change at 3, then 5 reopens.
  change cut = erase(7, 4);
  auto result = h.apply(&cut, 1);
  CHECK_FALSE(h.check());
  auto rows = h.versions(7);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].valid_from == 1);
  CHECK(rows[0].valid_to == 4);
  CHECK(rows[0].record.email == 2);
  CHECK(rows[1].valid_from == 5);
  CHECK_FALSE(rows[1].valid_to);
  CHECK(rows[1].record.email == 4);
  CHECK(result.removed.size() == 1);
  CHECK(result.added.size() == 2);
}

TEST_CASE("scd2: a moved-from history forgets its horizon too", "[scd2]") {
  history h;
  const change first = upsert(1, 100, 1);
  h.apply(&first, 1);
  h.forget_before(100);
  history moved = std::move(h);
  const change old = upsert(2, 50, 1);
  CHECK(moved.apply(&old, 1).late == 1);
  CHECK(h.apply(&old, 1).applied == 1);  // empty again, with no horizon
  history assigned;
  assigned = std::move(moved);
  CHECK(moved.apply(&old, 1).applied == 1);
  CHECK(assigned.apply(&old, 1).late == 1);
}

TEST_CASE("scd2: forget_before compacts every key, also the ones an erase moves back",
          "[scd2]") {
  // Even keys only ever saw a delete: nothing but that change, so forget_before drops them
  // from the index, and linear probing moves later keys of their cluster into the freed slot.
  // Odd keys keep their row and lose the absorbed change behind the horizon.
  history h;
  std::vector<change> batch;
  for (std::uint64_t id = 0; id < 400; ++id) {
    if (id % 2 == 0) {
      batch.push_back(erase(id, 1));
    } else {
      batch.push_back(upsert(id, 1, 1, 0, 1));
      batch.push_back(upsert(id, 2, 1, 0, 2));  // absorbed: the change at 1 becomes an extra
    }
  }
  REQUIRE_FALSE(h.apply(batch.data(), batch.size()).error);
  REQUIRE(h.change_count() == 600);
  h.forget_before(5);
  CHECK(h.change_count() == 200);
  CHECK(h.key_count() == 200);
  CHECK(h.row_count() == 200);
  CHECK_FALSE(h.check());
  for (std::uint64_t id = 0; id < 400; ++id) {
    INFO("key " << id);
    if (id % 2 == 0) {
      CHECK(h.versions(id).empty());
    } else {
      REQUIRE(h.versions(id).size() == 1);
      CHECK(h.current(id)->record.email == 2);
    }
  }
}

TEST_CASE("scd2: forget_before keeps only the change a version open across it resumes from",
          "[scd2]") {
  // [1, 2) then a delete, then a version from 5: no version is open across the horizon 4,
  // so the delete at 2 is dropped; the rows' records stay.
  history h;
  const std::vector<change> changes{upsert(1, 1, 1), erase(1, 2), upsert(1, 5, 2)};
  h.apply(changes.data(), changes.size());
  REQUIRE(h.change_count() == 3);
  h.forget_before(4);
  CHECK(h.change_count() == 2);
  CHECK(h.versions(1).size() == 2);
  CHECK_FALSE(h.check());
}

TEST_CASE("scd2: forget_before with nothing behind the horizon moves no block", "[scd2]") {
  // Key 1 has an absorbed change (an extra), but at 10, after the horizon: nothing to free,
  // so nothing is copied (no block goes to the free lists).
  history h;
  const std::vector<change> changes{upsert(1, 10, 1, 0, 1), upsert(1, 20, 1, 0, 2)};
  h.apply(changes.data(), changes.size());
  const auto before = h.memory();
  REQUIRE(before.recyclable == 0);
  h.forget_before(5);
  const auto after = h.memory();
  CHECK(after.recyclable == before.recyclable);
  CHECK(after.in_use == before.in_use);
  CHECK(after.reserved == before.reserved);
  CHECK(h.change_count() == 2);
  CHECK_FALSE(h.check());
}

TEST_CASE("scd2: forget_before stays within the memory budget", "[scd2]") {
  // Compaction copies a key's block into a smaller one; under a budget that is nearly used
  // up it must skip keys whose copy does not fit rather than exceed the budget.
  const std::size_t rounds = sluice_test::scaled(40);
  sluice_test::rng random(0x5cd2'0105);
  std::size_t compacted = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    shape s;
    s.keys = 60 + random.below(200);
    s.sequences = 40;
    s.names = 1;  // mostly absorbed changes: a lot for compaction to drop
    s.cities = 1;
    const auto changes = random_changes(random, 3000, s);
    sluice::scd2::history_config config;
    config.memory_budget = (8u << 10) + pick(random, 96u << 10);
    config.first_block_bytes = 512;
    history h(config);
    INFO("round " << round << " budget " << config.memory_budget);
    std::int64_t horizon = 0;
    for (const auto& batch : random_batches(random, changes, 200)) {
      h.apply(batch.data(), batch.size());
      horizon += static_cast<std::int64_t>(random.below(3));
      const auto rows = rows_of(h);
      const std::size_t stored = h.change_count();
      h.forget_before(horizon);
      compacted += stored - h.change_count();
      CHECK(h.memory().reserved <= config.memory_budget);
      CHECK(rows_of(h) == rows);
      CHECK_FALSE(h.check());
    }
  }
  CHECK(compacted > 100);
}

TEST_CASE("scd2: forget_before compacts within a budget that is exactly used up", "[scd2]") {
  const std::vector<change> changes{upsert(1, 1, 1, 0, 1), upsert(1, 2, 1, 0, 2)};
  history probe;
  probe.apply(changes.data(), changes.size());
  sluice::scd2::history_config config;
  config.memory_budget = probe.memory().reserved;
  history h(config);
  REQUIRE_FALSE(h.apply(changes.data(), changes.size()).error);
  REQUIRE(h.memory().reserved == config.memory_budget);
  REQUIRE(h.change_count() == 2);
  h.forget_before(5);  // the smaller block fits in the arena block the history has
  CHECK(h.change_count() == 1);
  CHECK(h.memory().reserved <= config.memory_budget);
  CHECK(h.versions(1).size() == 1);
  CHECK_FALSE(h.check());
}

}  // namespace scd2_test_retention
