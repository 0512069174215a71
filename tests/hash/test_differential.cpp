// Differential tests: the XOR of the hashes of two related keys must look random too. These are
// the failure modes a full SMHasher3 run found in an earlier version of the algorithm (it
// folded the length into the last multiplication linearly, so all-zero keys whose compressed
// states agreed produced structured differences). The first two tests fail that version; the
// third mirrors SMHasher3's 'Combination 8-bytes' keyset at a size unit tests can afford (the
// earlier version failed it only at the full 16M keys).
#include <cstdint>
#include <vector>

#include "catch_shim.hpp"
#include "hash/quality.hpp"
#include "sluice/hash.hpp"
#include "test_support.hpp"

namespace hash_test_differential {

using hash_quality::allowed_collisions;
using hash_quality::collisions;

namespace {

std::vector<std::uint64_t> high_halves(std::vector<std::uint64_t> values) {
  for (auto& v : values) v >>= 32;
  return values;
}
}  // namespace

TEST_CASE("differential: all-zero keys of consecutive lengths", "[hash]") {
  const std::size_t keys = std::max<std::size_t>(sluice_test::scaled(65536), 4096);
  std::vector<unsigned char> zeros(keys + 1, 0);
  std::vector<std::uint64_t> low, high;
  std::uint64_t previous64 = sluice::hash64(zeros.data(), 0);
  sluice::hash128_t previous128 = sluice::hash128(zeros.data(), 0);
  for (std::size_t len = 1; len <= keys; ++len) {
    const std::uint64_t h64 = sluice::hash64(zeros.data(), len);
    const sluice::hash128_t h128 = sluice::hash128(zeros.data(), len);
    low.push_back(h64 ^ previous64);
    high.push_back(h128.high ^ previous128.high);
    previous64 = h64;
    previous128 = h128;
  }
  CAPTURE(keys);
  CHECK(collisions(low) == 0);
  CHECK(collisions(high) == 0);
  CHECK(collisions(low, 32) <= allowed_collisions(keys));
  CHECK(collisions(high_halves(low), 32) <= allowed_collisions(keys));
  CHECK(collisions(high, 32) <= allowed_collisions(keys));
}

TEST_CASE("differential: all-zero keys of consecutive lengths under seeds with at most two bits set", "[hash]") {
  std::vector<std::uint64_t> seeds = {0};
  for (int i = 0; i < 64; ++i) {
    seeds.push_back(std::uint64_t{1} << i);
    for (int j = i + 1; j < 64; ++j) seeds.push_back((std::uint64_t{1} << i) | (std::uint64_t{1} << j));
  }
  const std::size_t longest = std::max<std::size_t>(sluice_test::scaled(1280), 300);
  std::vector<unsigned char> zeros(longest, 0);
  std::vector<std::uint64_t> diffs;
  for (std::uint64_t seed : seeds) {
    std::uint64_t previous = sluice::hash64(zeros.data(), 0, seed);
    for (std::size_t len = 1; len <= longest; ++len) {
      const std::uint64_t h = sluice::hash64(zeros.data(), len, seed);
      diffs.push_back(h ^ previous);
      previous = h;
    }
  }
  CAPTURE(diffs.size());
  CHECK(collisions(diffs) == 0);
  CHECK(collisions(diffs, 40) <= allowed_collisions(diffs.size(), 40));
  CHECK(collisions(high_halves(diffs), 32) <= allowed_collisions(diffs.size()));
}

TEST_CASE("differential: keys built from 8-byte blocks of zero and one bit", "[hash]") {
  // Every sequence of up to `depth` blocks, each 0 or 1 (low bit) or 2^63 (high bit), in the
  // order of a depth-first enumeration; consecutive keys differ by one appended or changed block.
  for (std::uint64_t one : {std::uint64_t{1}, std::uint64_t{1} << 63}) {
    const int depth = sluice_test::scaled(100) >= 100 ? 18 : 14;
    std::vector<unsigned char> key(static_cast<std::size_t>(depth) * 8, 0);
    std::vector<std::uint64_t> diffs;
    std::uint64_t previous = 0;
    bool first = true;
    auto visit = [&](auto& self, int length) -> void {
      if (length == depth) return;
      for (std::uint64_t block : {std::uint64_t{0}, one}) {
        for (int b = 0; b < 8; ++b)
          key[static_cast<std::size_t>(length) * 8 + static_cast<std::size_t>(b)] =
              static_cast<unsigned char>(block >> (8 * b));
        const std::uint64_t h = sluice::hash64(key.data(), static_cast<std::size_t>(length + 1) * 8);
        if (!first) diffs.push_back(h ^ previous);
        first = false;
        previous = h;
        self(self, length + 1);
      }
    };
    visit(visit, 0);
    CAPTURE(one, diffs.size());
    CHECK(collisions(diffs) == 0);
    CHECK(collisions(diffs, 32) <= allowed_collisions(diffs.size()));
    CHECK(collisions(high_halves(diffs), 32) <= allowed_collisions(diffs.size()));
  }
}

}  // namespace hash_test_differential
