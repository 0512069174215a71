// sluice::hash against XXH3 (libxxhash) and wyhash: throughput by key size, hash128 against
// hash64 (throughput and latency), and the uint64 batch API against loops of single calls.
// Ratios are from one run.
//
//   hash_bench [--csv FILE] [--quick]
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "sluice/hash.hpp"

#if defined(SLUICE_BENCH_HAS_XXHASH)
#include <xxhash.h>
// The library's XXH3, called through the shared object as most users link it...
static XXH64_hash_t xxh3_from_library(const void* data, std::size_t len) { return XXH3_64bits(data, len); }
static XXH64_hash_t xxh3_seeded_from_library(const void* data, std::size_t len, XXH64_hash_t seed) {
  return XXH3_64bits_withSeed(data, len, seed);
}
// ...and, from here on, XXH3_64bits is xxHash's header-only inline build: the fair match for
// sluice's inlined hash64 (the compiler sees the key length and the loop around both).
#define XXH_INLINE_ALL
#include <xxhash.h>
#endif
#if defined(SLUICE_BENCH_HAS_WYHASH)
#include <wyhash/wyhash.h>
#endif

namespace {

struct workload {
  std::vector<unsigned char> bytes;
  std::size_t key_len;
  std::size_t keys;
};

// Enough distinct keys to defeat caching of results, few enough to stay in L2.
workload make_workload(std::size_t key_len) {
  std::size_t keys = key_len >= 4096 ? 4 : (256 * 1024) / key_len;
  workload w{std::vector<unsigned char>(keys * key_len + 64), key_len, keys};
  std::uint64_t state = 0x1234567;
  for (unsigned char& b : w.bytes) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    b = static_cast<unsigned char>(state >> 56);
  }
  return w;
}

#if defined(__GNUC__) || defined(__clang__)
#define HASH_BENCH_NOINLINE __attribute__((noinline))
#else
#define HASH_BENCH_NOINLINE
#endif

// One timed pass: nanoseconds per call of fn(pointer, length) over every key of `w`. Out of
// line, so that each contender's loop is compiled alone (not into main's register pressure).
template <class F>
HASH_BENCH_NOINLINE double ns_per_hash_once(const workload& w, F& fn) {
  const std::size_t target_bytes = 8u * 1024 * 1024;
  const std::size_t rounds = std::max<std::size_t>(1, target_bytes / (w.keys * w.key_len + 512));
  const std::size_t keys = w.keys, key_len = w.key_len;
  const double seconds = bench::best_seconds(1, [&] {
    std::uint64_t sink = 0;
    for (std::size_t round = 0; round < rounds; ++round) {
      const unsigned char* p = w.bytes.data();
      for (std::size_t i = 0; i < keys; ++i, p += key_len) sink ^= fn(p, key_len);
      bench::clobber();
    }
    bench::keep(sink);
  });
  return seconds * 1e9 / static_cast<double>(rounds * w.keys);
}

// sluice::hash64 behind a call, as XXH3_64bits from the shared library is: the comparison
// that does not depend on how the compiler shapes the caller's loop around inlined code.
HASH_BENCH_NOINLINE std::uint64_t hash64_called(const unsigned char* p, std::size_t n) {
  return sluice::hash64(p, n);
}

// One timed pass of a batch body: nanoseconds per key. Out of line, like ns_per_hash_once.
template <class F>
HASH_BENCH_NOINLINE double ns_per_batch_once(F& body, std::size_t rounds, std::size_t n,
                                            const std::uint64_t* out) {
  const double seconds = bench::best_seconds(1, [&] {
    for (std::size_t r = 0; r < rounds; ++r) {
      body();
      bench::clobber();
    }
    bench::keep(out[n - 1]);
  });
  return seconds * 1e9 / static_cast<double>(rounds * n);
}

