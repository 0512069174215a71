// Hostile configurations and inputs for the planner, SCD2, dead letters, the arena and
// hashing, each with its documented result (dedup has its own file).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "catch_shim.hpp"
#include "sluice/arena.hpp"
#include "sluice/checkpoint_file.hpp"
#include "sluice/compaction.hpp"
#include "sluice/dead_letter.hpp"
#include "sluice/hash.hpp"
#include "sluice/scd2.hpp"

namespace robustness_test_hostile_inputs {

namespace compaction = sluice::compaction;

namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
constexpr double infinity = std::numeric_limits<double>::infinity();
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

bool refused(const compaction::policy& p) {
  auto resolved = compaction::resolve(p);
  auto plan = compaction::make_plan(static_cast<const compaction::file*>(nullptr), 0, p, 0);
  return !resolved && resolved.error() == sluice::errc::invalid_config && !plan &&
         plan.error() == sluice::errc::invalid_config;
}

}  // namespace

TEST_CASE("compaction: absurd policies are refused with INVALID_CONFIG", "[robustness]") {
  compaction::policy p;
  CHECK_FALSE(refused(p));
  p.target_bytes = 0;
  CHECK(refused(p));
  p = {};
  p.max_group_bytes = 0;
  CHECK(refused(p));
  for (double ratio : {not_a_number, infinity, -infinity, 0.0, -0.0, -1.0}) {
    CAPTURE(ratio);
    p = {};
    p.output_ratio = ratio;
    CHECK(refused(p));
  }
  for (double ratio : {not_a_number, -0.1, -infinity}) {
    p = {};
    p.max_delete_ratio = ratio;
    CHECK(refused(p));
  }
  p = {};
  p.max_delete_ratio = infinity;  // "never rewrite for deletes": allowed
  CHECK_FALSE(refused(p));
  p = {};
  p.min_bytes = p.target_bytes;
  CHECK(refused(p));
  p = {};
  p.max_bytes = p.target_bytes;
  CHECK(refused(p));
  p = {};
  p.target_bytes = 1;  // 3/4 and 9/5 of one byte leave no valid range
  CHECK(refused(p));
  p = {};
  p.target_bytes = u64_max;  // 9/5 of it does not fit: no max above the target
  CHECK(refused(p));
  p = {};
  p.target_bytes = u64_max / 2;
  p.max_bytes = u64_max;
  CHECK_FALSE(refused(p));
}

TEST_CASE("compaction: extreme sizes, counts and times plan without overflow", "[robustness]") {
  std::vector<compaction::file> files;
  std::uint64_t id = 0;
  for (std::uint64_t bytes : {u64_max, u64_max - 1, u64_max / 2, std::uint64_t{0}, std::uint64_t{1}}) {
    compaction::file f;
    f.id = id++;
    f.bytes = bytes;
    f.partition = 7;
    f.rows = bytes;
    f.deleted_rows = bytes == 0 ? u64_max : bytes / 2;  // rows 0 with deletes: fully deleted
    f.written_at = id % 2 == 0 ? std::numeric_limits<std::int64_t>::min()
                               : std::numeric_limits<std::int64_t>::max();
    f.rewrites = std::numeric_limits<std::uint32_t>::max() - 1;
    files.push_back(f);
  }
  compaction::policy p;
  for (std::int64_t cool_down : {std::int64_t{0}, std::numeric_limits<std::int64_t>::max()}) {
    for (std::int64_t now : {std::numeric_limits<std::int64_t>::min(), std::int64_t{0},
                             std::numeric_limits<std::int64_t>::max()}) {
      CAPTURE(cool_down, now);
      p.cool_down = cool_down;
      auto plan = compaction::make_plan(files.data(), files.size(), p, now);
      REQUIRE(plan.has_value());
      std::size_t inputs = 0;
      for (const auto& g : plan->groups) {
        inputs += g.files.size();
        CHECK(std::isfinite(g.benefit));
        CHECK(g.partition == 7);
      }
      CHECK(plan->input_files == inputs);
      if (cool_down != 0) {
        // A partition written at INT64_MAX is always "recent": nothing is planned.
        CHECK(plan->groups.empty());
        CHECK(plan->skipped_cool_down > 0);
      }
    }
  }
  // No file is touched once rewrites reach max_rewrites.
  p = {};
  p.max_rewrites = 0;
  auto plan = compaction::make_plan(files.data(), files.size(), p, 0);
  REQUIRE(plan.has_value());
  CHECK(plan->groups.empty());
  CHECK(plan->skipped_rewrites == 5);
}

