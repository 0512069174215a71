// A memory budget makes apply all-or-nothing: a change set that does not fit changes
// nothing and says MEMORY_BUDGET_EXCEEDED; the history carries on as if it was never sent.
#include <limits>

#include "scd2/support.hpp"

namespace scd2_test_budget {

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
        CHECK(h.memory().recyclable == memory_before.recyclable);
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

TEST_CASE("scd2: a budget of exactly what a batch needs is enough", "[scd2]") {
  const std::vector<change> batch{upsert(1, 1, 1), upsert(2, 1, 1), upsert(1, 5, 2)};
  history unlimited;
  REQUIRE_FALSE(unlimited.apply(batch.data(), batch.size()).error);
  const std::size_t needed = unlimited.memory().reserved;

  sluice::scd2::history_config config;
  config.memory_budget = needed;
  history exact(config);
  auto result = exact.apply(batch.data(), batch.size());
  REQUIRE_FALSE(result.error);
  CHECK(result.applied == 3);
  CHECK(exact.memory().reserved == needed);
  CHECK(rows_of(exact) == rows_of(unlimited));

  config.memory_budget = needed - 1;
  history short_by_one(config);
  CHECK(short_by_one.apply(batch.data(), batch.size()).error ==
        sluice::errc::memory_budget_exceeded);
  CHECK(short_by_one.key_count() == 0);
}

TEST_CASE("scd2: a batch that grows the index pays for both copies of it", "[scd2]") {
  // Apply holds the old index until the grown one is filled, so at that moment the history
  // holds its blocks after the batch, the new index and the old one: reserved after the batch
  // plus memory().index before it. That peak must fit the budget too.
  sluice::scd2::history_config config;
  config.first_block_bytes = 256;
  history probe(config);
  std::uint64_t grows_at = 0;  // the first key whose batch grows a non-empty index
  std::size_t old_index = 0;
  for (std::uint64_t key = 1; grows_at == 0; ++key) {
    const std::size_t before = probe.memory().index;
    const change c = upsert(key, 1, 1);
    REQUIRE_FALSE(probe.apply(&c, 1).error);
    if (before != 0 && probe.memory().index > before) grows_at = key, old_index = before;
  }
  const std::size_t final_reserved = probe.memory().reserved;
  std::size_t accepted = 0, refused = 0;
  for (std::size_t budget = final_reserved - 64; budget <= final_reserved + old_index + 64; ++budget) {
    config.memory_budget = budget;
    history h(config);
    for (std::uint64_t key = 1; key < grows_at; ++key) {
      const change c = upsert(key, 1, 1);
      REQUIRE_FALSE(h.apply(&c, 1).error);
    }
    const history::memory_usage before = h.memory();
    const change last = upsert(grows_at, 1, 1);
    INFO("budget " << budget << ", index before " << before.index);
    if (h.apply(&last, 1).error) {
      ++refused;
      CHECK(h.memory().reserved == before.reserved);  // nothing changed
      CHECK(h.key_count() == grows_at - 1);
    } else {
      ++accepted;
      CHECK(h.memory().reserved + before.index <= budget);  // the peak fit
      CHECK(h.key_count() == grows_at);
    }
  }
  CHECK(accepted > 0);
  CHECK(refused > 64);  // the final state alone would have fit some of these budgets
}

TEST_CASE("scd2: a refused batch gives back the recycled blocks it took", "[scd2]") {
  // 50 keys with one version each, then a second version each: their first blocks are
  // recyclable. 60 new keys take those blocks but need a larger index than the budget
  // allows: refused, and the free lists must be as they were.
  std::vector<change> first, second, third;
  for (std::uint64_t id = 0; id < 50; ++id) {
    first.push_back(upsert(id, 1, 1));
    second.push_back(upsert(id, 2, 2));
  }
  for (std::uint64_t id = 1000; id < 1060; ++id) third.push_back(upsert(id, 1, 1));
  history probe;
  probe.apply(first.data(), first.size());
  probe.apply(second.data(), second.size());
  sluice::scd2::history_config config;
  config.memory_budget = probe.memory().reserved;  // no room for the index to grow
  history h(config);
  REQUIRE_FALSE(h.apply(first.data(), first.size()).error);
  REQUIRE_FALSE(h.apply(second.data(), second.size()).error);
  const auto before = h.memory();
  REQUIRE(before.recyclable > 0);
  auto result = h.apply(third.data(), third.size());
  REQUIRE(result.error == sluice::errc::memory_budget_exceeded);
  CHECK(h.memory().recyclable == before.recyclable);
  CHECK(h.memory().in_use == before.in_use);
  CHECK(h.memory().reserved == before.reserved);
  CHECK_FALSE(h.check());
  // 50 new keys fit the index as it is, in the 50 recycled blocks.
  REQUIRE_FALSE(h.apply(third.data(), 50).error);
  CHECK(h.memory().recyclable == 0);
  CHECK(h.memory().reserved == before.reserved);
  CHECK(h.key_count() == 100);
}

TEST_CASE("scd2: blocks a key leaves behind are reused by the next ones", "[scd2]") {
  std::vector<change> first, second, third;
  for (std::uint64_t id = 0; id < 100; ++id) {
    first.push_back(upsert(id, 1, 1));
    second.push_back(upsert(id, 2, 2));         // every key moves to a larger block
    third.push_back(upsert(1000 + id, 1, 1));   // new keys of the old blocks' size
  }
  history h;
  h.apply(first.data(), first.size());
  CHECK(h.memory().recyclable == 0);
  h.apply(second.data(), second.size());
  const std::size_t freed = h.memory().recyclable;
  CHECK(freed > 0);
  h.apply(third.data(), third.size());
  CHECK(h.memory().recyclable == 0);  // all 100 reused
  CHECK_FALSE(h.check());
}

TEST_CASE("scd2: a batch of nothing but duplicates writes nothing", "[scd2]") {
  const std::vector<change> batch{upsert(1, 1, 1), upsert(1, 5, 2), erase(2, 3),
                                  upsert(3, 4, 1, 0, 1), upsert(3, 6, 1, 0, 2)};
  sluice::scd2::history_config config;
  config.first_block_bytes = 512;
  history unlimited(config);
  unlimited.apply(batch.data(), batch.size());
  // With a budget that has no room for a single new block, repeats still succeed.
  config.memory_budget = unlimited.memory().reserved;
  history h(config);
  REQUIRE_FALSE(h.apply(batch.data(), batch.size()).error);
  const auto before = h.memory();
  const auto rows = rows_of(h);
  auto result = h.apply(batch.data(), batch.size());
  REQUIRE_FALSE(result.error);
  CHECK(result.duplicates == batch.size());
  CHECK(result.removed.empty());
  CHECK(result.added.empty());
  CHECK(h.memory().recyclable == before.recyclable);
  CHECK(h.memory().in_use == before.in_use);
  CHECK(h.memory().reserved == before.reserved);
  CHECK(rows_of(h) == rows);
}

TEST_CASE("scd2: the expected_keys hint sizes the index up front", "[scd2]") {
  sluice::scd2::history_config config;
  config.expected_keys = 10000;
  history hinted(config);
  history plain;
  const change c = upsert(1, 1, 1);
  REQUIRE_FALSE(hinted.apply(&c, 1).error);
  plain.apply(&c, 1);
  // Room for 10,000 keys at most 80% full: over 12,500 slots (16 bytes each on 64-bit).
  CHECK(hinted.memory().in_use >= plain.memory().in_use + 12500 * 8);
  CHECK(hinted.memory().reserved >= plain.memory().reserved + 12500 * 8);
}

TEST_CASE("scd2: the working buffer is kept down to exactly a quarter less 1,024", "[scd2]") {
  // 8,192 changes of distinct keys: apply keeps room for 8,192. A batch of 1,024 changes
  // (a quarter less 1,024) keeps it; one of 1,023 releases it.
  std::vector<change> changes;
  for (std::uint64_t id = 0; id < 8192 + 1024 + 1023; ++id) changes.push_back(upsert(id, 1, 1));
  history h;
  h.apply(changes.data(), 8192);
  const std::size_t kept = h.memory().scratch;
  REQUIRE(kept > 0);
  h.apply(changes.data() + 8192, 1024);
  CHECK(h.memory().scratch == kept);
  h.apply(changes.data() + 8192 + 1024, 1023);
  CHECK(h.memory().scratch < kept);
  CHECK(h.key_count() == changes.size());
}

TEST_CASE("scd2: shrink_to_fit needs room for both copies, and no more", "[scd2]") {
  // One key: the history holds its index and one arena block of first_block_bytes. The packed
  // copy's block is cut to the room the budget leaves, so it needs what the key's block holds
  // and one block header, not a whole first block.
  const change c = upsert(1, 1, 1);
  sluice::scd2::history_config config;
  config.first_block_bytes = 4096;
  history probe(config);
  probe.apply(&c, 1);
  const std::size_t held = probe.memory().reserved;
  std::size_t smallest = 0;
  for (std::size_t room = 0; room <= config.first_block_bytes && smallest == 0; ++room) {
    config.memory_budget = held + room;
    history h(config);
    REQUIRE_FALSE(h.apply(&c, 1).error);
    REQUIRE(h.memory().reserved == held);
    INFO("budget " << config.memory_budget << ", held " << held);
    const std::error_code shrunk = h.shrink_to_fit();
    if (shrunk) {
      CHECK(shrunk == sluice::errc::memory_budget_exceeded);
      CHECK(h.memory().reserved == held);  // refused: nothing changed
    } else {
      smallest = room;
      CHECK(h.memory().reserved == held - config.first_block_bytes + room);  // one block of `room`
      const change next = upsert(2, 1, 1);
      CHECK_FALSE(h.apply(&next, 1).error);  // the room the old block left is usable again
    }
    CHECK(h.versions(1).size() == 1);
    CHECK_FALSE(h.check());
  }
  CHECK(smallest > sluice::arena::block_overhead);
  CHECK(smallest < config.first_block_bytes / 4);
}

}  // namespace scd2_test_budget
