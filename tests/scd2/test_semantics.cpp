// The rules, one example each: documentation as much as test.
#include "scd2/support.hpp"

namespace scd2_test_semantics {

using namespace scd2_test;
using history = sluice::scd2::history<change_traits>;

namespace {

struct expected_row {
  std::int64_t from;
  std::optional<std::int64_t> to;
  std::int64_t record_at;
};

void check_rows(const history& h, std::uint64_t key, const std::vector<expected_row>& expected) {
  auto rows = h.versions(key);
  REQUIRE(rows.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("row " << i);
    CHECK(rows[i].key == key);
    CHECK(rows[i].valid_from == expected[i].from);
    CHECK(rows[i].valid_to == expected[i].to);
    CHECK(rows[i].record.at == expected[i].record_at);
  }
  CHECK_FALSE(h.check());
}

change_verdict apply_one(history& h, const change& c) {
  change_verdict verdict = change_verdict::late;
  h.apply(&c, 1, &verdict);
  return verdict;
}

}  // namespace

TEST_CASE("scd2: an upsert with unchanged tracked columns is absorbed", "[scd2]") {
  history h;
  CHECK(apply_one(h, upsert(1, 10, 5, 0, 1)) == change_verdict::opened);
  CHECK(apply_one(h, upsert(1, 20, 5, 0, 2)) == change_verdict::absorbed);  // email only
  check_rows(h, 1, {{10, std::nullopt, 20}});
  CHECK(h.current(1)->record.email == 2);  // untracked columns update in place
  CHECK(apply_one(h, upsert(1, 30, 6, 0, 2)) == change_verdict::opened);
  check_rows(h, 1, {{10, 30, 20}, {30, std::nullopt, 30}});
}

TEST_CASE("scd2: a late change splits the version it falls into", "[scd2]") {
  history h;
  std::vector<change> changes{upsert(1, 10, 5), upsert(1, 30, 5, 0, 3)};
  h.apply(changes.data(), changes.size());
  check_rows(h, 1, {{10, std::nullopt, 30}});
  auto result = h.apply(std::vector<change>{upsert(1, 20, 6)}.data(), 1);
  // [10, 20) keeps the change at 10; [20, 30) is the late one; 30 differs again, so reopens.
  check_rows(h, 1, {{10, 20, 10}, {20, 30, 20}, {30, std::nullopt, 30}});
  CHECK(result.removed.size() == 1);
  CHECK(result.added.size() == 3);
}

TEST_CASE("scd2: deletes close versions; a late upsert older than a delete does not resurrect",
          "[scd2]") {
  history h;
  CHECK(apply_one(h, erase(1, 5)) == change_verdict::delete_of_nothing);
  CHECK(h.versions(1).empty());
  CHECK(h.key_count() == 0);
  CHECK(apply_one(h, upsert(1, 10, 1)) == change_verdict::opened);
  CHECK(apply_one(h, erase(1, 20)) == change_verdict::closed);
  CHECK(h.current(1) == nullptr);
  CHECK(apply_one(h, upsert(1, 15, 1, 0, 9)) == change_verdict::absorbed);
  check_rows(h, 1, {{10, 20, 15}});
  CHECK(h.current(1) == nullptr);
  CHECK(apply_one(h, upsert(1, 25, 1)) == change_verdict::opened);  // resurrection: later only
  check_rows(h, 1, {{10, 20, 15}, {25, std::nullopt, 25}});
  CHECK(h.key_count() == 1);
}

TEST_CASE("scd2: same-sequence conflicts resolve deterministically", "[scd2]") {
  SECTION("a delete beats an upsert") {
    history h;
    CHECK(apply_one(h, upsert(1, 10, 1)) == change_verdict::opened);
    CHECK(apply_one(h, upsert(1, 20, 2)) == change_verdict::opened);
    CHECK(apply_one(h, erase(1, 20)) == change_verdict::conflict_won);
    check_rows(h, 1, {{10, 20, 10}});
  }
  SECTION("otherwise the greater (tracked, untracked) wins, whatever the order") {
    for (int order = 0; order < 2; ++order) {
      history h;
      std::vector<change> pair{upsert(1, 10, 1, 0, 9), upsert(1, 10, 2, 0, 0)};
      if (order == 1) std::swap(pair[0], pair[1]);
      std::vector<change_verdict> verdicts(2);
      auto result = h.apply(pair.data(), pair.size(), verdicts.data());
      CHECK(result.conflicts == 2);
      CHECK(verdicts[order == 0 ? 1 : 0] == change_verdict::conflict_won);
      CHECK(verdicts[order == 0 ? 0 : 1] == change_verdict::conflict_lost);
      CHECK(sluice::scd2::to_error_code(verdicts[0]) == sluice::errc::sequence_conflict);
      REQUIRE(h.current(1) != nullptr);
      CHECK(h.current(1)->record.name == 2);
    }
  }
  SECTION("a conflict arriving later flips the winner, and the diff says so") {
    history h;
    std::vector<change> first{upsert(1, 10, 1), upsert(1, 20, 1, 0, 5)};
    h.apply(first.data(), first.size());
    check_rows(h, 1, {{10, std::nullopt, 20}});
    change challenger = upsert(1, 20, 3);  // greater tracked tuple at the same sequence
    change_verdict verdict{};
    auto result = h.apply(&challenger, 1, &verdict);
    CHECK(verdict == change_verdict::conflict_won);
    check_rows(h, 1, {{10, 20, 10}, {20, std::nullopt, 20}});
    CHECK(h.current(1)->record.name == 3);
    REQUIRE(result.removed.size() == 1);
    CHECK(result.removed[0].record.email == 5);
    CHECK(result.added.size() == 2);
    // The loser is remembered: sending it again is a duplicate, not a new conflict.
    result = h.apply(&first[1], 1, &verdict);
    CHECK(verdict == change_verdict::duplicate);
    CHECK(result.conflicts == 0);
  }
}

TEST_CASE("scd2: duplicates count once, within and across batches", "[scd2]") {
  history h;
  std::vector<change> batch{upsert(1, 10, 1), upsert(1, 10, 1), upsert(2, 10, 1)};
  std::vector<change_verdict> verdicts(3);
  auto result = h.apply(batch.data(), batch.size(), verdicts.data());
  CHECK(verdicts[0] == change_verdict::opened);
  CHECK(verdicts[1] == change_verdict::duplicate);
  CHECK(result.applied == 2);
  CHECK(result.duplicates == 1);
  CHECK(sluice::scd2::to_error_code(change_verdict::duplicate) == sluice::errc::duplicate_event);
  CHECK_FALSE(sluice::scd2::to_error_code(change_verdict::opened));
  result = h.apply(batch.data(), batch.size());
  CHECK(result.duplicates == 3);
  CHECK(result.added.empty());
  CHECK(h.change_count() == 2);
  CHECK(h.row_count() == 2);
}

TEST_CASE("scd2: verdict names", "[scd2]") {
  CHECK(sluice::scd2::to_string(change_verdict::delete_of_nothing) == "delete_of_nothing");
  CHECK(sluice::scd2::to_string(change_verdict::conflict_lost) == "conflict_lost");
}

}  // namespace scd2_test_semantics
