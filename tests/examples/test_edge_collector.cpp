// The edge collector demo, end to end: its report and outputs against naive models run on the
// generator's ground truth.
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "examples/model.hpp"
#include "test_support.hpp"

#include "../../examples/edge_collector/collector.hpp"
#include "sluice/hash.hpp"

namespace examples_test_edge_collector {

namespace {

struct run_result {
  edge::report summary;
  std::vector<std::string> letters;
  std::string log;
  std::vector<edge_model::row> rows;
  std::vector<sluice::compaction::file> catalog;
  std::uint64_t plan_groups = 0;
};

std::string read_all(std::FILE* file) {
  std::string text;
  std::rewind(file);
  char chunk[4096];
  std::size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, file)) > 0) text.append(chunk, n);
  return text;
}

run_result run(const std::vector<edge::generated_line>& lines, const edge::collector_config& config) {
  run_result out;
  std::FILE* log = std::tmpfile();
  REQUIRE(log != nullptr);
  {
    edge::collector pipeline(config, log);
    REQUIRE_FALSE(pipeline.error());
    pipeline.on_dead_letter = [&](const std::string& line) { out.letters.push_back(line); };
    for (const auto& line : lines) pipeline.push_line(line.text);
    pipeline.finish();
    out.summary = pipeline.summary();
    pipeline.dimension().for_each_row([&](const edge::collector::dimension_type::row& r) {
      out.rows.emplace_back(r.key, r.valid_from, r.valid_to, std::string(r.record.name.view()),
                            std::string(r.record.city.view()), std::string(r.record.email.view()));
    });
    REQUIRE_FALSE(pipeline.dimension().check());
    out.catalog = pipeline.catalog();
    if (pipeline.plan() != nullptr) out.plan_groups = pipeline.plan()->groups.size();
  }
  out.log = read_all(log);
  std::fclose(log);
  std::sort(out.rows.begin(), out.rows.end());
  return out;
}

edge::stream_config small_stream(std::uint64_t seed) {
  edge::stream_config config;
  config.seed = seed;
  // Not scaled down: the checks below need every kind of trouble in the stream, and the
  // whole run takes well under a second even under qemu.
  config.events = 8000;
  config.customers = 600;
  config.partitions = 5;
  return config;
}

// Everything the report must say, computed from the ground truth with the naive models.
struct expected_counts {
  std::uint64_t events = 0, first = 0, duplicate = 0, late = 0, cdc = 0;
  std::map<int, std::uint64_t> letters;
  std::set<std::size_t> late_lines;  // line numbers of LATE_EVENT dead letters
  edge_model::cdc_counts cdc_counts;
  std::vector<edge_model::row> rows;
  // per batch and partition: bytes and rows of the forwarded events
  std::map<std::pair<std::size_t, std::int32_t>, std::pair<std::uint64_t, std::uint64_t>> files;
};

expected_counts expect(const std::vector<edge::generated_line>& lines, const edge::collector_config& config) {
  expected_counts out;
  edge_model::dedup_model dedup(config.dedup_window, config.allowed_lateness);
  std::vector<std::vector<edge::customer>> batches;
  std::set<edge_model::change_id> changes;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t batch = i / config.batch_lines;
    if (batches.size() <= batch) batches.resize(batch + 1);
    const edge::line_truth& t = lines[i].truth;
    switch (t.what) {
      case edge::line_truth::kind::malformed: ++out.letters[static_cast<int>(t.expected)]; break;
      case edge::line_truth::kind::customer:
        ++out.cdc;
        batches[batch].push_back(t.change);
        changes.insert(edge_model::identity(t.change));
        break;
      case edge::line_truth::kind::event: {
        ++out.events;
        auto v = dedup.offer(t.event_id, t.event_time);
        if (v == edge_model::dedup_model::verdict::late) {
          out.late_lines.insert(i);
        } else if (v == edge_model::dedup_model::verdict::first) {
          auto& file = out.files[{batch, t.partition}];
          file.first += lines[i].text.size();
          file.second += 1;
        }
        break;
      }
    }
  }
  out.first = dedup.first;
  out.duplicate = dedup.duplicate;
  out.late = dedup.late;
  if (out.late != 0) out.letters[static_cast<int>(sluice::errc::late_event)] = out.late;
  out.cdc_counts = edge_model::cdc_model(batches);
  if (out.cdc_counts.lost != 0) out.letters[static_cast<int>(sluice::errc::sequence_conflict)] = out.cdc_counts.lost;
  out.rows = edge_model::history_of(changes);
  std::sort(out.rows.begin(), out.rows.end());
  return out;
}

}  // namespace

