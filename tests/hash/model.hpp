// A deliberately naive reference model of sluice's hash: byte-at-a-time little-endian reads,
// a schoolbook 64x64->128 multiply from 32-bit limbs, one lane at a time, no SIMD, no
// shortcuts. Written from the algorithm's description in docs/hash.md, not from the header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hash_model {

using u64 = std::uint64_t;

inline constexpr u64 k[16] = {
    0xb48da81e14e6d8f5ull, 0x8439ca532e3b7953ull, 0xa4f49d91e91d9447ull, 0x671d61a523326767ull,
    0x3c0db628f0c7b593ull, 0x353b06365e39332dull, 0xb08fe9961705b2e3ull, 0xb0b54526b656ee19ull,
    0x64651e25f48cad97ull, 0xcb35e36ae1546a0bull, 0x3355dbb0d1412addull, 0xd2b58e79412195f9ull,
    0xc6176bab4ebc5821ull, 0xc91a6845fa9caab5ull, 0x9fc6810d46b57137ull, 0x842271f4c49bdeabull};

struct u128 {
  u64 lo, hi;
};

inline u128 mul(u64 a, u64 b) {
  u64 limbs[4] = {0, 0, 0, 0};  // 32-bit limbs of the product, with carries
  const u64 x[2] = {a & 0xffffffffu, a >> 32};
  const u64 y[2] = {b & 0xffffffffu, b >> 32};
  for (int i = 0; i < 2; ++i) {
    u64 carry = 0;
    for (int j = 0; j < 2; ++j) {
      u64 t = x[i] * y[j];
      u64 sum_lo = (limbs[i + j] + (t & 0xffffffffu) + carry);
      limbs[i + j] = sum_lo & 0xffffffffu;
      carry = (sum_lo >> 32) + (t >> 32);
    }
    int idx = i + 2;
    while (carry != 0 && idx < 4) {
      u64 sum = limbs[idx] + carry;
      limbs[idx] = sum & 0xffffffffu;
      carry = sum >> 32;
      ++idx;
    }
  }
  return {limbs[0] | (limbs[1] << 32), limbs[2] | (limbs[3] << 32)};
}

inline u64 rotl(u64 v, int r) { return (v << r) | (v >> (64 - r)); }

inline u64 le(const unsigned char* p, int bytes) {
  u64 v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

inline u128 keys_for(u64 seed, int index) {
  u128 m = mul(seed ^ k[index], k[(2 * index + 1) % 16]);
  return {m.lo ^ m.hi, m.lo + rotl(m.hi, 32)};
}

inline u128 lane_step(u128 state, u64 w0, u64 w1) { return mul(state.lo ^ w0, state.hi ^ w1); }

inline u128 state_of(const unsigned char* p, std::size_t n, u64 seed) {
  if (n <= 16) {
    u64 a = 0, b = 0;
    if (n >= 8) {
      a = le(p, 8);
      b = le(p + n - 8, 8);
    } else if (n >= 4) {
      a = (le(p, 4) << 32) | le(p + n - 4, 4);
      b = a;
    } else if (n >= 1) {
      a = (u64{p[0]} << 16) | (u64{p[n / 2]} << 8) | p[n - 1];
      b = a;
    }
    u128 key = keys_for(seed, 0);
    return mul(a ^ key.lo, b ^ key.hi);
  }
  if (n <= 256) {
    // Each lane starts from its seed-derived key pair xored with two constants.
    const u128 key_a = keys_for(seed, 0), key_b = keys_for(seed, 1);
    u128 lane_a{key_a.lo ^ k[8], key_a.hi ^ k[9]}, lane_b{key_b.lo ^ k[10], key_b.hi ^ k[11]};
    std::size_t offset = 0;
    while (n - offset > 32) {
      lane_a = lane_step(lane_a, le(p + offset, 8), le(p + offset + 8, 8));
      lane_b = lane_step(lane_b, le(p + offset + 16, 8), le(p + offset + 24, 8));
      offset += 32;
    }
    std::size_t tail = n >= 32 ? n - 32 : 0;
    lane_a = lane_step(lane_a, le(p + tail, 8), le(p + tail + 8, 8));
    lane_b = lane_step(lane_b, le(p + n - 16, 8), le(p + n - 8, 8));
    return {lane_a.lo ^ lane_b.hi, lane_a.hi ^ lane_b.lo};
  }
  std::vector<u64> keys;
  for (int i = 0; i < 16; ++i) {
    u128 pair = keys_for(seed, i);
    keys.push_back(pair.lo);
    keys.push_back(pair.hi);
  }
  u64 acc[8];
  for (int i = 0; i < 8; ++i) acc[i] = k[8 + i];
  auto stripe = [&](std::size_t at, std::size_t key_offset) {
    for (std::size_t lane = 0; lane < 8; ++lane) {
      u64 data = le(p + at + 8 * lane, 8);
      u64 keyed = data ^ keys[key_offset + lane];
      acc[lane ^ 1] += data;
      acc[lane] += (keyed & 0xffffffffu) * (keyed >> 32);
    }
  };
  std::size_t at = 0;
  std::size_t stripe_in_block = 0;
  // Every stripe that still leaves at least one byte after it, 16 per block with a scramble
  // after each full block, then the last 64 bytes with key offset 16.
  while (n - at > 64) {
    stripe(at, stripe_in_block);
    at += 64;
    if (++stripe_in_block == 16) {
      for (int lane = 0; lane < 8; ++lane) {
        u64 v = acc[lane];
        v ^= v >> 47;
        v ^= keys[24 + static_cast<std::size_t>(lane)];
        acc[lane] = v * 0xdd5b2261u;
      }
      stripe_in_block = 0;
    }
  }
  stripe(n - 64, 16);
  u128 state{k[0], k[1]};
  for (int i = 0; i < 4; ++i) state = mul(state.lo ^ acc[2 * i], state.hi ^ acc[2 * i + 1]);
  return state;
}

inline u128 finish(u128 state, std::size_t n) {
  const u128 spread = mul(static_cast<u64>(n) ^ k[14], k[15]);
  return mul(state.lo ^ k[12] ^ spread.hi, state.hi ^ k[13] ^ spread.lo);
}

inline u64 hash64(const unsigned char* p, std::size_t n, u64 seed) {
  u128 f = finish(state_of(p, n, seed), n);
  return f.lo ^ f.hi;
}

inline u128 hash128(const unsigned char* p, std::size_t n, u64 seed) {
  const u128 state = state_of(p, n, seed);
  const u128 f = finish(state, n);
  const u128 spread = mul(static_cast<u64>(n) ^ k[14], k[15]);
  const u128 g = mul(state.lo ^ k[12] ^ spread.hi ^ k[6], state.hi ^ k[13] ^ spread.lo ^ k[7]);
  return {f.lo ^ f.hi, g.lo ^ g.hi};
}

}  // namespace hash_model