TEST_CASE("compaction: an empty catalog gives an empty plan", "[robustness]") {
  auto plan = compaction::make_plan(static_cast<const compaction::file*>(nullptr), 0, {}, 0);
  REQUIRE(plan.has_value());
  CHECK(plan->groups.empty());
  CHECK(plan->rewrite_bytes == 0);
}

namespace {
struct text_change {
  std::string id;
  std::int64_t at;
  bool gone;
  int value;
};
struct text_traits {
  using record = text_change;
  static const std::string& key(const text_change& c) { return c.id; }
  static std::int64_t sequence(const text_change& c) { return c.at; }
  static bool is_delete(const text_change& c) { return c.gone; }
  static auto tracked(const text_change& c) { return std::tie(c.value); }
};
}  // namespace

TEST_CASE("scd2: sequences at the ends of int64, empty and 1 MiB keys", "[robustness]") {
  sluice::scd2::history<text_traits> h;
  const std::string huge(1u << 20, 'h');
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  std::vector<text_change> batch = {{"", hi, false, 2},   {"", lo, false, 1},  {huge, lo, false, 1},
                                    {huge, hi, true, 0},  {huge, 0, false, 3}, {"", lo, false, 1}};
  std::vector<sluice::scd2::change_verdict> verdicts(batch.size());
  auto result = h.apply(batch.data(), batch.size(), verdicts.data());
  REQUIRE_FALSE(result.error);
  CHECK(result.applied == 5);
  CHECK(result.duplicates == 1);
  CHECK_FALSE(h.check());
  // "": [lo, hi) then [hi, open).
  auto empty_key = h.versions("");
  REQUIRE(empty_key.size() == 2);
  CHECK(empty_key[0].valid_from == lo);
  CHECK(empty_key[0].valid_to == hi);
  CHECK(empty_key[1].valid_from == hi);
  CHECK_FALSE(empty_key[1].valid_to.has_value());
  // huge: [lo, 0), [0, hi), closed by the delete at hi: no current row.
  auto huge_key = h.versions(huge);
  REQUIRE(huge_key.size() == 2);
  CHECK(huge_key[1].valid_to == hi);
  CHECK(h.current(huge) == nullptr);
  CHECK(h.current("") != nullptr);
  // A horizon at INT64_MAX makes every other change late, and keeps the rows.
  h.forget_before(hi);
  std::vector<text_change> late = {{"", 5, false, 9}};
  auto refused_late = h.apply(late.data(), late.size());
  CHECK(refused_late.late == 1);
  CHECK(h.row_count() == 4);
  CHECK_FALSE(h.check());
}

TEST_CASE("dead letters: extreme fields and sizes round-trip; junk is ENCODING_CORRUPT", "[robustness]") {
  sluice::dead_letter<std::string> letter;
  letter.error = sluice::errc::payload_too_large;
  letter.source = {std::string(1u << 16, 's'), std::numeric_limits<std::int32_t>::min(),
                   std::numeric_limits<std::int64_t>::min()};
  letter.event_time = sluice::unix_micros(std::numeric_limits<std::int64_t>::max());
  letter.first_failure = sluice::unix_micros(std::numeric_limits<std::int64_t>::min());
  letter.last_failure = sluice::unix_micros(std::numeric_limits<std::int64_t>::max());
  letter.attempts = std::numeric_limits<std::uint32_t>::max();
  letter.record_failure(sluice::unix_micros(1));
  CHECK(letter.attempts == std::numeric_limits<std::uint32_t>::max());  // saturates
  letter.set_detail(std::string(1u << 20, 'd'));                         // 1 MiB of detail
  CHECK(letter.detail.size() <= sluice::dead_letter_detail_limit);
  CHECK(letter.detail.substr(letter.detail.size() - 3) == "\xe2\x80\xa6");  // ends with "…"
  letter.headers.push_back({"", ""});
  letter.payload.assign(1u << 20, '\xff');  // 1 MiB, not UTF-8: base64 in JSON
  auto decoded = sluice::decode_dead_letter<std::string>(sluice::encode(letter).value());
  REQUIRE(decoded.has_value());
  CHECK(*decoded == letter);
  auto parsed = sluice::parse_json_line<std::string>(sluice::to_json_line(letter));
  REQUIRE(parsed.has_value());
  CHECK(*parsed == letter);

  for (const std::string& junk : {std::string(), std::string("SLDL"), std::string(14, '\0'),
                                  std::string(100, 'x')}) {
    auto bad = sluice::decode_dead_letter<std::string>(junk);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error() == sluice::errc::encoding_corrupt);
  }
  std::string future = sluice::encode(letter).value();
  future[4] = 2;  // a newer format version
  CHECK(sluice::decode_dead_letter<std::string>(future).error() == sluice::errc::encoding_version_unsupported);
  for (const char* line : {"", "{", "{}", "null", "{\"format\":\"sluice.dead_letter\"}", "[1,2]"}) {
    CAPTURE(line);
    auto bad = sluice::parse_json_line<std::string>(line);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error() == sluice::errc::encoding_corrupt);
  }
  // Deep nesting in an unknown key must not exhaust the stack.
  std::string deep = "{\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto nested = sluice::parse_json_line<std::string>(deep);
  CHECK_FALSE(nested.has_value());
}

