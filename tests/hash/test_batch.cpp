// The batch API equals single calls, for every length, seed and alias pattern.
#include <string>
#include <string_view>
#include <vector>

#include "catch_shim.hpp"
#include "sluice/hash.hpp"
#include "test_support.hpp"

namespace hash_test_batch {

TEST_CASE("hash64_batch over uint64 keys equals hash_u64 and hash64 of the bytes", "[hash]") {
  sluice_test::rng rng(7);
  for (std::size_t n : {0u, 1u, 3u, 4u, 7u, 8u, 31u, 1000u}) {
    const std::uint64_t seed = rng.next();
    std::vector<std::uint64_t> keys(n), out(n, 0);
    for (auto& key : keys) key = rng.percent(30) ? rng.below(256) : rng.next();
    sluice::hash64_batch(keys.data(), n, out.data(), seed);
    for (std::size_t i = 0; i < n; ++i) {
      CAPTURE(n, i);
      REQUIRE(out[i] == sluice::hash_u64(keys[i], seed));
      unsigned char bytes[8];
      for (int b = 0; b < 8; ++b) bytes[b] = static_cast<unsigned char>(keys[i] >> (8 * b));
      REQUIRE(out[i] == sluice::hash64(bytes, 8, seed));
    }
    std::vector<std::uint64_t> in_place = keys;  // out == keys is allowed
    sluice::hash64_batch(in_place.data(), n, in_place.data(), seed);
    REQUIRE(in_place == out);
  }
  sluice::hash64_batch(static_cast<const std::uint64_t*>(nullptr), 0, nullptr);
}

TEST_CASE("hash64_batch over string_views equals hash64", "[hash]") {
  sluice_test::rng rng(8);
  std::vector<std::string> texts;
  for (int i = 0; i < 600; ++i) {
    std::string text(static_cast<std::size_t>(rng.below(i < 500 ? 80 : 3000)), '\0');
    for (char& c : text) c = static_cast<char>(rng.next());
    texts.push_back(std::move(text));
  }
  std::vector<std::string_view> views(texts.begin(), texts.end());
  std::vector<std::uint64_t> out(views.size());
  const std::uint64_t seed = rng.next();
  sluice::hash64_batch(views.data(), views.size(), out.data(), seed);
  for (std::size_t i = 0; i < views.size(); ++i) REQUIRE(out[i] == sluice::hash64(views[i], seed));
}

TEST_CASE("every batch kernel equals hash_u64, including its tail and in place", "[hash]") {
  using sluice::detail::hashing::kernel;
  const kernel k = GENERATE(kernel::scalar, kernel::avx2);
  if (!sluice::detail::hashing::kernel_available(k)) return;
  sluice_test::rng rng(77);
  for (std::size_t n = 0; n < 40; ++n) {
    for (int round = 0; round < 8; ++round) {
      const std::uint64_t seed = round == 0 ? 0 : rng.next();
      // Keys that stress the 32-bit pieces of an emulated multiply: all-ones halves, zero
      // halves, single bits, and random words.
      std::vector<std::uint64_t> keys(n), out(n, 0);
      for (auto& key : keys) {
        switch (rng.below(5)) {
          case 0: key = ~std::uint64_t{0} << (rng.below(64)); break;
          case 1: key = rng.next() & 0xffffffff00000000ull; break;
          case 2: key = std::uint64_t{1} << rng.below(64); break;
          default: key = rng.next(); break;
        }
      }
      const sluice::detail::hashing::pair64 word_keys = sluice::detail::hashing::derive_keys(seed, 0);
      sluice::detail::hashing::hash_words_with(k, keys.data(), n, out.data(), word_keys.low, word_keys.high);
      for (std::size_t i = 0; i < n; ++i) {
        CAPTURE(static_cast<int>(k), n, i, seed, keys[i]);
        REQUIRE(out[i] == sluice::hash_u64(keys[i], seed));
      }
      sluice::detail::hashing::hash_words_with(k, keys.data(), n, keys.data(), word_keys.low, word_keys.high);
      REQUIRE(keys == out);
    }
  }
}

}  // namespace hash_test_batch
