// The edge collector: parse, deduplicate, keep the customer dimension, plan compaction, and
// route everything it cannot use to dead letters, inside a fixed memory budget.
//
// Lines are gathered into micro-batches. Each batch is parsed into a fixed-buffer arena (no
// heap), its events go through sluice::window_dedup (late events become LATE_EVENT dead
// letters), its customer changes through sluice::scd2::history (the MERGE-able diff is
// printed), and the forwarded events "write" one output file per partition into a catalog
// that sluice::compaction plans over at the end. Output is a pure function of the input lines
// and the configuration: dead-letter times come from the stream's event-time clock.
//
//   edge::collector pipeline(edge::collector_config{}, stdout);
//   pipeline.on_dead_letter = [&](const std::string& json_line) { fputs(json_line.c_str(), f); };
//   for (const auto& line : lines) pipeline.push_line(line);
//   pipeline.finish();
//   edge::print_report(pipeline.summary(), stdout);
#pragma once

#include <algorithm>
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sluice/arena.hpp>
#include <sluice/compaction.hpp>
#include <sluice/dead_letter.hpp>
#include <sluice/dedup.hpp>
#include <sluice/errors.hpp>
#include <sluice/scd2.hpp>

#include "flat_json.hpp"
#include "records.hpp"

namespace edge {

// Settings of one run. The three budgets together are the run's memory budget.
struct collector_config {
  std::size_t batch_lines = 5000;        // lines per micro-batch
  std::int64_t dedup_window = 5 * 60 * 1000;       // ms an event id is remembered
  std::int64_t allowed_lateness = 10 * 1000;       // ms the watermark trails the newest event
  std::size_t batch_arena_bytes = std::size_t{16} << 20;  // caller buffer: lines, strings, records
  std::size_t dedup_budget = std::size_t{16} << 20;
  std::size_t scd2_budget = std::size_t{32} << 20;
  std::uint64_t seed = 0x5eed;           // hash seed of dedup and SCD2 indexes
  std::string source = "built-in";       // source name in dead letters
  std::size_t diff_rows = 2;             // MERGE rows printed per batch
  std::uint64_t compaction_target = 256 * 1024;  // bytes: the file size compaction aims at
  std::uint64_t dimension_partition = 1'000'000; // catalog partition of the customer table
};

// Counts a run produced.
struct report {
  std::uint64_t lines = 0, bytes = 0, batches = 0;
  std::uint64_t events = 0, first = 0, duplicates = 0, late = 0, untracked = 0;
  std::uint64_t cdc_records = 0;
  std::uint64_t dead_letters = 0;
  std::map<int, std::uint64_t> dead_letters_by_code;  // sluice code value -> count
  // SCD2: verdicts, MERGE rows, and the dimension at the end
  std::uint64_t opened = 0, absorbed = 0, closed = 0, delete_of_nothing = 0, cdc_duplicates = 0,
                conflict_won = 0, conflict_lost = 0, cdc_late = 0, cdc_refused = 0;
  std::uint64_t rows_removed = 0, rows_added = 0;
  std::uint64_t dimension_keys = 0, dimension_rows = 0, dimension_current = 0;
  // the catalog and the compaction plan over it
  std::uint64_t catalog_files = 0, catalog_bytes = 0;
  std::uint64_t plan_groups = 0, plan_input_files = 0, plan_output_files = 0, plan_ideal_files = 0,
                plan_rewrite_bytes = 0;
  bool plan_ok = false;
  // memory: peaks of each budgeted part, and the budget
  std::uint64_t peak_arena = 0, peak_dedup = 0, peak_scd2 = 0, budget = 0;
  std::uint64_t peak_total() const noexcept { return peak_arena + peak_dedup + peak_scd2; }
};

class collector {
 public:
  struct event_key {
    std::string_view operator()(const event& e) const noexcept { return e.event_id; }
  };
  struct event_time {
    std::int64_t operator()(const event& e) const noexcept { return e.event_time; }
  };
  using dedup_type = sluice::window_dedup<event, event_key, event_time>;
  using dimension_type = sluice::scd2::history<customer_traits>;

