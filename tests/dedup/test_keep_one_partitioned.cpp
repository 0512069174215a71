// keep_one_per_key's partitioned engine against a naive model, with partitions shrunk so that
// small batches cross many partition boundaries: exact output sequence, tie counts, record
// kinds that are copied into the partitions and kinds that are reached by index, forced tag
// collisions, and scratch allocation failure.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "catch_shim.hpp"
#include "sluice/dedup.hpp"
#include "test_support.hpp"

namespace dedup_test_keep_one_partitioned {

namespace {

struct row {
  std::uint64_t key;
  std::int64_t version;
  std::uint32_t payload;
  bool operator==(const row& o) const { return key == o.key && version == o.version && payload == o.payload; }
};
static_assert(sluice::detail::keep_one_copies_records<row>, "rows take the copying path");

// Same fields, but not trivially copyable: reached through indices.
struct text_row {
  std::string key;
  std::int64_t version;
  std::uint32_t payload;
  bool operator==(const text_row& o) const { return key == o.key && version == o.version && payload == o.payload; }
};
static_assert(!sluice::detail::keep_one_copies_records<text_row>, "text rows take the index path");

text_row to_text(const row& r) { return {"key-" + std::to_string(r.key), r.version, r.payload}; }

struct by_version {
  template <class R>
  bool operator()(const R& a, const R& b) const { return a.version < b.version; }
};
struct row_key {
  std::uint64_t operator()(const row& r) const { return r.key; }
};
struct text_key {
  const std::string& operator()(const text_row& r) const { return r.key; }
};

struct model_result {
  std::vector<std::size_t> kept;  // input positions, ascending
  std::size_t ambiguous = 0;
};

// Quadratic and obviously right: a record is kept when no record of its key is greater and no
// earlier record of its key ties with it.
template <class R, class KeyOf>
model_result naive_keep_one(const std::vector<R>& records, KeyOf key_of) {
  model_result result;
  for (std::size_t i = 0; i < records.size(); ++i) {
    bool kept = true, tied_later = false;
    for (std::size_t j = 0; j < records.size() && kept; ++j) {
      if (j == i || !(key_of(records[j]) == key_of(records[i]))) continue;
      if (records[i].version < records[j].version) kept = false;
      else if (records[i].version == records[j].version) {
        if (j < i) kept = false;
        else tied_later = true;
      }
    }
    if (kept) {
      result.kept.push_back(i);
      result.ambiguous += tied_later ? 1u : 0u;
    }
  }
  return result;
}

// Runs the engine on a copy and checks the exact output sequence against the model.
template <class Index, class R, class KeyOf>
void check_against_model(const std::vector<R>& input, KeyOf key_of, const sluice::detail::keep_one_tuning& tuning) {
  const model_result expected = naive_keep_one(input, key_of);
  std::vector<R> work = input;
  by_version less;
  sluice::arena scratch;
  const auto counts = sluice::detail::keep_one_per_key_with<Index>(work.begin(), work.size(), key_of, less, scratch, tuning);
  CHECK(scratch.reserved() == 0);  // everything given back
  REQUIRE_FALSE(counts.out_of_memory);
  REQUIRE(counts.kept == expected.kept.size());
  CHECK(counts.ambiguous == expected.ambiguous);
  for (std::size_t k = 0; k < expected.kept.size(); ++k) REQUIRE(work[k] == input[expected.kept[k]]);
}

std::vector<row> random_rows(sluice_test::rng& rng, std::size_t n, std::uint64_t keys, std::int64_t versions) {
  std::vector<row> rows;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t key = rng.below(keys);
    const std::int64_t version = rng.between(0, versions);
    rows.push_back({key, version, static_cast<std::uint32_t>(i)});
  }
  return rows;
}

// partition_bytes 0 stands for: two partitions whose tables start at 8 slots and must grow.
sluice::detail::keep_one_tuning tuning_of(std::size_t partition_bytes, std::uint32_t tag_mask) {
  sluice::detail::keep_one_tuning tuning;
  tuning.partition_bytes = partition_bytes == 0 ? 1 : partition_bytes;
  tuning.tag_mask = tag_mask;
  if (partition_bytes == 0) tuning.max_partitions = 2;
  return tuning;
}

}  // namespace

