// Benchmark for sluice/dedup.hpp: window_dedup against the same windowed dedup written the
// obvious way on absl::flat_hash_map, tsl::robin_map, ska::flat_hash_map and
// std::unordered_map (same hash, periodic sweep); the pauses of a stream that grows its table,
// with and without reserve; expiry of a 1M-key window; memory per key; keep_one_per_key
// against std::sort + std::unique.
//
//   dedup_bench            default run: 100K-key windows (64-bit and UUID keys; each
//                          contender's best of 5 interleaved rounds), a 4M-key
//                          window of 64-bit keys (beyond the last-level cache for everyone),
//                          growing to 4M keys, expiry, keep_one_per_key on 1M and 10M records,
//                          and bytes per key at the peak across nine window sizes
//   dedup_bench --full     10M-key windows of 64-bit and UUID keys and growth to 10M keys
//                          instead of 4M (several GB of RAM, minutes)
//   dedup_bench --csv FILE also writes the table as CSV
#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bench_util.hpp"
#include "dedup_streams.hpp"
#include "sluice/dedup.hpp"

#if SLUICE_BENCH_HAS_ABSEIL
#include <absl/container/flat_hash_map.h>
#endif
#if SLUICE_BENCH_HAS_ROBIN_MAP
#include <tsl/robin_map.h>
#endif
#if SLUICE_BENCH_HAS_SKA
#include <flat_hash_map.hpp>
#endif

namespace {

using namespace dedup_streams;

std::size_t heap_in_use() { return mallinfo2().uordblks + mallinfo2().hblkhd; }

struct u64_hash {
  std::size_t operator()(std::uint64_t k) const noexcept { return static_cast<std::size_t>(sluice::hash_u64(k, seed)); }
};
struct text_hash {
  std::size_t operator()(const std::string& k) const noexcept {
    return static_cast<std::size_t>(sluice::hash64(std::string_view(k), seed));
  }
};

// How each peer spells insertion, update and erase-while-iterating.
enum class peer_kind { standard, absl, robin, ska };

// The obvious windowed dedup on a hash map of key -> expiry, swept every quarter window.
template <class Map, peer_kind Kind>
class peer_dedup {
 public:
  peer_dedup(std::int64_t window, std::int64_t lateness) : window_(window), lateness_(lateness) {}

  template <class Key>
  sluice::verdict offer(const Key& key, std::int64_t time) {
    if (time < watermark_) return sluice::verdict::late;
    sluice::verdict v = sluice::verdict::first;
    if constexpr (Kind == peer_kind::ska) {  // no try_emplace
      auto it = map_.find(key);
      if (it == map_.end())
        map_.emplace(key, time + window_);
      else if (watermark_ < it->second)
        v = sluice::verdict::duplicate;
      else
        it->second = time + window_;
    } else {
      auto [it, inserted] = map_.try_emplace(key, time + window_);
      if (!inserted) {
        if (watermark_ < it->second)
          v = sluice::verdict::duplicate;
        else if constexpr (Kind == peer_kind::robin)
          it.value() = time + window_;
        else
          it->second = time + window_;
      }
    }
    if (time - lateness_ > watermark_) {
      watermark_ = time - lateness_;
      if (watermark_ >= next_sweep_) sweep();
    }
    return v;
  }
  void advance(std::int64_t w) {
    if (w > watermark_) watermark_ = w;
    sweep();
  }
  void reserve(std::size_t keys) { map_.reserve(keys); }
  void sweep() {
    for (auto it = map_.begin(); it != map_.end();) {
      if (it->second <= watermark_) {
        if constexpr (Kind == peer_kind::absl)
          map_.erase(it++);
        else
          it = map_.erase(it);
      } else {
        ++it;
      }
    }
    next_sweep_ = watermark_ + window_ / 4;
  }
  std::size_t size() const { return map_.size(); }

