// edge_collector: sluice's components working together on one stream.
//
// Reads newline-delimited JSON (a built-in seeded stream by default, or a file, or stdin),
// parses it strictly, deduplicates events in an event-time window, keeps a customer dimension
// as SCD Type 2 history and prints each micro-batch's MERGE diff, plans compaction of the
// pretend output files, writes dead letters as JSON lines and prints a report. Everything but
// the throughput line is the same on every run with the same input and options.
//
//   edge_collector                         # built-in stream, seed 2024
//   edge_collector --seed 7 --events 100000
//   edge_collector --input events.ndjson --dead-letters bad.jsonl
//   producer | edge_collector --input -
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collector.hpp"
#include "generator.hpp"

namespace {

constexpr std::size_t arena_bytes = std::size_t{16} << 20;
// The batch arena works inside this buffer and never calls malloc.
alignas(std::max_align_t) unsigned char arena_buffer[arena_bytes];

struct options {
  edge::stream_config stream;
  edge::collector_config collector;
  std::string input;  // empty: built-in stream; "-": stdin
  std::string dead_letters;
  bool dead_letters_given = false;
  bool help = false;
};

void usage(std::FILE* out) {
  std::fputs(
      "usage: edge_collector [options]\n"
      "  --input FILE         read NDJSON from FILE ('-' for stdin) instead of the built-in stream\n"
      "  --seed N             seed of the built-in stream (default 2024)\n"
      "  --events N           events in the built-in stream (default 40000; customers: 1 per 20)\n"
      "  --batch N            lines per micro-batch (default 5000)\n"
      "  --diff-rows N        MERGE rows printed per batch and side (default 2)\n"
      "  --dead-letters FILE  where dead letters go as JSON lines ('-' stdout, 'none' nowhere;\n"
      "                       default dead_letters.jsonl next to this program)\n",
      out);
}

bool parse_number(const char* text, std::uint64_t& out) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-') return false;
  out = value;
  return true;
}

bool parse_options(int argc, char** argv, options& out) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view name = argv[i];
    if (name == "--help" || name == "-h") {
      out.help = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "edge_collector: %s needs a value\n", argv[i]);
      return false;
    }
    const char* value = argv[++i];
    std::uint64_t number = 0;
    const bool numeric = parse_number(value, number);
    if (name == "--input") {
      out.input = value;
    } else if (name == "--dead-letters") {
      out.dead_letters = value;
      out.dead_letters_given = true;
    } else if (name == "--seed" && numeric) {
      out.stream.seed = number;
    } else if (name == "--events" && numeric && number <= 50'000'000) {
      out.stream.events = static_cast<std::size_t>(number);
      out.stream.customers = out.stream.events / 20 + 1;  // keep the built-in mix of CDC and events
    } else if (name == "--batch" && numeric && number > 0 && number <= 1'000'000) {
      out.collector.batch_lines = static_cast<std::size_t>(number);
    } else if (name == "--diff-rows" && numeric && number <= 1'000'000) {
      out.collector.diff_rows = static_cast<std::size_t>(number);
    } else {
      std::fprintf(stderr, "edge_collector: bad option %s %s\n", argv[i - 1], value);
      return false;
    }
  }
  return true;
}

// Reads lines of at most max_line_bytes + 1 bytes (longer lines are cut there, so the parser
// reports PAYLOAD_TOO_LARGE) with fixed buffers, whatever the input holds.
class line_reader {
 public:
  explicit line_reader(std::FILE* in) : in_(in) {}

  bool next(std::string_view& line) {
    std::size_t size = 0;
    bool cut = false;
    for (;;) {
      if (position_ == filled_) {
        filled_ = std::fread(chunk_, 1, sizeof chunk_, in_);
        position_ = 0;
        if (filled_ == 0) {
          if (size == 0 && !cut) return false;
          break;
        }
      }
      const char* start = chunk_ + position_;
      const auto* newline = static_cast<const char*>(std::memchr(start, '\n', filled_ - position_));
      const std::size_t take = newline != nullptr ? static_cast<std::size_t>(newline - start) : filled_ - position_;
      const std::size_t room = sizeof line_ - size;
      const std::size_t copied = take < room ? take : room;
      std::memcpy(line_ + size, start, copied);
      size += copied;
      cut = cut || copied < take;
      position_ += take;
      if (newline != nullptr) {
        ++position_;
        break;
      }
    }
    if (size > 0 && line_[size - 1] == '\r') --size;
    line = std::string_view(line_, size);
    return true;
  }

 private:
  std::FILE* in_;
  char chunk_[1 << 16];
  char line_[edge::max_line_bytes + 1];
  std::size_t position_ = 0, filled_ = 0;
};

bool blank(std::string_view line) {
  for (char c : line)
    if (c != ' ' && c != '\t') return false;
  return true;
}

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

