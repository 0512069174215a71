// Hostile configurations and inputs for window_dedup, each with its documented result:
// absurd windows, lateness and budgets, event times at the ends of int64, empty and 1 MiB keys,
// garbage checkpoints. See docs/robustness.md for the table.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "dedup/model.hpp"
#include "dedup/records.hpp"
#include "test_support.hpp"
#include "sluice/dedup.hpp"

namespace robustness_test_hostile_dedup {

namespace {

using sluice::verdict;

using dedup_test::event;
using dedup_test::id_of;
using dedup_test::time_of;
using text = dedup_test::text_event;
using text_id = dedup_test::text_id_of;
using text_time = dedup_test::text_time_of;

using dedup = sluice::window_dedup<event, id_of, time_of>;
using text_dedup = sluice::window_dedup<text, text_id, text_time>;
using text_prints = sluice::window_dedup<text, text_id, text_time, sluice::fingerprints>;

sluice::window_dedup_config config(std::int64_t window, std::int64_t lateness = 0) {
  sluice::window_dedup_config c;
  c.window = window;
  c.allowed_lateness = lateness;
  return c;
}

std::uint64_t empty_bytes() { return dedup::create(config(10)).value().stats().bytes; }

}  // namespace

TEST_CASE("hostile dedup configs are refused with INVALID_CONFIG", "[robustness]") {
  for (std::int64_t window : {std::int64_t{0}, std::int64_t{-1}, INT64_MIN}) {
    CAPTURE(window);
    auto created = dedup::create(config(window));
    REQUIRE_FALSE(created.has_value());
    CHECK(created.error() == sluice::errc::invalid_config);
  }
  for (std::int64_t lateness : {std::int64_t{-1}, INT64_MIN}) {
    auto created = dedup::create(config(10, lateness));
    REQUIRE_FALSE(created.has_value());
    CHECK(created.error() == sluice::errc::invalid_config);
  }
  for (std::size_t budget : {std::size_t{0}, std::size_t{1}, sizeof(dedup) - 1}) {
    sluice::window_dedup_config c = config(10);
    c.memory_budget = budget;
    auto created = dedup::create(c);
    REQUIRE_FALSE(created.has_value());
    CHECK(created.error() == sluice::errc::invalid_config);
  }
}

TEST_CASE("extreme windows and lateness work and agree with the model", "[robustness]") {
  for (std::int64_t window : {std::int64_t{1}, INT64_MAX / 2, INT64_MAX}) {
    for (std::int64_t lateness : {std::int64_t{0}, INT64_MAX / 2, INT64_MAX}) {
      CAPTURE(window, lateness);
      auto created = dedup::create(config(window, lateness));
      REQUIRE(created.has_value());
      dedup d = std::move(created).value();
      dedup_model::window_model<std::uint64_t> model(config(window, lateness));
      const std::int64_t times[] = {0, INT64_MIN, -1, INT64_MAX - 1, INT64_MIN + 1, 5, INT64_MAX, 0, INT64_MIN};
      std::uint64_t key = 0;
      for (std::int64_t t : times) {
        for (std::uint64_t k : {key % 3, std::uint64_t{1}}) {
          CAPTURE(t, k);
          CHECK(d.offer(event{k, t}) == model.offer(k, t));
        }
        ++key;
        CHECK(d.watermark() == model.watermark());
        CHECK(d.stats().first == model.first);
        CHECK(d.stats().duplicate == model.duplicate);
        CHECK(d.stats().late == model.late);
      }
    }
  }
}

TEST_CASE("event times at INT64_MIN and INT64_MAX have documented verdicts", "[robustness]") {
  auto d = dedup::create(config(10)).value();
  // The smallest time is an ordinary time: remembered, then a duplicate.
  CHECK(d.offer(event{1, INT64_MIN}) == verdict::first);
  CHECK(d.offer(event{1, INT64_MIN}) == verdict::duplicate);
  CHECK(d.watermark() == INT64_MIN);
  // At INT64_MAX the expiry saturates at INT64_MAX and, with no lateness, the watermark
  // reaches it at once: the key is already expired, so a repeat is `first` again, and every
  // earlier time is now late.
  CHECK(d.offer(event{2, INT64_MAX}) == verdict::first);
  CHECK(d.watermark() == INT64_MAX);
  CHECK(d.offer(event{2, INT64_MAX}) == verdict::first);
  CHECK(d.offer(event{1, INT64_MAX - 1}) == verdict::late);
  CHECK(d.offer(event{3, 0}) == verdict::late);
  // With lateness the repeat is a duplicate while the watermark trails.
  auto late = dedup::create(config(10, 5)).value();
  CHECK(late.offer(event{2, INT64_MAX}) == verdict::first);
  CHECK(late.offer(event{2, INT64_MAX}) == verdict::duplicate);
  CHECK(late.watermark() == INT64_MAX - 5);
}

// Keys whose expiry saturates at INT64_MAX are dead once the watermark reaches INT64_MAX
// (expiry <= W): they must be freed, or whoever controls event times could pin memory, and a
// checkpoint taken then must restore. Fuzzing found both (fixed).
TEST_CASE("keys with saturated expiry are freed at watermark INT64_MAX", "[robustness]") {
  auto d = dedup::create(config(10)).value();
  for (std::uint64_t k = 0; k < 1000; ++k) d.offer(event{k, INT64_MAX});
  d.advance_watermark(INT64_MAX);
  const sluice::dedup_stats stats = d.stats();
  CHECK(stats.first == 1000);
  CHECK(stats.live_keys == 0);
  CHECK(stats.evicted == 1000);
  CHECK(stats.bytes == empty_bytes());
}

TEST_CASE("a checkpoint taken at watermark INT64_MAX restores", "[robustness]") {
  auto d = dedup::create(config(10)).value();
  d.offer(event{1, INT64_MAX});
  d.offer(event{2, INT64_MAX});  // expired on arrival: nothing is held
  CHECK(d.stats().live_keys == 0);
  CHECK(d.stats().first == 2);
  CHECK(d.stats().evicted == 2);
  std::string bytes;
  REQUIRE_FALSE(d.save(bytes));
  auto restored = dedup::restore(bytes);
  REQUIRE(restored.has_value());
  CHECK(restored->watermark() == INT64_MAX);
  CHECK(restored->stats().first == 2);
  CHECK(restored->offer(event{2, INT64_MAX}) == verdict::first);
  CHECK(restored->offer(event{3, INT64_MAX - 1}) == verdict::late);
}

TEST_CASE("empty keys and 1 MiB keys are ordinary keys", "[robustness]") {
  auto exact = text_dedup::create(config(100)).value();
  auto prints = text_prints::create(config(100)).value();
  const std::string huge(1u << 20, 'k');
  std::string huge_other = huge;
  huge_other.back() = 'x';
  const std::vector<std::string> keys = {"", "", huge, huge, huge_other, std::string(1, '\0'), ""};
  const std::vector<verdict> expected = {verdict::first, verdict::duplicate, verdict::first,
                                         verdict::duplicate, verdict::first, verdict::first,
                                         verdict::duplicate};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    CAPTURE(i);
    CHECK(exact.offer(text{keys[i], 1}) == expected[i]);
    CHECK(prints.offer(text{keys[i], 1}) == expected[i]);
  }
  // Exact keys hold the bytes (two 1 MiB keys); fingerprints hold 16 bytes per key.
  CHECK(exact.stats().bytes >= 2 * huge.size());
  CHECK(prints.stats().bytes < huge.size() / 4);
  // Both survive a checkpoint.
  std::string bytes;
  REQUIRE_FALSE(exact.save(bytes));
  auto restored = text_dedup::restore(bytes);
  REQUIRE(restored.has_value());
  CHECK(restored->offer(text{huge_other, 2}) == verdict::duplicate);
  CHECK(restored->offer(text{"", 2}) == verdict::duplicate);
}

