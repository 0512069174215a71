// Checkpoints: round trips continue with identical verdicts; damaged input is refused cleanly.
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "dedup/model.hpp"
#include "dedup/records.hpp"
#include "sluice/detail/crc32c.hpp"

namespace dedup_test_checkpoint {

namespace {
using sluice::verdict;
using u64_dedup = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of>;
using text_dedup = sluice::window_dedup<dedup_test::text_event, dedup_test::text_id_of, dedup_test::text_time_of>;
using fingerprint_dedup =
    sluice::window_dedup<dedup_test::text_event, dedup_test::text_id_of, dedup_test::text_time_of, sluice::fingerprints>;

template <class Dedup>
Dedup filled(std::uint64_t seed, sluice::expiry policy = sluice::expiry::sliding) {
  sluice::window_dedup_config config;
  config.window = 50;
  config.allowed_lateness = 7;
  config.policy = policy;
  config.seed = seed;
  auto d = Dedup::create(config).value();
  sluice_test::rng rng(seed);
  using record = typename Dedup::record_type;
  for (int i = 0; i < 400; ++i) {
    const std::uint64_t key = rng.below(150);  // drawn in sequence: argument order is unspecified
    d.offer(dedup_test::make(static_cast<const record*>(nullptr), key, i / 2 - rng.between(0, 6)));
  }
  return d;
}

// Offers the same continuation to both and demands identical verdicts and counters.
template <class Dedup>
void same_future(Dedup& a, Dedup& b, std::uint64_t seed) {
  using record = typename Dedup::record_type;
  sluice_test::rng rng(seed);
  for (int i = 0; i < 400; ++i) {
    const std::uint64_t key = rng.below(150);
    const record r = dedup_test::make(static_cast<const record*>(nullptr), key, 200 + i / 2 - rng.between(0, 9));
    REQUIRE(a.offer(r) == b.offer(r));
  }
  CHECK(dedup_test::same_counts(a.stats(), b.stats()));
}

void reseal(std::string& bytes) {
  const std::uint32_t crc = sluice::detail::crc32c(bytes.data(), bytes.size() - 4);
  for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + static_cast<std::size_t>(i)] = static_cast<char>(crc >> (8 * i));
}
}  // namespace

TEST_CASE("checkpoint round trip continues with identical verdicts", "[dedup]") {
  for (auto policy : {sluice::expiry::from_first, sluice::expiry::sliding}) {
    auto a = filled<u64_dedup>(1, policy);
    std::string bytes;
    REQUIRE_FALSE(a.save(bytes, 11));
    auto b = u64_dedup::restore(bytes).value();
    CHECK(b.writer_epoch() == 11);
    CHECK(b.config().policy == policy);
    same_future(a, b, 2);

    auto c = filled<text_dedup>(3, policy);
    std::vector<unsigned char> vector_bytes;
    REQUIRE_FALSE(c.save(vector_bytes));
    auto d = text_dedup::restore(vector_bytes.data(), vector_bytes.size()).value();
    same_future(c, d, 4);

    auto e = filled<fingerprint_dedup>(5, policy);
    std::string callable_bytes;
    auto sink = [&](const void* data, std::size_t size) { callable_bytes.append(static_cast<const char*>(data), size); };
    REQUIRE_FALSE(e.save(sink));
    auto f = fingerprint_dedup::restore(callable_bytes).value();
    same_future(e, f, 6);

    // A restored object saves a snapshot of the same size that restores again.
    std::string again;
    REQUIRE_FALSE(u64_dedup::restore(bytes)->save(again, 11));
    CHECK(again.size() == bytes.size());
    auto g = u64_dedup::restore(again).value();
    auto h = filled<u64_dedup>(1, policy);
    same_future(g, h, 2);
  }
}

TEST_CASE("a failing sink reports IO_ERROR", "[dedup]") {
  auto a = filled<u64_dedup>(1);
  std::size_t budget = 100;
  auto sink = [&](const void*, std::size_t size) {
    if (size > budget) return false;
    budget -= size;
    return true;
  };
  CHECK(a.save(sink) == sluice::errc::io_error);
}

TEST_CASE("truncated checkpoints are CHECKPOINT_CORRUPT", "[dedup]") {
  auto a = filled<text_dedup>(7);
  std::string bytes;
  REQUIRE_FALSE(a.save(bytes));
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    auto r = text_dedup::restore(bytes.data(), size);
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error() == sluice::errc::checkpoint_corrupt);
  }
}

