// The backbone: randomized streams through window_dedup and the naive model side by side.
#include <cstdint>
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "dedup/model.hpp"
#include "dedup/records.hpp"

namespace dedup_test_differential {

namespace {

using sluice::verdict;

struct scenario {
  sluice::window_dedup_config config;
  std::uint64_t key_universe = 64;
  std::int64_t jitter = 10;
  std::int64_t time_scale = 1;  // multiplies every time, to exercise each width of expiry offsets
  bool batch = false;
  bool restore_midway = false;
};

scenario random_scenario(sluice_test::rng& rng) {
  scenario s;
  s.config.window = rng.between(1, 60);
  s.config.allowed_lateness = rng.percent(30) ? 0 : rng.between(0, 40);
  s.config.policy = rng.percent(50) ? sluice::expiry::sliding : sluice::expiry::from_first;
  s.config.seed = rng.next();
  if (rng.percent(30)) s.config.memory_budget = static_cast<std::size_t>(rng.between(0, 6000));
  s.key_universe = static_cast<std::uint64_t>(rng.between(1, 300));
  s.jitter = rng.between(0, 50);
  s.batch = rng.percent(50);
  s.restore_midway = rng.percent(40);
  // Small windows of 8-byte keys take 21-bit offsets, whose base moves every 2^20 time units:
  // scaled by 2^13 a stream moves it many times, and its largest windows take 32-bit offsets,
  // which scaled by 2^20 all windows do. Scaled by 2^36 they take 64-bit offsets.
  const unsigned tier = static_cast<unsigned>(rng.below(100));
  if (tier < 15) s.time_scale = std::int64_t{1} << 36;
  else if (tier < 30) s.time_scale = std::int64_t{1} << 13;
  else if (tier < 40) s.time_scale = std::int64_t{1} << 20;
  if (s.time_scale != 1) {
    s.config.window *= s.time_scale;
    s.config.allowed_lateness *= s.time_scale;
    s.jitter *= s.time_scale;
  }
  return s;
}

template <class Dedup>
Dedup save_and_restore(const Dedup& dedup) {
  std::string bytes;
  REQUIRE_FALSE(dedup.save(bytes, 3));
  auto restored = Dedup::restore(bytes);
  if (!restored) FAIL("restore: " << restored.error().message() << ", " << dedup.stats().bytes << " bytes held");
  CHECK(restored->writer_epoch() == 3);
  CHECK(dedup_test::same_counts(restored->stats(), dedup.stats()));
  CHECK(restored->watermark() == dedup.watermark());
  return std::move(restored).value();
}

// Runs one random stream; returns the number of records offered.
template <class Record, class KeyOf, class TimeOf, class Storage>
void run_stream(std::uint64_t seed) {
  using dedup_type = sluice::window_dedup<Record, KeyOf, TimeOf, Storage>;
  using key_type = typename dedup_type::key_type;
  sluice_test::rng rng(seed);
  scenario s = random_scenario(rng);
  CAPTURE(seed, s.config.window, s.config.allowed_lateness, static_cast<int>(s.config.policy),
          s.config.memory_budget, s.key_universe, s.jitter, s.batch, s.time_scale);

  if (s.config.memory_budget != SIZE_MAX) {
    sluice::window_dedup_config unlimited = s.config;
    unlimited.memory_budget = SIZE_MAX;
    s.config.memory_budget += static_cast<std::size_t>(dedup_type::create(unlimited)->stats().bytes);
  }
  auto created = dedup_type::create(s.config);
  REQUIRE(created.has_value());
  dedup_type dedup = std::move(created).value();
  dedup_model::window_model<key_type> model(s.config);
  const bool limited = s.config.memory_budget != SIZE_MAX;
  // Reservations and fitting change memory, never verdicts (except through the budget). Drawn apart from
  // the stream's numbers, so that each seed's stream is the same with or without them.
  sluice_test::rng sizing(seed ^ 0x5EEDu);
  auto maybe_reserve = [&](unsigned percent) {
    if (!sizing.percent(percent)) return;
    const std::error_code e = dedup.reserve(static_cast<std::size_t>(sizing.below(2 * s.key_universe + 2)));
    if (!limited) REQUIRE_FALSE(e);
  };
  maybe_reserve(25);

  std::int64_t base = rng.between(-1000, 1000) * s.time_scale;
  const std::size_t total = 600;
  std::vector<Record> chunk;
  std::vector<verdict> verdicts;
  for (std::size_t done = 0; done < total;) {
    chunk.clear();
    const auto size = static_cast<std::size_t>(rng.between(1, 24));
    for (std::size_t i = 0; i < size; ++i) {
      base += rng.between(0, 2) * s.time_scale;
      if (rng.percent(1)) base += rng.between(0, 200) * s.time_scale;
      std::int64_t time = base + rng.between(-s.jitter, s.jitter / 2 + 1);
      if (rng.percent(2)) time = base - rng.between(0, 3 * s.config.window);
      chunk.push_back(dedup_test::make(static_cast<const Record*>(nullptr), rng.below(s.key_universe), time));
    }
    verdicts.assign(chunk.size(), verdict::first);
    if (s.batch) {
      dedup.offer(chunk.data(), chunk.size(), verdicts.data());
    } else {
      for (std::size_t i = 0; i < chunk.size(); ++i) verdicts[i] = dedup.offer(chunk[i]);
    }
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      const key_type key = KeyOf{}(chunk[i]);
      const std::int64_t time = TimeOf{}(chunk[i]);
      INFO("record " << done + i << " time " << time);
      if (verdicts[i] == verdict::over_budget) {
        REQUIRE(limited);
        REQUIRE(model.budget_may_refuse(key, time));
        model.offer(key, time, true);
      } else {
        REQUIRE(model.offer(key, time) == verdicts[i]);
      }
    }
    done += chunk.size();

    if (rng.percent(8)) {
      const std::int64_t w = base - rng.between(-5, 2 * s.config.window / s.time_scale) * s.time_scale;
      dedup.advance_watermark(w);
      model.advance(w);
    }
    const sluice::dedup_stats stats = dedup.stats();
    REQUIRE(dedup.watermark() == model.watermark());
    REQUIRE(stats.first == model.first);
    REQUIRE(stats.duplicate == model.duplicate);
    REQUIRE(stats.late == model.late);
    REQUIRE(stats.over_budget == model.over_budget_count);
    REQUIRE(stats.live_keys >= model.live_keys());
    REQUIRE(stats.live_keys + stats.evicted == stats.first);
    REQUIRE(stats.bytes <= s.config.memory_budget);
    if (s.restore_midway && rng.percent(10)) dedup = save_and_restore(dedup);
    maybe_reserve(3);
    if (sizing.percent(4)) {  // fitting the table changes memory, never verdicts
      const std::error_code e = dedup.shrink_to_fit();
      if (!limited) REQUIRE_FALSE(e);
    }
  }
  // Once the watermark passes everything, all state is freed.
  const std::int64_t end = base + 10 * s.config.window + 10 * s.config.allowed_lateness + 100 * s.time_scale;
  dedup.advance_watermark(end);
  const sluice::dedup_stats final_stats = dedup.stats();
  CHECK(final_stats.live_keys == 0);
  CHECK(final_stats.evicted == final_stats.first);
}

template <class Record, class KeyOf, class TimeOf, class Storage>
void run_many(std::uint64_t salt, std::size_t streams) {
  const std::size_t n = sluice_test::scaled(streams);
  for (std::size_t i = 0; i < n; ++i) run_stream<Record, KeyOf, TimeOf, Storage>(salt * 1000003u + i);
}

}  // namespace

