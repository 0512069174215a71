// A memory budget makes apply all-or-nothing: a change set that does not fit changes
// nothing and says MEMORY_BUDGET_EXCEEDED; the history carries on as if it was never sent.
#include <limits>

#include "scd2/support.hpp"

using namespace scd2_test;
using history = sluice::scd2::history<change_traits>;
using model = scd2_model::model<change_traits>;

TEST_CASE("scd2: budget exhaustion is all-or-nothing", "[scd2]") {
  const std::size_t rounds = sluice_test::scaled(40);
  sluice_test::rng random(0x5cd2'0201);
  std::size_t refusals = 0, successes = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    shape s;
    s.keys = 50 + random.below(400);
    s.sequences = 40;
    const auto changes = random_changes(random, 4000, s);
    sluice::scd2::history_config config;
    config.memory_budget = (16u << 10) + pick(random, 160u << 10);
    config.first_block_bytes = 4096;
    history h(config);
    model m;  // fed only the batches that were accepted
    const bool reuse = round % 2 == 1;  // one result for every batch, refused ones included
    history::apply_result result;
    INFO("round " << round << " budget " << config.memory_budget << (reuse ? ", reused result" : ""));
    for (const auto& batch : random_batches(random, changes, 300)) {
      const auto rows_before = rows_of(h);
      const std::size_t changes_before = h.change_count();
      const auto memory_before = h.memory();
      std::vector<change_verdict> verdicts(batch.size(), change_verdict::late);
      if (reuse)
        h.apply(batch.data(), batch.size(), result, verdicts.data());
      else
        result = h.apply(batch.data(), batch.size(), verdicts.data());
      CHECK(h.memory().reserved <= config.memory_budget);
      if (result.error) {
        ++refusals;
        CHECK(result.error == sluice::errc::memory_budget_exceeded);
        CHECK(result.removed.empty());
        CHECK(result.added.empty());
        CHECK(result.applied + result.duplicates + result.conflicts + result.late == 0);
        CHECK(std::all_of(verdicts.begin(), verdicts.end(),
                          [](change_verdict v) { return v == change_verdict::late; }));
        CHECK(rows_of(h) == rows_before);
        CHECK(h.change_count() == changes_before);
        CHECK(h.memory().in_use == memory_before.in_use);
        CHECK(h.memory().reserved == memory_before.reserved);
        CHECK_FALSE(h.check());
      } else {
        ++successes;
        auto expected = m.apply(batch);
        CHECK(verdicts == expected.verdicts);
        CHECK(rows_of(h) == rows_of_model(m));
      }
    }
    CHECK_FALSE(h.check());
    CHECK(rows_of(h) == rows_of_model(m));
  }
  CHECK(refusals > 10);
  CHECK(successes > 10);
}

TEST_CASE("scd2: a budget too small for anything refuses the first batch cleanly", "[scd2]") {
  sluice::scd2::history_config config;
  config.memory_budget = 100;
  history h(config);
  std::vector<change> batch{upsert(1, 1, 1)};
  auto result = h.apply(batch.data(), batch.size());
  CHECK(result.error == sluice::errc::memory_budget_exceeded);
  CHECK(h.key_count() == 0);
  CHECK(h.row_count() == 0);
  CHECK(h.versions(1).empty());
  CHECK(h.memory().reserved == 0);
  CHECK_FALSE(h.check());
}

TEST_CASE("scd2: shrink_to_fit returns recyclable memory and changes no row", "[scd2]") {
  sluice_test::rng random(0x5cd2'0202);
  shape s;
  s.keys = 300;
  s.sequences = 60;
  const auto changes = random_changes(random, 6000, s);
  history h;
  model m;
  const auto batches = random_batches(random, changes, 400);
  for (std::size_t b = 0; b < batches.size(); ++b) {
    h.apply(batches[b].data(), batches[b].size());
    m.apply(batches[b]);
    if (b == batches.size() / 2) {
      const auto before = h.memory();
      CHECK(before.recyclable > 0);
      CHECK(before.scratch > 0);  // apply's working buffer, kept for the next batch
      CHECK_FALSE(h.shrink_to_fit());
      const auto after = h.memory();
      CHECK(after.recyclable == 0);
      CHECK(after.scratch == 0);
      CHECK(after.in_use == before.in_use);
      CHECK(after.reserved < before.reserved);
      CHECK_FALSE(h.check());
      CHECK(rows_of(h) == rows_of_model(m));
    }
  }
  CHECK(rows_of(h) == rows_of_model(m));
  CHECK_FALSE(h.check());

  // Without room for a second copy, nothing changes.
  sluice::scd2::history_config tight;
  tight.memory_budget = h.memory().reserved + 1024;
  history small(tight);
  for (const auto& batch : batches) small.apply(batch.data(), batch.size());
  const auto rows = rows_of(small);
  const auto usage = small.memory();
  REQUIRE(usage.reserved + usage.in_use > tight.memory_budget);  // two copies cannot fit
  CHECK(small.shrink_to_fit() == sluice::errc::memory_budget_exceeded);
  CHECK(small.memory().reserved == usage.reserved);
  CHECK(small.memory().in_use == usage.in_use);
  CHECK(rows_of(small) == rows);
  CHECK_FALSE(small.check());
}

TEST_CASE("scd2: apply keeps its working buffer for batches of a like size only", "[scd2]") {
  sluice_test::rng random(0x5cd2'0203);
  shape s;
  s.keys = 20000;  // most changes touch a key of their own: 32-bit targets size the buffer by keys
  s.sequences = 40;
  const auto changes = random_changes(random, 12000, s);
  history h;
  model m;
  h.apply(changes.data(), 10000);
  m.apply(std::vector<change>(changes.begin(), changes.begin() + 10000));
  const std::size_t kept = h.memory().scratch;
  CHECK(kept > 0);
  h.apply(changes.data() + 10000, 1500);  // not under a quarter: the buffer stays
  CHECK(h.memory().scratch == kept);
  h.apply(changes.data() + 11500, 500);  // under a quarter: released, a small one made
  CHECK(h.memory().scratch < kept / 4);
  m.apply(std::vector<change>(changes.begin() + 10000, changes.begin() + 12000));
  CHECK(rows_of(h) == rows_of_model(m));
  CHECK_FALSE(h.check());
}

TEST_CASE("scd2: an expected_keys hint that does not fit is set aside, not a refusal", "[scd2]") {
  for (std::size_t hint : {std::size_t{1} << 20, std::numeric_limits<std::size_t>::max() / 2}) {
    sluice::scd2::history_config config;
    config.expected_keys = hint;
    if (hint == std::size_t{1} << 20) config.memory_budget = 1u << 20;  // the hint needs more
    history h(config);
    INFO("hint " << hint);
    for (std::uint64_t key = 0; key < 100; ++key) {
      const change c = upsert(key, 1, 1);
      auto result = h.apply(&c, 1);
      REQUIRE_FALSE(result.error);
      CHECK(result.applied == 1);
    }
    CHECK(h.key_count() == 100);
    CHECK_FALSE(h.check());
  }
}
