// What sluice documents as safe across threads, exercised from several threads at once so that
// the TSan build (scripts/matrix.sh tsan) can check it: concurrent const reads of an SCD2
// history, error counters bumped from many threads, and the stateless hash and dead-letter
// codecs. Results are compared with single-threaded answers.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "catch_shim.hpp"
#include "sluice/dead_letter.hpp"
#include "sluice/errors.hpp"
#include "sluice/hash.hpp"
#include "sluice/scd2.hpp"
#include "test_support.hpp"

namespace robustness_test_concurrency {

namespace {

struct change {
  std::uint64_t id;
  std::int64_t at;
  bool gone;
  int value;
};
struct change_traits {
  using record = change;
  static std::uint64_t key(const change& c) { return c.id; }
  static std::int64_t sequence(const change& c) { return c.at; }
  static bool is_delete(const change& c) { return c.gone; }
  static auto tracked(const change& c) { return std::tie(c.value); }
};

constexpr int thread_count = 4;

// What a reader sees of the history: a checksum over every query it makes.
std::uint64_t read_all(const sluice::scd2::history<change_traits>& h, std::uint64_t keys) {
  std::uint64_t sum = 0;
  for (std::uint64_t k = 0; k < keys; ++k) {
    for (const auto& row : h.versions(k)) sum = sluice::hash_combine(sum, static_cast<std::uint64_t>(row.valid_from));
    if (const auto* now = h.current(k)) sum = sluice::hash_combine(sum, static_cast<std::uint64_t>(now->record.value));
    if (const auto* then = h.as_of(k, 25)) sum = sluice::hash_combine(sum, static_cast<std::uint64_t>(then->valid_from));
  }
  std::uint64_t rows = 0;
  h.for_each_row([&](const auto&) { ++rows; });
  return sluice::hash_combine(sum, rows + h.row_count() + (h.check() ? 1u : 0u));
}

}  // namespace

TEST_CASE("scd2: const queries from several threads see the same history", "[robustness]") {
  sluice_test::rng random(0xc0c0);
  std::vector<change> changes;
  const std::uint64_t keys = 200;
  for (int i = 0; i < 3000; ++i)
    changes.push_back({random.below(keys), static_cast<std::int64_t>(random.below(50)), random.percent(10),
                       static_cast<int>(random.below(4))});
  sluice::scd2::history<change_traits> h;
  REQUIRE_FALSE(h.apply(changes.data(), changes.size()).error);
  const std::uint64_t expected = read_all(h, keys);
  std::vector<std::uint64_t> seen(thread_count);
  std::vector<std::thread> readers;
  for (int t = 0; t < thread_count; ++t)
    readers.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) seen[static_cast<std::size_t>(t)] = read_all(h, keys);
    });
  for (auto& reader : readers) reader.join();
  for (std::uint64_t s : seen) CHECK(s == expected);
}

TEST_CASE("error counters add up exactly across threads", "[robustness]") {
  sluice::error_counters<> counters;
  const int per_thread = 20000;
  std::vector<std::thread> workers;
  for (int t = 0; t < thread_count; ++t)
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        counters.add(sluice::errc::late_event);
        if (i % 2 == t % 2) counters.add(sluice::make_error_code(sluice::errc::duplicate_event));
        if (i % 5 == 0) counters.add(std::make_error_code(std::errc::timed_out));
      }
    });
  for (auto& worker : workers) worker.join();
  CHECK(counters.count(sluice::errc::late_event) == std::uint64_t{thread_count} * per_thread);
  CHECK(counters.count(sluice::errc::duplicate_event) == std::uint64_t{thread_count} * per_thread / 2);
  CHECK(counters.other() == std::uint64_t{thread_count} * per_thread / 5);
}

TEST_CASE("hashing and dead-letter codecs are safe to call from many threads", "[robustness]") {
  sluice::dead_letter<std::string> letter;
  letter.error = sluice::errc::json_parse_error;
  letter.set_detail("bad record");
  letter.payload = std::string(300, 'p');
  const std::string binary = sluice::encode(letter).value();
  const std::string line = sluice::to_json_line(letter);
  const std::uint64_t hash = sluice::hash64(binary, 77);
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < thread_count; ++t)
    workers.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        if (sluice::encode(letter).value() != binary || sluice::to_json_line(letter) != line) ++failures;
        auto decoded = sluice::decode_dead_letter<std::string>(binary);
        auto parsed = sluice::parse_json_line<std::string>(line);
        if (!decoded || !parsed || *decoded != letter || *parsed != letter) ++failures;
        if (sluice::hash64(binary, 77) != hash) ++failures;
      }
    });
  for (auto& worker : workers) worker.join();
  CHECK(failures.load() == 0);
}

}  // namespace robustness_test_concurrency