  // `log` receives the per-batch lines (nullptr: silent). `buffer` is the caller's memory for
  // the batch arena (batch_arena_bytes); nullptr makes the collector own one on the heap.
  explicit collector(const collector_config& config, std::FILE* log = nullptr, void* buffer = nullptr)
      : config_(config),
        log_(log),
        owned_buffer_(buffer == nullptr ? config.batch_arena_bytes : 0),
        batch_(buffer != nullptr ? buffer : static_cast<void*>(owned_buffer_.data()), config.batch_arena_bytes),
        dedup_(dedup_type::create(dedup_config(config))),
        dimension_(dimension_config(config)) {
    summary_.budget = config.batch_arena_bytes + config.dedup_budget + config.scd2_budget;
  }

  collector(const collector&) = delete;
  collector& operator=(const collector&) = delete;

  // INVALID_CONFIG when the dedup settings or budget are unusable; then nothing is processed.
  std::error_code error() const noexcept { return dedup_ ? std::error_code() : dedup_.error(); }

  // Receives each dead letter as one JSON line (with its '\n').
  std::function<void(const std::string&)> on_dead_letter;

  // Adds one line (without its newline) to the current micro-batch.
  void push_line(std::string_view line) {
    if (!dedup_) return;
    ++summary_.lines;
    summary_.bytes += line.size();
    // Close the batch early when the arena could not hold this line's worst case.
    const std::size_t need = worst_case_bytes(line.size());
    if (need > room() && !pending_.empty()) flush();
    std::string_view copy;
    if (need <= room()) {
      batch_need_ += need;
      copy = batch_.copy(line);
    }
    if (copy.data() == nullptr) {
      current_line_ = pending_.size();  // this line's position
      dead_letter(sluice::errc::memory_budget_exceeded, sluice::pipeline_stage::ingest, line, -1,
                  "line does not fit the batch arena");
      batch_start_ += 1;
      return;
    }
    pending_.push_back(copy);
    if (pending_.size() >= config_.batch_lines) flush();
  }

  // Processes the last partial batch and plans compaction over the catalog.
  void finish() {
    if (!dedup_) return;
    flush();
    plan_compaction();
    summary_.dimension_keys = dimension_.key_count();
    summary_.dimension_rows = dimension_.row_count();
    std::uint64_t current = 0;
    dimension_.for_each_row([&](const dimension_type::row& r) { current += r.valid_to ? 0u : 1u; });
    summary_.dimension_current = current;
    const auto stats = dedup_->stats();
    summary_.first = stats.first;
    summary_.duplicates = stats.duplicate;
    summary_.late = stats.late;
    summary_.untracked = stats.over_budget;
  }

  const report& summary() const noexcept { return summary_; }
  const dimension_type& dimension() const noexcept { return dimension_; }
  const std::vector<sluice::compaction::file>& catalog() const noexcept { return catalog_; }
  const sluice::compaction::plan* plan() const noexcept { return plan_ ? &*plan_ : nullptr; }
  const dedup_type* dedup() const noexcept { return dedup_ ? &*dedup_ : nullptr; }

 private:
  static sluice::window_dedup_config dedup_config(const collector_config& config) {
    sluice::window_dedup_config out;
    out.window = config.dedup_window;
    out.allowed_lateness = config.allowed_lateness;
    out.memory_budget = config.dedup_budget;
    out.seed = config.seed;
    return out;
  }
  static sluice::scd2::history_config dimension_config(const collector_config& config) {
    sluice::scd2::history_config out;
    out.memory_budget = config.scd2_budget;
    out.seed = config.seed;
    return out;
  }

  // Milliseconds as dead-letter microseconds, saturated (input times are untrusted).
  static sluice::unix_micros to_micros(std::int64_t ms) noexcept {
    constexpr std::int64_t limit = INT64_MAX / 1000;
    return sluice::unix_micros(ms > limit ? INT64_MAX : ms < -limit ? -INT64_MAX : ms * 1000);
  }
  // The stream's event-time clock: the newest event time parsed so far.
  sluice::unix_micros clock() const noexcept { return to_micros(newest_ms_); }

