// Hash flooding: keys built to collide for a known seed are harmless under another seed.
// Work is compared as counts (full-hash collisions, the fullest table slot), never as time;
// the throughput comparison lives in bench/soak_bench.cpp.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "robustness/flooding.hpp"
#include "sluice/dedup.hpp"
#include "sluice/hash.hpp"
#include "test_support.hpp"

namespace robustness_test_flooding {

namespace {

constexpr std::uint64_t attacked_seed = 0x5eed'0000'0000'0001ull;

struct keyed {
  std::string id;
  std::int64_t time;
};
struct id_of {
  const std::string& operator()(const keyed& r) const noexcept { return r.id; }
};
struct time_of {
  std::int64_t operator()(const keyed& r) const noexcept { return r.time; }
};

// Distinct 64-bit hashes, and the fullest of 2^bits slots indexed by the low and by the high
// bits (tables index with one or the other).
struct spread {
  std::size_t distinct = 0;
  std::size_t fullest_low = 0;
  std::size_t fullest_high = 0;
};

spread spread_of(const std::vector<std::string>& keys, std::uint64_t seed, unsigned bits) {
  std::set<std::uint64_t> hashes;
  std::vector<std::size_t> low(std::size_t{1} << bits), high(std::size_t{1} << bits);
  for (const std::string& key : keys) {
    const std::uint64_t h = sluice::hash64(key, seed);
    hashes.insert(h);
    ++low[static_cast<std::size_t>(h & ((std::uint64_t{1} << bits) - 1))];
    ++high[static_cast<std::size_t>(h >> (64 - bits))];
  }
  return {hashes.size(), *std::max_element(low.begin(), low.end()),
          *std::max_element(high.begin(), high.end())};
}

template <class Storage>
std::vector<sluice::verdict> run(const std::vector<std::string>& keys, std::uint64_t seed,
                                 sluice::dedup_stats* stats = nullptr) {
  sluice::window_dedup_config config;
  config.window = 1000;
  config.seed = seed;
  auto dedup = sluice::window_dedup<keyed, id_of, time_of, Storage>::create(config).value();
  std::vector<sluice::verdict> verdicts;
  for (int pass = 0; pass < 2; ++pass)
    for (const std::string& key : keys) verdicts.push_back(dedup.offer(keyed{key, 1}));
  if (stats != nullptr) *stats = dedup.stats();
  return verdicts;
}

}  // namespace

TEST_CASE("flooding: the attack keys really collide for the seed they were built for", "[robustness]") {
  const auto keys = flooding::colliding_keys(attacked_seed, 4096);
  CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == keys.size());
  const spread attacked = spread_of(keys, attacked_seed, 12);
  CHECK(attacked.distinct == 1);  // every key in one slot: the worst case for any table
  CHECK(attacked.fullest_low == keys.size());
}

TEST_CASE("flooding: under any other seed the attack keys spread like ordinary keys", "[robustness]") {
  const auto attack = flooding::colliding_keys(attacked_seed, 4096);
  const auto ordinary = flooding::ordinary_keys(17, 4096);
  sluice_test::rng random(0xf100d);
  for (int trial = 0; trial < 16; ++trial) {
    const std::uint64_t seed = random.next();
    const spread a = spread_of(attack, seed, 12);
    const spread o = spread_of(ordinary, seed, 12);
    CAPTURE(trial, seed, a.fullest_low, a.fullest_high, o.fullest_low, o.fullest_high);
    CHECK(a.distinct == attack.size());
    CHECK(o.distinct == ordinary.size());
    // 4096 keys into 4096 slots: the fullest slot holds about 7 for random hashes.
    CHECK(a.fullest_low <= 2 * o.fullest_low + 2);
    CHECK(a.fullest_high <= 2 * o.fullest_high + 2);
    CHECK(a.fullest_low <= 14);
    CHECK(a.fullest_high <= 14);
  }
}