TEST_CASE("a 1 MiB key under a small budget is over_budget, not lost state", "[robustness]") {
  sluice::window_dedup_config c = config(100);
  c.memory_budget = static_cast<std::size_t>(text_dedup::create(config(100)).value().stats().bytes) + (64u << 10);
  auto exact = text_dedup::create(c).value();
  CHECK(exact.offer(text{"small", 1}) == verdict::first);
  const std::string huge(1u << 20, 'k');
  CHECK(exact.offer(text{huge, 1}) == verdict::over_budget);
  CHECK(exact.offer(text{huge, 1}) == verdict::over_budget);  // still not remembered
  CHECK(exact.offer(text{"small", 1}) == verdict::duplicate);  // earlier state intact
  CHECK(exact.stats().bytes <= c.memory_budget);
  // Fingerprints cost the same for any key size.
  auto prints = text_prints::create(c).value();
  CHECK(prints.offer(text{huge, 1}) == verdict::first);
  CHECK(prints.offer(text{huge, 1}) == verdict::duplicate);
}

TEST_CASE("garbage checkpoints are refused with CHECKPOINT_CORRUPT", "[robustness]") {
  const std::string inputs[] = {"", "SLDD", std::string(3, '\0'), std::string(100, '\xff'),
                                std::string(4096, '\0')};
  for (const std::string& input : inputs) {
    CAPTURE(input.size());
    auto restored = dedup::restore(input);
    REQUIRE_FALSE(restored.has_value());
    CHECK(restored.error() == sluice::errc::checkpoint_corrupt);
  }
  CHECK(dedup::restore(nullptr, 0).error() == sluice::errc::checkpoint_corrupt);
}

