// A bare loop of window_dedup offers over dedup_bench's stream, for profiling one path at a
// time: no peers, no report, one configuration per run. The first window is offered untimed;
// the measured windows are bracketed for callgrind, so that
//   valgrind --tool=callgrind --instr-atstart=no build/bench/dedup_offer_loop ...
// counts the instructions of those offers alone.
//
//   dedup_offer_loop [--keys N] [--windows W] [--batch] [--fingerprints] [--uuid]
//                    [--time-scale K] [--runs R] [--fit]
//
//   --keys N         live keys per window (default 100000)
//   --windows W      windows measured after the first (default 4)
//   --batch          offers 4096 records per call instead of one
//   --fingerprints   Storage = fingerprints instead of exact_keys
//   --uuid           36-byte UUID string keys instead of 64-bit keys
//   --time-scale K   multiplies every time, the window and the lateness by K: the same
//                    verdicts with wider expiry offsets (with 64-bit keys, K = 4 turns the
//                    100K-key stream's packed lines into 5-slot lines)
//   --runs R         repeats the measurement R times on a fresh object (default 1)
//   --fit            calls shrink_to_fit() once the first window is in
//
// Prints ns per offer of each run and the number of `first` verdicts, which two builds of the
// same stream must agree on.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "dedup_streams.hpp"
#include "sluice/dedup.hpp"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define SLUICE_LOOP_COUNT_START() CALLGRIND_START_INSTRUMENTATION
#define SLUICE_LOOP_COUNT_STOP() CALLGRIND_STOP_INSTRUMENTATION
#endif
#endif
#ifndef SLUICE_LOOP_COUNT_START
#define SLUICE_LOOP_COUNT_START() ((void)0)
#define SLUICE_LOOP_COUNT_STOP() ((void)0)
#endif

namespace {

using namespace dedup_streams;

struct options {
  std::size_t keys = 100'000;
  std::size_t windows = 4;
  bool batch = false;
  bool fingerprints = false;
  bool uuid_keys = false;
  std::int64_t time_scale = 1;
  int runs = 1;
  bool fit = false;
};

template <class Storage, class Record, class KeyOf>
int run(const options& o, Record (*make)(std::uint64_t&, std::int64_t)) {
  std::int64_t window = 0;
  std::vector<Record> records = make_stream<Record>(o.keys, o.windows + 1, make, window);
  for (Record& r : records) r.time *= o.time_scale;
  sluice::window_dedup_config config = stream_config(window * o.time_scale);
  config.allowed_lateness *= o.time_scale;
  const std::size_t warmup = 2 * o.keys;  // one window
  const std::size_t measured = records.size() - warmup;
  for (int r = 0; r < o.runs; ++r) {
    auto created = sluice::window_dedup<Record, KeyOf, time_of, Storage>::create(config);
    if (!created) {
      std::fprintf(stderr, "create: %s\n", created.error().message().c_str());
      return 1;
    }
    auto dedup = std::move(created).value();
    for (std::size_t i = 0; i < warmup; ++i) (void)dedup.offer(records[i]);
    if (o.fit && dedup.shrink_to_fit()) std::fprintf(stderr, "shrink_to_fit refused\n");
    std::vector<sluice::verdict> out(4096);
    std::uint64_t firsts = 0;
    const auto start = std::chrono::steady_clock::now();
    SLUICE_LOOP_COUNT_START();
    if (o.batch) {
      for (std::size_t i = warmup; i < records.size(); i += out.size()) {
        const std::size_t n = std::min(out.size(), records.size() - i);
        dedup.offer(records.data() + i, n, out.data());
        for (std::size_t j = 0; j < n; ++j) firsts += out[j] == sluice::verdict::first ? 1u : 0u;
      }
    } else {
      for (std::size_t i = warmup; i < records.size(); ++i)
        firsts += dedup.offer(records[i]) == sluice::verdict::first ? 1u : 0u;
    }
    SLUICE_LOOP_COUNT_STOP();
    const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
    std::printf("%.2f ns per offer, %llu first of %zu, %.2f bytes per held key\n",
                elapsed.count() / static_cast<double>(measured), static_cast<unsigned long long>(firsts), measured,
                static_cast<double>(dedup.stats().bytes) / static_cast<double>(dedup.stats().live_keys));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (std::strcmp(arg, "--keys") == 0 && has_value) {
      o.keys = std::strtoull(argv[++i], nullptr, 10);
    } else if (std::strcmp(arg, "--windows") == 0 && has_value) {
      o.windows = std::strtoull(argv[++i], nullptr, 10);
    } else if (std::strcmp(arg, "--time-scale") == 0 && has_value) {
      o.time_scale = std::strtoll(argv[++i], nullptr, 10);
    } else if (std::strcmp(arg, "--runs") == 0 && has_value) {
      o.runs = std::atoi(argv[++i]);
    } else if (std::strcmp(arg, "--batch") == 0) {
      o.batch = true;
    } else if (std::strcmp(arg, "--fit") == 0) {
      o.fit = true;
    } else if (std::strcmp(arg, "--fingerprints") == 0) {
      o.fingerprints = true;
    } else if (std::strcmp(arg, "--uuid") == 0) {
      o.uuid_keys = true;
    } else {
      std::fprintf(stderr, "unknown or incomplete option %s (see the comment atop dedup_offer_loop.cpp)\n", arg);
      return 2;
    }
  }
  if (o.keys < 64 || o.windows == 0 || o.time_scale < 1 || o.runs < 1) {
    std::fprintf(stderr, "need --keys >= 64, --windows >= 1, --time-scale >= 1, --runs >= 1\n");
    return 2;
  }
  if (o.uuid_keys) {
    return o.fingerprints ? run<sluice::fingerprints, text_record, text_key_of>(o, make_text)
                          : run<sluice::exact_keys, text_record, text_key_of>(o, make_text);
  }
  return o.fingerprints ? run<sluice::fingerprints, u64_record, u64_key_of>(o, make_u64)
                        : run<sluice::exact_keys, u64_record, u64_key_of>(o, make_u64);
}