TEST_CASE("keep_one partitioned engine matches the naive model for every partition size", "[dedup]") {
  // 0: two partitions with growing tables; 1 byte: one entry per partition, up to 65536
  // partitions; 4096: a few dozen entries each; the default: one partition for these sizes.
  const std::size_t partition_bytes = GENERATE(values<std::size_t>({0, 1, 200, 4096, SLUICE_KEEP_ONE_PARTITION_BYTES()}));
  const std::uint32_t tag_mask = GENERATE(values<std::uint32_t>({~std::uint32_t{0}, 3u, 0u}));
  const auto tuning = tuning_of(partition_bytes, tag_mask);
  CAPTURE(partition_bytes, tag_mask);
  const std::size_t rounds = sluice_test::scaled(40);
  for (std::size_t round = 0; round < rounds; ++round) {
    sluice_test::rng rng(0x6B65u + round);
    const auto n = static_cast<std::size_t>(rng.below(300));
    const std::uint64_t keys = 1 + rng.below(1 + n);
    const std::int64_t versions = rng.between(0, 6);
    const auto rows = random_rows(rng, n, keys, versions);
    CAPTURE(round, n, keys, versions);
    check_against_model<std::uint32_t>(rows, row_key{}, tuning);
    check_against_model<std::uint64_t>(rows, row_key{}, tuning);
    std::vector<text_row> texts;
    for (const row& r : rows) texts.push_back(to_text(r));
    check_against_model<std::uint32_t>(texts, text_key{}, tuning);
  }
}

TEST_CASE("keep_one partitioned engine: edge shapes", "[dedup]") {
  const std::size_t partition_bytes = GENERATE(values<std::size_t>({0, 1, 300, SLUICE_KEEP_ONE_PARTITION_BYTES()}));
  const auto tuning = tuning_of(partition_bytes, ~std::uint32_t{0});
  CAPTURE(partition_bytes);
  // Every size from empty through several partition-count doublings.
  for (std::size_t n = 0; n <= 160; ++n) {
    CAPTURE(n);
    std::vector<row> all_equal_keys, all_distinct, all_tied, two_keys;
    for (std::size_t i = 0; i < n; ++i) {
      const auto payload = static_cast<std::uint32_t>(i);
      const auto version = static_cast<std::int64_t>((i * 7) % 11);
      all_equal_keys.push_back({42, version, payload});
      all_distinct.push_back({i * 0x9E3779B97F4A7C15ull, version, payload});
      all_tied.push_back({5, 3, payload});
      two_keys.push_back({i % 2, version, payload});
    }
    check_against_model<std::uint32_t>(all_equal_keys, row_key{}, tuning);
    check_against_model<std::uint32_t>(all_distinct, row_key{}, tuning);
    check_against_model<std::uint32_t>(all_tied, row_key{}, tuning);
    check_against_model<std::uint32_t>(two_keys, row_key{}, tuning);
  }
}

TEST_CASE("keep_one_per_key: batches large enough for many partitions by default", "[dedup]") {
  sluice_test::rng rng(77);
  const std::size_t n = 200'000 * sluice_test::scaled(100) / 100;
  const auto rows = random_rows(rng, n, n / 2 + 1, 50);
  // Model in n log n: per key, the greatest version and the first input position reaching it.
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (rows[a].key != rows[b].key) return rows[a].key < rows[b].key;
    if (rows[a].version != rows[b].version) return rows[a].version > rows[b].version;
    return a < b;
  });
  std::vector<std::size_t> expected;
  std::size_t ties = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const row& best = rows[order[i]];
    if (i > 0 && rows[order[i - 1]].key == best.key) continue;
    expected.push_back(order[i]);
    if (i + 1 < n && rows[order[i + 1]].key == best.key && rows[order[i + 1]].version == best.version) ++ties;
  }
  std::sort(expected.begin(), expected.end());
  auto work = rows;
  auto result = sluice::keep_one_per_key(work.begin(), work.end(), row_key{}, by_version{});
  REQUIRE_FALSE(result.error);
  REQUIRE(result.kept == expected.size());
  CHECK(result.ambiguous == ties);
  for (std::size_t k = 0; k < expected.size(); ++k) REQUIRE(work[k] == rows[expected[k]]);
}

TEST_CASE("keep_one_per_key moves move-only records", "[dedup]") {
  struct owned {
    std::unique_ptr<std::int64_t> version_holder;
    std::uint64_t key;
    std::uint32_t order;
  };
  const std::size_t partition_bytes = GENERATE(values<std::size_t>({1, SLUICE_KEEP_ONE_PARTITION_BYTES()}));
  sluice_test::rng rng(9);
  std::vector<owned> records;
  std::vector<row> shadow;
  for (std::size_t i = 0; i < 500; ++i) {
    const std::uint64_t key = rng.below(60);
    const std::int64_t version = rng.between(0, 9);
    records.push_back({std::make_unique<std::int64_t>(version), key, static_cast<std::uint32_t>(i)});
    shadow.push_back({key, version, static_cast<std::uint32_t>(i)});
  }
  const model_result expected = naive_keep_one(shadow, row_key{});
  auto key_of = [](const owned& o) { return o.key; };
  auto less = [](const owned& a, const owned& b) { return *a.version_holder < *b.version_holder; };
  sluice::arena scratch;
  const auto counts = sluice::detail::keep_one_per_key_with<std::uint32_t>(records.begin(), records.size(), key_of, less, scratch,
                                                                          tuning_of(partition_bytes, ~std::uint32_t{0}));
  REQUIRE(counts.kept == expected.kept.size());
  CHECK(counts.ambiguous == expected.ambiguous);
  for (std::size_t k = 0; k < expected.kept.size(); ++k) {
    REQUIRE(records[k].version_holder != nullptr);
    REQUIRE(records[k].order == expected.kept[k]);
    REQUIRE(*records[k].version_holder == shadow[expected.kept[k]].version);
  }
}

