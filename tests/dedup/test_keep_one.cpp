// keep_one_per_key against a std::map model; order and partition independence; ties.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "catch_shim.hpp"
#include "sluice/dedup.hpp"
#include "test_support.hpp"

namespace dedup_test_keep_one {

namespace {
struct row {
  std::uint64_t key;
  std::int64_t version;
  std::uint32_t payload;
  bool operator==(const row& o) const { return key == o.key && version == o.version && payload == o.payload; }
  bool operator<(const row& o) const { return std::tie(key, version, payload) < std::tie(o.key, o.version, o.payload); }
};
auto key_of = [](const row& r) { return r.key; };
auto by_version = [](const row& a, const row& b) { return a.version < b.version; };  // not total
auto total = [](const row& a, const row& b) {
  return std::tie(a.version, a.payload) < std::tie(b.version, b.payload);
};

std::vector<row> random_rows(sluice_test::rng& rng, std::size_t n, std::uint64_t keys) {
  std::vector<row> rows;
  for (std::size_t i = 0; i < n; ++i)
    rows.push_back({rng.below(keys), rng.between(0, 20), static_cast<std::uint32_t>(rng.below(1000))});
  return rows;
}

std::vector<row> sorted(std::vector<row> rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}
}  // namespace

TEST_CASE("keep_one_per_key keeps the greatest record per key and counts ties", "[dedup]") {
  const std::size_t rounds = sluice_test::scaled(300);
  for (std::size_t round = 0; round < rounds; ++round) {
    sluice_test::rng rng(round);
    const auto n = static_cast<std::size_t>(rng.below(400));  // drawn in sequence
    auto rows = random_rows(rng, n, 1 + rng.below(120));
    // Model: per key, the maximum version, and how many records reach it.
    std::map<std::uint64_t, std::pair<std::int64_t, int>> model;
    for (const row& r : rows) {
      auto it = model.find(r.key);
      if (it == model.end()) model[r.key] = {r.version, 1};
      else if (r.version > it->second.first) it->second = {r.version, 1};
      else if (r.version == it->second.first) ++it->second.second;
    }
    std::vector<row> original = rows;
    auto result = sluice::keep_one_per_key(rows.begin(), rows.end(), key_of, by_version);
    REQUIRE(result.kept == model.size());
    REQUIRE(result.end == rows.begin() + static_cast<std::ptrdiff_t>(model.size()));
    std::size_t ties = 0;
    for (const auto& entry : model) ties += entry.second.second > 1 ? 1u : 0u;
    CHECK(result.ambiguous == ties);
    std::set<std::uint64_t> seen;
    for (auto it = rows.begin(); it != result.end; ++it) {
      REQUIRE(seen.insert(it->key).second);
      REQUIRE(it->version == model[it->key].first);
      // The first of the tied records is the one kept.
      auto first_best = std::find_if(original.begin(), original.end(), [&](const row& r) {
        return r.key == it->key && r.version == it->version;
      });
      REQUIRE(*first_best == *it);
    }
    // Kept records stay in their input order.
    for (auto it = rows.begin(); it + 1 < result.end; ++it) {
      auto a = std::find(original.begin(), original.end(), *it);
      auto b = std::find(original.begin(), original.end(), *(it + 1));
      REQUIRE(a < b);
    }
  }
}

TEST_CASE("keep_one_per_key with a total order ignores input order and partitioning", "[dedup]") {
  const std::size_t rounds = sluice_test::scaled(200);
  for (std::size_t round = 0; round < rounds; ++round) {
    sluice_test::rng rng(5000 + round);
    const auto n = 1 + static_cast<std::size_t>(rng.below(600));  // drawn in sequence
    auto rows = random_rows(rng, n, 1 + rng.below(200));
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());  // no identical records
    for (std::size_t i = rows.size(); i > 1; --i) std::swap(rows[i - 1], rows[static_cast<std::size_t>(rng.below(i))]);

    auto whole = rows;
    auto all = sluice::keep_one_per_key(whole.begin(), whole.end(), key_of, total);
    CHECK(all.ambiguous == 0);
    const auto expected = sorted(std::vector<row>(whole.begin(), all.end));

    // Shuffled input.
    auto shuffled = rows;
    for (std::size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[static_cast<std::size_t>(rng.below(i))]);
    auto again = sluice::keep_one_per_key(shuffled.begin(), shuffled.end(), key_of, total);
    CHECK(sorted(std::vector<row>(shuffled.begin(), again.end)) == expected);

    // Random partitions, each deduplicated, then their concatenation.
    std::vector<row> concatenated;
    for (std::size_t at = 0; at < shuffled.size();) {
      const std::size_t part_size = std::min<std::size_t>(shuffled.size() - at, static_cast<std::size_t>(1 + rng.below(80)));
      std::vector<row> part(shuffled.begin() + static_cast<std::ptrdiff_t>(at),
                            shuffled.begin() + static_cast<std::ptrdiff_t>(at + part_size));
      auto r = sluice::keep_one_per_key(part.begin(), part.end(), key_of, total);
      concatenated.insert(concatenated.end(), part.begin(), r.end);
      at += part_size;
    }
    auto merged = sluice::keep_one_per_key(concatenated.begin(), concatenated.end(), key_of, total);
    CHECK(sorted(std::vector<row>(concatenated.begin(), merged.end)) == expected);
  }
}

