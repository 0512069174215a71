// Differential test: random inputs through the naive model, the public functions and every
// long-input kernel.
#include <vector>

#include "catch_shim.hpp"
#include "hash/model.hpp"
#include "sluice/hash.hpp"
#include "test_support.hpp"

namespace hash_test_model {

using sluice::detail::hashing::kernel;

TEST_CASE("hash64 and hash128 agree with the reference model", "[hash]") {
  sluice_test::rng rng(0x6d6f64656c);
  std::vector<unsigned char> buffer(5000);
  const std::size_t rounds = sluice_test::scaled(3000);
  for (std::size_t round = 0; round < rounds; ++round) {
    const std::size_t cap = rng.percent(60) ? 300 : 4600;
    const std::size_t len = static_cast<std::size_t>(rng.below(cap + 1));
    const std::size_t offset = static_cast<std::size_t>(rng.below(8));
    const std::uint64_t seed = rng.percent(20) ? 0 : rng.next();
    for (std::size_t i = 0; i < len; ++i) buffer[offset + i] = static_cast<unsigned char>(rng.next());
    const unsigned char* p = buffer.data() + offset;
    CAPTURE(round, len, offset, seed);
    const std::uint64_t expected = hash_model::hash64(p, len, seed);
    REQUIRE(sluice::hash64(p, len, seed) == expected);
    const hash_model::u128 wide = hash_model::hash128(p, len, seed);
    REQUIRE(sluice::hash128(p, len, seed) == sluice::hash128_t{wide.lo, wide.hi});
    for (kernel k : {kernel::scalar, kernel::sse2, kernel::avx2, kernel::neon}) {
      if (!sluice::detail::hashing::kernel_available(k)) continue;
      CAPTURE(static_cast<int>(k));
      REQUIRE(sluice::detail::hashing::hash64_with(k, p, len, seed) == expected);
    }
  }
}

TEST_CASE("the model's multiply matches the platform's", "[hash]") {
  sluice_test::rng rng(99);
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t a = rng.next() >> rng.below(64), b = rng.next() >> rng.below(64);
    const auto ours = sluice::detail::hashing::multiply(a, b);
    const auto model = hash_model::mul(a, b);
    REQUIRE(ours.low == model.lo);
    REQUIRE(ours.high == model.hi);
  }
  const auto max = sluice::detail::hashing::multiply(~0ull, ~0ull);
  CHECK(max.low == 1u);
  CHECK(max.high == ~0ull - 1u);
}

}  // namespace hash_test_model
