// The backbone: random change sets (late, duplicate, conflicting, deleted, resurrected keys)
// in random orders and batch splits, against the naive model.
#include <algorithm>

#include "scd2/support.hpp"

namespace scd2_test_differential {

using namespace scd2_test;
using history = sluice::scd2::history<change_traits>;
using model = scd2_model::model<change_traits>;

namespace {

// Applies one batch to both and checks everything a batch promises. Under a horizon the
// history frees changes the model keeps, so only the stored change counts differ. With
// `into`, the history writes into that result, which still holds the previous batch's.
void apply_both(history& h, model& m, std::vector<flat_row>& replayed,
                const std::vector<change>& batch, bool under_horizon = false,
                history::apply_result* into = nullptr) {
  std::vector<change_verdict> verdicts(batch.size(), change_verdict::opened);
  history::apply_result fresh;
  history::apply_result& result = into != nullptr ? *into : fresh;
  if (into != nullptr)
    h.apply(batch.data(), batch.size(), result, verdicts.data());
  else
    fresh = h.apply(batch.data(), batch.size(), verdicts.data());
  auto expected = m.apply(batch);
  REQUIRE_FALSE(result.error);
  CHECK(verdicts == expected.verdicts);
  CHECK(result.applied == expected.applied);
  CHECK(result.duplicates == expected.duplicates);
  CHECK(result.conflicts == expected.conflicts);
  CHECK(result.late == expected.late);
  CHECK(result.applied + result.duplicates + result.conflicts + result.late == batch.size());

  REQUIRE(replay_diff(replayed, result));
  const auto rows = rows_of(h);
  CHECK(replayed == rows);
  CHECK(rows == rows_of_model(m));
  CHECK(h.row_count() == rows.size());
  if (!under_horizon) CHECK(h.change_count() == m.change_count());
  CHECK_FALSE(h.check());
}

}  // namespace

TEST_CASE("scd2: every order and batching gives the model's rows, verdicts and diffs",
          "[scd2]") {
  const std::size_t rounds = sluice_test::scaled(300);
  sluice_test::rng random(0x5cd2'0001);
  for (std::size_t round = 0; round < rounds; ++round) {
    shape s;
    s.keys = 1 + random.below(8);
    s.sequences = static_cast<std::int64_t>(2 + random.below(40));
    s.names = static_cast<int>(1 + random.below(3));
    s.cities = static_cast<int>(1 + random.below(2));
    s.delete_percent = static_cast<unsigned>(random.below(35));
    const auto changes = random_changes(random, 10 + pick(random, 80), s);
    INFO("round " << round);

    history h;
    model m;
    std::vector<flat_row> replayed;
    history::apply_result kept;  // reused by about half of the batches
    for (const auto& batch : random_batches(random, changes, 1 + pick(random, 30)))
      apply_both(h, m, replayed, batch, false, random.percent(50) ? &kept : nullptr);
    const auto final_rows = rows_of(h);

    // Another order, another split: the same rows.
    auto reordered = changes;
    shuffle(random, reordered);
    history other;
    for (const auto& batch : random_batches(random, reordered, 1 + pick(random, 30)))
      other.apply(batch.data(), batch.size());
    CHECK(rows_of(other) == final_rows);
    CHECK_FALSE(other.check());
    CHECK(other.change_count() == h.change_count());

    // Everything again: a no-op, every change a duplicate.
    auto again = h.apply(changes.data(), changes.size());
    CHECK(again.removed.empty());
    CHECK(again.added.empty());
    CHECK(again.duplicates == changes.size());
    CHECK(again.applied + again.conflicts + again.late == 0);
    CHECK(rows_of(h) == final_rows);
    std::size_t keys = 0;
    for (std::size_t i = 0; i < final_rows.size(); ++i)
      keys += (i == 0 || final_rows[i - 1].key != final_rows[i].key) ? 1 : 0;
    CHECK(h.key_count() == keys);
  }
}

TEST_CASE("scd2: one change at a time, in the worst order (newest first)", "[scd2]") {
  const std::size_t rounds = sluice_test::scaled(100);
  sluice_test::rng random(0x5cd2'0002);
  for (std::size_t round = 0; round < rounds; ++round) {
    shape s;
    s.keys = 2;
    s.sequences = 30;
    auto changes = random_changes(random, 40, s);
    std::sort(changes.begin(), changes.end(),
              [](const change& a, const change& b) { return a.at > b.at; });
    history h;
    model m;
    std::vector<flat_row> replayed;
    for (const change& c : changes) apply_both(h, m, replayed, {c});
  }
}

// In-order traffic, the usual case: each batch's changes of a key mostly come after all the
// key's stored ones (apply then extends the stored versions instead of replaying them).
// Same-sequence conflicts, deletes, resurrections and a moving horizon included; a tie split
// across two batches takes the general path.
TEST_CASE("scd2: changes in sequence order, with and without a horizon", "[scd2]") {
  const std::size_t rounds = sluice_test::scaled(200);
  sluice_test::rng random(0x5cd2'0005);
  for (std::size_t round = 0; round < rounds; ++round) {
    shape s;
    s.keys = 1 + random.below(5);
    s.sequences = static_cast<std::int64_t>(4 + random.below(30));
    s.names = static_cast<int>(1 + random.below(3));
    s.delete_percent = static_cast<unsigned>(random.below(30));
    auto changes = random_changes(random, 10 + pick(random, 60), s);
    std::stable_sort(changes.begin(), changes.end(),
                     [](const change& a, const change& b) { return a.at < b.at; });
    const bool with_horizon = random.percent(50);
    INFO("round " << round << (with_horizon ? " with a horizon" : ""));

    history h;
    model m;
    std::vector<flat_row> replayed;
    history::apply_result kept;
    for (const auto& batch : random_batches(random, changes, 1 + pick(random, 8))) {
      if (with_horizon && !batch.empty() && random.percent(30)) {
        const std::int64_t horizon = batch.front().at - static_cast<std::int64_t>(random.below(3));
        h.forget_before(horizon);
        m.forget_before(horizon);
      }
      apply_both(h, m, replayed, batch, with_horizon, random.percent(50) ? &kept : nullptr);
    }
  }
}

TEST_CASE("scd2: wide key spaces with big batches", "[scd2]") {
  const std::size_t rounds = sluice_test::scaled(6);
  sluice_test::rng random(0x5cd2'0003);
  for (std::size_t round = 0; round < rounds; ++round) {
    shape s;
    s.keys = 400;
    s.sequences = 60;
    s.names = 4;
    s.delete_percent = 8;
    const auto changes = random_changes(random, 3000, s);
    history h;
    model m;
    std::vector<flat_row> replayed;
    history::apply_result kept;
    for (const auto& batch : random_batches(random, changes, 1500))
      apply_both(h, m, replayed, batch, false, round % 2 == 1 ? &kept : nullptr);
  }
}

TEST_CASE("scd2: keys whose hashes share the radix sort's 33 bits still group apart", "[scd2]") {
  // A batch of 512 changes or more is sorted by the top 33 bits of its keys' hashes, and runs
  // that share them are finished by insertion; random keys rarely share them (one pair in
  // about 2^33). A birthday search over 2^19 keys finds such pairs; their changes, interleaved
  // in one batch, must give the rows of small batches and of the model.
  const sluice::hasher<std::uint64_t> hash(0);  // the seed of a default history
  std::vector<std::pair<std::uint64_t, std::uint64_t>> tops;  // (top 33 bits, key)
  for (std::uint64_t k = 0; k < (std::uint64_t{1} << 19); ++k) tops.push_back({hash.hash(k) >> 31, k});
  std::sort(tops.begin(), tops.end());
  std::vector<std::uint64_t> sharing;
  for (std::size_t i = 1; i < tops.size(); ++i)
    if (tops[i].first == tops[i - 1].first) {
      sharing.push_back(tops[i - 1].second);
      sharing.push_back(tops[i].second);
    }
  REQUIRE(sharing.size() >= 8);

  sluice_test::rng random(0x5cd2'0033);
  std::vector<change> changes;
  for (std::uint64_t id : sharing)
    for (std::int64_t at = 0; at < 6; ++at)
      changes.push_back(upsert(id, at, static_cast<int>(random.below(3)), static_cast<int>(random.below(2))));
  for (int i = 0; i < 600; ++i)  // other keys, to reach the radix sort
    changes.push_back(upsert((std::uint64_t{1} << 20) + random.below(300), random.between(0, 9), 1));
  shuffle(random, changes);

  history whole, pieces;
  model m;
  auto result = whole.apply(changes.data(), changes.size());
  auto expected = m.apply(changes);
  CHECK(result.applied == expected.applied);
  CHECK(result.duplicates == expected.duplicates);
  for (const auto& batch : random_batches(random, changes, 200)) pieces.apply(batch.data(), batch.size());
  const auto rows = rows_of(whole);
  CHECK(rows == rows_of_model(m));
  CHECK(rows == rows_of(pieces));
  CHECK_FALSE(whole.check());
}

TEST_CASE("scd2: batches big enough for the radix sort agree with small batches", "[scd2]") {
  sluice_test::rng random(0x5cd2'0004);
  shape s;
  s.keys = 20000;
  s.sequences = 40;
  s.names = 3;
  const auto changes = random_changes(random, 70000, s);  // ~84000 with repeats
  history whole, pieces;
  model m;
  auto result = whole.apply(changes.data(), changes.size());
  auto expected = m.apply(changes);
  CHECK(result.applied == expected.applied);
  CHECK(result.duplicates == expected.duplicates);
  CHECK(result.conflicts == expected.conflicts);
  for (const auto& batch : random_batches(random, changes, 5000))
    pieces.apply(batch.data(), batch.size());
  const auto rows = rows_of(whole);
  CHECK(rows == rows_of_model(m));
  CHECK(rows == rows_of(pieces));
  CHECK(result.added.size() == rows.size());
  CHECK_FALSE(whole.check());
  auto again = whole.apply(changes.data(), changes.size());
  CHECK(again.duplicates == changes.size());
}

}  // namespace scd2_test_differential