TEST_CASE("every flipped bit is detected", "[dedup]") {
  auto a = filled<u64_dedup>(8);
  std::string bytes;
  REQUIRE_FALSE(a.save(bytes));
  const std::size_t step = bytes.size() > 4000 ? 3 : 1;
  for (std::size_t at = 0; at < bytes.size(); at += step) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[at] = static_cast<char>(damaged[at] ^ (1 << bit));
      auto r = u64_dedup::restore(damaged);
      REQUIRE_FALSE(r.has_value());
      if (at >= 4 && at < 8)  // the version field is read before the checksum
        REQUIRE((r.error() == sluice::errc::checkpoint_corrupt || r.error() == sluice::errc::checkpoint_version_unsupported));
      else
        REQUIRE(r.error() == sluice::errc::checkpoint_corrupt);
    }
  }
}

TEST_CASE("future versions, foreign key types and inconsistent content are refused", "[dedup]") {
  auto a = filled<u64_dedup>(9);
  std::string bytes;
  REQUIRE_FALSE(a.save(bytes));

  std::string future = bytes;
  future[4] = static_cast<char>(sluice::dedup_checkpoint_version + 1);
  reseal(future);
  CHECK(u64_dedup::restore(future).error() == sluice::errc::checkpoint_version_unsupported);

  CHECK(text_dedup::restore(bytes).error() == sluice::errc::invalid_config);
  using fingerprint_u64 = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of, sluice::fingerprints>;
  CHECK(fingerprint_u64::restore(bytes).error() == sluice::errc::invalid_config);

  // A valid checksum over nonsense: window 0.
  std::string zero_window = bytes;
  std::memset(&zero_window[32], 0, 8);
  reseal(zero_window);
  CHECK(u64_dedup::restore(zero_window).error() == sluice::errc::checkpoint_corrupt);

  // The same key twice with the same expiry.
  const std::size_t header = 120;
  REQUIRE(bytes.size() > header + 4 + 32);
  std::string twice = bytes;
  std::memcpy(&twice[header + 16], &twice[header], 16);
  reseal(twice);
  CHECK(u64_dedup::restore(twice).error() == sluice::errc::checkpoint_corrupt);

  // The same string key twice: stored keys point into arenas, so two copies of one text must
  // still be recognized as one key. Entries are an expiry, a one-byte length and the text.
  sluice::window_dedup_config text_config;
  text_config.window = 100;
  auto text = text_dedup::create(text_config).value();
  text.offer({"aa", 0});
  text.offer({"bb", 0});
  std::string text_bytes;
  REQUIRE_FALSE(text.save(text_bytes));
  REQUIRE(text_bytes.size() == header + 2 * 11 + 4);
  REQUIRE(text_dedup::restore(text_bytes));
  std::string text_twice = text_bytes;
  text_twice.replace(header + 11, 11, text_bytes.substr(header, 11));
  reseal(text_twice);
  CHECK(text_dedup::restore(text_twice).error() == sluice::errc::checkpoint_corrupt);

  // An expiry beyond anything the watermark allows.
  std::string far_future = bytes;
  std::memset(&far_future[header], 0xFF, 7);
  far_future[header + 7] = 0x7F;
  reseal(far_future);
  CHECK(u64_dedup::restore(far_future).error() == sluice::errc::checkpoint_corrupt);

  // More entries announced than present.
  std::string short_count = bytes;
  short_count[header - 8] = static_cast<char>(short_count[header - 8] + 1);
  reseal(short_count);
  CHECK(u64_dedup::restore(short_count).error() == sluice::errc::checkpoint_corrupt);

  // A budget this host cannot meet.
  sluice::window_dedup_config config = a.config();
  config.memory_budget = static_cast<std::size_t>(a.stats().bytes / 2);
  std::string tight = bytes;
  const auto budget = static_cast<std::uint64_t>(config.memory_budget);
  for (int i = 0; i < 8; ++i) tight[48 + static_cast<std::size_t>(i)] = static_cast<char>(budget >> (8 * i));
  reseal(tight);
  CHECK(u64_dedup::restore(tight).error() == sluice::errc::memory_budget_exceeded);
}

namespace {
void put_u64(std::string& bytes, std::size_t at, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) bytes[at + static_cast<std::size_t>(i)] = static_cast<char>(value >> (8 * i));
}
}  // namespace