TEST_CASE("arena: absurd sizes and alignments return nullptr", "[robustness]") {
  sluice::arena memory(4096, 1u << 20);
  CHECK(memory.allocate(SIZE_MAX) == nullptr);
  CHECK(memory.allocate(SIZE_MAX - 15, 16) == nullptr);
  CHECK(memory.allocate(1, 0) == nullptr);
  CHECK(memory.allocate(1, 3) == nullptr);
  CHECK(memory.allocate(1, std::size_t{1} << (8 * sizeof(std::size_t) - 2)) == nullptr);  // > budget
  CHECK(memory.allocate_array<std::uint64_t>(SIZE_MAX / 4) == nullptr);
  CHECK(memory.reserved() == 0);
  CHECK(memory.used() == 0);
  // A first block larger than the budget is cut to the budget.
  sluice::arena capped(SIZE_MAX, 1u << 20);
  CHECK(capped.allocate(100) != nullptr);
  CHECK(capped.reserved() <= std::size_t{1} << 20);
  // A fixed arena over no buffer refuses everything.
  sluice::arena none(nullptr, 100);
  CHECK(none.budget() == 0);
  CHECK(none.allocate(1) == nullptr);
  CHECK(none.copy("abc").data() == nullptr);
}

TEST_CASE("hash: empty and 1 MiB inputs agree on every path", "[robustness]") {
  CHECK(sluice::hash64(nullptr, 0, 5) == sluice::hash64(std::string_view(), 5));
  const std::string huge(1u << 20, '\x5a');
  const std::uint64_t h = sluice::hash64(huge, 9);
  namespace hashing = sluice::detail::hashing;
  for (hashing::kernel k : {hashing::kernel::scalar, hashing::kernel::sse2, hashing::kernel::avx2,
                            hashing::kernel::neon})
    if (hashing::kernel_available(k)) CHECK(hashing::hash64_with(k, huge.data(), huge.size(), 9) == h);
  std::string_view views[2] = {huge, std::string_view()};
  std::uint64_t out[2];
  sluice::hash64_batch(views, 2, out, 9);
  CHECK(out[0] == h);
  CHECK(out[1] == sluice::hash64(nullptr, 0, 9));
}

TEST_CASE("checkpoint files: short snapshots are CHECKPOINT_CORRUPT", "[robustness]") {
  CHECK(sluice::snapshot_epoch("").error() == sluice::errc::checkpoint_corrupt);
  CHECK(sluice::snapshot_epoch(std::string(15, 'x')).error() == sluice::errc::checkpoint_corrupt);
  CHECK(sluice::write_snapshot_file("/nonexistent-dir/x/snap", "short") == sluice::errc::checkpoint_corrupt);
  CHECK(sluice::write_snapshot_file("/nonexistent-dir/x/snap", std::string(16, '\0')));  // an IO error
  CHECK_FALSE(sluice::read_snapshot_file("/nonexistent-dir/x/snap").has_value());
}

// A zero code of a named domain ("generic", 0 or "sluice", 0) reads as std::error_code(), the
// form both encoders write for any zero code, so a parsed letter survives a round trip.
TEST_CASE("dead letters: a zero code in a named domain reads as no error", "[robustness]") {
  const std::string line =
      "{\"format\":\"sluice.dead_letter\",\"version\":1,\"domain\":\"generic\",\"code\":0,\"payload\":\"\"}";
  auto parsed = sluice::parse_json_line<std::string>(line);
  REQUIRE(parsed.has_value());
  CHECK_FALSE(parsed->error);
  CHECK(parsed->error == std::error_code());
  auto again = sluice::decode_dead_letter<std::string>(sluice::encode(*parsed).value());
  REQUIRE(again.has_value());
  CHECK(*again == *parsed);
}

}  // namespace robustness_test_hostile_inputs