TEST_CASE("keep_one_per_key works with string and composite keys and empty ranges", "[dedup]") {
  std::vector<std::pair<std::string, int>> items{{"b", 1}, {"a", 3}, {"b", 7}, {"a", 2}, {"c", 0}, {"b", 7}};
  auto r = sluice::keep_one_per_key(items.begin(), items.end(), [](const auto& p) { return p.first; },
                                    [](const auto& x, const auto& y) { return x.second < y.second; });
  CHECK(r.kept == 3);
  CHECK(r.ambiguous == 1);  // "b" has two records at 7
  std::vector<std::pair<std::string, int>> kept(items.begin(), r.end);
  CHECK(kept == std::vector<std::pair<std::string, int>>{{"a", 3}, {"b", 7}, {"c", 0}});

  std::vector<std::pair<std::string, int>> none;
  auto e = sluice::keep_one_per_key(none.begin(), none.end(), [](const auto& p) { return p.first; },
                                    [](const auto& x, const auto& y) { return x.second < y.second; });
  CHECK(e.kept == 0);
  CHECK(e.end == none.end());

  std::vector<std::tuple<int, std::string, double>> composite{{1, "x", 0.5}, {1, "x", 0.7}, {1, "y", 0.1}};
  auto c = sluice::keep_one_per_key(
      composite.begin(), composite.end(),
      [](const auto& t) { return std::make_pair(std::get<0>(t), std::get<1>(t)); },
      [](const auto& x, const auto& y) { return std::get<2>(x) < std::get<2>(y); });
  CHECK(c.kept == 2);
  CHECK(std::get<2>(composite[0]) == 0.7);
}