TEST_CASE("restore refuses expiries and counters that no stream can produce", "[dedup]") {
  // Offsets of the u64 layout: watermark, then the counters first .. evicted, the entry count,
  // then each entry's expiry and key.
  constexpr std::size_t watermark_at = 64, first_at = 72, evicted_at = 104, entry_at = 120;
  constexpr std::uint64_t lowest = std::uint64_t{1} << 63;  // INT64_MIN
  for (const std::int64_t window : {std::int64_t{100}, std::int64_t{1} << 40}) {  // 32- and 64-bit offsets
    sluice::window_dedup_config config;
    config.window = window;
    auto d = u64_dedup::create(config).value();
    d.offer({1, 0});
    d.offer({2, 0});
    std::string bytes;
    REQUIRE_FALSE(d.save(bytes));
    REQUIRE(u64_dedup::restore(bytes));

    // Watermark and both expiries at INT64_MIN: below any time plus the window. Accepted, the key
    // would count as held but sit in a slot that reads as empty.
    std::string lowest_expiry = bytes;
    put_u64(lowest_expiry, watermark_at, lowest);
    put_u64(lowest_expiry, entry_at, lowest);
    put_u64(lowest_expiry, entry_at + 16, lowest);
    reseal(lowest_expiry);
    CHECK(u64_dedup::restore(lowest_expiry).error() == sluice::errc::checkpoint_corrupt);

    // The lowest expiry a stream can produce restores, and so does its own save.
    std::string earliest = bytes;
    put_u64(earliest, watermark_at, lowest);
    put_u64(earliest, entry_at, lowest + static_cast<std::uint64_t>(window));
    put_u64(earliest, entry_at + 16, lowest + static_cast<std::uint64_t>(window));
    reseal(earliest);
    auto restored = u64_dedup::restore(earliest);
    REQUIRE(restored);
    std::string again;
    REQUIRE_FALSE(restored->save(again));
    CHECK(u64_dedup::restore(again));

    // Counters that break live_keys + evicted == first.
    std::string no_firsts = bytes;
    put_u64(no_firsts, first_at, 0);
    reseal(no_firsts);
    CHECK(u64_dedup::restore(no_firsts).error() == sluice::errc::checkpoint_corrupt);
    std::string wrapped = bytes;
    put_u64(wrapped, evicted_at, ~std::uint64_t{0});
    reseal(wrapped);
    CHECK(u64_dedup::restore(wrapped).error() == sluice::errc::checkpoint_corrupt);
    std::string one_more = bytes;
    put_u64(one_more, evicted_at, 1);  // first is 2, both keys held
    reseal(one_more);
    CHECK(u64_dedup::restore(one_more).error() == sluice::errc::checkpoint_corrupt);
  }
}

TEST_CASE("a state saved under its budget restores under it when expiries saturate", "[dedup]") {
  // A window of INT64_MAX ("remember forever") gives every key the expiry INT64_MAX, at the far
  // end of the oldest time bucket. The table's estimate of expired keys once counted them all
  // as expired, so it never grew at its fill limit: cuckoo moves packed it to almost every
  // slot, and a restore, placing the keys in another order, needed a stash the budget refused.
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  int restored = 0;
  for (std::size_t extra = 4000; extra < 24000; extra += 1000) {
    CAPTURE(extra);
    sluice::window_dedup_config config;
    config.window = max;
    config.allowed_lateness = 13;
    config.seed = 1;
    config.memory_budget = static_cast<std::size_t>(u64_dedup::create(config).value().stats().bytes) + extra;
    auto d = u64_dedup::create(config).value();
    std::uint64_t id = 0;
    std::int64_t t = max - 1'000'000;
    for (int i = 0; i < 3000; ++i) d.offer({id++ * 0x9E3779B97F4A7C15ull, t++});
    std::string snapshot;
    REQUIRE_FALSE(d.save(snapshot));
    auto again = u64_dedup::restore(snapshot);
    REQUIRE(again);
    d = std::move(again).value();
    for (int i = 0; i < 20000; ++i) d.offer({id++ * 0x9E3779B97F4A7C15ull, t++});  // mostly over_budget
    snapshot.clear();
    REQUIRE_FALSE(d.save(snapshot));
    auto last = u64_dedup::restore(snapshot);
    REQUIRE(last);
    CHECK(last.value().stats().live_keys == d.stats().live_keys);
    ++restored;
  }
  CHECK(restored == 20);
}

