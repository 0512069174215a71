// Hash-flooding keys: a family of 16-byte keys that all collide for one known seed, built from
// the documented algorithm (tests/hash/model.hpp): for 9..16-byte inputs the state is the
// product (first 8 bytes ^ k0) * (last 8 bytes ^ k1), where (k0, k1) derive from the seed, so
// keys whose first 8 bytes equal k0 all reach state 0 and hash alike, whatever their tail.
// Shared by the robustness tests and the soak benchmark. If the hash changes, update this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hash/model.hpp"

namespace flooding {

// Writes `v` little-endian at out[at..at+8). (Filling a sized string rather than appending
// also keeps GCC 12 -O3 from a false -Warray-bounds inside std::string growth.)
inline void put_le(std::string& out, std::size_t at, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) out[at + i] = static_cast<char>(v >> (8 * i));
}

// `count` distinct 16-byte keys that collide under `seed`.
inline std::vector<std::string> colliding_keys(std::uint64_t seed, std::size_t count) {
  const std::uint64_t k0 = hash_model::keys_for(seed, 0).lo;
  std::vector<std::string> keys;
  keys.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string key(16, '\0');
    put_le(key, 0, k0);
    put_le(key, 8, 0x9e3779b97f4a7c15ull * (i + 1));
    keys.push_back(std::move(key));
  }
  return keys;
}

// `count` distinct 16-byte keys with random-looking content (the control group).
inline std::vector<std::string> ordinary_keys(std::uint64_t salt, std::size_t count) {
  std::vector<std::string> keys;
  keys.reserve(count);
  std::uint64_t state = salt;
  for (std::size_t i = 0; i < count; ++i) {
    std::string key(16, '\0');
    state += 0x9e3779b97f4a7c15ull;
    put_le(key, 0, state ^ (state >> 29));
    put_le(key, 8, i);
    keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace flooding
