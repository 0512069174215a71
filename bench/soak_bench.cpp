// Soak and flooding benchmark for window_dedup.
//
// 1. Flooding: 16-byte keys built to collide for one known seed, offered to a deduplicator
//    with a random seed, against ordinary keys: throughput must stay within 2x. For contrast
//    the same attack against a deduplicator that uses the leaked seed (smaller n: quadratic).
// 2. Soak: --events N (default 100M) events through a sliding-expiry window; prints resident
//    memory (from /proc/self/statm) every --every events and checks that it stays flat after
//    warm-up (two windows or a tenth of the run, whichever is longer).
//
//   soak_bench [--events 100000000] [--window 1000000] [--every 5000000] [--csv FILE]
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>  // malloc_trim
#endif

#include "bench_util.hpp"
#include "sluice/dedup.hpp"
#include "sluice/hash.hpp"

namespace {

std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

double resident_mib() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  const int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (got != 2) return 0;
  return static_cast<double>(resident) * 4096.0 / (1024.0 * 1024.0);
}

long option(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::strtol(argv[i + 1], nullptr, 10);
  return fallback;
}

// ---- flooding --------------------------------------------------------------------------------

struct keyed {
  std::string id;
  std::int64_t time;
};
struct id_of {
  const std::string& operator()(const keyed& r) const noexcept { return r.id; }
};
struct time_of {
  std::int64_t operator()(const keyed& r) const noexcept { return r.time; }
};
using text_dedup = sluice::window_dedup<keyed, id_of, time_of>;

void put_le(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// 16-byte keys whose first word cancels the seed's first key word: all hash alike for `seed`.
std::vector<keyed> attack_records(std::uint64_t seed, std::size_t n) {
  const std::uint64_t k0 = sluice::detail::hashing::derive_keys(seed, 0).low;
  std::vector<keyed> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    put_le(out[i].id, k0);
    put_le(out[i].id, mix(i));
    out[i].time = static_cast<std::int64_t>(i);
  }
  return out;
}

std::vector<keyed> ordinary_records(std::size_t n) {
  std::vector<keyed> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    put_le(out[i].id, mix(i ^ 0xabcdef));
    put_le(out[i].id, mix(i));
    out[i].time = static_cast<std::int64_t>(i);
  }
  return out;
}

double offers_per_second(const std::vector<keyed>& records, std::uint64_t seed) {
  const double seconds = bench::best_seconds(3, [&] {
    sluice::window_dedup_config config;
    config.window = static_cast<std::int64_t>(records.size()) * 2;
    config.seed = seed;
    auto dedup = text_dedup::create(config).value();
    std::size_t firsts = 0;
    for (const keyed& r : records) firsts += dedup.offer(r) == sluice::verdict::first;
    bench::keep(firsts);
  });
  return static_cast<double>(records.size()) / seconds;
}

// ---- soak ------------------------------------------------------------------------------------

struct event {
  std::uint64_t id;
  std::int64_t time;
};
struct event_id {
  std::uint64_t operator()(const event& e) const noexcept { return e.id; }
};
struct event_time {
  std::int64_t operator()(const event& e) const noexcept { return e.time; }
};

}  // namespace

