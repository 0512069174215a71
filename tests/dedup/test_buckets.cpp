// The engine under window_dedup never holds more than (buckets per window + 1) time buckets:
// every live expiry lies in (W, W + window + lateness], which that many buckets cover, and a
// bucket whose last expiry the watermark has passed is freed at once.
#include <cstdint>
#include <string>

#include "catch_shim.hpp"
#include "sluice/dedup.hpp"
#include "test_support.hpp"

namespace dedup_test_buckets {

namespace {

template <class Offset, bool Packed = false>
void check_bucket_bound(std::uint64_t seed) {
  using engine = sluice::detail::dedup_engine<sluice::detail::dedup_exact_storage<std::uint64_t>, Offset, Packed>;
  sluice_test::rng rng(seed);
  const std::size_t bound = SLUICE_DEDUP_BUCKETS_PER_WINDOW() + 1;
  const std::size_t rounds = sluice_test::scaled(12);
  std::size_t most = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    sluice::detail::dedup_settings settings;
    settings.window = rng.between(1, 5000);
    settings.allowed_lateness = rng.percent(30) ? 0 : rng.between(0, 3000);
    settings.sliding = rng.percent(50);
    settings.seed = rng.next();
    CAPTURE(round, settings.window, settings.allowed_lateness, settings.sliding);
    engine e;
    REQUIRE(e.init(settings, 0));
    std::int64_t now = rng.between(-1'000'000, 1'000'000);
    const std::size_t events = sluice_test::scaled(20000);
    for (std::size_t i = 0; i < events; ++i) {
      now += rng.between(0, settings.window / 16 + 1);
      if (rng.percent(1)) now += rng.between(0, 4 * settings.window);  // a gap in the stream
      const std::int64_t time = now - rng.between(0, settings.allowed_lateness + settings.window / 4);
      const std::uint64_t key = rng.below(3000);
      const auto prepared = e.prepare(key);
      e.offer(prepared, time);
      if (rng.percent(2)) e.advance(now - rng.between(0, settings.allowed_lateness));
      REQUIRE(e.bucket_count() <= bound);
      if (e.bucket_count() > most) most = e.bucket_count();
    }
  }
  CHECK(most == bound);  // the bound is reached, so the test can see a breach
}

}  // namespace

TEST_CASE("window dedup holds at most buckets-per-window + 1 time buckets", "[dedup]") {
  check_bucket_bound<std::uint32_t>(0xb0c4e7);
  check_bucket_bound<std::uint64_t>(0xb0c4e8);
  check_bucket_bound<std::uint32_t, true>(0xb0c4e9);
}

}  // namespace dedup_test_buckets
