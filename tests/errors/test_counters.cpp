// error_counters: exact totals from many threads, snapshots list only non-zero codes.
#include <thread>
#include <vector>

#include "catch_shim.hpp"
#include "sluice/errors.hpp"
#include "test_support.hpp"

namespace errors_test_counters {

using sluice::errc;

TEST_CASE("counters count per code and snapshot in table order", "[errors]") {
  sluice::error_counters<> counters;
  CHECK(counters.snapshot().empty());
  counters.add(errc::timeout);
  counters.add(errc::json_parse_error, 5);
  counters.add(std::error_code(errc::timeout));
  counters.add(std::make_error_code(std::errc::timed_out));  // generic: counted as other
  counters.add(std::error_code());                           // no error: ignored
  counters.add(std::error_code(4242, sluice::error_category()));
  CHECK(counters.count(errc::timeout) == 2);
  CHECK(counters.count(errc::json_parse_error) == 5);
  CHECK(counters.count(errc::late_event) == 0);
  CHECK(counters.other() == 2);
  auto snapshot = counters.snapshot();
  REQUIRE(snapshot.size() == 2);
  CHECK(snapshot[0].code->name == "JSON_PARSE_ERROR");
  CHECK(snapshot[0].count == 5);
  CHECK(snapshot[1].code->name == "TIMEOUT");
  CHECK(snapshot.other == 2);
  auto drained = counters.snapshot_and_reset();
  CHECK(drained.size() == 2);
  CHECK(drained.other == 2);  // nothing counted is lost by a reset
  CHECK(counters.snapshot().empty());
  CHECK(counters.other() == 0);
  counters.add(std::make_error_code(std::errc::timed_out));
  CHECK_FALSE(counters.snapshot().empty());  // other() alone makes a snapshot non-empty
  CHECK(counters.snapshot().size() == 0);
  CHECK(counters.snapshot_and_reset().other == 1);
}

TEST_CASE("counters are exact under concurrent increments", "[errors]") {
  sluice::error_counters<> counters;
  const unsigned threads = 4;
  const std::size_t per_thread = sluice_test::scaled(20000);
  auto codes = sluice::all_codes();
  std::vector<std::vector<std::uint64_t>> expected(threads, std::vector<std::uint64_t>(codes.size()));
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      sluice_test::rng rng(1000 + t);
      for (std::size_t i = 0; i < per_thread; ++i) {
        // A skewed mix: half the events hit one hot code, the rest spread out.
        std::size_t index = rng.percent(50) ? 0 : static_cast<std::size_t>(rng.below(codes.size()));
        ++expected[t][index];
        if (rng.percent(50))
          counters.add(static_cast<errc>(codes.begin()[index].value));
        else
          counters.add(std::error_code(static_cast<errc>(codes.begin()[index].value)));
      }
    });
  }
  // Snapshots taken during the run never exceed the final totals.
  auto during = counters.snapshot();
  for (auto& worker : workers) worker.join();
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    std::uint64_t sum = 0;
    for (unsigned t = 0; t < threads; ++t) sum += expected[t][i];
    CHECK(counters.count(static_cast<errc>(codes.begin()[i].value)) == sum);
    total += sum;
  }
  CHECK(total == threads * per_thread);
  for (const auto& entry : during) CHECK(entry.count <= counters.count(static_cast<errc>(entry.code->value)));
  CHECK(counters.other() == 0);
}

}  // namespace errors_test_counters
