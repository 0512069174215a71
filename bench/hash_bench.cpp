// sluice::hash against XXH3 (libxxhash) and wyhash: throughput by key size, hash128 against
// hash64, and the uint64 batch API against loops of single calls. Ratios are from one run.
//
//   hash_bench [--csv FILE] [--quick]
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "sluice/hash.hpp"

#if defined(SLUICE_BENCH_HAS_XXHASH)
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

// Nanoseconds per call of fn(pointer, length) over every key of `w`.
template <class F>
double ns_per_hash(const workload& w, int repeats, F&& fn) {
  const std::size_t target_bytes = 64u * 1024 * 1024;
  const std::size_t rounds = std::max<std::size_t>(1, target_bytes / (w.keys * w.key_len + 512));
  double seconds = bench::best_seconds(repeats, [&] {
    std::uint64_t sink = 0;
    for (std::size_t round = 0; round < rounds; ++round) {
      const unsigned char* p = w.bytes.data();
      for (std::size_t i = 0; i < w.keys; ++i, p += w.key_len) sink ^= fn(p, w.key_len);
      bench::clobber();
    }
    bench::keep(sink);
  });
  return seconds * 1e9 / static_cast<double>(rounds * w.keys);
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
  const int repeats = quick ? 2 : 5;
  using namespace sluice::detail::hashing;
  std::printf("long-input kernel: %s\n", default_kernel() == kernel::avx2   ? "avx2"
                                         : default_kernel() == kernel::sse2 ? "sse2"
                                         : default_kernel() == kernel::neon ? "neon"
                                                                            : "scalar");

  const std::size_t sizes[] = {8, 16, 32, 64, 128, 256, 1024, 4096, 65536};
  for (std::size_t size : sizes) {
    const workload w = make_workload(size);
    const std::string name = size_name(size);
    const double ours = ns_per_hash(w, repeats, [](const unsigned char* p, std::size_t n) {
      return sluice::hash64(p, n);
    });
    const double gb = static_cast<double>(size) / ours;
    report.add({name, "sluice hash64", ours, "ns/hash", 0, ""});
    report.add({name, "sluice hash64", gb, "GB/s", 0, ""});
#if defined(SLUICE_BENCH_HAS_XXHASH)
    const double xxh = ns_per_hash(w, repeats, [](const unsigned char* p, std::size_t n) {
      return XXH3_64bits(p, n);
    });
    const bool avx2 = default_kernel() == kernel::avx2;
    const char* target = size <= 64                ? ">= 1.2 sluice/XXH3"
                         : size >= 4096 && avx2   ? ">= 0.95 sluice/XXH3 (AVX2)"
                                                  : "sluice/XXH3";
    report.add({name, "XXH3_64bits", static_cast<double>(size) / xxh, "GB/s", xxh / ours, target});
#endif
#if defined(SLUICE_BENCH_HAS_WYHASH)
    const double wy = ns_per_hash(w, repeats, [](const unsigned char* p, std::size_t n) {
      return wyhash(p, n, 0, _wyp);
    });
    report.add({name, "wyhash", static_cast<double>(size) / wy, "GB/s", wy / ours,
                "sluice/wyhash"});
#endif
    const double wide = ns_per_hash(w, repeats, [](const unsigned char* p, std::size_t n) {
      const sluice::hash128_t h = sluice::hash128(p, n);
      return h.low ^ h.high;
    });
    report.add({name, "sluice hash128", wide, "ns/hash", wide / ours, "<= 1.3 hash128/hash64"});
  }

  // The uint64 batch API against loops of single calls.
  {
    const std::size_t n = 4096;
    std::vector<std::uint64_t> keys(n), out(n);
    std::uint64_t state = 42;
    for (std::uint64_t& k : keys) k = (state += 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
    const std::size_t rounds = quick ? 2000 : 8000;
    const auto time = [&](auto&& body) {
      return bench::best_seconds(repeats, [&] {
               for (std::size_t r = 0; r < rounds; ++r) {
                 body();
                 bench::clobber();
               }
               bench::keep(out[n - 1]);
             }) *
             1e9 / static_cast<double>(rounds * n);
    };
    const std::uint64_t seed = 0x5eed;
    const double batch = time([&] { sluice::hash64_batch(keys.data(), n, out.data(), seed); });
    const double inlined = time([&] {
      for (std::size_t i = 0; i < n; ++i) out[i] = sluice::hash_u64(keys[i], seed);
    });
    report.add({"uint64 x4096", "sluice hash64_batch", batch, "ns/key", 0, ""});
    report.add({"uint64 x4096", "inlined hash_u64 loop", inlined, "ns/key", inlined / batch,
                ">= 1.0 loop/batch"});
#if defined(SLUICE_BENCH_HAS_XXHASH)
    const double xxh = time([&] {
      for (std::size_t i = 0; i < n; ++i) out[i] = XXH3_64bits_withSeed(&keys[i], 8, seed);
    });
    report.add({"uint64 x4096", "XXH3_64bits_withSeed loop", xxh, "ns/key", xxh / batch,
                ">= 2 XXH3 loop/batch"});
#endif
#if defined(SLUICE_BENCH_HAS_WYHASH)
    const double wy = time([&] {
      for (std::size_t i = 0; i < n; ++i) out[i] = wyhash64(keys[i], seed);
    });
    report.add({"uint64 x4096", "wyhash64 loop", wy, "ns/key", wy / batch, "wyhash64 loop/batch"});
#endif
  }
  return report.finish();
}
