// window_dedup::shrink_to_fit: a settled stream's table fitted to its live keys, expired keys
// released, verdicts unchanged, the budget and a reservation respected.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "dedup/records.hpp"

namespace dedup_test_shrink {

namespace {
using sluice::verdict;

// A steady stream: `live` keys per window, time `step` units per record (windows of
// 2 * live * step units), every other record repeating one of the last live / 2 new keys.
template <class Record>
std::vector<Record> steady_stream(std::uint64_t live, std::uint64_t windows, std::int64_t step, std::uint64_t seed) {
  sluice_test::rng rng(seed);
  std::vector<Record> records;
  std::uint64_t next = 0;
  for (std::uint64_t i = 0; i < windows * 2 * live; ++i) {
    const auto time = static_cast<std::int64_t>(i) * step;
    const bool repeat = next > 16 && rng.percent(50);
    const std::uint64_t key = repeat ? next - 1 - rng.below(std::min(next, live / 2)) : next++;
    records.push_back(dedup_test::make(static_cast<const Record*>(nullptr), key, time));
  }
  return records;
}

double per_key(const sluice::dedup_stats& s) {
  return static_cast<double>(s.bytes) / static_cast<double>(s.live_keys);
}

// Twin objects over one stream, one fitted after the first window: the same verdicts and
// counts throughout, and the fitted one's table at most `most` bytes per held key at the peak
// of every later window, with no growth (for keys kept in the table itself, whose bytes are
// the table's; string keys' arenas come and go with their buckets).
template <class Record, class KeyOf, class TimeOf, class Storage, bool KeysInTable = true>
void fitted_twin(std::uint64_t live, std::int64_t step, double most) {
  using dedup_type = sluice::window_dedup<Record, KeyOf, TimeOf, Storage>;
  sluice::window_dedup_config config;
  config.window = static_cast<std::int64_t>(2 * live) * step;
  config.allowed_lateness = 4 * step;
  config.seed = 3;
  auto plain = dedup_type::create(config).value();
  auto fitted = dedup_type::create(config).value();
  const auto records = steady_stream<Record>(live, 3, step, 17);
  const std::size_t window_records = static_cast<std::size_t>(2 * live);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < window_records; ++i) differ += plain.offer(records[i]) != fitted.offer(records[i]);
  REQUIRE(differ == 0);
  const std::uint64_t before = fitted.stats().bytes;
  REQUIRE_FALSE(fitted.shrink_to_fit());
  const std::uint64_t after = fitted.stats().bytes;
  CAPTURE(live, before, after, per_key(fitted.stats()));
  CHECK(after <= before);
  if (KeysInTable) CHECK(per_key(fitted.stats()) <= most);
  CHECK(dedup_test::same_counts(fitted.stats(), plain.stats()));  // nothing had expired yet

  double peak = 0;
  for (std::size_t i = window_records; i < records.size(); ++i) {
    differ += plain.offer(records[i]) != fitted.offer(records[i]);
    if (i % 512 == 0) peak = std::max(peak, per_key(fitted.stats()));
  }
  CAPTURE(peak);
  CHECK(differ == 0);
  if (KeysInTable) {
    CHECK(peak <= most);
    CHECK(fitted.stats().bytes == after);  // the fitted table never grew
  }
  const auto a = fitted.stats(), b = plain.stats();
  CHECK((a.first == b.first && a.duplicate == b.duplicate && a.late == b.late));
  CHECK(a.live_keys + a.evicted == a.first);
}

}  // namespace

