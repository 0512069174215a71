// Seed-independent collision constructions published against XXH3 (xxHash issue 1127:
// complemented words), rapidhash (issues 10 and 25: a word equal to a public constant zeroes
// a multiplication) and komihash (issue 23: tied lanes), rebuilt against this design. Each
// pair must collide for no seed among many random ones: a published-style weakness collides
// for 2^-27 to 91% of seeds, which these sample sizes would see.
#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "catch_shim.hpp"
#include "sluice/hash.hpp"
#include "test_support.hpp"

namespace hash_test_seed_attacks {

namespace {

using bytes = std::vector<unsigned char>;

void put64(bytes& m, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) m[at + static_cast<std::size_t>(i)] = static_cast<unsigned char>(v >> (8 * i));
}
std::uint64_t get64(const bytes& m, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | m[at + static_cast<std::size_t>(i)];
  return v;
}
bytes random_message(sluice_test::rng& rng, std::size_t len) {
  bytes m(len);
  for (auto& b : m) b = static_cast<unsigned char>(rng.next());
  return m;
}

// Counts seeds (out of `seeds`) for which the pair collides, in hash64 or either half of
// hash128.
std::size_t colliding_seeds(const bytes& a, const bytes& b, std::size_t seeds, std::uint64_t rng_seed) {
  sluice_test::rng rng(rng_seed);
  std::size_t count = 0;
  for (std::size_t i = 0; i < seeds; ++i) {
    const std::uint64_t seed = rng.next();
    const sluice::hash128_t ha = sluice::hash128(a.data(), a.size(), seed);
    const sluice::hash128_t hb = sluice::hash128(b.data(), b.size(), seed);
    count += sluice::hash64(a.data(), a.size(), seed) == sluice::hash64(b.data(), b.size(), seed);
    count += ha.high == hb.high;
  }
  return count;
}

}  // namespace

TEST_CASE("complemented word pairs (xxHash 1127) never collide", "[hash]") {
  sluice_test::rng rng(1127);
  const std::size_t seeds = sluice_test::scaled(400);
  for (std::size_t len : {16u, 17u, 24u, 32u, 48u, 64u, 65u, 96u, 128u, 129u, 200u, 240u, 256u, 512u, 1024u, 3000u}) {
    for (std::size_t at = 0; at + 16 <= len; at += (len > 300 ? 256 : 16)) {
      bytes m1 = random_message(rng, len);
      put64(m1, at + 8, ~get64(m1, at));  // w1 == ~w0
      bytes m2 = m1;
      put64(m2, at, ~get64(m1, at));
      put64(m2, at + 8, ~get64(m1, at + 8));
      bytes m3 = m1;  // the first word alone complemented
      put64(m3, at, ~get64(m1, at));
      CAPTURE(len, at);
      CHECK(colliding_seeds(m1, m2, seeds, len * 7 + at) == 0);
      CHECK(colliding_seeds(m1, m3, seeds, len * 11 + at) == 0);
      // Top bits flipped in both words: the other arithmetic-structured xor difference.
      bytes m4 = m1;
      put64(m4, at, get64(m1, at) ^ 0x8000000000000000ull);
      put64(m4, at + 8, get64(m1, at + 8) ^ 0x8000000000000000ull);
      CHECK(colliding_seeds(m1, m4, seeds, len * 13 + at) == 0);
    }
  }
}

TEST_CASE("a word equal to a public constant does not erase its partner (rapidhash 10, 25)", "[hash]") {
  sluice_test::rng rng(25);
  const std::size_t seeds = sluice_test::scaled(200);
  using sluice::detail::hashing::constants;
  for (std::size_t len : {8u, 16u, 24u, 32u, 48u, 64u, 192u, 256u, 1024u}) {
    for (std::size_t at = 0; at + 16 <= len || (len == 8 && at == 0); at += 8) {
      for (std::uint64_t constant : constants) {
        bytes m1 = random_message(rng, len);
        put64(m1, at, constant);
        bytes m2 = m1;
        // Change a different word (the multiplication partner in a keyless design).
        const std::size_t other = len == 8 ? 0 : (at + 8 < len ? at + 8 : at - 8);
        if (other == at) {
          put64(m2, at, constant ^ 1);
        } else {
          put64(m2, other, get64(m1, other) ^ rng.next());
        }
        CAPTURE(len, at, constant);
        CHECK(colliding_seeds(m1, m2, seeds, at * 131 + len) == 0);
      }
      if (len == 8) break;
    }
  }
}

