// Naive reference models for the edge collector demo: what the report must say, computed from
// the generator's ground truth (never from the collector's parser), with maps and sorting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "../../examples/edge_collector/generator.hpp"

namespace edge_model {

// Window dedup as the contract states it: late below the watermark; duplicate while the key's
// expiry (first time + window) is above the watermark; the watermark trails the newest time.
struct dedup_model {
  dedup_model(std::int64_t window_ms, std::int64_t lateness_ms) : window(window_ms), lateness(lateness_ms) {}
  std::int64_t window, lateness;
  std::int64_t watermark = std::numeric_limits<std::int64_t>::min();
  std::map<std::string, std::int64_t> expiry;
  std::uint64_t first = 0, duplicate = 0, late = 0;

  enum class verdict { first, duplicate, late };
  verdict offer(const std::string& key, std::int64_t time) {
    if (time < watermark) {
      ++late;
      return verdict::late;
    }
    verdict v = verdict::first;
    auto it = expiry.find(key);
    if (it != expiry.end() && it->second > watermark) {
      v = verdict::duplicate;
      ++duplicate;
    } else {
      expiry[key] = time + window;
      ++first;
    }
    if (time - lateness > watermark) watermark = time - lateness;
    return v;
  }
};

// A change's identity: key, sequence, delete flag, tracked and untracked columns.
using change_id = std::tuple<std::uint64_t, std::int64_t, bool, std::string, std::string, std::string>;
inline change_id identity(const edge::customer& c) {
  return {c.customer_id, c.updated_at, c.op == 'D', std::string(c.name.view()), std::string(c.city.view()),
          std::string(c.email.view())};
}

// One SCD2 row: key, valid_from, valid_to (nullopt while open), name, city, email.
using row = std::tuple<std::uint64_t, std::int64_t, std::optional<std::int64_t>, std::string, std::string, std::string>;

// Content order of changes sharing a sequence: upserts before deletes, then (tracked,
// untracked); the greatest wins.
inline bool loses_to(const change_id& a, const change_id& b) {
  return std::make_tuple(std::get<2>(a), std::get<3>(a), std::get<4>(a), std::get<5>(a)) <
         std::make_tuple(std::get<2>(b), std::get<3>(b), std::get<4>(b), std::get<5>(b));
}

// The history the set of distinct changes defines, by walking each key's winners in order.
inline std::vector<row> history_of(const std::set<change_id>& changes) {
  std::map<std::pair<std::uint64_t, std::int64_t>, change_id> winners;
  for (const change_id& c : changes) {
    auto slot = std::make_pair(std::get<0>(c), std::get<1>(c));
    auto it = winners.find(slot);
    if (it == winners.end() || loses_to(it->second, c)) winners[slot] = c;
  }
  std::vector<row> rows;
  const std::size_t none = static_cast<std::size_t>(-1);
  std::size_t open = none;  // index of the open row of the current key
  std::uint64_t current_key = 0;
  for (const auto& entry : winners) {
    const change_id& c = entry.second;
    const std::uint64_t key = std::get<0>(c);
    const std::int64_t at = std::get<1>(c);
    if (key != current_key) {
      open = none;
      current_key = key;
    }
    if (std::get<2>(c)) {  // delete
      if (open != none) std::get<2>(rows[open]) = at;
      open = none;
      continue;
    }
    if (open != none && std::get<3>(rows[open]) == std::get<3>(c) && std::get<4>(rows[open]) == std::get<4>(c)) {
      std::get<5>(rows[open]) = std::get<5>(c);  // absorbed: the version takes the new email
      continue;
    }
    if (open != none) std::get<2>(rows[open]) = at;
    rows.emplace_back(key, at, std::nullopt, std::get<3>(c), std::get<4>(c), std::get<5>(c));
    open = rows.size() - 1;
  }
  return rows;
}

// Per-batch CDC counts: duplicates (known change), conflicts (a new change sharing key and
// sequence with another known or same-batch change) and the conflict losers among them.
struct cdc_counts {
  std::uint64_t records = 0, duplicates = 0, conflicts = 0, lost = 0, applied = 0;
};

inline cdc_counts cdc_model(const std::vector<std::vector<edge::customer>>& batches) {
  cdc_counts out;
  std::set<change_id> stored;
  for (const auto& batch : batches) {
    std::set<change_id> fresh;
    for (const edge::customer& c : batch) {
      ++out.records;
      change_id id = identity(c);
      if (stored.count(id) != 0 || !fresh.insert(id).second) ++out.duplicates;
    }
    std::set<change_id> all = stored;
    all.insert(fresh.begin(), fresh.end());
    for (const change_id& c : fresh) {
      bool sibling = false, beaten = false;
      for (auto it = all.lower_bound(change_id{std::get<0>(c), std::get<1>(c), false, {}, {}, {}});
           it != all.end() && std::get<0>(*it) == std::get<0>(c) && std::get<1>(*it) == std::get<1>(c); ++it) {
        const change_id& d = *it;
        if (d == c) continue;
        sibling = true;
        beaten = beaten || loses_to(c, d);
      }
      if (sibling) {
        ++out.conflicts;
        out.lost += beaten ? 1u : 0u;
      } else {
        ++out.applied;
      }
    }
    stored = std::move(all);
  }
  return out;
}

}  // namespace edge_model
