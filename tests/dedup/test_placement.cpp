// Integer keys are placed in the table by one keyed multiplication (not the full hash_u64), so
// keys in regular patterns, as ids and timestamps come, must still spread over the lines as
// random keys do: the same table growth, nothing in the stash, every key found again.
#include <cstdint>
#include <vector>

#include "catch_shim.hpp"
#include "sluice/dedup.hpp"
#include "test_support.hpp"

namespace dedup_test_placement {

namespace {

using engine = sluice::detail::dedup_engine<sluice::detail::dedup_exact_storage<std::uint64_t>, std::uint32_t>;
using outcome = sluice::detail::dedup_outcome;

struct filled {
  std::size_t table_slots;
  std::size_t stashed;
};

// Offers every key once (all new), then every key again (all duplicates).
filled fill(const std::vector<std::uint64_t>& keys, std::uint64_t seed) {
  sluice::detail::dedup_settings settings;
  settings.window = 1'000'000'000;
  settings.seed = seed;
  engine e;
  REQUIRE(e.init(settings, 0));
  std::int64_t time = 0;
  for (std::uint64_t key : keys) REQUIRE(e.offer(e.prepare(key), time++) == outcome::first);
  for (std::uint64_t key : keys) REQUIRE(e.offer(e.prepare(key), time++) == outcome::duplicate);
  REQUIRE(e.held_keys() == keys.size());
  return {e.table_slots(), e.stashed_keys()};
}

std::vector<std::uint64_t> pattern(std::size_t n, std::uint64_t first, std::uint64_t step) {
  std::vector<std::uint64_t> keys(n);
  for (std::size_t i = 0; i < n; ++i) keys[i] = first + step * i;
  return keys;
}

}  // namespace

TEST_CASE("integer keys in regular patterns fill the table as random keys do", "[dedup]") {
  constexpr std::size_t n = 60000;
  sluice_test::rng rng(0x91ace);
  std::vector<std::uint64_t> random_keys(n);
  for (auto& key : random_keys) key = rng.next();
  std::vector<std::uint64_t> high_halves(n);  // a counter in the high 16 bits, then the next bits
  for (std::size_t i = 0; i < n; ++i) high_halves[i] = (std::uint64_t{i} & 0xffff) << 48 | std::uint64_t{i} >> 16;
  const std::vector<std::vector<std::uint64_t>> patterns = {
      pattern(n, 0, 1),                        // sequence numbers
      pattern(n, 1'700'000'000'000, 1000),     // millisecond timestamps, one per second
      pattern(n, 0, std::uint64_t{1} << 12),   // aligned addresses
      pattern(n, 0, std::uint64_t{1} << 32),   // a counter in the high word
      pattern(n, ~std::uint64_t{0}, ~std::uint64_t{0}),  // -1, -2, -3, ...
      high_halves,
  };
  for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{0x5eed}, rng.next(), rng.next()}) {
    const filled reference = fill(random_keys, seed);
    CHECK(reference.stashed == 0);
    for (std::size_t p = 0; p < patterns.size(); ++p) {
      CAPTURE(seed, p);
      const filled got = fill(patterns[p], seed);
      CHECK(got.stashed == 0);
      CHECK(got.table_slots == reference.table_slots);
    }
  }
}

}  // namespace dedup_test_placement
