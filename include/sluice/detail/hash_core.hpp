// Machinery behind sluice/hash.hpp: the portable scalar reference of the algorithm.
// The SIMD kernels in hash_simd.hpp reproduce `long_accumulate_scalar` bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "sluice/detail/config.hpp"

SLUICE_NAMESPACE_BEGIN

namespace detail {
namespace hashing {

using u64 = std::uint64_t;

// Odd 64-bit constants with 32 set bits each (drawn from splitmix64, then filtered).
inline constexpr u64 constants[16] = {
    0xb48da81e14e6d8f5ull, 0x8439ca532e3b7953ull, 0xa4f49d91e91d9447ull, 0x671d61a523326767ull,
    0x3c0db628f0c7b593ull, 0x353b06365e39332dull, 0xb08fe9961705b2e3ull, 0xb0b54526b656ee19ull,
    0x64651e25f48cad97ull, 0xcb35e36ae1546a0bull, 0x3355dbb0d1412addull, 0xd2b58e79412195f9ull,
    0xc6176bab4ebc5821ull, 0xc91a6845fa9caab5ull, 0x9fc6810d46b57137ull, 0x842271f4c49bdeabull};
// Odd 32-bit multiplier of the long-input scramble (16 set bits, top bit set).
inline constexpr std::uint32_t scramble_multiplier = 0xdd5b2261u;

inline constexpr std::size_t short_max = 16;        // 0..16 bytes: one multiplication, then finish
inline constexpr std::size_t medium_max = 256;      // 17..256: two chained 128-bit lanes
inline constexpr std::size_t inline_max = 64;       // classes up to here inline into callers
inline constexpr std::size_t stripe_bytes = 64;     // long inputs: 8 lanes of 8 bytes
inline constexpr std::size_t block_stripes = 16;    // stripes between two scrambles
inline constexpr std::size_t block_bytes = stripe_bytes * block_stripes;
inline constexpr std::size_t long_key_count = 32;   // seed-derived keys of the long path
inline constexpr std::size_t last_stripe_key = 16;  // key offset of the final (overlapping) stripe
inline constexpr std::size_t scramble_key = 24;     // key offset of the scramble

struct pair64 {
  u64 low;
  u64 high;
};

// Full 64x64->128 product.
SLUICE_ALWAYS_INLINE constexpr pair64 multiply(u64 a, u64 b) noexcept {
#if defined(__SIZEOF_INT128__)
  __extension__ using u128 = unsigned __int128;
  const u128 product = static_cast<u128>(a) * b;
  return {static_cast<u64>(product), static_cast<u64>(product >> 64)};
#else
  const u64 a_low = a & 0xffffffffu, a_high = a >> 32;
  const u64 b_low = b & 0xffffffffu, b_high = b >> 32;
  const u64 low_low = a_low * b_low;
  const u64 high_low = a_high * b_low;
  const u64 low_high = a_low * b_high;
  const u64 high_high = a_high * b_high;
  const u64 middle = (low_low >> 32) + (high_low & 0xffffffffu) + low_high;
  return {(middle << 32) | (low_low & 0xffffffffu), high_high + (high_low >> 32) + (middle >> 32)};
#endif
}

// Both halves of the product folded into 64 bits.
SLUICE_ALWAYS_INLINE u64 multiply_fold(u64 a, u64 b) noexcept {
  const pair64 product = multiply(a, b);
  return product.low ^ product.high;
}

SLUICE_ALWAYS_INLINE u64 rotate_left(u64 value, unsigned bits) noexcept {
  return (value << bits) | (value >> (64u - bits));
}

SLUICE_ALWAYS_INLINE u64 byte_swap(u64 value) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  return __builtin_bswap64(value);
#else
  value = ((value & 0x00ff00ff00ff00ffull) << 8) | ((value >> 8) & 0x00ff00ff00ff00ffull);
  value = ((value & 0x0000ffff0000ffffull) << 16) | ((value >> 16) & 0x0000ffff0000ffffull);
  return (value << 32) | (value >> 32);
#endif
}

// Little-endian loads from any address.
SLUICE_ALWAYS_INLINE u64 read64(const unsigned char* p) noexcept {
  u64 value;
  std::memcpy(&value, p, sizeof value);
#if SLUICE_BIG_ENDIAN()
  value = byte_swap(value);
#endif
  return value;
}

SLUICE_ALWAYS_INLINE u64 read32(const unsigned char* p) noexcept {
  std::uint32_t value;
  std::memcpy(&value, p, sizeof value);
#if SLUICE_BIG_ENDIAN()
  value = static_cast<std::uint32_t>(byte_swap(value) >> 32);
#endif
  return value;
}

// Seed-derived keys, two per multiplication: nonlinear functions of the seed with no known
// xor, additive or rotational relation between them, so an attacker who does not know the
// seed can neither zero a multiplication operand nor tie two lanes together.
// The multiplier index 2i+1 never pairs i with j and j with i (multiplication commutes: with
// seed 0 such a pair would give two equal keys).
SLUICE_ALWAYS_INLINE pair64 derive_keys(u64 seed, unsigned index) noexcept {
  const pair64 product = multiply(seed ^ constants[index], constants[(2 * index + 1) & 15u]);
  return {product.low ^ product.high, product.low + rotate_left(product.high, 32)};
}

// The keys of the last multiplication for a length: the length spread over 128 bits by one
// multiplication, halves swapped, xored with two constants. Keys whose compressed states
// agree, such as all-zero keys of nearby lengths, must not reach the last multiplication with
// operands that differ only in a few low bits: the differences of their hashes would repeat
// (a full SMHasher3 run caught exactly that).
constexpr pair64 finish_key_of(std::size_t len) noexcept {
  const pair64 spread = multiply(static_cast<u64>(len) ^ constants[14], constants[15]);
  return {constants[12] ^ spread.high, constants[13] ^ spread.low};
}

// hash128's second product takes the same operands xored with two more constants.
constexpr pair64 second_key(pair64 finish_key) noexcept {
  return {finish_key.low ^ constants[6], finish_key.high ^ constants[7]};
}

// Both keys of every length hashed inline, so that short keys spend no multiplication (and no
// registers) on their length; hash64 reads `first` (1 KiB), hash128 both.
struct finish_key_table {
  pair64 first[inline_max + 1];
  pair64 second[inline_max + 1];
};
constexpr finish_key_table make_finish_key_table() noexcept {
  finish_key_table table{};
  for (std::size_t len = 0; len <= inline_max; ++len) {
    table.first[len] = finish_key_of(len);
    table.second[len] = second_key(table.first[len]);
  }
  return table;
}
inline constexpr finish_key_table finish_keys = make_finish_key_table();

SLUICE_ALWAYS_INLINE pair64 keyed(pair64 state, pair64 key) noexcept {
  return {state.low ^ key.low, state.high ^ key.high};
}

// The last step of every length class, hash64: one multiplication of the 128-bit compressed
// state xored with the length's key, the product's halves folded together. (The shapes of
// finish64 and finish128 are the ones GCC 12 compiled best into callers' loops.)
SLUICE_ALWAYS_INLINE u64 finish64(pair64 state, std::size_t len) noexcept {
  const pair64 operands = SLUICE_LIKELY(len <= inline_max) ? keyed(state, finish_keys.first[len])
                                                           : keyed(state, finish_key_of(len));
  return multiply_fold(operands.low, operands.high);
}

// hash128: the hash64 value, and beside it a second product of the state under the second
// key, folded the same way. The two multiplications run in parallel and each half is as well
// mixed as hash64. (Algorithm version 2 derived the high half from the first product through
// a 64-bit mix: a dependent chain that made hash128 1.7x the latency of hash64.)
SLUICE_ALWAYS_INLINE pair64 finish128(pair64 state, std::size_t len) noexcept {
  pair64 key1, key2;
  if (SLUICE_LIKELY(len <= inline_max)) {
    key1 = finish_keys.first[len];
    key2 = finish_keys.second[len];
  } else {
    key1 = finish_key_of(len);
    key2 = second_key(key1);
  }
  const pair64 first = keyed(state, key1), second = keyed(state, key2);
  return {multiply_fold(first.low, first.high), multiply_fold(second.low, second.high)};
}

// 0..16 bytes: two words that together cover every byte, each xored with its own
// seed-derived key, multiplied to a 128-bit state.
SLUICE_ALWAYS_INLINE pair64 compress_short_keyed(const unsigned char* p, std::size_t len,
                                                 pair64 keys) noexcept {
  u64 a = 0, b = 0;
  if (len >= 8) {
    a = read64(p);
    b = read64(p + len - 8);
  } else if (len >= 4) {
    a = (read32(p) << 32) | read32(p + len - 4);
    b = a;
  } else if (len > 0) {
    a = (u64{p[0]} << 16) | (u64{p[len >> 1]} << 8) | u64{p[len - 1]};
    b = a;
  }
  return multiply(a ^ keys.low, b ^ keys.high);
}

SLUICE_ALWAYS_INLINE pair64 compress_short(const unsigned char* p, std::size_t len,
                                           u64 seed) noexcept {
  return compress_short_keyed(p, len, derive_keys(seed, 0));
}

// The 8-byte case of compress_short, as used by hash_u64 and the batch API.
SLUICE_ALWAYS_INLINE pair64 compress_word(u64 word, u64 key0, u64 key1) noexcept {
  return multiply(word ^ key0, word ^ key1);
}

// 17..medium_max bytes: two lanes, each a 128-bit state replaced by the full product of its
// halves xored with the next 16 bytes; the states start from seed-derived keys. The full
// product is kept (never folded to 64 bits) so that a structured difference in one block
// (complemented words, flipped top bits) cannot cancel inside the lane.
SLUICE_ALWAYS_INLINE pair64 medium_lane_start(u64 seed, unsigned lane) noexcept {
  const pair64 keys = derive_keys(seed, lane);
  return {keys.low ^ constants[8 + 2 * lane], keys.high ^ constants[9 + 2 * lane]};
}

SLUICE_ALWAYS_INLINE pair64 medium_step(pair64 lane, const unsigned char* p) noexcept {
  return multiply(lane.low ^ read64(p), lane.high ^ read64(p + 8));
}

SLUICE_ALWAYS_INLINE pair64 medium_merge(pair64 a, pair64 b) noexcept {
  return {a.low ^ b.high, a.high ^ b.low};
}

// 17..64 bytes, straight-line: one step per lane on the first 32 bytes (all of them when
// len <= 32, lane B then taking the last 16), a second on the last 32 (overlapping). The
// lanes start from `a` and `b` (medium_lane_start of the seed).
SLUICE_ALWAYS_INLINE pair64 compress_medium_upto64_from(const unsigned char* p, std::size_t len,
                                                        pair64 a, pair64 b) noexcept {
  const unsigned char* const end = p + len;
  if (len > 32) {
    a = medium_step(a, p);
    b = medium_step(b, p + 16);
    p = end - 32;
  }
  a = medium_step(a, p);
  b = medium_step(b, end - 16);
  return medium_merge(a, b);
}

SLUICE_ALWAYS_INLINE pair64 compress_medium_upto64(const unsigned char* p, std::size_t len,
                                                   u64 seed) noexcept {
  return compress_medium_upto64_from(p, len, medium_lane_start(seed, 0),
                                     medium_lane_start(seed, 1));
}

// 17..medium_max bytes: 32 bytes per step while more than 64 remain, then the last 33..64
// bytes as in compress_medium_upto64.
inline pair64 compress_medium_from(const unsigned char* p, std::size_t len, pair64 a,
                                   pair64 b) noexcept {
  const unsigned char* const end = p + len;
  if (len > 32) {
    while (static_cast<std::size_t>(end - p) > 64) {
      a = medium_step(a, p);
      b = medium_step(b, p + 16);
      p += 32;
    }
    a = medium_step(a, p);
    b = medium_step(b, p + 16);
    p = end - 32;
  }
  a = medium_step(a, p);
  b = medium_step(b, end - 16);
  return medium_merge(a, b);
}

inline pair64 compress_medium(const unsigned char* p, std::size_t len, u64 seed) noexcept {
  return compress_medium_from(p, len, medium_lane_start(seed, 0), medium_lane_start(seed, 1));
}

// Long inputs: 32 seed-derived keys, two per multiplication.
inline void derive_long_keys(u64 seed, u64* keys) noexcept {
  for (unsigned i = 0; i < 16; ++i) {
    const pair64 pair = derive_keys(seed, i);
    keys[2 * i] = pair.low;
    keys[2 * i + 1] = pair.high;
  }
}

// One 64-byte stripe into the eight accumulators. Each lane adds the 32x32->64 product of
// the halves of (data ^ key) and, in its neighbour lane, the raw data: a half that happens
// to cancel its key zeroes the product but never removes the data from the state.
SLUICE_ALWAYS_INLINE void accumulate_stripe_scalar(u64* acc, const unsigned char* p,
                                                   const u64* keys) noexcept {
  for (unsigned lane = 0; lane < 8; ++lane) {
    const u64 data = read64(p + 8 * lane);
    const u64 keyed = data ^ keys[lane];
    acc[lane ^ 1u] += data;
    acc[lane] += (keyed & 0xffffffffu) * (keyed >> 32);
  }
}

// Between blocks: a keyed bijection of each lane, so stripes never commute across blocks.
SLUICE_ALWAYS_INLINE void scramble_scalar(u64* acc, const u64* keys) noexcept {
  for (unsigned lane = 0; lane < 8; ++lane) {
    u64 value = acc[lane];
    value ^= value >> 47;
    value ^= keys[lane];
    acc[lane] = value * scramble_multiplier;
  }
}

// The reference long-input loop: full blocks (each followed by a scramble), the remaining
// full stripes, and the last 64 bytes (which may overlap the previous stripe) with their own
// keys. Requires len > stripe_bytes.
inline void long_accumulate_scalar(u64* acc, const unsigned char* p, std::size_t len,
                                   const u64* keys) noexcept {
  const std::size_t blocks = (len - 1) / block_bytes;
  for (std::size_t block = 0; block < blocks; ++block) {
    const unsigned char* block_start = p + block * block_bytes;
    for (std::size_t stripe = 0; stripe < block_stripes; ++stripe)
      accumulate_stripe_scalar(acc, block_start + stripe * stripe_bytes, keys + stripe);
    scramble_scalar(acc, keys + scramble_key);
  }
  const unsigned char* rest = p + blocks * block_bytes;
  const std::size_t stripes = (len - blocks * block_bytes - 1) / stripe_bytes;
  for (std::size_t stripe = 0; stripe < stripes; ++stripe)
    accumulate_stripe_scalar(acc, rest + stripe * stripe_bytes, keys + stripe);
  accumulate_stripe_scalar(acc, p + len - stripe_bytes, keys + last_stripe_key);
}

using long_accumulate_function = void (*)(u64*, const unsigned char*, std::size_t,
                                          const u64*) noexcept;

// Long inputs through the given accumulate kernel; every kernel yields the same bits. Kept out
// of line so that hash64 stays small enough to inline (and fold a constant seed).
SLUICE_NOINLINE inline pair64 compress_long(const unsigned char* p, std::size_t len, u64 seed,
                            long_accumulate_function accumulate) noexcept {
  u64 keys[long_key_count];
  derive_long_keys(seed, keys);
  u64 acc[8] = {constants[8], constants[9],  constants[10], constants[11],
                constants[12], constants[13], constants[14], constants[15]};
  accumulate(acc, p, len, keys);
  pair64 state{constants[0], constants[1]};
  for (unsigned i = 0; i < 4; ++i)
    state = multiply(state.low ^ acc[2 * i], state.high ^ acc[2 * i + 1]);
  return state;
}

}  // namespace hashing
}  // namespace detail

SLUICE_NAMESPACE_END