TEST_CASE("tied lanes with swapped contents never collide (komihash 23)", "[hash]") {
  sluice_test::rng rng(23);
  const std::size_t seeds = sluice_test::scaled(2000);
  for (std::size_t len : {32u, 64u, 96u, 127u, 128u, 256u}) {
    // Lane A reads words (0,1), lane B words (2,3) of each 32-byte step: make them equal,
    // then swap the lanes' contents in one step of the second message.
    bytes m1 = random_message(rng, len);
    for (std::size_t i = 0; i < 16; ++i) m1[16 + i] = m1[i];
    bytes m2 = m1;
    for (std::size_t i = 0; i < 16; ++i) m2[16 + i] = static_cast<unsigned char>(m1[i] ^ 0x5a);
    bytes m3 = m1;  // the two 16-byte halves of the first step differ by one bit...
    m3[0] ^= 1;
    bytes m4 = m3;  // ...and are swapped in the second message
    std::swap_ranges(m4.begin(), m4.begin() + 16, m4.begin() + 16);
    CAPTURE(len);
    CHECK(colliding_seeds(m3, m4, seeds, len) == 0);
    CHECK(colliding_seeds(m1, m2, seeds, len + 1) == 0);
  }
}

TEST_CASE("long inputs: swapped or shifted stripes never collide", "[hash]") {
  sluice_test::rng rng(64);
  const std::size_t seeds = sluice_test::scaled(300);
  for (std::size_t len : {320u, 1024u, 1025u, 2048u, 4096u}) {
    const bytes m1 = random_message(rng, len);
    // Two stripes of one block swapped: their products use different keys.
    bytes swapped = m1;
    std::swap_ranges(swapped.begin(), swapped.begin() + 64, swapped.begin() + 128);
    // A word moved to the next stripe one lane down: it meets the same key there.
    bytes shifted = m1;
    put64(shifted, 64 + 8 * 2, get64(m1, 8 * 3));
    put64(shifted, 8 * 3, get64(m1, 64 + 8 * 2));
    // Two stripes complemented in one lane: structured product differences.
    bytes complemented = m1;
    put64(complemented, 8, ~get64(m1, 8));
    put64(complemented, 64 + 8, ~get64(m1, 64 + 8));
    // Words equal to their stripe neighbour, then swapped across blocks.
    bytes across = m1;
    if (len > 1024 + 64) {
      std::swap_ranges(across.begin(), across.begin() + 64, across.begin() + 1024);
    } else {
      across[0] ^= 0x80;
      across[len - 1] ^= 0x80;
    }
    CAPTURE(len);
    CHECK(colliding_seeds(m1, swapped, seeds, len) == 0);
    CHECK(colliding_seeds(m1, shifted, seeds, len + 1) == 0);
    CHECK(colliding_seeds(m1, complemented, seeds, len + 2) == 0);
    CHECK(colliding_seeds(m1, across, seeds, len + 3) == 0);
  }
}

TEST_CASE("inputs differing only in length or trailing zeros hash apart for every seed", "[hash]") {
  sluice_test::rng rng(5);
  const bytes zeros(300, 0);
  for (int i = 0; i < 200; ++i) {
    const std::uint64_t seed = rng.next();
    for (std::size_t len = 0; len < 299; len += (len < 40 ? 1 : 23)) {
      CAPTURE(seed, len);
      REQUIRE(sluice::hash64(zeros.data(), len, seed) != sluice::hash64(zeros.data(), len + 1, seed));
    }
  }
}

TEST_CASE("medium inputs: swapped, repeated or cancelled 32-byte steps never collide", "[hash]") {
  // Each 32-byte step xors its words straight into the previous products of its lanes: the
  // pairs below would collide if steps commuted, if a step could be undone by repeating it,
  // or if lane A's and lane B's words could trade places.
  sluice_test::rng rng(33);
  const std::size_t seeds = sluice_test::scaled(1000);
  for (std::size_t len : {48u, 63u, 64u, 96u, 128u, 200u, 256u}) {
    const bytes m1 = random_message(rng, len);
    bytes swapped = m1;  // the first two steps (or the first step and the tail) exchanged
    const std::size_t second = len >= 64 ? 32 : len - 32;
    for (std::size_t i = 0; i < 32; ++i) swapped[i] = m1[second + i];
    for (std::size_t i = 0; i < 32; ++i) swapped[second + i] = m1[i];
    bytes repeated = m1;  // the second step a copy of the first
    for (std::size_t i = 0; i < 32; ++i) repeated[second + i] = m1[i];
    bytes repeated_other = repeated;  // ...and another message with the same property
    for (std::size_t i = 0; i < 32; ++i) {
      repeated_other[i] ^= 0x55;
      repeated_other[second + i] ^= 0x55;
    }
    bytes lanes = m1;  // lane A's and lane B's 16 bytes exchanged in the first step
    std::swap_ranges(lanes.begin(), lanes.begin() + 16, lanes.begin() + 16);
    CAPTURE(len);
    if (swapped != m1) CHECK(colliding_seeds(m1, swapped, seeds, len * 3) == 0);
    CHECK(colliding_seeds(repeated, repeated_other, seeds, len * 5) == 0);
    CHECK(colliding_seeds(m1, lanes, seeds, len * 7) == 0);
  }
}

}  // namespace hash_test_seed_attacks
