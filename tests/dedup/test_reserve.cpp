// window_dedup::reserve: the key table sized once, kept through expiry, never over the budget.
#include <cstdint>
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "dedup/records.hpp"

namespace dedup_test_reserve {

namespace {
using sluice::verdict;
using u64_dedup = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of>;

// `keys` distinct ids, one per time unit, each followed by a repeat of a recent id.
std::vector<dedup_test::event> one_window_of(std::uint64_t keys, std::uint64_t seed) {
  sluice_test::rng rng(seed);
  std::vector<dedup_test::event> events;
  for (std::uint64_t id = 0; id < keys; ++id) {
    const auto time = static_cast<std::int64_t>(id);
    events.push_back({id * 0x9E3779B97F4A7C15ull, time});
    const std::uint64_t back = rng.below((id < 1000 ? id : 1000) + 1);
    events.push_back({(id - back) * 0x9E3779B97F4A7C15ull, time});
  }
  return events;
}

template <class Storage>
void reserved_table_never_grows(std::int64_t window) {
  using dedup_type = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of, Storage>;
  sluice::window_dedup_config config;
  config.window = window;
  config.allowed_lateness = 100;
  config.seed = 7;
  const std::uint64_t keys = 20000;
  auto plain = dedup_type::create(config).value();
  auto reserved = dedup_type::create(config).value();
  const std::uint64_t empty_bytes = reserved.stats().bytes;
  REQUIRE_FALSE(reserved.reserve(keys));
  const std::uint64_t reserved_bytes = reserved.stats().bytes;
  CHECK(reserved_bytes > empty_bytes + keys * 8);

  std::uint64_t plain_sizes = 1, last_plain = plain.stats().bytes;
  for (const auto& e : one_window_of(keys, 3)) {
    REQUIRE(reserved.offer(e) == plain.offer(e));
    REQUIRE(reserved.stats().bytes == reserved_bytes);  // the table never grew
    if (plain.stats().bytes != last_plain) ++plain_sizes, last_plain = plain.stats().bytes;
  }
  CHECK(plain_sizes > 5);  // the unreserved table grew step by step
  CHECK(reserved.stats().first == keys);
  CHECK(dedup_test::same_counts(reserved.stats(), plain.stats()));

  // Everything expires: the plain table is freed, the reserved one stays, every slot free.
  reserved.advance_watermark(4 * window);
  plain.advance_watermark(4 * window);
  CHECK(reserved.stats().live_keys == 0);
  CHECK(reserved.stats().bytes == reserved_bytes);
  CHECK(plain.stats().bytes < reserved_bytes / 10);
  const dedup_test::event again{0, 4 * window};
  CHECK(reserved.offer(again) == verdict::first);
  CHECK(reserved.offer(again) == verdict::duplicate);
}

}  // namespace

TEST_CASE("a reserved key table never grows up to the reserved keys and stays when they expire", "[dedup]") {
  reserved_table_never_grows<sluice::exact_keys>(1000000);
  reserved_table_never_grows<sluice::fingerprints>(1000000);
  reserved_table_never_grows<sluice::exact_keys>(std::int64_t{1} << 40);  // 64-bit expiry offsets
}

TEST_CASE("a reserved table shrinks after a surge no further than the reservation", "[dedup]") {
  sluice::window_dedup_config config;
  config.window = 1000;
  auto plain = u64_dedup::create(config).value();
  auto reserved = u64_dedup::create(config).value();
  REQUIRE_FALSE(reserved.reserve(2000));
  const std::uint64_t reserved_bytes = reserved.stats().bytes;
  // A surge of 40000 keys in one window, then a trickle of 10 keys per window.
  std::uint64_t id = 0;
  for (std::int64_t t = 0; t < 1000; ++t) {
    for (int i = 0; i < 40; ++i) {
      ++id;
      REQUIRE(reserved.offer({id, t}) == plain.offer({id, t}));
    }
  }
  CHECK(reserved.stats().bytes > reserved_bytes);  // grown past the reservation
  for (std::int64_t t = 1000; t < 20000; t += 100) {
    ++id;
    REQUIRE(reserved.offer({id, t}) == plain.offer({id, t}));
  }
  CHECK(dedup_test::same_verdicts(reserved.stats(), plain.stats()));
  CHECK(reserved.stats().live_keys < 20);
  CHECK(reserved.stats().bytes == reserved_bytes);     // shrunk back to the reservation
  CHECK(plain.stats().bytes < reserved_bytes / 4);     // shrunk further
}

TEST_CASE("reserve refuses what the budget or the address space cannot hold, changing nothing", "[dedup]") {
  sluice::window_dedup_config config;
  config.window = 1000;
  config.memory_budget = 64 * 1024;
  auto d = u64_dedup::create(config).value();
  for (std::uint64_t id = 0; id < 100; ++id) REQUIRE(d.offer({id, 1}) == verdict::first);
  const sluice::dedup_stats before = d.stats();
  CHECK(d.reserve(100000) == sluice::errc::memory_budget_exceeded);
  CHECK(d.stats().bytes == before.bytes);
  CHECK(d.reserve(1000) == std::error_code());  // 1000 keys fit in 64 KiB
  CHECK(d.stats().bytes <= config.memory_budget);
  for (std::uint64_t id = 0; id < 100; ++id) CHECK(d.offer({id, 2}) == verdict::duplicate);

  config.memory_budget = SIZE_MAX;
  auto unlimited = u64_dedup::create(config).value();
  // Sizes whose table cannot be addressed, on 32-bit hosts too.
  for (const std::size_t absurd : {SIZE_MAX, SIZE_MAX / 2 + 1, SIZE_MAX / 3, SIZE_MAX / 8})
    CHECK(unlimited.reserve(absurd) == sluice::errc::memory_budget_exceeded);
  CHECK(unlimited.offer({1, 1}) == verdict::first);
}

TEST_CASE("a checkpoint does not carry the reservation", "[dedup]") {
  sluice::window_dedup_config config;
  config.window = 1000;
  auto d = u64_dedup::create(config).value();
  REQUIRE_FALSE(d.reserve(50000));
  for (std::uint64_t id = 0; id < 10; ++id) REQUIRE(d.offer({id, 1}) == verdict::first);
  std::string bytes;
  REQUIRE_FALSE(d.save(bytes));
  auto restored = u64_dedup::restore(bytes).value();
  CHECK(dedup_test::same_counts(restored.stats(), d.stats()));
  CHECK(restored.stats().bytes < d.stats().bytes / 10);  // sized for its 10 keys
  REQUIRE_FALSE(restored.reserve(50000));
  CHECK(restored.stats().bytes > d.stats().bytes / 10 * 9);
  for (std::uint64_t id = 0; id < 10; ++id) CHECK(restored.offer({id, 2}) == verdict::duplicate);
}

TEST_CASE("batch offers of string keys on a table beyond the caches give the single offers' verdicts",
          "[dedup]") {
  // reserve() makes the table large enough (over 16 MiB) for the batch to fetch stored keys'
  // bytes ahead; the verdicts must not change.
  using text_dedup = sluice::window_dedup<dedup_test::text_event, dedup_test::text_id_of, dedup_test::text_time_of>;
  sluice::window_dedup_config config;
  config.window = 500;
  config.allowed_lateness = 20;
  config.seed = 0x7e57;
  auto single = text_dedup::create(config).value();
  auto batch = text_dedup::create(config).value();
  REQUIRE_FALSE(batch.reserve(1'500'000));
  REQUIRE(batch.stats().bytes > (std::size_t{16} << 20));
  sluice_test::rng rng(0xba7c4);
  std::vector<dedup_test::text_event> events;
  for (int i = 0; i < 20000; ++i)
    events.push_back({"key-" + std::to_string(rng.below(3000)), i / 2 - rng.between(0, 25)});
  std::vector<verdict> got(events.size());
  for (std::size_t at = 0; at < events.size(); at += 1000) batch.offer(events.data() + at, 1000, got.data() + at);
  for (std::size_t i = 0; i < events.size(); ++i) REQUIRE(got[i] == single.offer(events[i]));
  CHECK(batch.stats().duplicate == single.stats().duplicate);
  CHECK(single.stats().duplicate > 4000);
}

}  // namespace dedup_test_reserve