TEST_CASE("a state saved under its budget restores under it when flooded keys fill the stash", "[dedup]") {
  // 300 keys whose placement hashes agree in their top 20 bits (a flood on a known seed) share
  // both their lines in the tables these budgets allow (under 2^7 lines; about 1% of the keys
  // get another second line), so most of those held go to the stash. A restore used to try
  // table sizes one line apart from the largest that fits without a stash, and to keep the
  // stash's doubled capacity: many such budgets refused the snapshot. (Finding the keys takes
  // about 300 * 2^20 hashes, so the flood stays small.)
  const std::uint64_t seed = 0x5EED;
  const std::vector<std::uint64_t> keys = dedup_test::flooding_keys(seed, 300);
  int restored = 0;
  for (std::size_t extra = 1000; extra <= 6000; extra += 125) {
    CAPTURE(extra);
    sluice::window_dedup_config config;
    config.window = 1000;
    config.seed = seed;
    config.memory_budget = static_cast<std::size_t>(u64_dedup::create(config).value().stats().bytes) + extra;
    auto d = u64_dedup::create(config).value();
    for (std::uint64_t k : keys) d.offer({k, 0});  // some remembered, the rest over_budget
    REQUIRE(d.stats().over_budget > 0);
    std::string snapshot;
    REQUIRE_FALSE(d.save(snapshot));
    auto again = u64_dedup::restore(snapshot);
    REQUIRE(again);
    CHECK(again.value().stats().live_keys == d.stats().live_keys);
    CHECK(again.value().stats().bytes <= config.memory_budget);
    ++restored;
  }
  CHECK(restored == 41);
}

TEST_CASE("restore refuses a held key in a bucket the watermark has already freed", "[dedup]") {
  constexpr std::size_t watermark_at = 64, entry_at = 120;
  sluice::window_dedup_config config;
  config.window = 100;  // buckets span 25: [100, 124], [125, 149], ...
  auto d = u64_dedup::create(config).value();
  d.offer({1, 0});  // expiry 100, watermark 0
  std::string bytes;
  REQUIRE_FALSE(d.save(bytes));
  auto patched = [&](std::int64_t watermark, std::int64_t expiry) {
    std::string b = bytes;
    put_u64(b, watermark_at, static_cast<std::uint64_t>(watermark));
    put_u64(b, entry_at, static_cast<std::uint64_t>(expiry));
    reseal(b);
    return b;
  };
  // Expired but its bucket [100, 124] not yet freed: a state a stream produces.
  auto held = u64_dedup::restore(patched(123, 110));
  REQUIRE(held);
  CHECK(held->stats().live_keys == 1);
  // The watermark has reached the bucket's last expiry: the bucket would have been freed.
  CHECK(u64_dedup::restore(patched(124, 110)).error() == sluice::errc::checkpoint_corrupt);
  CHECK(u64_dedup::restore(patched(124, 124)).error() == sluice::errc::checkpoint_corrupt);
  CHECK(u64_dedup::restore(patched(124, 125)));  // the next bucket
}

TEST_CASE("a restored stash counts in bytes: freeing everything returns to an empty object's bytes", "[dedup]") {
  sluice::window_dedup_config config;
  config.window = 1000;
  config.seed = 0x5EED;
  const std::uint64_t empty = u64_dedup::create(config).value().stats().bytes;
  auto d = u64_dedup::create(config).value();
  for (std::uint64_t k : dedup_test::flooding_keys(config.seed, 40)) REQUIRE(d.offer({k, 0}) == sluice::verdict::first);
  std::string bytes;
  REQUIRE_FALSE(d.save(bytes));
  auto restored = u64_dedup::restore(bytes).value();
  CHECK(restored.stats().live_keys == 40);
  restored.advance_watermark(5000);
  CHECK(restored.stats().live_keys == 0);
  CHECK(restored.stats().bytes == empty);
}

TEST_CASE("restore refuses undefined mode and policy bytes as corrupt", "[dedup]") {
  // Header: magic (4), version (4), epoch (8), mode (1) at 16, policy (1) at 17.
  sluice::window_dedup_config config;
  config.window = 100;
  auto d = u64_dedup::create(config).value();
  d.offer({1, 0});
  std::string bytes;
  REQUIRE_FALSE(d.save(bytes));
  for (const int value : {2, 3, 255}) {
    std::string bad_policy = bytes;
    bad_policy[17] = static_cast<char>(value);
    reseal(bad_policy);
    CHECK(u64_dedup::restore(bad_policy).error() == sluice::errc::checkpoint_corrupt);
    std::string bad_mode = bytes;
    bad_mode[16] = static_cast<char>(value);
    reseal(bad_mode);
    CHECK(u64_dedup::restore(bad_mode).error() == sluice::errc::checkpoint_corrupt);
  }
}

}  // namespace dedup_test_checkpoint
