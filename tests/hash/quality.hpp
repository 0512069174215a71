// Statistical measurements shared by the quality tests, applied to sluice and to FNV-1a
// (the negative control every threshold must reject).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "sluice/hash.hpp"
#include "test_support.hpp"

namespace hash_quality {

using hash_function = std::uint64_t (*)(const unsigned char*, std::size_t, std::uint64_t);

inline std::uint64_t sluice_hash(const unsigned char* p, std::size_t n, std::uint64_t seed) {
  return sluice::hash64(p, n, seed);
}

// FNV-1a, 64-bit, with the seed xored into the offset basis.
inline std::uint64_t fnv1a(const unsigned char* p, std::size_t n, std::uint64_t seed) {
  std::uint64_t h = 0xcbf29ce484222325ull ^ seed;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

inline int popcount(std::uint64_t v) {
  int c = 0;
  for (; v != 0; v &= v - 1) ++c;
  return c;
}

// Strict avalanche: the largest |P(output bit j flips | input bit i flips) - 1/2| over all
// sampled (i, j), from `samples` random keys of `len` bytes.
inline double avalanche_bias(hash_function f, std::size_t len, std::size_t samples,
                             std::uint64_t seed_for_keys) {
  sluice_test::rng rng(seed_for_keys);
  const std::size_t bits = len * 8;
  const std::size_t step = bits > 256 ? bits / 128 : 1;  // sample input bits of long keys
  std::vector<unsigned> flips(bits * 64, 0);
  std::vector<unsigned char> key(len);
  for (std::size_t s = 0; s < samples; ++s) {
    for (auto& b : key) b = static_cast<unsigned char>(rng.next());
    const std::uint64_t seed = rng.next();
    const std::uint64_t base = f(key.data(), len, seed);
    for (std::size_t bit = 0; bit < bits; bit += step) {
      key[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
      std::uint64_t diff = base ^ f(key.data(), len, seed);
      key[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
      for (int j = 0; j < 64; ++j) flips[bit * 64 + static_cast<std::size_t>(j)] += static_cast<unsigned>((diff >> j) & 1u);
    }
  }
  double worst = 0;
  for (std::size_t bit = 0; bit < bits; bit += step)
    for (std::size_t j = 0; j < 64; ++j)
      worst = std::max(worst, std::fabs(flips[bit * 64 + j] / static_cast<double>(samples) - 0.5));
  return worst;
}

// Seed avalanche: the same, flipping bits of the seed instead of the key.
inline double seed_avalanche_bias(hash_function f, std::size_t len, std::size_t samples) {
  sluice_test::rng rng(len * 31 + 5);
  std::vector<unsigned> flips(64 * 64, 0);
  std::vector<unsigned char> key(len);
  for (std::size_t s = 0; s < samples; ++s) {
    for (auto& b : key) b = static_cast<unsigned char>(rng.next());
    const std::uint64_t seed = rng.next();
    const std::uint64_t base = f(key.data(), len, seed);
    for (int bit = 0; bit < 64; ++bit) {
      std::uint64_t diff = base ^ f(key.data(), len, seed ^ (1ull << bit));
      for (int j = 0; j < 64; ++j) flips[static_cast<std::size_t>(bit * 64 + j)] += static_cast<unsigned>((diff >> j) & 1u);
    }
  }
  double worst = 0;
  for (unsigned count : flips) worst = std::max(worst, std::fabs(count / static_cast<double>(samples) - 0.5));
  return worst;
}

// Bit independence: the largest |correlation| between the flips of two output bits when one
// input bit flips, over sampled input bits and all output pairs.
inline double bit_independence_bias(hash_function f, std::size_t len, std::size_t samples) {
  sluice_test::rng rng(len * 17 + 3);
  std::vector<unsigned char> key(len);
  double worst = 0;
  const std::size_t bits = len * 8;
  for (std::size_t bit = 0; bit < bits; bit += std::max<std::size_t>(1, bits / 16)) {
    std::vector<std::uint64_t> diffs(samples);
    for (std::size_t s = 0; s < samples; ++s) {
      for (auto& b : key) b = static_cast<unsigned char>(rng.next());
      const std::uint64_t seed = rng.next();
      const std::uint64_t base = f(key.data(), len, seed);
      key[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
      diffs[s] = base ^ f(key.data(), len, seed);
    }
    for (int j = 0; j < 64; ++j)
      for (int k = j + 1; k < 64; ++k) {
        double n = static_cast<double>(samples), sj = 0, sk = 0, sjk = 0;
        for (std::uint64_t d : diffs) {
          const double a = static_cast<double>((d >> j) & 1u), b = static_cast<double>((d >> k) & 1u);
          sj += a;
          sk += b;
          sjk += a * b;
        }
        const double cov = sjk / n - (sj / n) * (sk / n);
        const double var = (sj / n) * (1 - sj / n) * (sk / n) * (1 - sk / n);
        const double corr = var <= 0 ? 1.0 : std::fabs(cov) / std::sqrt(var);
        worst = std::max(worst, corr);
      }
  }
  return worst;
}

using hash128_function = sluice::hash128_t (*)(const unsigned char*, std::size_t);

// Bit independence of 128-bit hashes for pairs of output bits 32 and 64 apart (where a mix
// built from 32-bit shifts and rotations or from the two halves of one product leaves its
// correlations): the largest |correlation| between the flips of the two bits of a pair, over
// every input bit of `len`-byte keys (seed 0, `samples` random keys per input bit).
inline double pair_independence_bias_128(hash128_function f, std::size_t len, std::size_t samples) {
  sluice_test::rng rng(len * 7 + 1);
  std::vector<unsigned char> key(len);
  double worst = 0;
  for (std::size_t bit = 0; bit < len * 8; ++bit) {
    std::vector<double> flips(128, 0), both(2 * 128, 0);  // both[d * 128 + j]: j and j + 32(d + 1)
    for (std::size_t s = 0; s < samples; ++s) {
      for (auto& b : key) b = static_cast<unsigned char>(rng.next());
      const sluice::hash128_t before = f(key.data(), len);
      key[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
      const sluice::hash128_t after = f(key.data(), len);
      const std::uint64_t d[2] = {before.low ^ after.low, before.high ^ after.high};
      auto flipped = [&](int j) { return static_cast<double>((d[j / 64] >> (j % 64)) & 1u); };
      for (int j = 0; j < 128; ++j) {
        const double a = flipped(j);
        flips[static_cast<std::size_t>(j)] += a;
        if (j + 32 < 128) both[static_cast<std::size_t>(j)] += a * flipped(j + 32);
        if (j + 64 < 128) both[static_cast<std::size_t>(128 + j)] += a * flipped(j + 64);
      }
    }
    const double n = static_cast<double>(samples);
    for (int distance = 1; distance <= 2; ++distance)
      for (int j = 0; j + 32 * distance < 128; ++j) {
        const double pj = flips[static_cast<std::size_t>(j)] / n;
        const double pk = flips[static_cast<std::size_t>(j + 32 * distance)] / n;
        const double cov = both[static_cast<std::size_t>((distance - 1) * 128 + j)] / n - pj * pk;
        const double var = pj * (1 - pj) * pk * (1 - pk);
        worst = std::max(worst, var <= 0 ? 1.0 : std::fabs(cov) / std::sqrt(var));
      }
  }
  return worst;
}

// A bound on collisions() that a random function meets: n^2/2^(bits+1) colliding pairs are
// expected (Poisson); three times that plus 3 leaves a tail far below one in a million.
inline std::size_t allowed_collisions(std::size_t n, int bits = 32) {
  const double expected = static_cast<double>(n) * static_cast<double>(n) / std::ldexp(1.0, bits + 1);
  return static_cast<std::size_t>(3 * expected) + 3;
}

// Number of equal pairs among `hashes` (after masking to `bits` low bits).
inline std::size_t collisions(std::vector<std::uint64_t> hashes, int bits = 64) {
  if (bits < 64)
    for (auto& h : hashes) h &= (1ull << bits) - 1;
  std::sort(hashes.begin(), hashes.end());
  std::size_t count = 0;
  for (std::size_t i = 1; i < hashes.size(); ++i) count += hashes[i] == hashes[i - 1];
  return count;
}

}  // namespace hash_quality