// Best nanoseconds per call of each contender, timed in turn `repeats` times, so that every
// contender sees the same machine load.
template <class... F>
std::array<double, sizeof...(F)> interleaved(const workload& w, int repeats, F... fns) {
  std::array<double, sizeof...(F)> best;
  best.fill(1e300);
  for (int r = 0; r < repeats; ++r) {
    std::size_t i = 0;
    ((best[i] = std::min(best[i], ns_per_hash_once(w, fns)), ++i), ...);
  }
  return best;
}

// Latency: nanoseconds per hash when each key starts with the previous hash, so every call
// waits for the one before (a table probe or a fingerprint check in a dependent chain).
template <class F>
HASH_BENCH_NOINLINE double ns_per_chained_hash(std::size_t key_len, F& fn) {
  const std::size_t chain = 100000;
  std::array<unsigned char, 128> key{};
  const double seconds = bench::best_seconds(1, [&] {
    std::uint64_t h = 0;
    for (std::size_t i = 0; i < chain; ++i) {
      std::memcpy(key.data(), &h, sizeof h);
      h = fn(key.data(), key_len);
    }
    bench::keep(h);
  });
  return seconds * 1e9 / static_cast<double>(chain);
}

// The uint64 batch path the public hash64_batch takes in this build.
const char* batch_path_name() {
#if SLUICE_HASH_STATIC_AVX2()
  return "avx2";
#elif SLUICE_HASH_RUNTIME_DISPATCH()
  return __builtin_cpu_supports("avx2") ? "avx2, dispatched" : "scalar";
#else
  return "scalar";
#endif
}

std::string size_name(std::size_t n) {
  if (n >= 1024) return std::to_string(n / 1024) + " KiB";
  return std::to_string(n) + " B";
}

}  // namespace

