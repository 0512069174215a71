// Golden vectors (generated from the scalar path) through every path this binary has.
#include <cstring>
#include <string_view>
#include <vector>

#include "catch_shim.hpp"
#include "hash/vector_input.hpp"
#include "hash/vectors.hpp"
#include "sluice/hash.hpp"

namespace hash_test_vectors {

namespace {

using sluice::detail::hashing::kernel;

const std::vector<unsigned char>& vector_input() {
  static const std::vector<unsigned char> input = [] {
    std::vector<unsigned char> bytes(sluice_hash_test::vector_input_size);
    sluice_hash_test::fill_vector_input(bytes.data(), bytes.size());
    return bytes;
  }();
  return input;
}

}  // namespace

TEST_CASE("every kernel reproduces the golden vectors", "[hash]") {
  const kernel k = GENERATE(kernel::scalar, kernel::sse2, kernel::avx2, kernel::neon);
  if (!sluice::detail::hashing::kernel_available(k)) return;
  CAPTURE(static_cast<int>(k));
  const unsigned char* input = vector_input().data();
  for (const auto& v : sluice_hash_test::byte_vectors) {
    CAPTURE(v.length, v.seed);
    REQUIRE(sluice::detail::hashing::hash64_with(k, input, v.length, v.seed) == v.hash64);
    const sluice::hash128_t wide = sluice::detail::hashing::hash128_with(k, input, v.length, v.seed);
    REQUIRE(wide.low == v.hash128_low);
    REQUIRE(wide.high == v.hash128_high);
  }
}

TEST_CASE("the public functions reproduce the golden vectors", "[hash]") {
  const unsigned char* input = vector_input().data();
  for (const auto& v : sluice_hash_test::byte_vectors) {
    CAPTURE(v.length, v.seed);
    REQUIRE(sluice::hash64(input, v.length, v.seed) == v.hash64);
    const std::string_view text(reinterpret_cast<const char*>(input), v.length);
    REQUIRE(sluice::hash64(text, v.seed) == v.hash64);
    REQUIRE(sluice::hash128(input, v.length, v.seed) == sluice::hash128_t{v.hash128_low, v.hash128_high});
    REQUIRE(sluice::hash128(text, v.seed).low == v.hash64);
  }
}

TEST_CASE("seeded_hash reproduces the golden vectors", "[hash]") {
  const unsigned char* input = vector_input().data();
  for (const auto& v : sluice_hash_test::byte_vectors) {
    CAPTURE(v.length, v.seed);
    const sluice::seeded_hash hash(v.seed);
    REQUIRE(hash.seed() == v.seed);
    REQUIRE(hash.hash64(input, v.length) == v.hash64);
    const std::string_view text(reinterpret_cast<const char*>(input), v.length);
    REQUIRE(hash.hash64(text) == v.hash64);
    REQUIRE(hash.hash128(input, v.length) == sluice::hash128_t{v.hash128_low, v.hash128_high});
    REQUIRE(hash.hash128(text) == sluice::hash128_t{v.hash128_low, v.hash128_high});
  }
  for (const auto& v : sluice_hash_test::word_vectors) {
    CAPTURE(v.word, v.seed);
    REQUIRE(sluice::seeded_hash(v.seed).hash_u64(v.word) == v.hash);
  }
  REQUIRE(sluice::seeded_hash().seed() == 0);
  REQUIRE(sluice::seeded_hash().hash64(input, 40) == sluice::hash64(input, 40));
}

TEST_CASE("seeded_hash equals the free functions under random seeds", "[hash]") {
  const unsigned char* input = vector_input().data();
  std::uint64_t state = 0x5eed5eed;
  auto next = [&state] {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  for (int round = 0; round < 64; ++round) {
    const std::uint64_t seed = next();
    const sluice::seeded_hash hash(seed);
    for (std::size_t length = 0; length <= 300; ++length) {
      const unsigned char* at = input + next() % 1024;
      CAPTURE(seed, length);
      REQUIRE(hash.hash64(at, length) == sluice::hash64(at, length, seed));
      REQUIRE(hash.hash128(at, length) == sluice::hash128(at, length, seed));
    }
    const std::uint64_t word = next();
    REQUIRE(hash.hash_u64(word) == sluice::hash_u64(word, seed));
  }
}

TEST_CASE("the golden vectors hold at every alignment", "[hash]") {
  const std::vector<unsigned char>& input = vector_input();
  std::vector<unsigned char> shifted(input.size() + 16);
  for (std::size_t offset = 1; offset < 16; offset += 3) {
    std::memcpy(shifted.data() + offset, input.data(), input.size());
    for (const auto& v : sluice_hash_test::byte_vectors) {
      if (v.length > 5000) continue;
      CAPTURE(offset, v.length, v.seed);
      REQUIRE(sluice::hash64(shifted.data() + offset, v.length, v.seed) == v.hash64);
    }
  }
}

TEST_CASE("hash_u64 and the batch reproduce the word vectors", "[hash]") {
  for (const auto& v : sluice_hash_test::word_vectors) {
    CAPTURE(v.word, v.seed);
    REQUIRE(sluice::hash_u64(v.word, v.seed) == v.hash);
    unsigned char bytes[8];
    for (int b = 0; b < 8; ++b) bytes[b] = static_cast<unsigned char>(v.word >> (8 * b));
    REQUIRE(sluice::hash64(bytes, 8, v.seed) == v.hash);
    std::uint64_t out = 0;
    sluice::hash64_batch(&v.word, 1, &out, v.seed);
    REQUIRE(out == v.hash);
  }
}

TEST_CASE("a null pointer with length zero is a valid input", "[hash]") {
  CHECK(sluice::hash64(nullptr, 0, 7) == sluice::hash64(std::string_view(), 7));
  CHECK(sluice::hash128(nullptr, 0).low == sluice::hash64(nullptr, 0));
}

}  // namespace hash_test_vectors
