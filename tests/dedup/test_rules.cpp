// The four rules, one example each; configuration errors; extreme times.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "dedup/model.hpp"
#include "dedup/records.hpp"

namespace dedup_test_rules {

namespace {
using sluice::verdict;
using dedup_type = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of>;

dedup_type make(std::int64_t window, std::int64_t lateness, sluice::expiry policy = sluice::expiry::from_first) {
  sluice::window_dedup_config config;
  config.window = window;
  config.allowed_lateness = lateness;
  config.policy = policy;
  return dedup_type::create(config).value();
}
}  // namespace

TEST_CASE("invalid configurations are errors, not crashes", "[dedup]") {
  sluice::window_dedup_config config;
  CHECK(dedup_type::create(config).error() == sluice::errc::invalid_config);  // window 0
  config.window = -5;
  CHECK(dedup_type::create(config).error() == sluice::errc::invalid_config);
  config.window = 10;
  config.allowed_lateness = -1;
  CHECK(dedup_type::create(config).error() == sluice::errc::invalid_config);
  config.allowed_lateness = 0;
  config.memory_budget = 16;  // cannot hold even the object
  CHECK(dedup_type::create(config).error() == sluice::errc::invalid_config);
  config.memory_budget = SIZE_MAX;
  CHECK(dedup_type::create(config).has_value());
}

TEST_CASE("first, duplicate and expiry with from_first", "[dedup]") {
  auto d = make(10, 0);
  CHECK(d.watermark() == std::numeric_limits<std::int64_t>::min());
  CHECK(d.offer({1, 100}) == verdict::first);
  CHECK(d.watermark() == 100);
  CHECK(d.offer({1, 105}) == verdict::duplicate);
  CHECK(d.offer({1, 109}) == verdict::duplicate);  // expiry 110 > watermark 109
  CHECK(d.offer({1, 110}) == verdict::duplicate);  // W is 109 when the record is judged
  CHECK(d.offer({1, 111}) == verdict::first);      // now W = 110 = expiry: forgotten
  CHECK(d.offer({1, 112}) == verdict::duplicate);  // remembered again until 121
}

TEST_CASE("rule order: duplicate is judged against the watermark before the record moves it", "[dedup]") {
  auto d = make(10, 0);
  CHECK(d.offer({1, 100}) == verdict::first);  // expiry 110, W = 100
  CHECK(d.offer({2, 115}) == verdict::first);  // W = 115
  CHECK(d.offer({1, 115}) == verdict::first);  // expiry 110 <= W 115: forgotten
  CHECK(d.offer({3, 114}) == verdict::late);   // 114 < W
  const auto s = d.stats();
  CHECK(s.first == 3);
  CHECK(s.late == 1);
  CHECK(s.duplicate == 0);
}

TEST_CASE("sliding expiry keeps a busy key alive", "[dedup]") {
  auto from_first = make(10, 5);
  auto sliding = make(10, 5, sluice::expiry::sliding);
  for (std::int64_t t = 100; t <= 130; t += 6) {
    const verdict a = from_first.offer({7, t});
    const verdict b = sliding.offer({7, t});
    CAPTURE(t);
    CHECK(b == (t == 100 ? verdict::first : verdict::duplicate));
    // from_first forgets the key once W = t - 5 has reached its expiry, 110
    CHECK(a == ((t == 100 || t == 124) ? verdict::first : verdict::duplicate));
  }
}

TEST_CASE("late records change nothing", "[dedup]") {
  auto d = make(100, 20);
  CHECK(d.offer({1, 1000}) == verdict::first);  // W = 980
  CHECK(d.offer({2, 979}) == verdict::late);
  CHECK(d.offer({2, 980}) == verdict::first);  // t == W is not late
  CHECK(d.offer({2, 985}) == verdict::duplicate);
  d.advance_watermark(500);  // never moves backwards
  CHECK(d.watermark() == 980);
  d.advance_watermark(2000);
  CHECK(d.watermark() == 2000);
  CHECK(d.offer({1, 2000}) == verdict::first);
  CHECK(d.stats().late == 1);
}

TEST_CASE("extreme event times saturate instead of overflowing", "[dedup]") {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  const std::int64_t min = std::numeric_limits<std::int64_t>::min();
  auto d = make(max, max);
  CHECK(d.offer({1, min}) == verdict::first);
  CHECK(d.watermark() == min);
  CHECK(d.offer({1, 0}) == verdict::duplicate);
  CHECK(d.offer({1, max}) == verdict::duplicate);  // expiry min + max = -1 > W = 0? yes, still held
  CHECK(d.watermark() == 0);
  CHECK(d.offer({2, max}) == verdict::first);  // expiry saturates at max
  d.advance_watermark(max - 1);
  CHECK(d.offer({2, max}) == verdict::duplicate);  // W = max - 1 < expiry max
  d.advance_watermark(max);
  CHECK(d.offer({2, max}) == verdict::first);  // the expiry can no longer be ahead of W
  CHECK(d.stats().live_keys + d.stats().evicted == d.stats().first);
}

TEST_CASE("a memory budget never turns a new record into a duplicate", "[dedup]") {
  sluice::window_dedup_config config;
  config.window = 1'000'000;
  config.memory_budget = sizeof(dedup_type) + 4096;
  auto d = dedup_type::create(config).value();
  std::uint64_t over = 0;
  for (std::uint64_t id = 0; id < 5000; ++id) {
    const verdict v = d.offer({id, static_cast<std::int64_t>(id)});
    REQUIRE(v != verdict::duplicate);  // every id is new
    over += v == verdict::over_budget ? 1u : 0u;
    REQUIRE(d.stats().bytes <= config.memory_budget);
  }
  CHECK(over > 0);
  CHECK(d.stats().over_budget == over);
  CHECK(d.stats().first + over == 5000);
  // Keys that were remembered are still recognised.
  CHECK(d.offer({0, 5000}) == verdict::duplicate);
}

TEST_CASE("string keys of 65,535 bytes and more keep their full length", "[dedup]") {
  using text_dedup = sluice::window_dedup<dedup_test::text_event, dedup_test::text_id_of, dedup_test::text_time_of>;
  sluice::window_dedup_config config;
  config.window = 100;
  auto d = text_dedup::create(config).value();
  // Keys around the slot's 16-bit length limit, and pairs that differ only in the last byte.
  std::vector<std::string> keys;
  for (std::size_t size : {std::size_t{0}, std::size_t{65534}, std::size_t{65535}, std::size_t{65536}, std::size_t{70000}}) {
    keys.push_back(std::string(size, 'k'));
    if (size != 0) keys.push_back(std::string(size - 1, 'k') + "x");
  }
  for (const std::string& key : keys) CHECK(d.offer({key, 1}) == verdict::first);
  for (const std::string& key : keys) CHECK(d.offer({key, 2}) == verdict::duplicate);
  std::string bytes;
  REQUIRE_FALSE(d.save(bytes));
  auto restored = text_dedup::restore(bytes).value();
  for (const std::string& key : keys) CHECK(restored.offer({key, 3}) == verdict::duplicate);
  CHECK(restored.offer({std::string(65537, 'k'), 3}) == verdict::first);
}

namespace {
// A stream through `config` whose times advance by up to 2^step_bits per record and arrive up
// to `config.allowed_lateness` late, offered to window_dedup and the model side by side.
void check_offsets_across_base_moves(sluice::window_dedup_config config, int step_bits, int records) {
  for (auto policy : {sluice::expiry::from_first, sluice::expiry::sliding}) {
    config.policy = policy;
    CAPTURE(config.window, config.allowed_lateness, static_cast<int>(policy));
    auto d = dedup_type::create(config).value();
    dedup_model::window_model<std::uint64_t> model(config);
    std::uint64_t state = 7;
    std::int64_t now = std::numeric_limits<std::int64_t>::min() / 2;
    for (int i = 0; i < records; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      now += static_cast<std::int64_t>(state >> (64 - step_bits));
      const std::uint64_t key = (state >> 20) % 500;
      const std::int64_t time = now - static_cast<std::int64_t>((state >> 8) % static_cast<std::uint64_t>(config.allowed_lateness + 1));
      REQUIRE(d.offer({key, time}) == model.offer(key, time));
    }
    CHECK(d.stats().first == model.first);
    CHECK(d.stats().duplicate == model.duplicate);
    CHECK(d.stats().live_keys >= model.live_keys());
  }
}
}  // namespace

TEST_CASE("32-bit expiry offsets stay exact as the base moves across billions of time units", "[dedup]") {
  // window + lateness <= 2^30 keeps 32-bit offsets; the stream covers about 2^36 time units,
  // so the base moves about 32 times while keys are live, in both expiry policies.
  sluice::window_dedup_config config;
  config.window = std::int64_t{1} << 29;
  config.allowed_lateness = std::int64_t{1} << 27;
  check_offsets_across_base_moves(config, 23, 20000);
}

TEST_CASE("21-bit expiry offsets of 64-bit keys stay exact as the base moves", "[dedup]") {
  // window + lateness <= 2^19 packs 64-bit keys six to a line with 21-bit offsets, whose base
  // moves every 2^20 time units: about 40 times over this stream. At exactly 2^19 (the
  // largest packed span) and just beyond it (32-bit offsets), in both expiry policies.
  sluice::window_dedup_config config;
  config.window = (std::int64_t{1} << 19) - (std::int64_t{1} << 17);
  config.allowed_lateness = std::int64_t{1} << 17;
  check_offsets_across_base_moves(config, 12, 20000);
  config.allowed_lateness += 1;
  check_offsets_across_base_moves(config, 12, 20000);
  config.window = (std::int64_t{1} << 21) - (std::int64_t{1} << 18);  // far beyond 21 bits
  check_offsets_across_base_moves(config, 13, 20000);
}

namespace {
using text_dedup_type =
    sluice::window_dedup<dedup_test::text_event, dedup_test::text_id_of, dedup_test::text_time_of>;
}  // namespace

TEST_CASE("at watermark INT64_MAX a record is first and expired on arrival: nothing is held", "[dedup]") {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  sluice::window_dedup_config config;
  config.window = 10;
  auto d = dedup_type::create(config).value();
  d.advance_watermark(max);
  CHECK(d.offer({1, max}) == sluice::verdict::first);
  CHECK(d.offer({1, max}) == sluice::verdict::first);  // never remembered, so never a duplicate
  const sluice::dedup_stats s = d.stats();
  CHECK(s.first == 2);
  CHECK(s.live_keys == 0);  // released at once, not held in a bucket no watermark can free
  CHECK(s.evicted == 2);
}

TEST_CASE("an expiry on the first bucket boundary near INT64_MIN stays in its own bucket", "[dedup]") {
  // window 1 + lateness 100: buckets span 26 time units, with boundaries on multiples of 26 in
  // signed time, so the lowest boundary is INT64_MIN + 8 (2^63 mod 26 = 8). A key whose expiry
  // is exactly that boundary belongs to the bucket starting there, not to the partial bucket
  // below it, which the watermark INT64_MIN + 7 frees.
  const std::int64_t min = std::numeric_limits<std::int64_t>::min();
  sluice::window_dedup_config config;
  config.window = 1;
  config.allowed_lateness = 100;
  auto d = dedup_type::create(config).value();
  CHECK(d.offer({1, min + 7}) == sluice::verdict::first);  // expiry INT64_MIN + 8
  d.advance_watermark(min + 7);
  CHECK(d.stats().live_keys == 1);
  CHECK(d.offer({1, min + 7}) == sluice::verdict::duplicate);  // W = INT64_MIN + 7 < expiry
  d.advance_watermark(min + 8);
  CHECK(d.offer({1, min + 8}) == sluice::verdict::first);
}

TEST_CASE("a budget of exactly the bytes needed is enough", "[dedup]") {
  sluice::window_dedup_config config;
  config.window = 100;
  std::uint64_t needed = 0;
  {
    auto unlimited = dedup_type::create(config).value();
    REQUIRE(unlimited.offer({1, 0}) == sluice::verdict::first);
    needed = unlimited.stats().bytes;
  }
  config.memory_budget = static_cast<std::size_t>(needed);
  auto exact = dedup_type::create(config).value();
  CHECK(exact.offer({1, 0}) == sluice::verdict::first);
  CHECK(exact.stats().bytes == needed);
  config.memory_budget = static_cast<std::size_t>(needed) - 1;
  auto short_by_one = dedup_type::create(config).value();
  CHECK(short_by_one.offer({1, 0}) == sluice::verdict::over_budget);
}

TEST_CASE("sliding within its time bucket does not copy a string key again", "[dedup]") {
  // window 100: buckets span 25, [100, 124], ... A duplicate at 24 moves the expiry from 100
  // to 124, the last expiry of the same bucket: the key's bytes stay where they are.
  sluice::window_dedup_config config;
  config.window = 100;
  config.policy = sluice::expiry::sliding;
  auto d = text_dedup_type::create(config).value();
  const std::string key(600, 'k');  // two copies would not fit the bucket arena's first block
  REQUIRE(d.offer({key, 0}) == sluice::verdict::first);
  const std::uint64_t bytes = d.stats().bytes;
  CHECK(d.offer({key, 24}) == sluice::verdict::duplicate);
  CHECK(d.stats().bytes == bytes);
  CHECK(d.offer({key, 25}) == sluice::verdict::duplicate);  // expiry 125: the next bucket, a copy
  CHECK(d.stats().bytes > bytes);
}

}  // namespace dedup_test_rules