int main(int argc, char** argv) {
  bench::report report("hash: sluice vs XXH3 vs wyhash", argc, argv);
  bool quick = false;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
  const int repeats = quick ? 5 : 25;
  using namespace sluice::detail::hashing;
  std::printf("long-input kernel: %s\n", default_kernel() == kernel::avx2   ? "avx2"
                                         : default_kernel() == kernel::sse2 ? "sse2"
                                         : default_kernel() == kernel::neon ? "neon"
                                                                            : "scalar");

  // A seed the compiler cannot see, as a hash table's hasher holds it.
  static volatile std::uint64_t seed_source = 0x5eed;
  const std::uint64_t seed = seed_source;
  const sluice::seeded_hash prepared(seed);  // the same seed, its keys derived once
  const bool avx2_runs = kernel_available(kernel::avx2);
  const bool avx2_default = default_kernel() == kernel::avx2;
  const auto none = [](const unsigned char*, std::size_t) { return std::uint64_t{0}; };
  (void)none;

  {  // Warm-up (clock ramp, caches, page faults), not reported.
    const workload w = make_workload(64);
    const auto warm = [](const unsigned char* p, std::size_t n) { return sluice::hash64(p, n); };
    for (int i = 0; i < 20; ++i) bench::keep(ns_per_hash_once(w, warm));
  }
  const std::size_t sizes[] = {8, 16, 32, 64, 128, 256, 1024, 4096, 65536};
  for (std::size_t size : sizes) {
    const workload w = make_workload(size);
    const std::string name = size_name(size);
    const auto t = interleaved(
        w, repeats,
        [](const unsigned char* p, std::size_t n) { return sluice::hash64(p, n); },
        [](const unsigned char* p, std::size_t n) {
          const sluice::hash128_t h = sluice::hash128(p, n);
          return h.low ^ h.high;
        },
        [seed](const unsigned char* p, std::size_t n) { return sluice::hash64(p, n, seed); },
#if defined(SLUICE_BENCH_HAS_XXHASH)
        [](const unsigned char* p, std::size_t n) { return XXH3_64bits(p, n); },
        [seed](const unsigned char* p, std::size_t n) { return XXH3_64bits_withSeed(p, n, seed); },
        [](const unsigned char* p, std::size_t n) { return xxh3_from_library(p, n); },
#else
        none, none, none,
#endif
#if defined(SLUICE_BENCH_HAS_WYHASH)
        [](const unsigned char* p, std::size_t n) { return wyhash(p, n, 0, _wyp); },
#else
        none,
#endif
        [avx2_runs](const unsigned char* p, std::size_t n) {
          return avx2_runs ? hash64_with(kernel::avx2, p, n) : std::uint64_t{0};
        },
        [](const unsigned char* p, std::size_t n) { return hash64_called(p, n); },
        [&prepared](const unsigned char* p, std::size_t n) { return prepared.hash64(p, n); });
    const double ours = t[0], wide = t[1], ours_seeded = t[2], xxh = t[3], xxh_seeded = t[4],
                 xxh_called = t[5], wy = t[6], ours_avx2 = t[7], ours_called = t[8],
                 ours_prepared = t[9];
    const double size_bytes = static_cast<double>(size);
    report.add({name, "sluice hash64", ours, "ns/hash", 0, ""});
    report.add({name, "sluice hash64", size_bytes / ours, "GB/s", 0, ""});
#if defined(SLUICE_BENCH_HAS_XXHASH)
    const char* target = size <= 64                           ? ">= 1.2 sluice/XXH3"
                         : size >= 4096 && avx2_default       ? ">= 0.95 sluice/XXH3 (AVX2)"
                                                              : "sluice/XXH3";
    report.add({name, "XXH3_64bits, inlined", size_bytes / xxh, "GB/s", xxh / ours, target});
    report.add({name, "XXH3_64bits from libxxhash", size_bytes / xxh_called, "GB/s", 0, ""});
    report.add({name, "sluice hash64 behind a call, vs libxxhash", size_bytes / ours_called,
                "GB/s", xxh_called / ours_called, size <= 64 ? ">= 1.2 sluice/XXH3" : "sluice/XXH3"});
    report.add({name, "sluice hash64, seeded", size_bytes / ours_seeded, "GB/s", 0, ""});
    report.add({name, "XXH3_64bits_withSeed", size_bytes / xxh_seeded, "GB/s",
                xxh_seeded / ours_seeded, "sluice/XXH3, both seeded"});
    report.add({name, "sluice seeded_hash (seed's keys derived once)", size_bytes / ours_prepared,
                "GB/s", xxh_seeded / ours_prepared, "sluice/XXH3, both seeded"});
    if (avx2_runs && !avx2_default && size > 256)
      report.add({name, "sluice hash64, AVX2 kernel", size_bytes / ours_avx2, "GB/s",
                  xxh / ours_avx2, size >= 4096 ? ">= 0.95 sluice/XXH3 (AVX2)" : "sluice/XXH3"});
#else
    (void)xxh;
    (void)xxh_called;
    (void)xxh_seeded;
    (void)ours_seeded;
    (void)ours_prepared;
    (void)ours_avx2;
    (void)ours_called;
#endif
#if defined(SLUICE_BENCH_HAS_WYHASH)
    report.add({name, "wyhash", size_bytes / wy, "GB/s", wy / ours, "sluice/wyhash"});
#else
    (void)wy;
#endif
    report.add({name, "sluice hash128", wide, "ns/hash", wide / ours, "<= 1.3 hash128/hash64"});
  }

  // Latency of one hash, the next key waiting for it.
  for (std::size_t size : {std::size_t{8}, std::size_t{16}, std::size_t{32}, std::size_t{64}}) {
    auto ours = [](const unsigned char* p, std::size_t n) { return sluice::hash64(p, n); };
    auto wide = [](const unsigned char* p, std::size_t n) {
      const sluice::hash128_t h = sluice::hash128(p, n);
      return h.low ^ h.high;
    };
#if defined(SLUICE_BENCH_HAS_XXHASH)
    auto xxh = [](const unsigned char* p, std::size_t n) { return XXH3_64bits(p, n); };
#else
    auto xxh = none;
#endif
    std::array<double, 3> best;
    best.fill(1e300);
    for (int r = 0; r < repeats; ++r) {
      best[0] = std::min(best[0], ns_per_chained_hash(size, ours));
      best[1] = std::min(best[1], ns_per_chained_hash(size, wide));
      best[2] = std::min(best[2], ns_per_chained_hash(size, xxh));
    }
    const std::string name = size_name(size) + ", chained";
    report.add({name, "sluice hash64 latency", best[0], "ns/hash", 0, ""});
#if defined(SLUICE_BENCH_HAS_XXHASH)
    report.add({name, "XXH3_64bits latency, inlined", best[2], "ns/hash", best[2] / best[0], "sluice/XXH3"});
#endif
    report.add({name, "sluice hash128 latency", best[1], "ns/hash", best[1] / best[0],
                "<= 1.3 hash128/hash64"});
  }

  // The uint64 batch API against loops of single calls.
  {
    const std::size_t n = 4096;
    std::vector<std::uint64_t> keys(n), out(n);
    std::uint64_t state = 42;
    for (std::uint64_t& k : keys) k = (state += 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
    const std::size_t rounds = quick ? 200 : 1000;
    const auto once = [&](auto& body) { return ns_per_batch_once(body, rounds, n, out.data()); };
    auto batch = [&] { sluice::hash64_batch(keys.data(), n, out.data(), seed); };
    auto inlined = [&] {
      for (std::size_t i = 0; i < n; ++i) out[i] = sluice::hash_u64(keys[i], seed);
    };
#if defined(SLUICE_BENCH_HAS_XXHASH)
    auto xxh = [&] {
      for (std::size_t i = 0; i < n; ++i) out[i] = xxh3_seeded_from_library(&keys[i], 8, seed);
    };
    auto xxh_inlined = [&] {
      for (std::size_t i = 0; i < n; ++i) out[i] = XXH3_64bits_withSeed(&keys[i], 8, seed);
    };
#else
    auto xxh = [] {};
    auto xxh_inlined = [] {};
#endif
#if defined(SLUICE_BENCH_HAS_WYHASH)
    auto wy = [&] {
      for (std::size_t i = 0; i < n; ++i) out[i] = wyhash64(keys[i], seed);
    };
#else
    auto wy = [] {};
#endif
    const sluice::detail::hashing::pair64 word_keys = derive_keys(seed, 0);
    auto batch_avx2 = [&] {
      if (avx2_runs)
        hash_words_with(kernel::avx2, keys.data(), n, out.data(), word_keys.low, word_keys.high);
    };
    std::array<double, 6> best;
    best.fill(1e300);
    for (int r = 0; r < repeats; ++r) {
      best[0] = std::min(best[0], once(batch));
      best[1] = std::min(best[1], once(inlined));
      best[2] = std::min(best[2], once(xxh));
      best[3] = std::min(best[3], once(wy));
      best[4] = std::min(best[4], once(batch_avx2));
      best[5] = std::min(best[5], once(xxh_inlined));
    }
    const std::string batch_name = std::string("uint64 x4096 (") + batch_path_name() + ")";
    report.add({batch_name, "sluice hash64_batch", best[0], "ns/key", 0, ""});
    report.add({batch_name, "inlined hash_u64 loop", best[1], "ns/key", best[1] / best[0],
                ">= 1.0 loop/batch"});
#if defined(SLUICE_BENCH_HAS_XXHASH)
    report.add({batch_name, "XXH3_64bits_withSeed loop, libxxhash", best[2], "ns/key", best[2] / best[0],
                ">= 2 XXH3 loop/batch"});
    report.add({batch_name, "XXH3_64bits_withSeed loop, inlined", best[5], "ns/key", best[5] / best[0],
                "XXH3 loop/batch"});
#endif
    if (avx2_runs && std::strcmp(batch_path_name(), "scalar") == 0)
      report.add({"uint64 x4096 (avx2 kernel)", "sluice batch, AVX2 kernel", best[4], "ns/key",
                  best[1] / best[4], ">= 1.0 loop/batch"});
#if defined(SLUICE_BENCH_HAS_WYHASH)
    report.add({batch_name, "wyhash64 loop", best[3], "ns/key", best[3] / best[0],
                "wyhash64 loop/batch"});
#endif
  }
  return report.finish();
}
