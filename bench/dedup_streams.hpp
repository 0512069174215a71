// The streams of the window dedup benchmarks (dedup_bench, dedup_offer_loop): `live` keys
// per window, half the records repeating a recent key, time advancing one unit per record with
// a little disorder. Header-only; each program draws the same records.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sluice/dedup.hpp"

namespace dedup_streams {

// Every contender hashes under this seed.
inline constexpr std::uint64_t seed = 0x2545F4914F6CDD1Dull;
// How far behind the latest event time the watermark stays: the streams' disorder is at most 15.
inline constexpr std::int64_t lateness = 16;

inline std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct u64_record {
  std::uint64_t key;
  std::int64_t time;
};
struct text_record {
  std::string key;
  std::int64_t time;
};
struct u64_key_of {
  std::uint64_t operator()(const u64_record& r) const noexcept { return r.key; }
};
struct text_key_of {
  const std::string& operator()(const text_record& r) const noexcept { return r.key; }
};
struct time_of {
  template <class R>
  std::int64_t operator()(const R& r) const noexcept { return r.time; }
};

inline std::string uuid(std::uint64_t& state) {
  static const char digits[] = "0123456789abcdef";
  std::string s(36, '-');
  std::uint64_t a = splitmix(state), b = splitmix(state);
  for (std::size_t i = 0, bit = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    const std::uint64_t word = bit < 64 ? a : b;
    s[i] = digits[(word >> (bit % 64)) & 15u];
    bit += 4;
  }
  return s;
}

// A stream with `live` keys per window, half the records repeating a key from the last half
// window; time advances one unit per record with up to 15 units of disorder.
template <class Record>
std::vector<Record> make_stream(std::size_t live, std::size_t windows, Record (*make)(std::uint64_t&, std::int64_t),
                                std::int64_t& window) {
  window = static_cast<std::int64_t>(2 * live);
  const std::size_t n = windows * 2 * live;
  std::vector<Record> records;
  records.reserve(n);
  std::vector<std::size_t> fresh;  // indices of records that introduced a key
  fresh.reserve(n / 2 + 16);
  std::uint64_t state = 12345;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t time = static_cast<std::int64_t>(i) - static_cast<std::int64_t>(splitmix(state) % 16);
    if (fresh.size() > 16 && splitmix(state) % 2 == 0) {
      const std::size_t span = std::min(fresh.size(), live / 2);
      Record r = records[fresh[fresh.size() - 1 - splitmix(state) % span]];
      r.time = time;
      records.push_back(std::move(r));
    } else {
      fresh.push_back(records.size());
      records.push_back(make(state, time));
    }
  }
  return records;
}
inline u64_record make_u64(std::uint64_t& state, std::int64_t time) { return {splitmix(state), time}; }
inline text_record make_text(std::uint64_t& state, std::int64_t time) { return {uuid(state), time}; }

// The window_dedup configuration of a stream whose window is `window` (make_stream's).
inline sluice::window_dedup_config stream_config(std::int64_t window) {
  sluice::window_dedup_config config;
  config.window = window;
  config.allowed_lateness = lateness;
  config.seed = seed;
  return config;
}

}  // namespace dedup_streams
