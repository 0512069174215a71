// The diagrams in docs/ make claims; these tests check them, so a diagram cannot drift from
// what the code does.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "catch_shim.hpp"
#include "sluice/scd2.hpp"

namespace examples_test_docs_diagrams {

namespace {

struct city_change {
  std::int64_t sequence;
  bool deleted;
  std::string city;
  std::string note;  // untracked
};

struct city_traits {
  using record = city_change;
  static std::uint64_t key(const city_change&) { return 42; }
  static std::int64_t sequence(const city_change& c) { return c.sequence; }
  static bool is_delete(const city_change& c) { return c.deleted; }
  static auto tracked(const city_change& c) { return std::tie(c.city); }
  static auto untracked(const city_change& c) { return std::tie(c.note); }
};

using city_history = sluice::scd2::history<city_traits>;

// A row as the diagram draws it: [from, to) city, with the sequence of the change it holds.
struct drawn_row {
  std::int64_t from;
  std::optional<std::int64_t> to;
  std::string city;
  std::int64_t record_sequence;
  bool operator==(const drawn_row& o) const {
    return from == o.from && to == o.to && city == o.city && record_sequence == o.record_sequence;
  }
};

template <class Rows>
std::vector<drawn_row> draw(const Rows& rows) {
  std::vector<drawn_row> out;
  for (const auto& r : rows) out.push_back({r.valid_from, r.valid_to, r.record.city, r.record.sequence});
  std::sort(out.begin(), out.end(), [](const drawn_row& a, const drawn_row& b) { return a.from < b.from; });
  return out;
}

std::vector<drawn_row> rows_of(const city_history& h) {
  std::vector<drawn_row> out;
  for (const auto& r : h.versions(42)) out.push_back({r.valid_from, r.valid_to, r.record.city, r.record.sequence});
  return out;
}

const std::vector<city_change> arrivals = {
    {10, false, "Paris", "a"}, {30, false, "Rome", "b"}, {20, false, "Lyon", "c"},
    {25, false, "Lyon", "d"},  {15, true, "", ""},
};

}  // namespace

TEST_CASE("docs/scd2.md: the interval-splitting diagram, arrival by arrival", "[examples]") {
  const std::optional<std::int64_t> open;
  const std::vector<std::vector<drawn_row>> expected = {
      {{10, open, "Paris", 10}},
      {{10, 30, "Paris", 10}, {30, open, "Rome", 30}},
      {{10, 20, "Paris", 10}, {20, 30, "Lyon", 20}, {30, open, "Rome", 30}},
      {{10, 20, "Paris", 10}, {20, 30, "Lyon", 25}, {30, open, "Rome", 30}},
      {{10, 15, "Paris", 10}, {20, 30, "Lyon", 25}, {30, open, "Rome", 30}},
  };
  city_history history;
  for (std::size_t i = 0; i < arrivals.size(); ++i) {
    CAPTURE(i);
    const auto diff = history.apply(&arrivals[i], 1);
    CHECK(rows_of(history) == expected[i]);
    CHECK(history.check() == std::error_code());
    if (i == 2) {  // the third arrival's MERGE diff, as the text states it
      CHECK(draw(diff.removed) == std::vector<drawn_row>{{10, 30, "Paris", 10}});
      CHECK(draw(diff.added) == std::vector<drawn_row>{{10, 20, "Paris", 10}, {20, 30, "Lyon", 20}});
    }
  }
}

TEST_CASE("docs/scd2.md: every arrival order of the diagram's changes ends in its last line", "[examples]") {
  std::vector<std::size_t> order = {0, 1, 2, 3, 4};
  const std::optional<std::int64_t> open;
  const std::vector<drawn_row> last = {{10, 15, "Paris", 10}, {20, 30, "Lyon", 25}, {30, open, "Rome", 30}};
  do {
    city_history history;
    for (std::size_t i : order) history.apply(&arrivals[i], 1);
    CHECK(rows_of(history) == last);
  } while (std::next_permutation(order.begin(), order.end()));
}

}  // namespace examples_test_docs_diagrams
