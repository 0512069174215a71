// Record types, random change sets and comparison helpers shared by the scd2 tests.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "catch_shim.hpp"
#include "scd2/model.hpp"
#include "sluice/scd2.hpp"
#include "test_support.hpp"

namespace scd2_test {

using sluice::scd2::change_verdict;

// A CDC record: `name` and `city` are history (tracked) columns, `email` is updated in place.
struct change {
  std::uint64_t id;
  std::int64_t at;
  char op;  // 'U' upsert, 'D' delete
  int name;
  int city;
  int email;

  friend bool operator==(const change& a, const change& b) {
    return a.id == b.id && a.at == b.at && a.op == b.op && a.name == b.name &&
           a.city == b.city && a.email == b.email;
  }
  friend bool operator!=(const change& a, const change& b) { return !(a == b); }
};

struct change_traits {
  using record = change;
  static std::uint64_t key(const change& c) { return c.id; }
  static std::int64_t sequence(const change& c) { return c.at; }
  static bool is_delete(const change& c) { return c.op == 'D'; }
  static auto tracked(const change& c) { return std::tie(c.name, c.city); }
  static auto untracked(const change& c) { return std::tie(c.email); }
};

inline change upsert(std::uint64_t id, std::int64_t at, int name, int city = 0, int email = 0) {
  return change{id, at, 'U', name, city, email};
}
inline change erase(std::uint64_t id, std::int64_t at) { return change{id, at, 'D', 0, 0, 0}; }

// Knobs for a random change set. Small value ranges force the hard cases: equal sequences
// (conflicts), equal tracked columns (absorption), deletes followed by later upserts.
struct shape {
  std::uint64_t keys = 6;
  std::int64_t sequences = 24;
  int names = 3;
  int cities = 2;
  int emails = 3;
  unsigned delete_percent = 15;
  unsigned repeat_percent = 20;  // of the set, repeated verbatim somewhere
};

// Uniform in [0, n) as a size_t (the generator's values are 64-bit everywhere).
inline std::size_t pick(sluice_test::rng& random, std::size_t n) {
  return static_cast<std::size_t>(random.below(n));
}

template <class T>
void shuffle(sluice_test::rng& random, std::vector<T>& items) {
  for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[pick(random, i)]);
}

inline change random_change(sluice_test::rng& random, const shape& s) {
  change c;
  c.id = random.below(s.keys);
  c.at = random.between(0, s.sequences - 1);
  if (random.percent(s.delete_percent)) {
    c.op = 'D';
    // Deletes usually carry no payload; sometimes they carry a before-image.
    bool payload = random.percent(30);
    c.name = payload ? static_cast<int>(random.below(static_cast<std::uint64_t>(s.names))) : 0;
    c.city = 0;
    c.email = 0;
  } else {
    c.op = 'U';
    c.name = static_cast<int>(random.below(static_cast<std::uint64_t>(s.names)));
    c.city = static_cast<int>(random.below(static_cast<std::uint64_t>(s.cities)));
    c.email = static_cast<int>(random.below(static_cast<std::uint64_t>(s.emails)));
  }
  return c;
}

// `count` changes plus verbatim repeats, in random order.
inline std::vector<change> random_changes(sluice_test::rng& random, std::size_t count,
                                          const shape& s) {
  std::vector<change> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(random_change(random, s));
  const std::size_t originals = out.size();
  for (std::size_t i = 0; i < originals; ++i)
    if (random.percent(s.repeat_percent)) out.push_back(out[pick(random, originals)]);
  shuffle(random, out);
  return out;
}

// Cuts `changes` into consecutive batches of random sizes (some empty).
template <class T>
std::vector<std::vector<T>> random_batches(sluice_test::rng& random, const std::vector<T>& changes,
                                           std::size_t max_batch) {
  std::vector<std::vector<T>> batches;
  std::size_t at = 0;
  while (at < changes.size()) {
    std::size_t size = pick(random, max_batch + 1);
    size = std::min(size, changes.size() - at);
    batches.emplace_back(changes.begin() + static_cast<std::ptrdiff_t>(at),
                         changes.begin() + static_cast<std::ptrdiff_t>(at + size));
    at += size;
  }
  return batches;
}

// A row in a form both the history and the model produce, ordered by (key, valid_from).
struct flat_row {
  std::uint64_t key;
  std::int64_t from;
  bool open;
  std::int64_t to;
  change record;

  auto tie() const { return std::tie(key, from, open, to, record.id, record.at, record.op,
                                     record.name, record.city, record.email); }
  friend bool operator<(const flat_row& a, const flat_row& b) { return a.tie() < b.tie(); }
  friend bool operator==(const flat_row& a, const flat_row& b) { return a.tie() == b.tie(); }
};

template <class Row>
flat_row flatten(const Row& r) {
  return flat_row{r.key, r.valid_from, !r.valid_to.has_value(), r.valid_to.value_or(0), r.record};
}
inline flat_row flatten_model(const scd2_model::model<change_traits>::row& r) {
  return flat_row{r.key, r.valid_from, !r.valid_to.has_value(), r.valid_to.value_or(0), r.rec};
}

template <class History>
std::vector<flat_row> rows_of(const History& h) {
  std::vector<flat_row> rows;
  h.for_each_row([&](const auto& r) { rows.push_back(flatten(r)); });
  std::sort(rows.begin(), rows.end());
  return rows;
}
inline std::vector<flat_row> rows_of_model(const scd2_model::model<change_traits>& m) {
  std::vector<flat_row> rows;
  for (const auto& r : m.rows()) rows.push_back(flatten_model(r));
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Replays a diff onto `rows` (sorted): every removed row must be present, every added row
// absent. Returns false if the diff does not fit.
template <class Result>
bool replay_diff(std::vector<flat_row>& rows, const Result& diff) {
  std::map<std::pair<std::uint64_t, std::int64_t>, flat_row> table;
  for (const flat_row& r : rows) table.emplace(std::make_pair(r.key, r.from), r);
  for (const auto& removed : diff.removed) {
    flat_row r = flatten(removed);
    auto it = table.find({r.key, r.from});
    if (it == table.end() || !(it->second == r)) return false;
    table.erase(it);
  }
  for (const auto& added : diff.added) {
    flat_row r = flatten(added);
    if (!table.emplace(std::make_pair(r.key, r.from), r).second) return false;
  }
  // No row may be removed and added unchanged.
  for (const auto& removed : diff.removed)
    for (const auto& added : diff.added)
      if (flatten(removed) == flatten(added)) return false;
  rows.clear();
  for (const auto& item : table) rows.push_back(item.second);
  return true;
}

}  // namespace scd2_test