 private:
  Map map_;
  std::int64_t window_, lateness_;
  std::int64_t watermark_ = std::numeric_limits<std::int64_t>::min();
  std::int64_t next_sweep_ = std::numeric_limits<std::int64_t>::min();
};

struct measured {
  double ns_per_record;
  double bytes_per_key;
  std::uint64_t firsts;
};

// Runs the whole stream, timing the records after the warm-up.
template <class Offer, class Count>
measured run(std::size_t warmup, std::size_t n, Offer&& offer, Count&& live_and_bytes) {
  const std::size_t heap_before = heap_in_use();
  std::uint64_t firsts = 0;
  for (std::size_t i = 0; i < warmup; ++i) firsts += offer(i, i + 1);
  const auto start = bench::clock::now();
  const std::size_t step = 4096;
  for (std::size_t i = warmup; i < n; i += step) firsts += offer(i, std::min(n, i + step));
  const std::chrono::duration<double> took = bench::clock::now() - start;
  auto [live, own_bytes] = live_and_bytes();
  const double bytes = own_bytes != 0 ? static_cast<double>(own_bytes) : static_cast<double>(heap_in_use() - heap_before);
  return {took.count() * 1e9 / static_cast<double>(n - warmup), bytes / static_cast<double>(live), firsts};
}

// Bytes per held key from record `from` on (the steady windows), lowest and highest, sampled
// every 4096 records in an untimed pass. The figure moves through a window's cycle and peaks
// when the oldest time bucket has just been released: what a memory budget has to cover. Also
// the longest single offer after the first window (`window_records`): the table settling to the
// window's keys at its first bucket release. With `reserve` nonzero, the table is reserved for
// that many keys up front.
struct memory_range {
  double low = 1e300, peak = 0, longest_ms = 0;
};
template <class Storage, class Record, class KeyOf>
memory_range bytes_per_key_range(const std::vector<Record>& records, std::size_t window_records, std::size_t from,
                                 const sluice::window_dedup_config& config, std::size_t reserve = 0) {
  auto dedup = sluice::window_dedup<Record, KeyOf, time_of, Storage>::create(config).value();
  if (reserve != 0 && dedup.reserve(reserve)) std::printf("!! reserve refused\n");
  memory_range range;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i < window_records) {
      (void)dedup.offer(records[i]);
    } else {
      const auto start = bench::clock::now();
      (void)dedup.offer(records[i]);
      const std::chrono::duration<double, std::milli> took = bench::clock::now() - start;
      range.longest_ms = std::max(range.longest_ms, took.count());
    }
    if (i >= from && (i - from) % 4096 == 0) {
      const auto s = dedup.stats();
      const double per_key = static_cast<double>(s.bytes) / static_cast<double>(s.live_keys);
      range.low = std::min(range.low, per_key);
      range.peak = std::max(range.peak, per_key);
    }
  }
  return range;
}