TEST_CASE("keep_one_per_key with a caller's arena: same result, scratch given back, budget honoured", "[dedup]") {
  using iterator = std::vector<row>::iterator;
  sluice_test::rng rng(5);
  const std::size_t n = sluice_test::scaled(20000);
  const std::size_t needed = sluice::keep_one_scratch_bytes<iterator>(n);
  CHECK(needed >= n * 32);  // a 24-byte row is copied with its index and tag
  CHECK(needed <= n * 33 + 100000);  // plus one table (at most 64 KiB) and its list of used slots
  CHECK(sluice::keep_one_scratch_bytes<iterator>(0) == 0);

  // One buffer serves call after call: the arena is rewound, never grows, never uses the heap.
  std::vector<unsigned char> buffer(needed);
  sluice::arena fixed(buffer.data(), buffer.size());
  for (int round = 0; round < 3; ++round) {
    const auto rows = random_rows(rng, n, n / 3);
    auto expected = rows;
    const auto on_heap = sluice::keep_one_per_key(expected.begin(), expected.end(), key_of, total);
    auto work = rows;
    const auto in_buffer = sluice::keep_one_per_key(work.begin(), work.end(), key_of, total, fixed);
    REQUIRE_FALSE(in_buffer.error);
    REQUIRE(in_buffer.kept == on_heap.kept);
    CHECK(in_buffer.ambiguous == on_heap.ambiguous);
    CHECK(std::equal(work.begin(), in_buffer.end, expected.begin(), on_heap.end));
    CHECK(fixed.used() == 0);
  }

  // The need holds at any alignment of the buffer; 65 bytes less never does, and then the
  // call reports OUT_OF_MEMORY with nothing moved and nothing lost.
  const auto rows = random_rows(rng, n, n / 3);
  std::vector<unsigned char> spacious(needed + 64);
  for (std::size_t offset : {std::size_t{0}, std::size_t{1}, std::size_t{8}, std::size_t{63}}) {
    CAPTURE(offset);
    sluice::arena enough(spacious.data() + offset, needed);
    auto work = rows;
    CHECK_FALSE(sluice::keep_one_per_key(work.begin(), work.end(), key_of, total, enough).error);
    sluice::arena short_one(spacious.data() + offset, needed - 65);
    work = rows;
    const auto r = sluice::keep_one_per_key(work.begin(), work.end(), key_of, total, short_one);
    CHECK(r.error == sluice::errc::out_of_memory);
    CHECK(r.end == work.end());
    CHECK(r.kept == n);
    CHECK(work == rows);
  }
}

TEST_CASE("keep_one_per_key compares string keys by their text, as window_dedup does", "[dedup]") {
  // Two buffers with the same text: `const char*` keys compare equal by content, never by address.
  const std::string first_copy = "order-1", second_copy = "order-1", other = "order-2";
  struct row {
    const char* key;
    int version;
  };
  std::vector<row> rows{{first_copy.c_str(), 1}, {other.c_str(), 5}, {second_copy.c_str(), 2}};
  auto r = sluice::keep_one_per_key(rows.begin(), rows.end(), [](const row& x) { return x.key; },
                                    [](const row& x, const row& y) { return x.version < y.version; });
  CHECK(r.kept == 2);
  CHECK(r.ambiguous == 0);
  std::vector<int> versions;
  for (auto it = rows.begin(); it != r.end; ++it) versions.push_back(it->version);
  std::sort(versions.begin(), versions.end());
  CHECK(versions == std::vector<int>{2, 5});

  // The same inside a composite key.
  std::vector<row> tenants{{first_copy.c_str(), 3}, {second_copy.c_str(), 4}};
  auto c = sluice::keep_one_per_key(tenants.begin(), tenants.end(),
                                    [](const row& x) { return std::make_pair(7, x.key); },
                                    [](const row& x, const row& y) { return x.version < y.version; });
  CHECK(c.kept == 1);
  CHECK(tenants[0].version == 4);

  // window_dedup draws the same line: the second copy is a duplicate.
  struct event {
    const char* key;
    std::int64_t time;
  };
  auto text_of = [](const event& e) { return e.key; };
  auto when = [](const event& e) { return e.time; };
  sluice::window_dedup_config config;
  config.window = 10;
  auto d = sluice::window_dedup<event, decltype(text_of), decltype(when)>::create(config, text_of, when).value();
  CHECK(d.offer(event{first_copy.c_str(), 1}) == sluice::verdict::first);
  CHECK(d.offer(event{second_copy.c_str(), 1}) == sluice::verdict::duplicate);
}

}  // namespace dedup_test_keep_one