TEST_CASE("flooding: dedup verdicts stay exact for attack keys, under any seed", "[robustness]") {
  const auto attack = flooding::colliding_keys(attacked_seed, 1500);
  std::vector<sluice::verdict> expected(attack.size(), sluice::verdict::first);
  expected.resize(2 * attack.size(), sluice::verdict::duplicate);
  // Exact keys never confuse colliding keys, even under the attacked seed (only slower).
  CHECK(run<sluice::exact_keys>(attack, attacked_seed) == expected);
  sluice::dedup_stats random_stats, ordinary_stats;
  CHECK(run<sluice::exact_keys>(attack, 0x1234'5678'9abc'def0ull, &random_stats) == expected);
  CHECK(run<sluice::exact_keys>(flooding::ordinary_keys(3, attack.size()), 0x1234'5678'9abc'def0ull,
                                &ordinary_stats) == expected);
  // Same memory as ordinary keys: the attack costs no extra state.
  CHECK(random_stats.bytes == ordinary_stats.bytes);
  // Fingerprints under another seed: no false duplicate.
  CHECK(run<sluice::fingerprints>(attack, 0x1234'5678'9abc'def0ull) == expected);
}

TEST_CASE("flooding: fingerprints under a leaked seed give false duplicates (why the seed must be secret)",
          "[robustness]") {
  // Documented limit: 128-bit fingerprints resist collisions only while the seed is secret.
  const auto attack = flooding::colliding_keys(attacked_seed, 100);
  const auto verdicts = run<sluice::fingerprints>(attack, attacked_seed);
  const auto first = std::count(verdicts.begin(), verdicts.begin() + 100, sluice::verdict::first);
  CHECK(first == 1);  // every other attack key is taken for a duplicate of the first
}

TEST_CASE("flooding: keys of one hash overflow into the stash, expire, and survive checkpoints", "[robustness]") {
  // Under the attacked seed all these keys share one 64-bit hash, so both of their table lines
  // fill and the rest go to the stash. Verdicts stay exact through expiry and a restore.
  using dedup_type = sluice::window_dedup<keyed, id_of, time_of>;
  const auto attack = flooding::colliding_keys(attacked_seed, 300);
  sluice::window_dedup_config config;
  config.window = 100;
  config.seed = attacked_seed;
  auto d = dedup_type::create(config).value();
  std::int64_t now = 0;
  for (const std::string& key : attack) REQUIRE(d.offer({key, now}) == sluice::verdict::first);
  for (const std::string& key : attack) REQUIRE(d.offer({key, now + 1}) == sluice::verdict::duplicate);

  std::string bytes;
  REQUIRE_FALSE(d.save(bytes));
  auto restored = dedup_type::restore(bytes).value();
  CHECK(restored.stats().live_keys == attack.size());
  for (const std::string& key : attack) REQUIRE(restored.offer({key, now + 2}) == sluice::verdict::duplicate);

  // Past the window every key is released with its bucket, stashed or not, and new again.
  now += 1000;
  d.advance_watermark(now);
  CHECK(d.stats().live_keys == 0);
  CHECK(d.stats().evicted == attack.size());
  for (std::size_t i = 0; i < attack.size(); i += 2) REQUIRE(d.offer({attack[i], now}) == sluice::verdict::first);
  for (std::size_t i = 0; i < attack.size(); ++i)
    REQUIRE(d.offer({attack[i], now + 1}) == (i % 2 == 0 ? sluice::verdict::duplicate : sluice::verdict::first));
  // At W = now + 100 the keys first seen at `now` have expired, those seen at now + 1 not yet.
  d.advance_watermark(now + 100);
  for (std::size_t i = 0; i < attack.size(); ++i)
    REQUIRE(d.offer({attack[i], now + 100}) == (i % 2 == 0 ? sluice::verdict::first : sluice::verdict::duplicate));
  CHECK(d.stats().live_keys + d.stats().evicted == d.stats().first);
}

}  // namespace robustness_test_flooding