// With window + allowed_lateness <= 4 (time buckets one unit wide), a record whose expiry
// reaches INT64_MAX (time >= INT64_MAX - window) must still catch its repeats while the
// watermark trails. Fuzzing found the bucket number of that expiry overflowing (fixed).
TEST_CASE("tiny windows near INT64_MAX still catch duplicates", "[robustness]") {
  for (std::int64_t window = 1; window <= 4; ++window) {
    for (std::int64_t lateness = 1; window + lateness <= 4; ++lateness) {
      for (std::int64_t back = 0; back <= window; ++back) {
        CAPTURE(window, lateness, back);
        auto d = dedup::create(config(window, lateness)).value();
        const std::int64_t time = INT64_MAX - back;
        CHECK(d.offer(event{1, time}) == verdict::first);
        CHECK(d.watermark() == time - lateness);
        CHECK(d.offer(event{1, time}) == verdict::duplicate);
        d.advance_watermark(INT64_MAX);
        CHECK(d.stats().live_keys == 0);
        CHECK(d.stats().evicted == 1);
        CHECK(d.stats().bytes == empty_bytes());
      }
    }
  }
}

// Streams packed against INT64_MAX (and INT64_MIN), small windows and lateness, both policies:
// the same verdicts as the model, nothing held once the watermark reaches INT64_MAX, and a
// checkpoint at any point restores with the same state.
TEST_CASE("streams at the ends of int64 agree with the model", "[robustness]") {
  sluice_test::rng rng(0xED6E);
  for (std::size_t round = 0; round < sluice_test::scaled(300); ++round) {
    sluice::window_dedup_config c = config(rng.between(1, 6), rng.between(0, 5));
    c.policy = rng.below(2) == 0 ? sluice::expiry::from_first : sluice::expiry::sliding;
    const bool top = rng.below(2) == 0;
    CAPTURE(round, c.window, c.allowed_lateness, top);
    auto d = dedup::create(c).value();
    dedup_model::window_model<std::uint64_t> model(c);
    for (int i = 0; i < 40; ++i) {
      const std::int64_t offset = rng.between(0, 12);
      const std::int64_t time = top ? INT64_MAX - offset : INT64_MIN + offset;
      const std::uint64_t key = rng.below(4);
      CAPTURE(i, time, key);
      REQUIRE(d.offer(event{key, time}) == model.offer(key, time));
      if (rng.below(8) == 0) {
        std::string bytes;
        REQUIRE_FALSE(d.save(bytes));
        auto restored = dedup::restore(bytes);
        REQUIRE(restored.has_value());
        CHECK(restored->stats().live_keys == d.stats().live_keys);
        d = std::move(restored).value();
      }
    }
    CHECK(d.watermark() == model.watermark());
    CHECK(d.stats().first == model.first);
    CHECK(d.stats().duplicate == model.duplicate);
    CHECK(d.stats().late == model.late);
    CHECK(d.stats().live_keys >= model.live_keys());
    d.advance_watermark(INT64_MAX);
    CHECK(d.stats().live_keys == 0);
    CHECK(d.stats().evicted == d.stats().first);
  }
}

}  // namespace robustness_test_hostile_dedup