int main(int argc, char** argv) {
  bench::report report("soak: dedup flooding and resident memory", argc, argv);
  std::random_device device;
  const std::uint64_t random_seed = (std::uint64_t{device()} << 32) ^ device();
  const std::uint64_t leaked_seed = 0x5eed0000'00000001ull;

  // 1. Flooding.
  {
    const std::size_t n = 200000;
    const auto attack = attack_records(leaked_seed, n);
    const auto ordinary = ordinary_records(n);
    std::size_t colliding = 0;
    for (std::size_t i = 1; i < 1000; ++i)
      colliding += sluice::hash64(attack[i].id, leaked_seed) == sluice::hash64(attack[0].id, leaked_seed);
    std::printf("attack keys colliding under the leaked seed: %zu of 999\n", colliding);
    const double ordinary_rate = offers_per_second(ordinary, random_seed);
    const double attack_rate = offers_per_second(attack, random_seed);
    report.add({"200k 16-byte keys, random seed", "ordinary keys", ordinary_rate / 1e6, "M offers/s", 0, ""});
    report.add({"200k 16-byte keys, random seed", "attack keys", attack_rate / 1e6, "M offers/s",
                ordinary_rate / attack_rate, "<= 2 slowdown vs ordinary"});
    const std::size_t small = 5000;
    const auto small_attack = attack_records(leaked_seed, small);
    const double leaked_rate = offers_per_second(small_attack, leaked_seed);
    const double small_rate = offers_per_second(ordinary_records(small), leaked_seed);
    report.add({"5k 16-byte keys, leaked seed", "ordinary keys", small_rate / 1e6, "M offers/s", 0, ""});
    report.add({"5k 16-byte keys, leaked seed", "attack keys", leaked_rate / 1e6, "M offers/s",
                small_rate / leaked_rate, "(slowdown when the seed leaks)"});
  }

  // 2. Soak. First hand the flooding phase's freed heap back to the system, so that resident
  // memory below is the soak's own.
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  const auto events = static_cast<std::uint64_t>(option(argc, argv, "--events", 100000000));
  const std::int64_t window = option(argc, argv, "--window", 1000000);
  const auto every = static_cast<std::uint64_t>(option(argc, argv, "--every", 5000000));
  sluice::window_dedup_config config;
  config.window = window;
  config.allowed_lateness = window / 100;
  config.policy = sluice::expiry::sliding;
  config.seed = random_seed;
  auto dedup = sluice::window_dedup<event, event_id, event_time>::create(config).value();
  std::printf("\nsoak: %llu events, one per time unit, window %lld, lateness %lld, sliding expiry;\n"
              "10%% repeat a key from the last window, 1%% arrive up to `lateness` late\n\n",
              static_cast<unsigned long long>(events), static_cast<long long>(window),
              static_cast<long long>(config.allowed_lateness));
  std::printf("| events (M) | RSS (MiB) | state (MiB) | live keys | M events/s |\n|---:|---:|---:|---:|---:|\n");
  constexpr std::size_t batch = 4096;
  std::vector<event> records(batch);
  std::vector<sluice::verdict> verdicts(batch);
  double rss_min = 1e300, rss_max = 0;
  std::uint64_t counts[4] = {};
  const auto warm_up = std::max(static_cast<std::uint64_t>(2 * window + config.allowed_lateness), events / 10);
  auto last = std::chrono::steady_clock::now();
  const auto start = last;
  std::uint64_t last_done = 0;
  std::uint64_t next_report = every;
  std::uint64_t rng = 7;
  for (std::uint64_t done = 0; done < events;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(batch, events - done));
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t index = done + i;
      rng = mix(rng);
      std::uint64_t source = index;
      if (rng % 10 == 0 && index > 0) source = index - 1 - (rng >> 8) % std::min<std::uint64_t>(index, static_cast<std::uint64_t>(window));
      std::int64_t time = static_cast<std::int64_t>(index);
      if ((rng >> 4) % 100 == 0) time -= static_cast<std::int64_t>((rng >> 16) % static_cast<std::uint64_t>(config.allowed_lateness + 1));
      records[i] = event{mix(source), time};
    }
    dedup.offer(records.data(), n, verdicts.data());
    for (std::size_t i = 0; i < n; ++i) ++counts[static_cast<int>(verdicts[i])];
    done += n;
    if (done >= next_report || done == events) {
      next_report += every;
      const auto now = std::chrono::steady_clock::now();
      const double seconds = std::chrono::duration<double>(now - last).count();
      const double rss = resident_mib();
      const sluice::dedup_stats stats = dedup.stats();
      std::printf("| %.0f | %.1f | %.1f | %llu | %.1f |\n", static_cast<double>(done) / 1e6, rss,
                  static_cast<double>(stats.bytes) / (1024.0 * 1024.0),
                  static_cast<unsigned long long>(stats.live_keys),
                  static_cast<double>(done - last_done) / seconds / 1e6);
      std::fflush(stdout);
      if (done > warm_up) {
        rss_min = std::min(rss_min, rss);
        rss_max = std::max(rss_max, rss);
      }
      last = now;
      last_done = done;
    }
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\nverdicts: first %llu, duplicate %llu, late %llu, over_budget %llu\n",
              static_cast<unsigned long long>(counts[0]), static_cast<unsigned long long>(counts[1]),
              static_cast<unsigned long long>(counts[2]), static_cast<unsigned long long>(counts[3]));
  if (rss_max > 0) {
    std::printf("RSS after warm-up (%llu events): min %.1f MiB, max %.1f MiB, spread %.1f%%\n",
                static_cast<unsigned long long>(warm_up), rss_min, rss_max, 100.0 * (rss_max - rss_min) / rss_min);
    report.add({"soak RSS after warm-up", "max / min", rss_max, "MiB", rss_max / rss_min, "<= 1.1 flat"});
  }
  report.add({"soak", "window_dedup batch offer", static_cast<double>(events) / total / 1e6, "M events/s", 0, ""});
  return report.finish();
}