template <class Record, class KeyOf, class Hash>
void windowed(bench::report& report, const char* label, std::size_t live, std::size_t windows,
              Record (*make)(std::uint64_t&, std::int64_t), double target, int rounds) {
  std::int64_t window = 0;
  std::printf("generating %s ...\n", label);
  std::fflush(stdout);
  const std::vector<Record> records = make_stream<Record>(live, windows, make, window);
  // Untimed: the first window and a half. Every contender has then expired keys (its first sweep,
  // or bucket release, comes a quarter window after the first window) and holds a steady
  // window's state; sluice's table has settled to it (the pause is reported apart).
  const std::size_t warmup = 3 * live;
  const std::size_t n = records.size();
  using key_type = std::decay_t<decltype(KeyOf{}(records[0]))>;

  // Every contender runs once per round, the rounds one after another, and keeps its fastest
  // round: on a shared machine a neighbour's burst then slows one round of each, not one
  // contender's only run.
  std::vector<std::pair<std::string, measured>> results;
  std::vector<std::pair<std::string, double>> pauses;  // sluice's longest offer after the first window, ms
  auto keep = [&](const char* name, const measured& m) {
    for (auto& r : results)
      if (r.first == name) {
        r.second.ns_per_record = std::min(r.second.ns_per_record, m.ns_per_record);
        return;
      }
    results.push_back({name, m});
  };
  int round = 0;
  auto peer = [&](const char* name, auto&& dedup) {
    measured m = run(warmup, n,
                     [&](std::size_t from, std::size_t to) {
                       std::uint64_t firsts = 0;
                       for (std::size_t i = from; i < to; ++i)
                         firsts += dedup.offer(KeyOf{}(records[i]), records[i].time) == sluice::verdict::first;
                       return firsts;
                     },
                     [&] {
                       dedup.sweep();
                       return std::pair<std::size_t, std::size_t>(dedup.size(), 0);
                     });
    keep(name, m);
  };
  const sluice::window_dedup_config config = stream_config(window);
  auto ours = [&](const char* name, auto tag, bool batch) {
    using storage = decltype(tag);
    auto dedup = sluice::window_dedup<Record, KeyOf, time_of, storage>::create(config).value();
    std::vector<sluice::verdict> out(4096);
    measured m = run(warmup, n,
                     [&](std::size_t from, std::size_t to) {
                       std::uint64_t firsts = 0;
                       if (batch) {
                         dedup.offer(records.data() + from, to - from, out.data());
                         for (std::size_t i = 0; i < to - from; ++i) firsts += out[i] == sluice::verdict::first;
                       } else {
                         for (std::size_t i = from; i < to; ++i) firsts += dedup.offer(records[i]) == sluice::verdict::first;
                       }
                       return firsts;
                     },
                     [&] {
                       const auto s = dedup.stats();
                       return std::pair<std::size_t, std::size_t>(s.live_keys, s.bytes);
                     });
    if (!batch && round == 0) {
      const memory_range range = bytes_per_key_range<storage, Record, KeyOf>(records, 2 * live, warmup, config);
      std::printf("  %s: %.2f-%.2f bytes per held key over the measured windows (%.2f at the end); longest offer "
                  "after the first window %.1f ms\n",
                  name, range.low, range.peak, m.bytes_per_key, range.longest_ms);
      m.bytes_per_key = range.peak;
      pauses.push_back({name, range.longest_ms});
    }
    keep(name, m);
  };
  for (; round < rounds; ++round) {
    {
      peer_dedup<std::unordered_map<key_type, std::int64_t, Hash>, peer_kind::standard> d(window, lateness);
      peer("std::unordered_map", d);
    }
#if SLUICE_BENCH_HAS_ABSEIL
    {
      peer_dedup<absl::flat_hash_map<key_type, std::int64_t, Hash>, peer_kind::absl> d(window, lateness);
      peer("absl::flat_hash_map", d);
    }
#endif
#if SLUICE_BENCH_HAS_ROBIN_MAP
    {
      peer_dedup<tsl::robin_map<key_type, std::int64_t, Hash>, peer_kind::robin> d(window, lateness);
      peer("tsl::robin_map", d);
    }
#endif
#if SLUICE_BENCH_HAS_SKA
    {
      peer_dedup<ska::flat_hash_map<key_type, std::int64_t, Hash>, peer_kind::ska> d(window, lateness);
      peer("ska::flat_hash_map", d);
    }
#endif
    ours("sluice exact", sluice::exact_keys{}, false);
    ours("sluice exact, batch", sluice::exact_keys{}, true);
    ours("sluice fingerprints", sluice::fingerprints{}, false);
    ours("sluice fingerprints, batch", sluice::fingerprints{}, true);
  }
  if (rounds > 1) std::printf("  best of %d rounds\n", rounds);
  double best_peer = 1e300;
  for (const auto& r : results)
    if (r.first.rfind("sluice", 0) != 0) best_peer = std::min(best_peer, r.second.ns_per_record);

  const std::uint64_t expected = results.front().second.firsts;
  char target_text[64];
  std::snprintf(target_text, sizeof target_text, ">= %.1fx fastest peer", target);
  for (const auto& r : results) {
    if (r.second.firsts != expected) std::printf("!! %s disagrees: %llu firsts\n", r.first.c_str(), static_cast<unsigned long long>(r.second.firsts));
    const bool is_ours = r.first.rfind("sluice", 0) == 0;
    report.add({std::string(label) + ", ns/record", r.first, r.second.ns_per_record, "ns",
                is_ours ? best_peer / r.second.ns_per_record : 0, is_ours ? target_text : ""});
  }
  for (const auto& r : results) {
    const bool exact_u64 = r.first.rfind("sluice exact", 0) == 0 && std::is_same_v<key_type, std::uint64_t>;
    const bool fingerprint = r.first.rfind("sluice fingerprints", 0) == 0;
    if (r.first.find("batch") != std::string::npos) continue;
    report.add({std::string(label) + ", bytes/live key", r.first, r.second.bytes_per_key, "B", 0,
                exact_u64 ? "<= 16 B, peak" : fingerprint ? "<= 24 B, peak" : ""});
  }
  for (const auto& p : pauses)
    report.add({std::string(label) + ", longest offer after the first window", p.first, p.second, "ms", 0, ""});
}