  void dead_letter(std::error_code code, sluice::pipeline_stage stage, std::string_view payload,
                   std::int32_t partition, std::string_view detail,
                   std::optional<std::int64_t> event_ms = std::nullopt) {
    ++summary_.dead_letters;
    ++summary_.dead_letters_by_code[code.value()];
    if (!on_dead_letter) return;
    sluice::dead_letter<std::string> letter;
    letter.error = code;
    letter.stage = stage;
    letter.source.source = config_.source;
    letter.source.partition = partition;
    letter.source.offset = static_cast<std::int64_t>(batch_start_ + current_line_);  // line number, from 0
    if (event_ms) letter.event_time = to_micros(*event_ms);
    letter.first_failure = letter.last_failure = clock();
    letter.set_detail(detail);
    letter.payload.assign(payload.data(), payload.size());
    scratch_.clear();
    sluice::append_json_line(letter, scratch_);
    on_dead_letter(scratch_);
  }

  void flush() {
    if (pending_.empty()) return;
    ++summary_.batches;
    const std::size_t n = pending_.size();
    event* events = batch_.allocate_array<event>(n);
    customer* changes = batch_.allocate_array<customer>(n);
    std::uint32_t* change_lines = batch_.allocate_array<std::uint32_t>(n);
    if (events == nullptr || changes == nullptr || change_lines == nullptr) {
      for (current_line_ = 0; current_line_ < n; ++current_line_)
        dead_letter(sluice::errc::memory_budget_exceeded, sluice::pipeline_stage::ingest,
                    pending_[current_line_], -1, "batch records do not fit the batch arena");
      end_batch();
      return;
    }
    std::size_t event_count = 0, change_count = 0;
    flat_object object;
    for (current_line_ = 0; current_line_ < n; ++current_line_) {
      const std::string_view line = pending_[current_line_];
      if (parse_failure f = parse_flat_object(line, batch_, object)) {
        dead_letter(f.code, sluice::pipeline_stage::parse, line, -1,
                    std::string(f.message) + " at byte " + std::to_string(f.offset));
        continue;
      }
      record_kind kind{};
      schema_failure s = kind_of(object, kind);
      if (!s) {
        if (kind == record_kind::event) {
          event& e = events[event_count];
          e = event{};
          s = to_event(object, e);
          if (!s) {
            newest_ms_ = std::max(newest_ms_, e.event_time);
            e.line = static_cast<std::uint32_t>(current_line_);
            e.line_bytes = static_cast<std::uint32_t>(line.size());
            ++event_count;
          }
        } else {
          s = to_customer(object, changes[change_count]);
          if (!s) change_lines[change_count++] = static_cast<std::uint32_t>(current_line_);
        }
      }
      if (s) {
        dead_letter(s.code, sluice::pipeline_stage::validate, line, -1,
                    std::string(s.field) + ": " + s.message);
      }
    }
    summary_.events += event_count;
    summary_.cdc_records += change_count;

    deduplicate(events, event_count);
    apply_changes(changes, change_lines, change_count);
    summary_.peak_arena = std::max<std::uint64_t>(summary_.peak_arena, batch_.used());
    end_batch();
  }

  // Arena bytes one line may take: its copy, its unescaped strings (never longer than the
  // line) and one slot in each per-batch record array; plus, for the batch, alignment slack.
  static constexpr std::size_t record_bytes = sizeof(event) + sizeof(customer) + sizeof(std::uint32_t);
  static constexpr std::size_t batch_slack = 4 * alignof(std::max_align_t);
  static std::size_t worst_case_bytes(std::size_t line_bytes) noexcept {
    return line_bytes > SIZE_MAX / 4 ? SIZE_MAX / 2 : 2 * line_bytes + 1 + record_bytes;
  }

  std::size_t room() const noexcept {
    return batch_.budget() > batch_need_ ? batch_.budget() - batch_need_ : 0;
  }

  void end_batch() {
    batch_need_ = batch_slack;
    batch_start_ += pending_.size();
    pending_.clear();
    current_line_ = 0;
    batch_.reset();
  }