TEST_CASE("edge collector: the report matches naive models of the generated stream", "[examples]") {
  const auto seed = GENERATE(values<std::uint64_t>({1, 2024}));
  CAPTURE(seed);
  const auto lines = edge::generate_stream(small_stream(seed));
  edge::collector_config config;
  config.batch_lines = 1000;
  config.batch_arena_bytes = std::size_t{4} << 20;
  const expected_counts want = expect(lines, config);
  const run_result got = run(lines, config);
  const edge::report& r = got.summary;

  // The stream is what the demo promises: every kind of trouble is present.
  CHECK(want.duplicate > 50);
  CHECK(want.late > 20);
  CHECK(want.letters.size() >= 10);
  CHECK(want.cdc_counts.conflicts > 0);
  CHECK(want.cdc_counts.duplicates > 0);

  CHECK(r.lines == lines.size());
  CHECK(r.batches == (lines.size() + config.batch_lines - 1) / config.batch_lines);
  CHECK(r.events == want.events);
  CHECK(r.first == want.first);
  CHECK(r.duplicates == want.duplicate);
  CHECK(r.late == want.late);
  CHECK(r.untracked == 0);
  CHECK(r.cdc_records == want.cdc);
  CHECK(r.dead_letters_by_code == want.letters);
  CHECK(r.dead_letters == got.letters.size());

  CHECK(r.cdc_duplicates == want.cdc_counts.duplicates);
  CHECK(r.conflict_won + r.conflict_lost == want.cdc_counts.conflicts);
  CHECK(r.conflict_lost == want.cdc_counts.lost);
  CHECK(r.opened + r.absorbed + r.closed + r.delete_of_nothing == want.cdc_counts.applied);
  CHECK(got.rows == want.rows);
  CHECK(r.dimension_rows == want.rows.size());
  std::uint64_t current = 0;
  std::set<std::uint64_t> keys;
  for (const auto& row : want.rows) {
    current += std::get<2>(row) ? 0u : 1u;
    keys.insert(std::get<0>(row));
  }
  CHECK(r.dimension_current == current);
  CHECK(r.dimension_keys == keys.size());

  // The catalog: one file per batch and partition with forwarded events, sized by their
  // lines, in batch then partition order; and one customer-table file per batch.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> got_files, want_files;
  std::uint64_t dimension_rows = 0, catalog_bytes = 0;
  for (const auto& f : got.catalog) {
    catalog_bytes += f.bytes;
    if (f.partition == config.dimension_partition)
      dimension_rows += f.rows;
    else
      got_files.emplace_back(f.bytes, f.rows);
  }
  for (const auto& e : want.files) want_files.push_back(e.second);
  CHECK(got_files == want_files);
  CHECK(dimension_rows == r.rows_added);
  CHECK(r.catalog_files == got.catalog.size());
  CHECK(r.catalog_bytes == catalog_bytes);
  CHECK(r.plan_ok);
  CHECK(r.plan_groups == got.plan_groups);
  CHECK(r.plan_groups > 0);
  CHECK(r.plan_output_files < r.plan_input_files);

  CHECK(r.peak_total() <= r.budget);
  CHECK(r.peak_arena > 0);
  CHECK(r.peak_dedup > 0);
  CHECK(r.peak_scd2 > 0);
}

TEST_CASE("edge collector: dead letters carry the original line and the right code", "[examples]") {
  const auto lines = edge::generate_stream(small_stream(77));
  edge::collector_config config;
  config.batch_lines = 700;
  config.batch_arena_bytes = std::size_t{4} << 20;
  const expected_counts want = expect(lines, config);
  const run_result got = run(lines, config);
  REQUIRE(got.letters.size() == got.summary.dead_letters);
  std::size_t late = 0;
  for (const std::string& json : got.letters) {
    auto letter = sluice::parse_json_line<std::string>(json);
    REQUIRE(letter);
    const auto offset = letter->source.offset;
    REQUIRE(offset >= 0);
    REQUIRE(static_cast<std::size_t>(offset) < lines.size());
    const edge::generated_line& line = lines[static_cast<std::size_t>(offset)];
    CAPTURE(json);
    CHECK(letter->payload == line.text);
    CHECK(letter->source.source == "built-in");
    CHECK(letter->error.category() == sluice::error_category());
    const auto code = static_cast<sluice::errc>(letter->error.value());
    if (line.truth.what == edge::line_truth::kind::malformed) {
      CHECK(code == line.truth.expected);
      CHECK_FALSE(letter->event_time.has_value());
    } else if (line.truth.what == edge::line_truth::kind::event) {
      CHECK(code == sluice::errc::late_event);
      CHECK(want.late_lines.count(static_cast<std::size_t>(offset)) == 1);
      REQUIRE(letter->event_time.has_value());
      CHECK(letter->event_time->count() == line.truth.event_time * 1000);
      CHECK(letter->source.partition == line.truth.partition);
      ++late;
    } else {
      CHECK(code == sluice::errc::sequence_conflict);
    }
  }
  CHECK(late == want.late);
}

TEST_CASE("edge collector: output is a function of the seed", "[examples]") {
  edge::collector_config config;
  config.batch_lines = 1500;
  config.batch_arena_bytes = std::size_t{4} << 20;
  const auto lines = edge::generate_stream(small_stream(5));
  const run_result a = run(lines, config);
  const run_result b = run(edge::generate_stream(small_stream(5)), config);
  CHECK(a.letters == b.letters);
  CHECK(a.log == b.log);
  CHECK(a.rows == b.rows);
  const run_result c = run(edge::generate_stream(small_stream(6)), config);
  CHECK(a.letters != c.letters);
  CHECK(a.log != c.log);
}