void print_report(const edge::report& r, const options& opts, double seconds, std::FILE* out) {
  std::fprintf(out, "\nedge collector report (%s)\n",
               opts.input.empty() ? ("built-in stream, seed " + std::to_string(opts.stream.seed)).c_str()
                                  : opts.input == "-" ? "stdin" : opts.input.c_str());
  std::fprintf(out, "  input         %" PRIu64 " lines, %.1f MiB, %" PRIu64 " micro-batches\n", r.lines,
               mib(r.bytes), r.batches);
  std::fprintf(out, "  events        %" PRIu64 " in: %" PRIu64 " first, %" PRIu64 " duplicates, %" PRIu64
                    " late, %" PRIu64 " untracked (over budget)\n",
               r.events, r.first, r.duplicates, r.late, r.untracked);
  std::fprintf(out, "  dead letters  %" PRIu64 " -> %s\n", r.dead_letters,
               opts.dead_letters == "none" ? "(not written)"
               : opts.dead_letters == "-"  ? "stdout"
                                           : opts.dead_letters.c_str());
  for (const auto& [value, count] : r.dead_letters_by_code) {
    const sluice::code_info& row = sluice::info(static_cast<sluice::errc>(value));
    std::fprintf(out, "      %-22s %3d  %" PRIu64 "\n", row.name.data(), value, count);
  }
  std::fprintf(out, "  customer CDC  %" PRIu64 " in: %" PRIu64 " opened, %" PRIu64 " absorbed, %" PRIu64
                    " closed, %" PRIu64 " delete-of-nothing, %" PRIu64 " duplicates, %" PRIu64
                    " conflicts (%" PRIu64 " lost)\n",
               r.cdc_records, r.opened, r.absorbed, r.closed, r.delete_of_nothing, r.cdc_duplicates,
               r.conflict_won + r.conflict_lost, r.conflict_lost);
  std::fprintf(out, "  SCD2 rows     MERGE: %" PRIu64 " removed, %" PRIu64 " added; dimension: %" PRIu64
                    " customers, %" PRIu64 " rows, %" PRIu64 " current\n",
               r.rows_removed, r.rows_added, r.dimension_keys, r.dimension_rows, r.dimension_current);
  if (r.plan_ok)
    std::fprintf(out, "  compaction    catalog %" PRIu64 " files, %.1f MiB; plan: %" PRIu64 " groups, %" PRIu64
                      " files -> %" PRIu64 " (ideal %" PRIu64 "), %.1f MiB rewritten\n",
                 r.catalog_files, mib(r.catalog_bytes), r.plan_groups, r.plan_input_files, r.plan_output_files,
                 r.plan_ideal_files, mib(r.plan_rewrite_bytes));
  else
    std::fprintf(out, "  compaction    catalog %" PRIu64 " files; no plan (invalid policy)\n", r.catalog_files);
  std::fprintf(out, "  memory        budget %.0f MiB (batch arena %.0f in a caller buffer, dedup %.0f, SCD2 %.0f);"
                    " peak %.1f MiB (arena %.1f, dedup %.1f, SCD2 %.1f)\n",
               mib(r.budget), mib(opts.collector.batch_arena_bytes), mib(opts.collector.dedup_budget),
               mib(opts.collector.scd2_budget), mib(r.peak_total()), mib(r.peak_arena), mib(r.peak_dedup),
               mib(r.peak_scd2));
  std::fprintf(out, "  throughput    %.3f s: %.0f lines/s, %.1f MiB/s\n", seconds,
               seconds > 0 ? static_cast<double>(r.lines) / seconds : 0.0, seconds > 0 ? mib(r.bytes) / seconds : 0.0);
}

std::string default_dead_letter_path(const char* program) {
  std::string path = program;
  const std::size_t slash = path.rfind('/');
  return (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + "dead_letters.jsonl";
}

}  // namespace

int main(int argc, char** argv) {
  options opts;
  opts.collector.batch_arena_bytes = arena_bytes;
  if (!parse_options(argc, argv, opts)) {
    usage(stderr);
    return 2;
  }
  if (opts.help) {
    usage(stdout);
    return 0;
  }
  if (!opts.dead_letters_given) opts.dead_letters = default_dead_letter_path(argv[0]);
  if (!opts.input.empty()) opts.collector.source = opts.input == "-" ? "stdin" : opts.input;

  std::FILE* letters = nullptr;
  if (opts.dead_letters == "-") {
    letters = stdout;
  } else if (opts.dead_letters != "none") {
    letters = std::fopen(opts.dead_letters.c_str(), "wb");
    if (letters == nullptr) {
      std::fprintf(stderr, "edge_collector: cannot write %s: %s\n", opts.dead_letters.c_str(), std::strerror(errno));
      return 1;
    }
  }

  std::FILE* input = nullptr;
  if (opts.input == "-") {
    input = stdin;
  } else if (!opts.input.empty()) {
    input = std::fopen(opts.input.c_str(), "rb");
    if (input == nullptr) {
      std::fprintf(stderr, "edge_collector: cannot read %s: %s\n", opts.input.c_str(), std::strerror(errno));
      return 1;
    }
  }

  std::vector<edge::generated_line> generated;
  if (input == nullptr) generated = edge::generate_stream(opts.stream);

  edge::collector pipeline(opts.collector, stdout, arena_buffer);
  if (pipeline.error()) {
    std::fprintf(stderr, "edge_collector: %s\n", sluice::describe(pipeline.error()).c_str());
    return 1;
  }
  if (letters != nullptr)
    pipeline.on_dead_letter = [letters](const std::string& line) { std::fwrite(line.data(), 1, line.size(), letters); };

  const auto start = std::chrono::steady_clock::now();
  if (input == nullptr) {
    for (const edge::generated_line& line : generated) pipeline.push_line(line.text);
  } else {
    auto reader = std::make_unique<line_reader>(input);
    std::string_view line;
    while (reader->next(line))
      if (!blank(line)) pipeline.push_line(line);
    if (input != stdin) std::fclose(input);
  }
  pipeline.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (letters != nullptr && letters != stdout && std::fclose(letters) != 0) {
    std::fprintf(stderr, "edge_collector: writing %s failed\n", opts.dead_letters.c_str());
    return 1;
  }
  print_report(pipeline.summary(), opts, seconds, stdout);
  return 0;
}