  void deduplicate(const event* events, std::size_t n) {
    std::vector<std::uint64_t> bytes(partition_count_, 0), rows(partition_count_, 0);
    std::uint64_t first = 0, duplicate = 0, late = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const event& e = events[i];
      current_line_ = e.line;
      const sluice::verdict v = dedup_->offer(e);
      if (v == sluice::verdict::late) {
        ++late;
        dead_letter(sluice::errc::late_event, sluice::pipeline_stage::dedup, pending_[e.line], e.partition,
                    "event time " + std::to_string(e.event_time) + " is below the watermark " +
                        std::to_string(dedup_->watermark()),
                    e.event_time);
        continue;
      }
      if (v == sluice::verdict::duplicate) {
        ++duplicate;
        continue;
      }
      ++first;  // first, or over budget: forwarded either way
      const auto p = static_cast<std::size_t>(e.partition);
      if (p >= bytes.size()) {
        bytes.resize(p + 1, 0);
        rows.resize(p + 1, 0);
        partition_count_ = p + 1;
      }
      bytes[p] += e.line_bytes;
      rows[p] += 1;
    }
    summary_.peak_dedup = std::max<std::uint64_t>(summary_.peak_dedup, dedup_->stats().bytes);
    std::size_t files = 0;
    for (std::size_t p = 0; p < bytes.size(); ++p) {
      if (rows[p] == 0) continue;
      ++files;
      sluice::compaction::file f;
      f.id = catalog_.size() + 1;
      f.bytes = bytes[p];
      f.partition = p;
      f.written_at = newest_ms_ / 1000;
      f.rows = rows[p];
      catalog_.push_back(f);
    }
    if (log_ != nullptr) {
      std::fprintf(log_, "batch %" PRIu64 ": %zu lines, %zu events: %" PRIu64 " first, %" PRIu64
                         " duplicate, %" PRIu64 " late (watermark %s); %zu event files written\n",
                   summary_.batches, pending_.size(), n, first, duplicate, late,
                   format_time(dedup_->watermark()).c_str(), files);
    }
  }

  void apply_changes(const customer* changes, const std::uint32_t* lines, std::size_t n) {
    verdicts_.assign(n, sluice::scd2::change_verdict::opened);
    auto diff = dimension_.apply(changes, n, verdicts_.data());
    summary_.peak_scd2 = std::max<std::uint64_t>(summary_.peak_scd2, dimension_.memory().reserved);
    if (diff.error) {
      summary_.cdc_refused += n;
      for (std::size_t i = 0; i < n; ++i) {
        current_line_ = lines[i];
        dead_letter(diff.error, sluice::pipeline_stage::transform, pending_[lines[i]], -1,
                    "the customer dimension is over its memory budget", changes[i].updated_at);
      }
      if (log_ != nullptr) std::fprintf(log_, "  SCD2: batch refused (%s)\n", sluice::name_of(diff.error));
      return;
    }
    std::uint64_t counts[8] = {};
    for (std::size_t i = 0; i < n; ++i) {
      const sluice::scd2::change_verdict v = verdicts_[i];
      ++counts[static_cast<std::size_t>(v)];
      if (v == sluice::scd2::change_verdict::conflict_lost) {
        current_line_ = lines[i];
        dead_letter(sluice::scd2::to_error_code(v), sluice::pipeline_stage::transform, pending_[lines[i]], -1,
                    "another change of customer " + std::to_string(changes[i].customer_id) +
                        " at the same updated_at wins",
                    changes[i].updated_at);
      }
    }
    using cv = sluice::scd2::change_verdict;
    summary_.opened += counts[static_cast<std::size_t>(cv::opened)];
    summary_.closed += counts[static_cast<std::size_t>(cv::closed)];
    summary_.absorbed += counts[static_cast<std::size_t>(cv::absorbed)];
    summary_.cdc_duplicates += counts[static_cast<std::size_t>(cv::duplicate)];
    summary_.conflict_won += counts[static_cast<std::size_t>(cv::conflict_won)];
    summary_.conflict_lost += counts[static_cast<std::size_t>(cv::conflict_lost)];
    summary_.cdc_late += counts[static_cast<std::size_t>(cv::late)];
    summary_.delete_of_nothing += counts[static_cast<std::size_t>(cv::delete_of_nothing)];
    summary_.rows_removed += diff.removed.size();
    summary_.rows_added += diff.added.size();
    record_dimension_file(diff.removed, diff.added);

    if (log_ == nullptr) return;
    std::fprintf(log_, "  SCD2 MERGE: %zu CDC records (%zu applied, %zu duplicate, %zu conflicting): "
                       "DELETE %zu rows, INSERT %zu rows\n",
                 n, diff.applied, diff.duplicates, diff.conflicts, diff.removed.size(), diff.added.size());
    std::size_t shown = 0;
    for (const auto& r : diff.removed) {
      if (shown++ >= config_.diff_rows) break;
      print_row("-", r);
    }
    shown = 0;
    for (const auto& r : diff.added) {
      if (shown++ >= config_.diff_rows) break;
      print_row("+", r);
    }
  }