TEST_CASE("edge collector: batching changes no verdict and no row", "[examples]") {
  // Dedup verdicts depend only on arrival order and the history only on the set of changes,
  // so micro-batch size, and a batch arena so small that batches close early, change nothing.
  const auto lines = edge::generate_stream(small_stream(11));
  edge::collector_config reference_config;
  reference_config.batch_lines = 100'000;
  reference_config.batch_arena_bytes = std::size_t{16} << 20;
  const run_result reference = run(lines, reference_config);
  REQUIRE(reference.summary.batches == 1);
  const auto batch_lines = GENERATE(values<std::size_t>({1, 37, 2500}));
  const auto arena_bytes = GENERATE(values<std::size_t>({std::size_t{64} << 10, std::size_t{4} << 20}));
  CAPTURE(batch_lines, arena_bytes);
  edge::collector_config config;
  config.batch_lines = batch_lines;
  config.batch_arena_bytes = arena_bytes;
  const run_result got = run(lines, config);
  CHECK(got.summary.batches >= (lines.size() + batch_lines - 1) / batch_lines);
  CHECK(got.summary.first == reference.summary.first);
  CHECK(got.summary.duplicates == reference.summary.duplicates);
  CHECK(got.summary.late == reference.summary.late);
  CHECK(got.rows == reference.rows);
  CHECK(got.summary.peak_arena <= arena_bytes);
  // Dead letters other than sequence conflicts (whose loser depends on batching) agree.
  auto without_conflicts = [](std::map<int, std::uint64_t> counts) {
    counts.erase(static_cast<int>(sluice::errc::sequence_conflict));
    return counts;
  };
  CHECK(without_conflicts(got.summary.dead_letters_by_code) ==
        without_conflicts(reference.summary.dead_letters_by_code));
}

TEST_CASE("edge collector: budgets too small degrade, never crash", "[examples]") {
  const auto lines = edge::generate_stream(small_stream(3));
  edge::collector_config config;
  config.batch_lines = 1000;
  config.batch_arena_bytes = std::size_t{1} << 20;
  config.dedup_budget = 48 << 10;
  config.scd2_budget = 16 << 10;
  const run_result got = run(lines, config);
  const edge::report& r = got.summary;
  // Dedup passes on what it cannot remember (never calls a new event a duplicate) ...
  CHECK(r.untracked > 0);
  CHECK(r.peak_dedup <= config.dedup_budget);
  // ... and SCD2 refuses whole batches, which become retryable dead letters.
  CHECK(r.cdc_refused > 0);
  CHECK(r.dead_letters_by_code.at(static_cast<int>(sluice::errc::memory_budget_exceeded)) == r.cdc_refused);
  CHECK(r.peak_scd2 <= config.scd2_budget);
  CHECK(r.events + r.cdc_records <= r.lines);
}

TEST_CASE("edge collector: a line larger than the batch arena is a dead letter", "[examples]") {
  edge::collector_config config;
  config.batch_arena_bytes = 4096;
  edge::collector pipeline(config);
  REQUIRE_FALSE(pipeline.error());
  std::vector<std::string> letters;
  pipeline.on_dead_letter = [&](const std::string& line) { letters.push_back(line); };
  pipeline.push_line(R"({"type":"event","partition":1,"offset":0,"event_id":"a","event_time":5,"user_id":1,"action":"x"})");
  pipeline.push_line(std::string(10'000, ' '));
  pipeline.push_line(R"({"type":"event","partition":1,"offset":1,"event_id":"a","event_time":6,"user_id":1,"action":"x"})");
  pipeline.finish();
  REQUIRE(letters.size() == 1);
  auto letter = sluice::parse_json_line<std::string>(letters[0]);
  REQUIRE(letter);
  CHECK(letter->error == sluice::errc::memory_budget_exceeded);
  CHECK(letter->source.offset == 1);
  CHECK(pipeline.summary().first == 1);
  CHECK(pipeline.summary().duplicates == 1);
}

TEST_CASE("edge collector: the built-in stream is the same on every platform", "[examples]") {
  // A digest of every line and its ground truth; the value is pinned, so a compiler or platform
  // that generates another stream (say, by evaluating arguments in another order) fails here.
  edge::stream_config config;
  config.seed = 99;
  config.events = 3000;
  config.customers = 150;
  std::uint64_t digest = 0;
  std::size_t lines = 0;
  for (const edge::generated_line& line : edge::generate_stream(config)) {
    std::string record = line.text;
    record += '|' + std::to_string(static_cast<int>(line.truth.what)) + '|' +
              std::to_string(static_cast<int>(line.truth.expected)) + '|' + line.truth.event_id + '|' +
              std::to_string(line.truth.event_time) + '|' + std::to_string(line.truth.change.customer_id) + '|' +
              std::to_string(line.truth.change.updated_at);
    digest = sluice::hash64(record, digest);
    ++lines;
  }
  CAPTURE(digest);
  CHECK(lines == 3730);
  CHECK(digest == 0xbc83113072dfcaa8u);  // hash algorithm 2
}

}  // namespace examples_test_edge_collector