TEST_CASE("shrink_to_fit fits a settled table and changes no verdict", "[dedup]") {
  using namespace dedup_test;
  // 5-slot lines (windows beyond 2^19 units): 13/16 full, 15.75 bytes per key, plus the
  // object itself and its buckets (0.2 bytes per key at 80K keys).
  for (std::uint64_t live : {80'000u, 88'000u})
    fitted_twin<event, id_of, time_of, sluice::exact_keys>(live, 4, 16.0);
  // Packed lines: 3/4 full, 14.2 bytes per key; fingerprints 139/160 full, 23.0 bytes.
  fitted_twin<event, id_of, time_of, sluice::exact_keys>(80'000, 1, 14.5);
  fitted_twin<event, id_of, time_of, sluice::fingerprints>(80'000, 1, 23.3);
  fitted_twin<text_event, text_id_of, text_time_of, sluice::exact_keys, false>(20'000, 1, 0);
}

TEST_CASE("a steady stream's table settles fitted by itself, 16 bytes per 64-bit key at most", "[dedup]") {
  using dedup_type = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of>;
  // Windows of 20,000-22,500 keys, across one growth step of the table, in 5-slot lines
  // (2^19 units and more), sampled from a window and a half on (past the first bucket release).
  // Beside each, a twin with the table reserved for the same keys, which keeps that size: the
  // same verdicts.
  for (int part = 0; part <= 4; ++part) {
    const std::uint64_t live = 20'000 + static_cast<std::uint64_t>(part) * 625;
    const std::int64_t step = 16;
    sluice::window_dedup_config config;
    config.window = static_cast<std::int64_t>(2 * live) * step;
    config.allowed_lateness = 4 * step;
    config.seed = 11;
    auto d = dedup_type::create(config).value();
    auto reserved = dedup_type::create(config).value();
    REQUIRE_FALSE(reserved.reserve(static_cast<std::size_t>(live)));
    const auto records = steady_stream<dedup_test::event>(live, 4, step, 23 + live);
    const std::size_t window_records = static_cast<std::size_t>(2 * live);
    std::size_t differ = 0;
    double peak = 0, reserved_peak = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
      differ += d.offer(records[i]) != reserved.offer(records[i]);
      if (i >= window_records * 3 / 2 && i % 256 == 0) {
        peak = std::max(peak, per_key(d.stats()));
        reserved_peak = std::max(reserved_peak, per_key(reserved.stats()));
      }
    }
    CAPTURE(live, peak, reserved_peak);
    CHECK(differ == 0);
    CHECK(dedup_test::same_verdicts(d.stats(), reserved.stats()));
    CHECK(peak <= 16.0);
    CHECK(reserved_peak > 16.0);  // at the size a growth leaves
  }
}

// Offers new keys 0, 1, 2, ... at time_of(i) until time `until`; the times at which the table
// grew and shrank. The window is 2^20 units (5-slot lines).
struct size_changes {
  std::vector<std::int64_t> grew, shrank;
  double per_key_at_end = 0;
};
template <class TimeOfIndex>
size_changes track_size(std::uint64_t seed, TimeOfIndex time_of, std::int64_t until) {
  using dedup_type = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of>;
  sluice::window_dedup_config config;
  config.window = 1 << 20;
  config.seed = seed;
  auto d = dedup_type::create(config).value();
  size_changes changes;
  std::uint64_t last_bytes = 0;
  for (std::uint64_t i = 0;; ++i) {
    const std::int64_t time = time_of(static_cast<double>(i));
    if (time > until) break;
    REQUIRE(d.offer({i, time}) == verdict::first);
    const std::uint64_t bytes = d.stats().bytes;
    if (bytes > last_bytes) changes.grew.push_back(time);
    if (bytes < last_bytes) changes.shrank.push_back(time);
    last_bytes = bytes;
  }
  changes.per_key_at_end = per_key(d.stats());
  return changes;
}

TEST_CASE("a table whose stream keeps growing does not settle between growths", "[dedup]") {
  // Record i at time a * sqrt(i): the records per time unit rise all along, and the keys a
  // window holds with them (20,000 after the first window, 100,000 after five).
  const std::int64_t window = 1 << 20;
  const double a = static_cast<double>(window) / std::sqrt(20'000.0);
  const size_changes changes =
      track_size(13, [a](double i) { return static_cast<std::int64_t>(a * std::sqrt(i)); }, 5 * window);
  // From the first release on (a window and a bucket in).
  const auto steady = [&](const std::vector<std::int64_t>& times) {
    return std::count_if(times.begin(), times.end(), [&](std::int64_t t) { return t > window + window / 2; });
  };
  CHECK(steady(changes.grew) >= 10);
  CHECK(steady(changes.shrank) == 0);
}

TEST_CASE("a table whose stream keeps shrinking settles at most once a window", "[dedup]") {
  // Record i at time b * i^2: the records per time unit fall all along, and the keys a window
  // holds with them (20,000 after the first window, 4,700 after six).
  const std::int64_t window = 1 << 20;
  const double b = static_cast<double>(window) / (20'000.0 * 20'000.0);
  const size_changes changes =
      track_size(17, [b](double i) { return static_cast<std::int64_t>(b * i * i); }, 6 * window);
  const std::vector<std::int64_t>& shrunk_at = changes.shrank;
  CAPTURE(shrunk_at);
  CHECK(shrunk_at.size() >= 3);  // memory goes back as keys go
  for (std::size_t k = 1; k < shrunk_at.size(); ++k) CHECK(shrunk_at[k] - shrunk_at[k - 1] >= window);
  CHECK(changes.per_key_at_end <= 16.0);
}

TEST_CASE("shrink_to_fit releases the expired keys the table still holds", "[dedup]") {
  using dedup_type = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of>;
  sluice::window_dedup_config config;
  config.window = 1 << 20;
  config.seed = 9;
  auto d = dedup_type::create(config).value();
  const std::uint64_t keys = 200'000;
  for (std::uint64_t id = 0; id < keys; ++id) REQUIRE(d.offer({id * 0x9E3779B97F4A7C15ull, static_cast<std::int64_t>(id)}) == verdict::first);
  // W moves past the first 70,000 expiries, within a bucket that is not freed yet.
  d.advance_watermark((1 << 20) + 70'000 - 1);
  const auto before = d.stats();
  CHECK(before.live_keys > keys - 70'000);  // held: the bucket that holds them is not freed
  REQUIRE_FALSE(d.shrink_to_fit());
  const auto after = d.stats();
  CHECK(after.live_keys == keys - 70'000);
  CHECK(after.evicted == before.evicted + (before.live_keys - after.live_keys));
  CHECK(after.live_keys + after.evicted == after.first);
  CHECK(after.bytes < before.bytes);
  for (std::uint64_t id = 0; id < keys; id += 97) {
    const std::int64_t now = (1 << 20) + 70'000;
    CHECK(d.offer({id * 0x9E3779B97F4A7C15ull, now}) == (id < 70'000 ? verdict::first : verdict::duplicate));
  }
}

TEST_CASE("shrink_to_fit keeps a reservation, never grows, and refuses what the budget cannot hold", "[dedup]") {
  using dedup_type = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of>;
  sluice::window_dedup_config config;
  config.window = 1 << 20;
  config.seed = 5;
  const std::uint64_t keys = 50'000;
  auto offer_all = [&](dedup_type& d, std::uint64_t n) {
    for (std::uint64_t id = 0; id < n; ++id) REQUIRE(d.offer({id, static_cast<std::int64_t>(id)}) == verdict::first);
  };

  auto reserved = dedup_type::create(config).value();
  REQUIRE_FALSE(reserved.reserve(4 * keys));
  offer_all(reserved, keys);
  const std::uint64_t reserved_bytes = reserved.stats().bytes;
  REQUIRE_FALSE(reserved.shrink_to_fit());
  CHECK(reserved.stats().bytes == reserved_bytes);

  // Just before a growth the table is fuller than a fitted one: it stays as it is.
  auto probe = dedup_type::create(config).value();
  std::uint64_t full = 0;
  for (std::uint64_t id = 0, bytes = probe.stats().bytes; id < keys; ++id) {
    REQUIRE(probe.offer({id, static_cast<std::int64_t>(id)}) == verdict::first);
    if (id > 1000 && probe.stats().bytes != bytes) {
      full = id;  // keys 0 .. id - 1 filled the table to its limit
      break;
    }
    bytes = probe.stats().bytes;
  }
  REQUIRE(full != 0);
  auto at_limit = dedup_type::create(config).value();
  offer_all(at_limit, full);
  const std::uint64_t limit_bytes = at_limit.stats().bytes;
  REQUIRE_FALSE(at_limit.shrink_to_fit());
  CHECK(at_limit.stats().bytes == limit_bytes);

  // Old and new table at once must fit the budget. Just after a growth (full + 1 keys), the
  // growth's copy needed the smaller old table beside the new one, a fit needs the larger
  // fitted one: budgets in between let the stream grow but refuse the fit, changing nothing.
  bool refused = false;
  for (std::uint64_t step = 0; step < 96 && !refused; ++step) {
    config.memory_budget = static_cast<std::size_t>(2 * limit_bytes + step * (limit_bytes / 256));
    auto tight = dedup_type::create(config).value();
    bool all_first = true;
    for (std::uint64_t id = 0; id <= full; ++id)
      all_first = all_first && tight.offer({id, static_cast<std::int64_t>(id)}) == verdict::first;
    if (!all_first) continue;  // the budget refused a growth
    const auto before = tight.stats();
    const std::error_code e = tight.shrink_to_fit();
    if (!e) continue;
    refused = true;
    CHECK(e == sluice::make_error_code(sluice::errc::memory_budget_exceeded));
    CHECK(dedup_test::same_counts(tight.stats(), before));
    CHECK(tight.stats().bytes == before.bytes);
    CHECK(tight.offer({full, static_cast<std::int64_t>(full)}) == verdict::duplicate);
  }
  CHECK(refused);
}

}  // namespace dedup_test_shrink