  // The customer table gets one file per batch; rows removed by a later MERGE count as
  // deleted rows of the file that inserted them.
  void record_dimension_file(const std::vector<dimension_type::row>& removed,
                             const std::vector<dimension_type::row>& added) {
    for (const auto& r : removed) {
      auto it = row_file_.find({r.key, r.valid_from});
      if (it == row_file_.end()) continue;
      catalog_[it->second].deleted_rows += 1;
      row_file_.erase(it);
    }
    if (added.empty()) return;
    sluice::compaction::file f;
    f.id = catalog_.size() + 1;
    f.partition = config_.dimension_partition;
    f.written_at = newest_ms_ / 1000;
    f.rows = added.size();
    f.bytes = added.size() * sizeof(dimension_type::row);
    for (const auto& r : added) row_file_[{r.key, r.valid_from}] = catalog_.size();
    catalog_.push_back(f);
  }

  void plan_compaction() {
    sluice::compaction::policy rules;
    rules.target_bytes = config_.compaction_target;
    rules.min_input_files = 4;
    auto planned = sluice::compaction::make_plan(catalog_.data(), catalog_.size(), rules, newest_ms_ / 1000);
    summary_.catalog_files = catalog_.size();
    summary_.catalog_bytes = 0;
    for (const auto& f : catalog_) summary_.catalog_bytes += f.bytes;
    if (!planned) return;
    summary_.plan_ok = true;
    summary_.plan_groups = planned->groups.size();
    summary_.plan_input_files = planned->input_files;
    summary_.plan_output_files = planned->output_files;
    summary_.plan_ideal_files = planned->ideal_output_files;
    summary_.plan_rewrite_bytes = planned->rewrite_bytes;
    plan_ = std::move(*planned);
  }

  void print_row(const char* sign, const dimension_type::row& r) const {
    const customer& c = r.record;
    std::string until = r.valid_to ? format_time(*r.valid_to) : std::string("open");
    std::fprintf(log_, "    %s customer %" PRIu64 " [%s, %s) %.*s, %.*s, %.*s\n", sign, r.key,
                 format_time(r.valid_from).c_str(), until.c_str(), static_cast<int>(c.name.size), c.name.bytes,
                 static_cast<int>(c.city.size), c.city.bytes, static_cast<int>(c.email.size), c.email.bytes);
  }

 public:
  // Milliseconds since the epoch as "HH:MM:SS.mmm" (UTC, time of day), or "-" before any event.
  static std::string format_time(std::int64_t ms) {
    if (ms == INT64_MIN) return "-";
    std::int64_t day_ms = ms % 86'400'000;
    if (day_ms < 0) day_ms += 86'400'000;
    char text[32];
    std::snprintf(text, sizeof text, "%02d:%02d:%02d.%03d", static_cast<int>(day_ms / 3'600'000),
                  static_cast<int>(day_ms / 60'000 % 60), static_cast<int>(day_ms / 1000 % 60),
                  static_cast<int>(day_ms % 1000));
    return text;
  }

 private:
  collector_config config_;
  std::FILE* log_;
  std::vector<unsigned char> owned_buffer_;
  sluice::arena batch_;
  sluice::result<dedup_type> dedup_;
  dimension_type dimension_;
  std::vector<std::string_view> pending_;
  std::size_t current_line_ = 0;   // index in pending_ of the line being processed
  std::uint64_t batch_start_ = 0;  // input line number of pending_[0]
  std::size_t batch_need_ = batch_slack;  // worst-case arena bytes of the pending lines
  std::size_t partition_count_ = 0;
  std::int64_t newest_ms_ = 0;
  std::vector<sluice::scd2::change_verdict> verdicts_;
  std::vector<sluice::compaction::file> catalog_;
  std::map<std::pair<std::uint64_t, std::int64_t>, std::size_t> row_file_;
  std::optional<sluice::compaction::plan> plan_;
  std::string scratch_;
  report summary_;
};

}  // namespace edge