TEST_CASE("keep_one_per_key reports scratch allocation failure and leaves the range untouched", "[dedup]") {
  sluice_test::rng rng(3);
  const auto rows = random_rows(rng, 1000, 100, 5);
  std::vector<text_row> texts;
  for (const row& r : rows) texts.push_back(to_text(r));
  // Too little for the first allocation, and enough for the first ones but not the table.
  const std::size_t limit = GENERATE(values<std::size_t>({0, 100, 16'000, 24'000}));
  CAPTURE(limit);
  sluice::arena scratch(64, limit);
  by_version less;
  row_key key_of_row;
  auto work = rows;
  auto counts = sluice::detail::keep_one_per_key_with<std::uint32_t>(work.begin(), work.size(), key_of_row, less, scratch);
  CHECK(counts.out_of_memory);
  CHECK(work == rows);
  auto text_work = texts;
  text_key key_of;
  counts = sluice::detail::keep_one_per_key_with<std::uint32_t>(text_work.begin(), text_work.size(), key_of, less, scratch);
  CHECK(counts.out_of_memory);
  CHECK(text_work == texts);

  // With enough scratch the same call succeeds.
  sluice::arena roomy(64, 1'000'000);
  counts = sluice::detail::keep_one_per_key_with<std::uint32_t>(work.begin(), work.size(), key_of_row, less, roomy);
  CHECK_FALSE(counts.out_of_memory);
  CHECK(counts.kept == naive_keep_one(rows, row_key{}).kept.size());
}

TEST_CASE("keep_one_per_key: output does not depend on the partitioning, even with ties", "[dedup]") {
  const std::size_t rounds = sluice_test::scaled(30);
  for (std::size_t round = 0; round < rounds; ++round) {
    sluice_test::rng rng(900 + round);
    const auto n = static_cast<std::size_t>(rng.below(3000));
    const std::uint64_t keys = 1 + rng.below(n + 1);
    const auto rows = random_rows(rng, n, keys, 3);
    by_version less;
    row_key key_of_row;
    std::vector<row> reference;
    std::size_t reference_ambiguous = 0;
    for (std::size_t partition_bytes : {std::size_t{1}, std::size_t{0}, std::size_t{100}, std::size_t{2000}, std::size_t{1} << 20}) {
      auto work = rows;
      sluice::arena scratch;
      const auto counts = sluice::detail::keep_one_per_key_with<std::uint32_t>(
          work.begin(), work.size(), key_of_row, less, scratch, tuning_of(partition_bytes, ~std::uint32_t{0}));
      work.resize(counts.kept);
      if (reference.empty() && partition_bytes == 1) {
        reference = work;
        reference_ambiguous = counts.ambiguous;
      }
      CAPTURE(round, partition_bytes);
      CHECK(work == reference);
      CHECK(counts.ambiguous == reference_ambiguous);
    }
  }
}

TEST_CASE("keep_one_per_key: any scratch shortfall fails cleanly, including while a table grows", "[dedup]") {
  sluice_test::rng rng(11);
  const auto rows = random_rows(rng, 400, 300, 4);
  std::vector<text_row> texts;
  for (const row& r : rows) texts.push_back(to_text(r));
  const model_result expected = naive_keep_one(rows, row_key{});
  by_version less;
  row_key key_of_row;
  text_key key_of_text;
  std::size_t failures = 0, successes = 0;
  for (std::size_t limit = 0; limit <= 40'000; limit += 97) {
    const auto tuning = tuning_of(0, ~std::uint32_t{0});
    CAPTURE(limit);
    auto work = rows;
    sluice::arena scratch(64, limit);
    const auto counts =
        sluice::detail::keep_one_per_key_with<std::uint32_t>(work.begin(), work.size(), key_of_row, less, scratch, tuning);
    REQUIRE(scratch.reserved() == 0);
    auto text_work = texts;
    const auto text_counts = sluice::detail::keep_one_per_key_with<std::uint32_t>(text_work.begin(), text_work.size(),
                                                                                key_of_text, less, scratch, tuning);
    if (counts.out_of_memory) {
      ++failures;
      REQUIRE(work == rows);
    } else {
      ++successes;
      REQUIRE(counts.kept == expected.kept.size());
      for (std::size_t k = 0; k < expected.kept.size(); ++k) REQUIRE(work[k] == rows[expected.kept[k]]);
    }
    if (text_counts.out_of_memory) {
      REQUIRE(text_work == texts);
    } else {
      REQUIRE(text_counts.kept == expected.kept.size());
      for (std::size_t k = 0; k < expected.kept.size(); ++k) REQUIRE(text_work[k] == texts[expected.kept[k]]);
    }
  }
  CHECK(failures > 0);
  CHECK(successes > 0);
}

}  // namespace dedup_test_keep_one_partitioned