TEST_CASE("window_dedup matches the model: 64-bit keys, exact", "[dedup]") {
  run_many<dedup_test::event, dedup_test::id_of, dedup_test::time_of, sluice::exact_keys>(1, 400);
}

TEST_CASE("window_dedup matches the model: string keys, exact", "[dedup]") {
  run_many<dedup_test::text_event, dedup_test::text_id_of, dedup_test::text_time_of, sluice::exact_keys>(2, 200);
}

TEST_CASE("window_dedup matches the model: composite keys, exact", "[dedup]") {
  run_many<dedup_test::tenant_event, dedup_test::tenant_key_of, dedup_test::tenant_time_of, sluice::exact_keys>(3, 120);
}

TEST_CASE("window_dedup matches the model: fingerprints", "[dedup]") {
  run_many<dedup_test::event, dedup_test::id_of, dedup_test::time_of, sluice::fingerprints>(4, 200);
  run_many<dedup_test::text_event, dedup_test::text_id_of, dedup_test::text_time_of, sluice::fingerprints>(5, 120);
  run_many<dedup_test::tenant_event, dedup_test::tenant_key_of, dedup_test::tenant_time_of, sluice::fingerprints>(6, 80);
}

TEST_CASE("batch offer gives exactly the verdicts, counters and bytes of single offers", "[dedup]") {
  using dedup_type = sluice::window_dedup<dedup_test::text_event, dedup_test::text_id_of, dedup_test::text_time_of>;
  const std::size_t rounds = sluice_test::scaled(60);
  for (std::size_t round = 0; round < rounds; ++round) {
    sluice_test::rng rng(700 + round);
    sluice::window_dedup_config config;
    config.window = rng.between(1, 40);
    config.allowed_lateness = rng.between(0, 20);
    config.policy = rng.percent(50) ? sluice::expiry::sliding : sluice::expiry::from_first;
    if (rng.percent(50)) config.memory_budget = static_cast<std::size_t>(rng.between(1500, 8000)) + sizeof(dedup_type);
    CAPTURE(round, config.window, config.allowed_lateness, config.memory_budget);
    auto single = dedup_type::create(config).value();
    auto batch = dedup_type::create(config).value();
    std::vector<dedup_test::text_event> records;
    std::int64_t base = 0;
    for (int i = 0; i < 2000; ++i) {
      base += rng.between(0, 1);
      const std::uint64_t key = rng.below(400);  // drawn in sequence: argument order is unspecified
      records.push_back(dedup_test::make(static_cast<const dedup_test::text_event*>(nullptr), key,
                                         base - rng.between(0, 25)));
    }
    std::vector<verdict> one(records.size()), many(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) one[i] = single.offer(records[i]);
    for (std::size_t at = 0; at < records.size();) {
      const std::size_t n = std::min<std::size_t>(records.size() - at, static_cast<std::size_t>(rng.between(0, 300)));
      batch.offer(records.data() + at, n, many.data() + at);
      at += n;
    }
    REQUIRE(one == many);
    const auto a = single.stats(), b = batch.stats();
    CHECK(dedup_test::same_counts(a, b));
    CHECK(a.bytes == b.bytes);
  }
}

}  // namespace dedup_test_differential
