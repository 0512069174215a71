// Benchmark for sluice/errors.hpp and sluice/dead_letter.hpp: what routing a record to the
// dead-letter table costs. Dead letters as JSON lines and in the binary envelope, against
// nlohmann::json (the library a user would otherwise reach for) building and parsing the same
// line; error_counters against a mutex-guarded std::unordered_map keyed by the code's value.
//
//   errors_bench [--csv FILE]
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "bench_util.hpp"
#include "sluice/dead_letter.hpp"
#include "sluice/errors.hpp"

#if SLUICE_BENCH_HAS_NLOHMANN_JSON
#include <nlohmann/json.hpp>
#endif

namespace {

constexpr std::size_t letter_count = 20'000;
constexpr int repeats = 7;

// A typical letter: a 200-byte JSON payload that failed to parse, two headers, a short detail.
std::vector<sluice::dead_letter<std::string>> make_letters() {
  const sluice::errc codes[] = {sluice::errc::json_parse_error, sluice::errc::missing_field,
                                sluice::errc::type_mismatch, sluice::errc::invalid_utf8};
  std::vector<sluice::dead_letter<std::string>> letters(letter_count);
  for (std::size_t i = 0; i < letter_count; ++i) {
    auto& letter = letters[i];
    letter.error = codes[i % 4];
    letter.stage = sluice::pipeline_stage::parse;
    letter.source = {"orders", static_cast<std::int32_t>(i % 12), static_cast<std::int64_t>(1'000'000 + i)};
    letter.event_time = sluice::unix_micros(1'700'000'000'000'000 + static_cast<std::int64_t>(i) * 1000);
    letter.first_failure = letter.last_failure = sluice::unix_micros(1'700'000'000'500'000);
    letter.set_detail("expected ',' or '}' after a value at byte 117");
    letter.headers = {{"content-type", "application/json"}, {"producer", "edge-17"}};
    letter.payload = "{\"order_id\":" + std::to_string(4'000'000 + i) +
                     ",\"customer\":\"c-" + std::to_string(i % 977) +
                     "\",\"items\":[{\"sku\":\"A-1\",\"qty\":2},{\"sku\":\"B-7\",\"qty\":1}],"
                     "\"total\":\"19.90\",\"currency\":\"EUR\",\"ts\":\"2026-11-21T10:00:00Z\"";
  }
  return letters;
}

#if SLUICE_BENCH_HAS_NLOHMANN_JSON
nlohmann::json to_json(const sluice::dead_letter<std::string>& letter) {
  nlohmann::json headers = nlohmann::json::array();
  for (const auto& header : letter.headers) headers.push_back({{"name", header.name}, {"value", header.value}});
  return {{"format", 1},
          {"domain", letter.error.category().name()},
          {"code", letter.error.value()},
          {"stage", std::string(sluice::to_string(letter.stage))},
          {"source", letter.source.source},
          {"partition", letter.source.partition},
          {"offset", letter.source.offset},
          {"event_time", letter.event_time->count()},
          {"first_failure", letter.first_failure.count()},
          {"last_failure", letter.last_failure.count()},
          {"attempts", letter.attempts},
          {"detail", letter.detail},
          {"headers", headers},
          {"payload", letter.payload}};
}

sluice::dead_letter<std::string> from_json(const nlohmann::json& j) {
  sluice::dead_letter<std::string> letter;
  letter.error = std::error_code(j.at("code").get<int>(), sluice::error_category());
  letter.stage = sluice::stage_from_string(j.at("stage").get<std::string>()).value_or(sluice::pipeline_stage::unknown);
  letter.source = {j.at("source").get<std::string>(), j.at("partition").get<std::int32_t>(),
                   j.at("offset").get<std::int64_t>()};
  letter.event_time = sluice::unix_micros(j.at("event_time").get<std::int64_t>());
  letter.first_failure = sluice::unix_micros(j.at("first_failure").get<std::int64_t>());
  letter.last_failure = sluice::unix_micros(j.at("last_failure").get<std::int64_t>());
  letter.attempts = j.at("attempts").get<std::uint32_t>();
  letter.detail = j.at("detail").get<std::string>();
  for (const auto& header : j.at("headers"))
    letter.headers.push_back({header.at("name").get<std::string>(), header.at("value").get<std::string>()});
  letter.payload = j.at("payload").get<std::string>();
  return letter;
}
#endif

double per_letter_ns(double seconds) { return seconds * 1e9 / static_cast<double>(letter_count); }

void dead_letters(bench::report& report) {
  const auto letters = make_letters();
  std::size_t json_bytes = 0, binary_bytes = 0;

  std::vector<std::string> lines(letter_count);
  const double json_write = bench::best_seconds(repeats, [&] {
    for (std::size_t i = 0; i < letter_count; ++i) {
      lines[i].clear();
      sluice::append_json_line(letters[i], lines[i]);
    }
    bench::clobber();
  });
  for (const auto& line : lines) json_bytes += line.size();

  std::size_t parsed = 0;
  const double json_read = bench::best_seconds(repeats, [&] {
    parsed = 0;
    for (const auto& line : lines) parsed += sluice::parse_json_line<std::string>(line).has_value() ? 1 : 0;
    bench::keep(parsed);
  });
  if (parsed != letter_count) std::fprintf(stderr, "parse_json_line failed on %zu lines\n", letter_count - parsed);

  std::vector<std::string> envelopes(letter_count);
  const double binary_write = bench::best_seconds(repeats, [&] {
    for (std::size_t i = 0; i < letter_count; ++i) {
      envelopes[i].clear();
      sluice::encode(letters[i], envelopes[i]);
    }
    bench::clobber();
  });
  for (const auto& envelope : envelopes) binary_bytes += envelope.size();

  std::size_t decoded = 0;
  const double binary_read = bench::best_seconds(repeats, [&] {
    decoded = 0;
    for (const auto& envelope : envelopes)
      decoded += sluice::decode_dead_letter<std::string>(envelope).has_value() ? 1 : 0;
    bench::keep(decoded);
  });
  if (decoded != letter_count) std::fprintf(stderr, "decode_dead_letter failed on %zu envelopes\n", letter_count - decoded);

  const double json_mb = static_cast<double>(json_bytes) / 1e6;
  const double binary_mb = static_cast<double>(binary_bytes) / 1e6;
  std::printf("letter sizes: JSON line %.0f B, binary envelope %.0f B on average\n",
              static_cast<double>(json_bytes) / letter_count, static_cast<double>(binary_bytes) / letter_count);

#if SLUICE_BENCH_HAS_NLOHMANN_JSON
  std::vector<std::string> peer_lines(letter_count);
  const double peer_write = bench::best_seconds(repeats, [&] {
    for (std::size_t i = 0; i < letter_count; ++i) peer_lines[i] = to_json(letters[i]).dump();
    bench::clobber();
  });
  std::size_t peer_parsed = 0;
  const double peer_read = bench::best_seconds(repeats, [&] {
    peer_parsed = 0;
    for (const auto& line : peer_lines) peer_parsed += from_json(nlohmann::json::parse(line)).attempts;
    bench::keep(peer_parsed);
  });
  report.add({"dead letter to JSON line", "nlohmann::json", per_letter_ns(peer_write), "ns/letter", 0, ""});
  report.add({"dead letter to JSON line", "sluice::append_json_line", per_letter_ns(json_write), "ns/letter",
              peer_write / json_write, ""});
  report.add({"JSON line to dead letter", "nlohmann::json", per_letter_ns(peer_read), "ns/letter", 0, ""});
  report.add({"JSON line to dead letter", "sluice::parse_json_line", per_letter_ns(json_read), "ns/letter",
              peer_read / json_read, ""});
#else
  report.add({"dead letter to JSON line", "sluice::append_json_line", per_letter_ns(json_write), "ns/letter", 0, ""});
  report.add({"JSON line to dead letter", "sluice::parse_json_line", per_letter_ns(json_read), "ns/letter", 0, ""});
#endif
  report.add({"dead letter to JSON line", "sluice::append_json_line", json_mb / json_write, "MB/s", 0, ""});
  report.add({"JSON line to dead letter", "sluice::parse_json_line", json_mb / json_read, "MB/s", 0, ""});
  report.add({"dead letter to binary envelope", "sluice::encode", per_letter_ns(binary_write), "ns/letter",
              json_write / binary_write, ""});
  report.add({"binary envelope to dead letter", "sluice::decode_dead_letter", per_letter_ns(binary_read), "ns/letter",
              json_read / binary_read, ""});
  report.add({"dead letter to binary envelope", "sluice::encode", binary_mb / binary_write, "MB/s", 0, ""});
}

void counters(bench::report& report) {
  constexpr std::size_t events = 1'000'000;
  const sluice::errc codes[] = {sluice::errc::json_parse_error, sluice::errc::missing_field,
                                sluice::errc::type_mismatch,    sluice::errc::invalid_utf8,
                                sluice::errc::late_event,       sluice::errc::duplicate_event};
  std::vector<std::error_code> stream(events);
  std::uint64_t state = 42;
  for (auto& code : stream) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    code = codes[(state >> 33) % 6];
  }

  sluice::error_counters<> ours;
  const double sluice_seconds = bench::best_seconds(repeats, [&] {
    for (const auto& code : stream) ours.add(code);
    bench::clobber();
  });
  bench::keep(ours.count(sluice::errc::late_event));

  std::mutex lock;
  std::unordered_map<int, std::uint64_t> peer;
  const double peer_seconds = bench::best_seconds(repeats, [&] {
    for (const auto& code : stream) {
      std::lock_guard<std::mutex> guard(lock);
      ++peer[code.value()];
    }
    bench::clobber();
  });
  bench::keep(peer.size());

  const double n = static_cast<double>(events);
  report.add({"count a code (one thread)", "std::unordered_map + std::mutex", peer_seconds * 1e9 / n, "ns/event", 0, ""});
  report.add({"count a code (one thread)", "sluice::error_counters", sluice_seconds * 1e9 / n, "ns/event",
              peer_seconds / sluice_seconds, ""});
}

}  // namespace

int main(int argc, char** argv) {
  bench::report report("errors: dead letters and error counters", argc, argv);
  dead_letters(report);
  counters(report);
  return report.finish();
}
