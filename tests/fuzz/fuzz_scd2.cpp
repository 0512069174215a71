// Fuzz target: scd2::history. The bytes give a small shape (keys, sequences, column values),
// a change set with repeats, a batching, an optional retention horizon and an optional memory
// budget. Properties, against the naive model of tests/scd2/model.hpp:
// - every accepted batch yields the model's verdicts and counts, and its diff replays onto the
//   previous rows to give exactly the new rows, which equal the model's;
// - check() holds after every apply;
// - the same change set in another order and batching ends in the same rows;
// - under a budget, reserved memory never exceeds it and a refused batch
//   (MEMORY_BUDGET_EXCEEDED) changes nothing: rows, counts, memory and verdicts untouched.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "scd2/model.hpp"
#include "sluice/scd2.hpp"

namespace {

using sluice::scd2::change_verdict;

struct change {
  std::uint64_t id;
  std::int64_t at;
  char op;
  int name;
  int city;
  int email;
};

struct change_traits {
  using record = change;
  static std::uint64_t key(const change& c) { return c.id; }
  static std::int64_t sequence(const change& c) { return c.at; }
  static bool is_delete(const change& c) { return c.op == 'D'; }
  static auto tracked(const change& c) { return std::tie(c.name, c.city); }
  static auto untracked(const change& c) { return std::tie(c.email); }
};

using history = sluice::scd2::history<change_traits>;
using model = scd2_model::model<change_traits>;

// A row as both sides produce it: (key, from, open, to, record fields).
using flat_row = std::tuple<std::uint64_t, std::int64_t, bool, std::int64_t, std::uint64_t,
                            std::int64_t, char, int, int, int>;

template <class Row>
flat_row flatten(const Row& r, const change& c) {
  return flat_row{r.key, r.valid_from, !r.valid_to.has_value(), r.valid_to.value_or(0),
                  c.id,  c.at,         c.op,                    c.name, c.city, c.email};
}

std::vector<flat_row> rows_of(const history& h) {
  std::vector<flat_row> rows;
  h.for_each_row([&](const auto& r) { rows.push_back(flatten(r, r.record)); });
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::vector<flat_row> rows_of(const model& m) {
  std::vector<flat_row> rows;
  for (const auto& r : m.rows()) rows.push_back(flatten(r, r.rec));
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Old rows - removed + added must give the new rows; no row removed and re-added unchanged.
bool replay(std::vector<flat_row>& rows, const history::apply_result& diff) {
  std::map<std::pair<std::uint64_t, std::int64_t>, flat_row> table;
  for (const flat_row& r : rows) table.emplace(std::make_pair(std::get<0>(r), std::get<1>(r)), r);
  for (const auto& removed : diff.removed) {
    const flat_row r = flatten(removed, removed.record);
    auto it = table.find({std::get<0>(r), std::get<1>(r)});
    if (it == table.end() || it->second != r) return false;
    table.erase(it);
  }
  for (const auto& added : diff.added) {
    const flat_row r = flatten(added, added.record);
    if (!table.emplace(std::make_pair(std::get<0>(r), std::get<1>(r)), r).second) return false;
  }
  for (const auto& removed : diff.removed)
    for (const auto& added : diff.added)
      if (flatten(removed, removed.record) == flatten(added, added.record)) return false;
  rows.clear();
  for (const auto& entry : table) rows.push_back(entry.second);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const std::uint64_t keys = 1 + in.below(12);
  const std::int64_t sequences = 1 + static_cast<std::int64_t>(in.below(40));
  const int names = static_cast<int>(1 + in.below(3));
  const unsigned delete_percent = static_cast<unsigned>(in.below(40));
  const bool extreme_sequences = in.below(8) == 0;  // INT64_MIN / INT64_MAX as sequences
  sluice::scd2::history_config config;
  config.seed = in.u64();
  config.first_block_bytes = static_cast<std::size_t>(in.below(8192));
  const bool limited = in.below(3) == 0;
  if (limited) config.memory_budget = static_cast<std::size_t>(in.below(64u << 10));
  std::optional<std::int64_t> horizon;
  if (in.below(4) == 0) horizon = static_cast<std::int64_t>(in.below(static_cast<std::uint64_t>(sequences)));

  std::vector<change> changes;
  const std::size_t count = static_cast<std::size_t>(in.below(120));
  for (std::size_t i = 0; i < count && !in.empty(); ++i) {
    if (!changes.empty() && in.below(5) == 0) {  // a verbatim repeat
      changes.push_back(changes[static_cast<std::size_t>(in.below(changes.size()))]);
      continue;
    }
    change c{};
    c.id = in.below(keys);
    c.at = static_cast<std::int64_t>(in.below(static_cast<std::uint64_t>(sequences)));
    if (extreme_sequences && in.below(4) == 0) c.at = in.flag() ? INT64_MIN : INT64_MAX;
    c.op = in.below(100) < delete_percent ? 'D' : 'U';
    c.name = static_cast<int>(in.below(static_cast<std::uint64_t>(names)));
    c.city = c.op == 'U' ? static_cast<int>(in.below(2)) : 0;
    c.email = c.op == 'U' ? static_cast<int>(in.below(3)) : 0;
    changes.push_back(c);
  }

  history h(config);
  model m;
  std::vector<flat_row> replayed;
  std::size_t at = 0;
  std::size_t horizon_at = horizon ? static_cast<std::size_t>(in.below(count + 1)) : SIZE_MAX;
  while (at < changes.size()) {
    if (at >= horizon_at) {
      h.forget_before(*horizon);
      m.forget_before(*horizon);
      FUZZ_CHECK(h.horizon() == horizon);
      FUZZ_CHECK(rows_of(h) == replayed);  // forgetting never changes rows
      FUZZ_CHECK(!h.check());
      horizon_at = SIZE_MAX;
    }
    std::size_t n = static_cast<std::size_t>(in.below(32));
    if (in.empty()) n = changes.size() - at;
    n = std::min(n, changes.size() - at);
    const std::vector<change> batch(changes.begin() + static_cast<std::ptrdiff_t>(at),
                                    changes.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    const auto memory_before = h.memory();
    const std::size_t changes_before = h.change_count();
    std::vector<change_verdict> verdicts(batch.size(), change_verdict::delete_of_nothing);
    auto result = h.apply(batch.data(), batch.size(), verdicts.data());
    FUZZ_CHECK(h.memory().reserved <= config.memory_budget);
    FUZZ_CHECK(!h.check());
    if (result.error) {
      FUZZ_CHECK(limited);
      FUZZ_CHECK(result.error == sluice::errc::memory_budget_exceeded);
      FUZZ_CHECK(result.removed.empty() && result.added.empty());
      FUZZ_CHECK(result.applied + result.duplicates + result.conflicts + result.late == 0);
      for (change_verdict v : verdicts) FUZZ_CHECK(v == change_verdict::delete_of_nothing);
      FUZZ_CHECK(rows_of(h) == replayed);
      FUZZ_CHECK(h.change_count() == changes_before);
      FUZZ_CHECK(h.memory().in_use == memory_before.in_use);
      FUZZ_CHECK(h.memory().reserved == memory_before.reserved);
      continue;
    }
    const auto expected = m.apply(batch);
    FUZZ_CHECK(verdicts == expected.verdicts);
    FUZZ_CHECK(result.applied == expected.applied);
    FUZZ_CHECK(result.duplicates == expected.duplicates);
    FUZZ_CHECK(result.conflicts == expected.conflicts);
    FUZZ_CHECK(result.late == expected.late);
    FUZZ_CHECK(result.applied + result.duplicates + result.conflicts + result.late == batch.size());
    FUZZ_CHECK(replay(replayed, result));
    const auto rows = rows_of(h);
    FUZZ_CHECK(rows == replayed);
    FUZZ_CHECK(rows == rows_of(m));
    FUZZ_CHECK(h.row_count() == rows.size());
    if (!h.horizon()) FUZZ_CHECK(h.change_count() == m.change_count());
  }

  // Order independence: everything in one batch, reversed, into a fresh unlimited history.
  if (!limited && !horizon) {
    std::vector<change> reversed(changes.rbegin(), changes.rend());
    history other;
    auto result = other.apply(reversed.data(), reversed.size());
    FUZZ_CHECK(!result.error);
    FUZZ_CHECK(rows_of(other) == rows_of(h));
    FUZZ_CHECK(other.change_count() == h.change_count());
    FUZZ_CHECK(!other.check());
  }
  return 0;
}
