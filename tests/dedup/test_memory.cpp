// Memory stays flat in a steady stream, and state is freed a whole bucket at a time.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "catch_shim.hpp"
#include "dedup/records.hpp"

namespace dedup_test_memory {

namespace {
using sluice::verdict;

template <class Storage>
void steady_stream() {
  using dedup_type = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of, Storage>;
  sluice::window_dedup_config config;
  config.window = 1000;
  config.allowed_lateness = 50;
  config.seed = 42;
  auto d = dedup_type::create(config).value();
  sluice_test::rng rng(9);
  const std::int64_t per_unit = 4;  // records per time unit: ~4000 keys per window
  const std::int64_t windows = static_cast<std::int64_t>(sluice_test::scaled(100));
  std::uint64_t next_id = 0;
  std::uint64_t early_bytes = 0, early_keys = 0, late_bytes = 0, late_keys = 0;
  for (std::int64_t t = 0; t < windows * config.window; ++t) {
    for (std::int64_t i = 0; i < per_unit; ++i) {
      // Half the records repeat a recent id (within the last half window).
      const bool repeat = next_id > 2000 && rng.percent(50);
      const std::uint64_t id = repeat ? next_id - 1 - rng.below(2000) : next_id++;
      const verdict v = d.offer({id, t - rng.between(0, 40)});
      REQUIRE(v != verdict::late);
      if (!repeat) REQUIRE(v == verdict::first);
    }
    if (t % config.window == 0 && t >= 3 * config.window) {
      const auto s = d.stats();
      if (t < 10 * config.window) {
        early_bytes = std::max<std::uint64_t>(early_bytes, s.bytes);
        early_keys = std::max<std::uint64_t>(early_keys, s.live_keys);
      } else {
        late_bytes = std::max<std::uint64_t>(late_bytes, s.bytes);
        late_keys = std::max<std::uint64_t>(late_keys, s.live_keys);
      }
    }
  }
  CAPTURE(early_bytes, late_bytes, early_keys, late_keys);
  // Held keys: one window plus lateness of ids, plus at most one bucket of expired ones.
  CHECK(late_keys <= static_cast<std::uint64_t>((config.window + config.allowed_lateness) * per_unit * 5 / 4 + 200));
  if (windows >= 20) {
    CHECK(late_keys <= early_keys + early_keys / 20);
    CHECK(late_bytes <= early_bytes + early_bytes / 10);
  }
  const auto before = d.stats();
  d.advance_watermark(windows * config.window + 2 * config.window);
  const auto after = d.stats();
  CHECK(after.live_keys == 0);
  CHECK(after.evicted == before.evicted + before.live_keys);
  CHECK(after.bytes < before.bytes / 10);
}
}  // namespace

TEST_CASE("steady stream: bytes and held keys do not drift over 100 windows", "[dedup]") {
  steady_stream<sluice::exact_keys>();
  steady_stream<sluice::fingerprints>();
}

TEST_CASE("expired keys are freed in whole buckets and never outlive a bucket span", "[dedup]") {
  using dedup_type = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of>;
  sluice::window_dedup_config config;
  config.window = 400;  // buckets span 100 time units
  auto d = dedup_type::create(config).value();
  for (std::uint64_t id = 0; id < 400; ++id) d.offer({id, static_cast<std::int64_t>(id)});  // expiries 400..799
  const std::uint64_t held = d.stats().live_keys;
  CHECK(held == 400);
  // Keys expire one per time unit; memory is returned in steps, never later than one span.
  std::uint64_t last_held = held;
  for (std::int64_t w = 400; w <= 800; ++w) {
    d.advance_watermark(w);
    const std::uint64_t now = d.stats().live_keys;
    const std::uint64_t truly_live = static_cast<std::uint64_t>(std::max<std::int64_t>(0, 799 - w));
    REQUIRE(now >= truly_live);
    REQUIRE(now <= truly_live + 100);
    REQUIRE(now <= last_held);
    last_held = now;
  }
  CHECK(d.stats().live_keys == 0);
  CHECK(d.stats().evicted == 400);
}

TEST_CASE("large tables grow, answer, empty, refill and round-trip exactly", "[dedup]") {
  // 150,000 keys need a table of more than 1 MiB, which is mapped page by page on Linux; the same
  // verdicts must come out wherever the table's memory comes from.
  using dedup_type = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of>;
  sluice::window_dedup_config config;
  config.window = 1'000'000;
  config.seed = 7;
  auto d = dedup_type::create(config).value();
  const std::uint64_t keys = 150000;
  for (std::uint64_t id = 0; id < keys; ++id) REQUIRE(d.offer({id * 0x9E3779B97F4A7C15ull, 10}) == verdict::first);
  CHECK(d.stats().bytes > (std::uint64_t{1} << 20));
  for (std::uint64_t id = 0; id < keys; ++id) REQUIRE(d.offer({id * 0x9E3779B97F4A7C15ull, 20}) == verdict::duplicate);

  std::string snapshot;
  REQUIRE_FALSE(d.save(snapshot, 1));
  auto restored = dedup_type::restore(snapshot).value();
  for (std::uint64_t id = 0; id < keys; id += 7) REQUIRE(restored.offer({id * 0x9E3779B97F4A7C15ull, 30}) == verdict::duplicate);
  REQUIRE(restored.offer({keys * 0x9E3779B97F4A7C15ull, 30}) == verdict::first);

  d.advance_watermark(3'000'000);  // every key expired: the table is released
  CHECK(d.stats().live_keys == 0);
  for (std::uint64_t id = 0; id < keys; ++id) REQUIRE(d.offer({id * 0x9E3779B97F4A7C15ull, 3'000'000}) == verdict::first);
  CHECK(d.stats().first == 2 * keys);
  CHECK(d.stats().duplicate == keys);
  CHECK(d.stats().evicted == keys);
}

namespace {
// Fills a window with `keys` distinct keys and returns the lowest and highest bytes per held
// key seen once the table is past its first growth steps.
template <class Storage>
std::pair<double, double> bytes_per_key_range(std::uint64_t keys, std::int64_t window = 1'000'000) {
  using dedup_type = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of, Storage>;
  sluice::window_dedup_config config;
  config.window = window;
  config.seed = 11;
  auto d = dedup_type::create(config).value();
  double lowest = 1e9, highest = 0;
  for (std::uint64_t id = 0; id < keys; ++id) {
    REQUIRE(d.offer({id * 0x9E3779B97F4A7C15ull, 10}) == verdict::first);
    if (id < 10'000) continue;
    const double per_key = static_cast<double>(d.stats().bytes) / static_cast<double>(id + 1);
    lowest = std::min(lowest, per_key);
    highest = std::max(highest, per_key);
  }
  return {lowest, highest};
}
}  // namespace

TEST_CASE("the key table fills to its limit before growing: the per-key memory budgets hold", "[dedup]") {
  // The table of 64-bit keys grows at 27/32 of its slots to 3/4, so bytes per key swing
  // between 15.2 (just before growing) and 17.1 (just after) with five slots to a line. With
  // six (window + lateness <= 2^19) it grows at 25/32 to 7/10: 13.7 to 15.3 bytes per key.
  // Fingerprint tables grow at 9/10
  // to 21/25 and stay within their 24 bytes throughout. Two lines per key that were not
  // independent choices would fill badly and grow early: 22.7 B and more for 64-bit keys.
  const auto exact = bytes_per_key_range<sluice::exact_keys>(100'000);
  CAPTURE(exact.first, exact.second);
  CHECK(exact.first <= 15.5);
  CHECK(exact.second <= 17.2);
  const auto packed = bytes_per_key_range<sluice::exact_keys>(100'000, std::int64_t{1} << 19);
  CAPTURE(packed.first, packed.second);
  CHECK(packed.first <= 13.9);
  CHECK(packed.second <= 15.4);
  const auto fingerprints = bytes_per_key_range<sluice::fingerprints>(100'000);
  CAPTURE(fingerprints.first, fingerprints.second);
  CHECK(fingerprints.first <= 22.5);
  CHECK(fingerprints.second <= 24.0);
}

namespace {
// Keys that expired but whose bucket is not freed yet hold slots that new keys may take:
// such a key is then released alone (counted in `evicted`) instead of with its bucket.
template <class Storage>
bool expired_slots_taken_before_bucket_frees() {
  using dedup_type = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of, Storage>;
  sluice::window_dedup_config config;
  config.window = 1024;
  config.seed = 5;
  auto d = dedup_type::create(config).value();
  const std::uint64_t keys = 4000;
  for (std::uint64_t id = 0; id < keys; ++id) REQUIRE(d.offer({id, 0}) == verdict::first);
  // All of them expire at 1024, in one bucket that lasts beyond it; new keys arrive from then
  // on, 20 per time unit, for less than a bucket's span.
  std::uint64_t next_id = keys;
  for (std::int64_t t = config.window; t < config.window + 100; ++t) {
    for (int i = 0; i < 20; ++i) {
      REQUIRE(d.offer({next_id++, t}) == verdict::first);
      const auto s = d.stats();
      if (s.evicted > 0 && s.evicted < keys) return true;  // released one by one
    }
  }
  return false;
}
}  // namespace

TEST_CASE("new keys take the slots of expired keys before their bucket is freed", "[dedup]") {
  CHECK(expired_slots_taken_before_bucket_frees<sluice::exact_keys>());
  CHECK(expired_slots_taken_before_bucket_frees<sluice::fingerprints>());
}

namespace {
using u64_dedup = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of>;
}  // namespace

TEST_CASE("string keys' bytes are given back with their bucket", "[dedup]") {
  using text_dedup = sluice::window_dedup<dedup_test::text_event, dedup_test::text_id_of, dedup_test::text_time_of>;
  sluice::window_dedup_config config;
  config.window = 100;
  auto d = text_dedup::create(config).value();
  const std::uint64_t empty = d.stats().bytes;
  for (int i = 0; i < 200; ++i)
    REQUIRE(d.offer({"a key long enough to need its arena: " + std::to_string(i), 0}) == sluice::verdict::first);
  CHECK(d.stats().bytes > empty + 200 * 30);
  d.advance_watermark(1000);
  CHECK(d.stats().live_keys == 0);
  CHECK(d.stats().bytes == empty);  // table, stash and every arena returned
}

TEST_CASE("a stash of flooded keys is given back when every key has expired", "[dedup]") {
  sluice::window_dedup_config config;
  config.window = 1000;
  config.seed = 0x5EED;
  auto d = u64_dedup::create(config).value();
  const std::uint64_t empty = d.stats().bytes;
  for (std::uint64_t k : dedup_test::flooding_keys(config.seed, 40)) REQUIRE(d.offer({k, 0}) == sluice::verdict::first);
  d.advance_watermark(5000);
  CHECK(d.stats().live_keys == 0);
  CHECK(d.stats().evicted == 40);
  CHECK(d.stats().bytes == empty);
}

TEST_CASE("a reserved table drops its stashed keys when every key has expired", "[dedup]") {
  // The table stays at its reservation, every slot free; the stash must empty too, or a second
  // flood of the same size would find it longer and grow it.
  sluice::window_dedup_config config;
  config.window = 1000;
  config.seed = 0x5EED;
  auto d = u64_dedup::create(config).value();
  REQUIRE_FALSE(d.reserve(200));
  const std::vector<std::uint64_t> keys = dedup_test::flooding_keys(config.seed, 30);
  for (std::uint64_t k : keys) REQUIRE(d.offer({k, 0}) == sluice::verdict::first);
  const std::uint64_t flooded = d.stats().bytes;
  for (std::int64_t round = 1; round <= 3; ++round) {
    d.advance_watermark(round * 5000);
    CHECK(d.stats().live_keys == 0);
    CHECK(d.stats().bytes == flooded);  // the reserved table and the stash's memory stay
    for (std::uint64_t k : keys) REQUIRE(d.offer({k, round * 5000}) == sluice::verdict::first);
    CHECK(d.stats().bytes == flooded);
  }
}

TEST_CASE("when a bucket frees, the stash keeps exactly its held keys", "[dedup]") {
  // Flooded keys in two time buckets, plus enough ordinary keys that the table does not
  // shrink when the older bucket is freed: the stash is compacted in place.
  sluice::window_dedup_config config;
  config.window = 1000;  // buckets span 250
  config.seed = 0x5EED;
  auto d = u64_dedup::create(config).value();
  const std::vector<std::uint64_t> flood = dedup_test::flooding_keys(config.seed, 40);
  for (std::size_t i = 0; i < 20; ++i) REQUIRE(d.offer({flood[i], 0}) == sluice::verdict::first);     // expiry 1000
  for (std::size_t i = 20; i < 40; ++i) REQUIRE(d.offer({flood[i], 300}) == sluice::verdict::first);  // expiry 1300
  for (std::uint64_t id = 1; id <= 300; ++id) REQUIRE(d.offer({id, 300}) == sluice::verdict::first);
  d.advance_watermark(1249);  // frees the bucket of expiry 1000, [1000, 1249]
  CHECK(d.stats().live_keys == 320);
  std::string bytes;
  REQUIRE_FALSE(d.save(bytes));
  auto restored = u64_dedup::restore(bytes);  // each held key saved exactly once
  REQUIRE(restored);
  CHECK(dedup_test::same_counts(restored->stats(), d.stats()));
  for (std::size_t i = 0; i < 40; ++i)
    CHECK(d.offer({flood[i], 1249}) == (i < 20 ? sluice::verdict::first : sluice::verdict::duplicate));
}

TEST_CASE("the table shrinks once under a quarter of its slots is held", "[dedup]") {
  sluice::window_dedup_config config;
  config.window = 1000;  // buckets span 250
  auto d = u64_dedup::create(config).value();
  for (std::uint64_t id = 0; id < 2000; ++id) REQUIRE(d.offer({id, 0}) == sluice::verdict::first);    // expiry 1000
  for (std::uint64_t id = 2000; id < 2450; ++id) REQUIRE(d.offer({id, 600}) == sluice::verdict::first);  // 1600
  const std::uint64_t before = d.stats().bytes;
  d.advance_watermark(1249);  // 450 of about 2,700 slots held: between an eighth and a quarter
  CHECK(d.stats().live_keys == 450);
  CHECK(d.stats().bytes < before / 2);
}

TEST_CASE("the table does not grow while expired keys' slots can take the new keys", "[dedup]") {
  // Keys expire together at 1024, in a bucket [1024, 1279] that is freed only at 1279. Filled to
  // its fill limit, the table then takes new keys in their slots: the held count is past the
  // limit, the estimate of keys in use is not, and the table keeps its size.
  sluice::window_dedup_config config;
  config.window = 1024;  // buckets span 256
  config.seed = 5;
  std::uint64_t limit = 0;  // the held count at which the table grows next, past 2000 keys
  {
    auto probe = u64_dedup::create(config).value();
    std::uint64_t last = 0;
    for (std::uint64_t id = 0; limit == 0; ++id) {
      REQUIRE(probe.offer({id, 0}) == sluice::verdict::first);
      if (id >= 2000 && probe.stats().bytes != last) limit = id;
      last = probe.stats().bytes;
    }
  }
  auto d = u64_dedup::create(config).value();
  for (std::uint64_t id = 0; id < limit; ++id) REQUIRE(d.offer({id, 0}) == sluice::verdict::first);
  const std::uint64_t bytes = d.stats().bytes;
  d.advance_watermark(1024);  // every key expired, their bucket not yet freed
  CHECK(d.stats().live_keys == limit);
  std::uint64_t id = limit;
  for (std::int64_t t = 1024; t < 1100; ++t) {
    for (int i = 0; i < 4; ++i) REQUIRE(d.offer({id++, t}) == sluice::verdict::first);
    REQUIRE(d.stats().bytes == bytes);
  }
}

}  // namespace dedup_test_memory
