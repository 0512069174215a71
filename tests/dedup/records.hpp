// Record types and small helpers shared by the dedup tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sluice/dedup.hpp"
#include "test_support.hpp"

namespace dedup_test {

struct event {
  std::uint64_t id;
  std::int64_t time;
};
struct id_of {
  std::uint64_t operator()(const event& e) const noexcept { return e.id; }
};
struct time_of {
  std::int64_t operator()(const event& e) const noexcept { return e.time; }
};

struct text_event {
  std::string id;
  std::int64_t time;
};
struct text_id_of {
  const std::string& operator()(const text_event& e) const noexcept { return e.id; }
};
struct text_time_of {
  std::int64_t operator()(const text_event& e) const noexcept { return e.time; }
};

// A composite key: (tenant, text id), returned by value.
struct tenant_event {
  std::uint32_t tenant;
  std::string id;
  std::int64_t time;
};
struct tenant_key_of {
  std::pair<std::uint32_t, std::string> operator()(const tenant_event& e) const { return {e.tenant, e.id}; }
};
struct tenant_time_of {
  std::int64_t operator()(const tenant_event& e) const noexcept { return e.time; }
};

// Builds a record of each kind from a small integer key, so one random stream drives all kinds.
inline event make(const event*, std::uint64_t key, std::int64_t time) { return event{key, time}; }
inline text_event make(const text_event*, std::uint64_t key, std::int64_t time) {
  return text_event{"user-" + std::to_string(key * 7919u) + (key % 3 == 0 ? "-with-a-longer-suffix" : ""), time};
}
inline tenant_event make(const tenant_event*, std::uint64_t key, std::int64_t time) {
  return tenant_event{static_cast<std::uint32_t>(key % 5), "order-" + std::to_string(key / 5), time};
}

inline bool same_counts(const sluice::dedup_stats& a, const sluice::dedup_stats& b) {
  return a.first == b.first && a.duplicate == b.duplicate && a.late == b.late &&
         a.over_budget == b.over_budget && a.live_keys == b.live_keys && a.evicted == b.evicted;
}
// The same verdict counts; held keys may differ, as a table fitted to its keys releases the
// expired ones it holds sooner.
inline bool same_verdicts(const sluice::dedup_stats& a, const sluice::dedup_stats& b) {
  return a.first == b.first && a.duplicate == b.duplicate && a.late == b.late && a.over_budget == b.over_budget;
}


// `n` integer keys whose placement hashes under `seed` agree in their top 20 bits: a flood
// on a known seed. In tables of fewer than 2^7 lines almost all share both their lines, so all
// but a line pair's worth go to the stash. (About n * 2^20 hashes to find.)
inline std::vector<std::uint64_t> flooding_keys(std::uint64_t seed, std::size_t n) {
  const sluice::seeded_hash keyed(seed);
  using codec = sluice::detail::dedup_exact_storage<std::uint64_t>::codec;
  std::vector<std::uint64_t> keys;
  std::uint64_t target = 0;
  for (std::uint64_t i = 0; keys.size() < n; ++i) {
    const std::uint64_t k = i * 0x9E3779B97F4A7C15ull;
    const std::uint64_t top = codec::hash(k, keyed) >> 44;
    if (keys.empty()) target = top;
    if (top == target) keys.push_back(k);
  }
  return keys;
}

}  // namespace dedup_test