// The peak bytes per 64-bit key over nine window sizes spread across one growth step of the
// table (a factor 1.125), so that the memory target is checked at every fill a table can
// settle at, not only where one stream happens to land. Exact counts: the same on every machine.
void memory_sweep(bench::report& report) {
  struct sweep {
    const char* label;
    std::size_t from;  // keys per window
    bool fingerprints;
    bool reserved;  // reserve() for the window's keys: the table keeps the size a growth gives
    const char* target;
  };
  const sweep sweeps[] = {
      {"exact, six keys a line (window <= 2^19)", 100'000, false, false, "<= 16 B, peak"},
      {"exact, five keys a line", 300'000, false, false, "<= 16 B, peak"},
      {"exact, five keys a line, reserve()d for the window's keys", 300'000, false, true, ""},
      {"fingerprints", 300'000, true, false, "<= 24 B, peak"},
  };
  for (const sweep& w : sweeps) {
    double lowest = 1e300, highest = 0;
    for (int step = 0; step <= 8; ++step) {
      const auto live = static_cast<std::size_t>(static_cast<double>(w.from) * std::pow(1.125, step / 8.0));
      std::int64_t window = 0;
      const std::vector<u64_record> records = make_stream<u64_record>(live, 3, make_u64, window);
      const sluice::window_dedup_config config = stream_config(window);
      // From a window and a half on, as in windowed().
      const double peak =
          w.fingerprints
              ? bytes_per_key_range<sluice::fingerprints, u64_record, u64_key_of>(records, 2 * live, 3 * live, config).peak
              : bytes_per_key_range<sluice::exact_keys, u64_record, u64_key_of>(records, 2 * live, 3 * live, config,
                                                                                w.reserved ? live : 0).peak;
      lowest = std::min(lowest, peak);
      highest = std::max(highest, peak);
    }
    std::printf("  %s, %zu to %zu keys a window: %.2f-%.2f bytes per key at the peak\n", w.label, w.from,
                static_cast<std::size_t>(static_cast<double>(w.from) * 1.125), lowest, highest);
    char workload[128];
    std::snprintf(workload, sizeof workload, "bytes/live key, highest peak over 9 windows of %zuK-%zuK keys", w.from / 1000,
                  static_cast<std::size_t>(static_cast<double>(w.from) * 1.125) / 1000);
    report.add({workload, std::string("sluice ") + w.label, highest, "B", 0, w.target});
  }
}

// Warm-up: a stream that grows to `live` distinct keys in one window, each offer timed alone.
// Without a reservation the table grows step by step and every growth rehashes all keys: the
// longest offer is the stream's pause. `reserve` sizes the table up front; absl's `reserve`
// is the peer's counterpart.
void warm_up(bench::report& report, std::size_t live) {
  std::vector<u64_record> records(live);
  std::uint64_t state = 7;
  for (std::size_t i = 0; i < live; ++i) records[i] = {splitmix(state), static_cast<std::int64_t>(i)};
  const auto window = static_cast<std::int64_t>(2 * live);
  char label[96];
  std::snprintf(label, sizeof label, "growing to %zuM keys", live / 1'000'000);
  auto measure = [&](const char* name, auto&& offer) {
    double total = 0, longest = 0;
    for (const u64_record& r : records) {
      const auto start = bench::clock::now();
      offer(r);
      const double took = std::chrono::duration<double>(bench::clock::now() - start).count();
      total += took;
      longest = std::max(longest, took);
    }
    report.add({std::string(label) + ", whole stream", name, total * 1e3, "ms", 0, ""});
    report.add({std::string(label) + ", longest offer", name, longest * 1e3, "ms", 0, ""});
  };
  sluice::window_dedup_config config;
  config.window = window;
  config.seed = seed;
  for (const bool reserved : {false, true}) {
    auto d = sluice::window_dedup<u64_record, u64_key_of, time_of>::create(config).value();
    if (reserved && d.reserve(live)) std::printf("!! reserve refused\n");
    measure(reserved ? "sluice, reserve(keys) first" : "sluice", [&](const u64_record& r) { (void)d.offer(r); });
  }
#if SLUICE_BENCH_HAS_ABSEIL
  for (const bool reserved : {false, true}) {
    peer_dedup<absl::flat_hash_map<std::uint64_t, std::int64_t, u64_hash>, peer_kind::absl> d(window, 0);
    if (reserved) d.reserve(live);
    measure(reserved ? "absl::flat_hash_map, reserve(keys) first" : "absl::flat_hash_map",
            [&](const u64_record& r) { (void)d.offer(r.key, r.time); });
  }
#endif
}

// Expiring a window of 1M keys: one advance_watermark against each peer's erase loop.
void expiry(bench::report& report) {
  const std::size_t keys = 1'000'000;
  std::vector<std::uint64_t> ids(keys);
  std::uint64_t state = 99;
  for (auto& id : ids) id = splitmix(state);
  const std::int64_t window = static_cast<std::int64_t>(keys);
  std::vector<std::pair<std::string, double>> results;
  auto peer = [&](const char* name, auto make) {
    double best = 1e300;
    for (int repeat = 0; repeat < 3; ++repeat) {
      auto d = make();
      for (std::size_t i = 0; i < keys; ++i) d.offer(ids[i], static_cast<std::int64_t>(i));
      const auto start = bench::clock::now();
      d.advance(3 * window);
      const std::chrono::duration<double> took = bench::clock::now() - start;
      if (d.size() != 0) std::printf("!! %s kept keys\n", name);
      best = std::min(best, took.count());
    }
    results.push_back({name, best});
  };
  peer("std::unordered_map", [&] { return peer_dedup<std::unordered_map<std::uint64_t, std::int64_t, u64_hash>, peer_kind::standard>(window, window * 4); });
#if SLUICE_BENCH_HAS_ABSEIL
  peer("absl::flat_hash_map", [&] { return peer_dedup<absl::flat_hash_map<std::uint64_t, std::int64_t, u64_hash>, peer_kind::absl>(window, window * 4); });
#endif
#if SLUICE_BENCH_HAS_ROBIN_MAP
  peer("tsl::robin_map", [&] { return peer_dedup<tsl::robin_map<std::uint64_t, std::int64_t, u64_hash>, peer_kind::robin>(window, window * 4); });
#endif
#if SLUICE_BENCH_HAS_SKA
  peer("ska::flat_hash_map", [&] { return peer_dedup<ska::flat_hash_map<std::uint64_t, std::int64_t, u64_hash>, peer_kind::ska>(window, window * 4); });
#endif
  double best_peer = 1e300;
  for (const auto& r : results) best_peer = std::min(best_peer, r.second);
  double ours = 1e300;
  sluice::window_dedup_config config;
  config.window = window;
  config.allowed_lateness = window * 4;  // nothing expires while filling
  for (int repeat = 0; repeat < 3; ++repeat) {
    auto d = sluice::window_dedup<u64_record, u64_key_of, time_of>::create(config).value();
    for (std::size_t i = 0; i < keys; ++i) d.offer({ids[i], static_cast<std::int64_t>(i)});
    const auto start = bench::clock::now();
    d.advance_watermark(3 * window);
    const std::chrono::duration<double> took = bench::clock::now() - start;
    if (d.stats().live_keys != 0) std::printf("!! sluice kept keys\n");
    ours = std::min(ours, took.count());
  }
  for (const auto& r : results) report.add({"expire a 1M-key window", r.first, r.second * 1e3, "ms", 0, ""});
  report.add({"expire a 1M-key window", "sluice advance_watermark", ours * 1e3, "ms", best_peer / ours, ">= 10x fastest peer"});
}

struct row_record {
  std::uint64_t key;
  std::int64_t version;
  std::uint64_t payload;
};

void keep_one(bench::report& report, std::size_t n) {
  std::vector<row_record> input(n);
  std::uint64_t state = 7;
  for (std::size_t i = 0; i < n; ++i) {
    // 50% duplicates: keys drawn from n/2 distinct values.
    input[i] = {splitmix(state) % (n / 2), static_cast<std::int64_t>(splitmix(state) % 1000), i};
  }
  std::vector<row_record> work;
  std::size_t kept_sort = 0, kept_ours = 0;
  bool failed = false;
  const double sort_seconds = bench::best_seconds(3, [&] {
    work = input;
    std::sort(work.begin(), work.end(), [](const row_record& a, const row_record& b) {
      return a.key != b.key ? a.key < b.key : (a.version != b.version ? a.version > b.version : a.payload > b.payload);
    });
    auto end = std::unique(work.begin(), work.end(), [](const row_record& a, const row_record& b) { return a.key == b.key; });
    kept_sort = static_cast<std::size_t>(end - work.begin());
  });
  const double ours_seconds = bench::best_seconds(3, [&] {
    work = input;
    auto r = sluice::keep_one_per_key(work.begin(), work.end(), [](const row_record& x) { return x.key; },
                                      [](const row_record& a, const row_record& b) {
                                        return a.version != b.version ? a.version < b.version : a.payload < b.payload;
                                      });
    kept_ours = r.kept;
    failed = failed || static_cast<bool>(r.error);
  });
  // The same with scratch from an arena over a buffer kept across calls, as a pipeline that
  // deduplicates batch after batch would hold it: no heap, no first-touch page faults.
  std::vector<unsigned char> buffer(sluice::keep_one_scratch_bytes<std::vector<row_record>::iterator>(n));
  sluice::arena scratch(buffer.data(), buffer.size());
  std::size_t kept_reused = 0;
  const double reused_seconds = bench::best_seconds(3, [&] {
    work = input;
    auto r = sluice::keep_one_per_key(work.begin(), work.end(), [](const row_record& x) { return x.key; },
                                      [](const row_record& a, const row_record& b) {
                                        return a.version != b.version ? a.version < b.version : a.payload < b.payload;
                                      },
                                      scratch);
    kept_reused = r.kept;
    failed = failed || static_cast<bool>(r.error);
  });
  if (kept_sort != kept_ours || kept_sort != kept_reused || failed)
    std::printf("!! keep_one_per_key kept %zu (%zu with a reused buffer), sort+unique %zu\n", kept_ours, kept_reused,
                kept_sort);
  // Subtract the copy both pay.
  const double copy_seconds = bench::best_seconds(2, [&] { work = input; bench::keep(work.data()); });
  const double sort_net = sort_seconds - copy_seconds, ours_net = ours_seconds - copy_seconds;
  const std::string label = "keep one per key, " + std::to_string(n / 1'000'000) + "M records";
  report.add({label, "std::sort + std::unique", sort_net * 1e3, "ms", 0, ""});
  report.add({label, "sluice::keep_one_per_key", ours_net * 1e3, "ms", sort_net / ours_net, ">= 3x sort+unique"});
  const double reused_net = reused_seconds - copy_seconds;
  report.add({label, "sluice::keep_one_per_key, reused scratch buffer", reused_net * 1e3, "ms", sort_net / reused_net,
              ">= 3x sort+unique"});
}

}  // namespace

int main(int argc, char** argv) {
  bool full = false;
  for (int i = 1; i < argc; ++i) full = full || std::strcmp(argv[i], "--full") == 0;
  bench::report report("dedup", argc, argv);
  windowed<u64_record, u64_key_of, u64_hash>(report, "u64 keys, 100K-key window", 100'000, 8, make_u64, 1.3, 5);
  windowed<text_record, text_key_of, text_hash>(report, "UUID keys, 100K-key window", 100'000, 6, make_text, 1.3, 5);
  if (full) {
    windowed<u64_record, u64_key_of, u64_hash>(report, "u64 keys, 10M-key window", 10'000'000, 2, make_u64, 2.0, 1);
    windowed<text_record, text_key_of, text_hash>(report, "UUID keys, 10M-key window", 10'000'000, 2, make_text, 2.0, 1);
  } else {
    windowed<u64_record, u64_key_of, u64_hash>(report, "u64 keys, 4M-key window", 4'000'000, 2, make_u64, 2.0, 1);
  }
  memory_sweep(report);
  warm_up(report, full ? 10'000'000 : 4'000'000);
  expiry(report);
  keep_one(report, 1'000'000);
  keep_one(report, 10'000'000);
  return report.finish();
}
