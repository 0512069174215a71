// SCD2 history: incremental apply() against the warehouse way (union all changes, sort by
// (key, sequence), derive intervals in one LEAD-style pass), on a Customer dimension of
// 1M keys with ~3 versions each, then batches of 10K and 1M changes with 10% out of order,
// 5% duplicates and 1% deletes, and a run of 1M-change batches that grows the dimension as a
// pipeline would. Also: a 10K batch on a 100K-row vs a 10M-row history, and
// bytes per stored change, and what a random page costs on this machine (the scaling pair
// depends on it). Pass --quick for a smaller run, --csv FILE for CSV.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <string>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <tuple>
#include <vector>

#include "bench_util.hpp"
#include "sluice/scd2.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#include <sys/resource.h>
#endif

namespace {

struct customer {
  std::uint64_t id;
  std::int64_t updated_at;
  std::uint64_t name;  // tracked
  std::uint32_t city;  // tracked
  std::uint32_t tier;  // tracked
  std::uint64_t email;       // untracked
  std::int64_t last_login;   // untracked
  char op;                   // 'U' or 'D'
};

struct customer_traits {
  using record = customer;
  static std::uint64_t key(const customer& c) { return c.id; }
  static std::int64_t sequence(const customer& c) { return c.updated_at; }
  static bool is_delete(const customer& c) { return c.op == 'D'; }
  static auto tracked(const customer& c) { return std::tie(c.name, c.city, c.tier); }
  static auto untracked(const customer& c) { return std::tie(c.email, c.last_login); }
};

using history = sluice::scd2::history<customer_traits>;

class splitmix {
 public:
  explicit splitmix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t state_;
};

template <class T>
void shuffle(splitmix& random, std::vector<T>& items) {
  for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[random.below(i)]);
}

// Generates a dimension's changes: per key 1-5 versions (3 on average), each version with an
// untracked-only update half of the time; then batches of later traffic.
class workload {
 public:
  workload(std::uint64_t first_key, std::uint64_t keys, std::uint64_t seed)
      : first_key_(first_key), keys_(keys), random_(seed), last_(keys, 0), known_() {}

  // The initial changes of keys [from, to), in random arrival order.
  std::vector<customer> initial(std::uint64_t from, std::uint64_t to, bool with_absorbed = true) {
    std::vector<customer> out;
    for (std::uint64_t k = from; k < to; ++k) {
      const std::uint64_t versions = 1 + random_.below(5);
      std::int64_t at = static_cast<std::int64_t>(random_.below(1000));
      for (std::uint64_t v = 0; v < versions; ++v) {
        at += 1 + static_cast<std::int64_t>(random_.below(1000));
        out.push_back(make(k, at, v));
        if (with_absorbed && random_.below(2) == 0) {
          at += 1 + static_cast<std::int64_t>(random_.below(1000));
          customer c = out.back();
          c.updated_at = at;
          c.last_login = at;
          out.push_back(c);
        }
      }
      last_[k] = at;
    }
    if (known_.size() < 4096)
      for (std::size_t i = 0; i < out.size() && known_.size() < 4096; i += 97)
        known_.push_back(out[i]);
    shuffle(random_, out);
    return out;
  }

  // Later traffic: 10% out of order (inside a key's history), 5% verbatim duplicates,
  // 1% deletes, the rest new upserts (a third of them untracked-only).
  std::vector<customer> batch(std::size_t n) {
    std::vector<customer> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = random_.below(keys_);
      const std::uint64_t dice = random_.below(100);
      if (dice < 5 && !known_.empty()) {
        out.push_back(known_[random_.below(known_.size())]);
      } else if (dice < 6) {
        last_[k] += 1 + static_cast<std::int64_t>(random_.below(1000));
        customer c = make(k, last_[k], 0);
        c.op = 'D';
        out.push_back(c);
      } else if (dice < 16) {
        const std::int64_t at = static_cast<std::int64_t>(random_.below(
            static_cast<std::uint64_t>(last_[k]) + 1));
        out.push_back(make(k, at, random_.next()));
      } else {
        last_[k] += 1 + static_cast<std::int64_t>(random_.below(1000));
        customer c = make(k, last_[k], random_.below(3) == 0 ? 0 : random_.next());
        out.push_back(c);
      }
      if (random_.below(64) == 0 && known_.size() < 65536) known_.push_back(out.back());
    }
    return out;
  }

 private:
  customer make(std::uint64_t k, std::int64_t at, std::uint64_t variant) {
    customer c;
    c.id = first_key_ + k;
    c.updated_at = at;
    c.name = (first_key_ + k) * 31 + variant;
    c.city = static_cast<std::uint32_t>(variant % 500);
    c.tier = static_cast<std::uint32_t>(variant % 3);
    c.email = (first_key_ + k) * 7;
    c.last_login = at;
    c.op = 'U';
    return c;
  }

  std::uint64_t first_key_, keys_;
  splitmix random_;
  std::vector<std::int64_t> last_;
  std::vector<customer> known_;
};

// The warehouse way, written plainly: keep every change ever received (UNION ALL), and on
// each batch sort them all by (key, sequence), drop exact repeats, let the greatest change
// of each (key, sequence) win, and derive the intervals in one LEAD-style pass.
struct rebuild_peer {
  struct row {
    std::uint64_t key;
    std::int64_t valid_from;
    std::optional<std::int64_t> valid_to;
    customer record;
  };
  std::vector<customer> all;
  std::vector<customer> sorted;  // kept between rebuilds, like `rows`: a second rebuild
                                 // works in memory the process already has
  std::vector<row> rows;

  static auto order_key(const customer& c) {
    return std::make_tuple(c.id, c.updated_at, c.op == 'D', c.name, c.city, c.tier, c.email,
                           c.last_login);
  }

  void rebuild() {
    // Headroom, as a growing vector keeps: a run of rebuilds over a growing union does not
    // copy into fresh memory every time.
    if (sorted.capacity() < all.size()) sorted.reserve(all.size() + all.size() / 2);
    sorted.assign(all.begin(), all.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const customer& a, const customer& b) { return order_key(a) < order_key(b); });
    sorted.erase(std::unique(sorted.begin(), sorted.end(),
                             [](const customer& a, const customer& b) {
                               return order_key(a) == order_key(b);
                             }),
                 sorted.end());
    rows.clear();
    std::optional<row> open;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      const customer& c = sorted[i];
      const bool last_of_sequence = i + 1 == sorted.size() || sorted[i + 1].id != c.id ||
                                    sorted[i + 1].updated_at != c.updated_at;
      if (!last_of_sequence) continue;  // a conflict loser
      if (open && open->key != c.id) {
        rows.push_back(*open);
        open.reset();
      }
      if (c.op == 'D') {
        if (open) {
          open->valid_to = c.updated_at;
          rows.push_back(*open);
          open.reset();
        }
      } else if (open && open->record.name == c.name && open->record.city == c.city &&
                 open->record.tier == c.tier) {
        open->record = c;
      } else {
        if (open) {
          open->valid_to = c.updated_at;
          rows.push_back(*open);
        }
        open = row{c.id, c.updated_at, std::nullopt, c};
      }
    }
    if (open) rows.push_back(*open);
  }
};

// An order-independent fingerprint of a set of rows.
template <class Row>
std::uint64_t fingerprint(const Row& r) {
  std::uint64_t h = r.key * 0x9E3779B97F4A7C15ull;
  h ^= static_cast<std::uint64_t>(r.valid_from) * 0xBF58476D1CE4E5B9ull;
  h ^= static_cast<std::uint64_t>(r.valid_to.value_or(-1)) * 0x94D049BB133111EBull;
  h ^= static_cast<std::uint64_t>(r.record.updated_at) * 0xD6E8FEB86659FD93ull;
  return h * 0x9E3779B97F4A7C15ull;
}
std::uint64_t fingerprint(const history& h) {
  std::uint64_t sum = 0;
  h.for_each_row([&](const history::row& r) { sum += fingerprint(r); });
  return sum;
}
std::uint64_t fingerprint(const rebuild_peer& peer) {
  std::uint64_t sum = 0;
  for (const auto& r : peer.rows) sum += fingerprint(r);
  return sum;
}

// Page faults (first touches of fresh memory) and processor time spent in the kernel so
// far; zeros where not available. On a virtual machine a fault can cost microseconds.
struct kernel_usage {
  double faults = 0;
  double seconds = 0;
};
kernel_usage kernel_usage_now() {
  kernel_usage usage;
#if defined(__linux__)
  rusage self{};
  if (getrusage(RUSAGE_SELF, &self) == 0) {
    usage.faults = static_cast<double>(self.ru_minflt);
    usage.seconds = static_cast<double>(self.ru_stime.tv_sec) +
                    static_cast<double>(self.ru_stime.tv_usec) / 1e6;
  }
#endif
  return usage;
}

// Wall-clock and processor time of one run, with its page faults and the kernel's share of
// the processor time. The machine may be shared: processor time is the steadier of the two
// times, wall-clock what a user waits.
struct timing {
  double wall = 1e300;
  double cpu = 1e300;
  double faults = 1e300;
  double kernel = 1e300;
  void best_of(const timing& other) {
    wall = std::min(wall, other.wall);
    cpu = std::min(cpu, other.cpu);
    faults = std::min(faults, other.faults);
    kernel = std::min(kernel, other.kernel);
  }
};
template <class F>
timing measure(F&& fn) {
  const kernel_usage start = kernel_usage_now();
  const std::clock_t cpu_start = std::clock();
  const auto wall_start = bench::clock::now();
  fn();
  timing t;
  t.wall = std::chrono::duration<double>(bench::clock::now() - wall_start).count();
  t.cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const kernel_usage end = kernel_usage_now();
  t.faults = end.faults - start.faults;
  t.kernel = end.seconds - start.seconds;
  return t;
}
template <class F>
timing best_of(int runs, F&& fn) {
  timing best;
  for (int i = 0; i < runs; ++i) best.best_of(measure(fn));
  return best;
}

timing time_apply(history& h, const std::vector<customer>& batch) {
  return measure([&] {
    auto result = h.apply(batch.data(), batch.size());
    bench::keep(result.added.size());
  });
}

// Adds wall-clock and processor-time rows for `ours` and `theirs`; the ratio is theirs / ours.
void compare(bench::report& report, const std::string& workload, const char* ours_name,
             const timing& ours, const char* theirs_name, const timing& theirs, double scale,
             const char* unit, const char* target) {
  const double wall_ratio = theirs.wall / ours.wall;
  const double cpu_ratio = theirs.cpu / ours.cpu;
  report.add({workload + " (wall)", ours_name, ours.wall * scale, unit, 0, ""});
  report.add({workload + " (wall)", theirs_name, theirs.wall * scale, unit, wall_ratio, target});
  report.add({workload + " (cpu)", ours_name, ours.cpu * scale, unit, 0, ""});
  report.add({workload + " (cpu)", theirs_name, theirs.cpu * scale, unit, cpu_ratio, target});
}

// Builds a history of `keys` keys in chunks; returns it.
history build(workload& w, std::uint64_t keys, bool with_absorbed) {
  history h;
  const std::uint64_t chunk = 1u << 20;
  for (std::uint64_t from = 0; from < keys; from += chunk) {
    auto changes = w.initial(from, std::min(keys, from + chunk), with_absorbed);
    h.apply(changes.data(), changes.size());
  }
  return h;
}

// The machine's price of a random page: a loop that, per step, does ~200 dependent multiplies
// (about an apply's work per change) and reads a 384-byte block at a random place in a region,
// prefetched 16 steps ahead. Per step it costs the same on a cache-sized region and on a
// large one when the prefetches hide the misses; where each random page needs a slow page
// walk (virtual machines, notably), the large region costs more. Returns ns per step.
double random_block_ns(std::size_t region_bytes, bool huge_page_hint) {
#if defined(__linux__)
  void* mapped = mmap(nullptr, region_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return 0;
#if defined(MADV_HUGEPAGE)
  if (huge_page_hint) (void)madvise(mapped, region_bytes, MADV_HUGEPAGE);
#endif
  auto* region = static_cast<unsigned char*>(mapped);
  std::memset(region, 1, region_bytes);
  constexpr std::size_t steps = 10000, block = 384, ahead = 16;
  splitmix random(99);
  std::vector<const unsigned char*> at(steps);
  double best = 1e300;
  std::uint64_t sink = 0;
  for (int run = 0; run < 15; ++run) {
    for (auto& a : at) a = region + random.below(region_bytes / block) * block;
    const auto start = bench::clock::now();
    std::uint64_t acc = 1;
    for (std::size_t i = 0; i < steps; ++i) {
      if (i + ahead < steps)
        for (std::size_t line = 0; line < block; line += 64) __builtin_prefetch(at[i + ahead] + line);
      for (int m = 0; m < 200; ++m) acc = acc * 0x9E3779B97F4A7C15ull + (acc >> 17);
      for (std::size_t line = 0; line < block; line += 64) acc += at[i][line];
    }
    sink += acc;
    best = std::min(best, std::chrono::duration<double>(bench::clock::now() - start).count());
  }
  bench::keep(sink);
  munmap(mapped, region_bytes);
  return best * 1e9 / steps;
#else
  (void)region_bytes;
  (void)huge_page_hint;
  return 0;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
  bench::report report("scd2: incremental history vs sort-based rebuild", argc, argv);
  const std::uint64_t keys = quick ? 100000 : 1000000;
  const std::size_t big_batch = quick ? 100000 : 1000000;
  const double record_target = static_cast<double>(sizeof(customer) + 32);
  char memory_target[64];  // ratios against sizeof(record) + 32 bytes per stored change
  std::snprintf(memory_target, sizeof memory_target, "<= 1.0 of %.0f B", record_target);
  auto agree = [](const history& h, const rebuild_peer& peer) {
    return fingerprint(h) == fingerprint(peer) && h.row_count() == peer.rows.size() ? "yes"
                                                                                   : "NO";
  };

  // --- The dimension: 1M keys, ~3 versions each, loaded in 1M-change batches.
  workload w(0, keys, 1);
  const auto initial = w.initial(0, keys);
  auto load = [&](history& h) {
    for (std::size_t at = 0; at < initial.size(); at += big_batch) {
      auto result = h.apply(initial.data() + at, std::min(big_batch, initial.size() - at));
      bench::keep(result.added.size());
    }
  };
  rebuild_peer peer;
  peer.all = initial;
  const timing load_peer = best_of(2, [&] { peer.rebuild(); });
  history h;
  const timing load_ours = measure([&] { load(h); });
  std::printf("dimension: %zu keys, %zu rows, %zu stored changes (%zu sent); rows agree: %s\n",
              h.key_count(), h.row_count(), h.change_count(), initial.size(), agree(h, peer));
  compare(report, "initial load, 4.5M changes (ours in 1M batches)", "sluice apply", load_ours,
          "sort-based rebuild", load_peer, 1, "s", "");

  const double changes = static_cast<double>(h.change_count());
  const auto loaded = h.memory();
  h.shrink_to_fit();
  const auto packed = h.memory();
  report.add({"bytes per stored change: in use", "sluice",
              static_cast<double>(loaded.in_use) / changes, "B",
              static_cast<double>(loaded.in_use) / changes / record_target, memory_target});
  report.add({"bytes per stored change: heap reserved after load", "sluice",
              static_cast<double>(loaded.reserved) / changes, "B",
              static_cast<double>(loaded.reserved) / changes / record_target, memory_target});
  report.add({"bytes per stored change: heap reserved after shrink_to_fit", "sluice",
              static_cast<double>(packed.reserved) / changes, "B",
              static_cast<double>(packed.reserved) / changes / record_target, memory_target});

  // --- A 1M-change batch, four ways: on the loaded history packed by shrink_to_fit (whose old
  // memory the allocator hands out again) or as loaded (its new blocks need fresh pages), with
  // a new result per apply or one result reused for every batch of the load and this one.
  // The rebuild keeps its buffers between runs too: its second run touches no fresh memory.
  const auto big = w.batch(big_batch);
  history::apply_result result;  // reused by the batches below that say so
  {
    peer.all.insert(peer.all.end(), big.begin(), big.end());
    const timing rebuild = best_of(2, [&] { peer.rebuild(); });
    char label[112];
    for (const bool shrunk : {true, false}) {
      for (const bool reuse : {false, true}) {
        h = history();
        if (reuse) {
          for (std::size_t at = 0; at < initial.size(); at += big_batch)
            h.apply(initial.data() + at, std::min(big_batch, initial.size() - at), result);
        } else {
          load(h);
        }
        if (shrunk) h.shrink_to_fit();
        const timing ours = reuse ? measure([&] { h.apply(big.data(), big.size(), result); })
                                  : time_apply(h, big);
        const char* how = shrunk ? (reuse ? "packed, result reused" : "packed, new result")
                                 : (reuse ? "as loaded, result reused" : "as loaded, new result");
        std::snprintf(label, sizeof label, "%zuK-change batch on %lluK keys, history %s",
                      big_batch / 1000, static_cast<unsigned long long>(keys / 1000), how);
        compare(report, label, "sluice apply", ours, "sort-based rebuild (best of 2)", rebuild, 1,
                "s", ">= 3x");
        std::snprintf(label, sizeof label, "page faults in the %zuK-change batch, history %s",
                      big_batch / 1000, how);
        report.add({label, "sluice apply", ours.faults, "faults", 0, ""});
        std::snprintf(label, sizeof label, "kernel time in the %zuK-change batch, history %s",
                      big_batch / 1000, how);
        report.add({label, "sluice apply", ours.kernel, "s", 0, ""});
      }
    }
    report.add({"page faults in the rebuild (fewest of 2)", "sort-based rebuild", rebuild.faults,
                "faults", 0, ""});
    report.add({"kernel time in the rebuild (least of 2)", "sort-based rebuild", rebuild.kernel,
                "s", 0, ""});
    report.add({"apply's working buffer kept after the big batch (memory().scratch)", "sluice",
                static_cast<double>(h.memory().scratch) / 1e6, "MB", 0, ""});
    std::printf("after the big batch: %zu rows; rows agree with the rebuild: %s\n", h.row_count(),
                agree(h, peer));
  }

  // --- 10K-change batches: incremental vs full rebuild (which costs the same for any batch).
  {
    timing ours;
    for (int i = 0; i < 7; ++i) {
      const auto batch = w.batch(10000);
      ours.best_of(time_apply(h, batch));
      peer.all.insert(peer.all.end(), batch.begin(), batch.end());
    }
    const timing rebuild = best_of(2, [&] { peer.rebuild(); });
    std::printf("after the 10K batches: rows agree with the rebuild: %s\n", agree(h, peer));
    compare(report, "10K-change batch on 1M keys", "sluice apply (best of 7)", ours,
            "sort-based rebuild (best of 2)", rebuild, 1e3, "ms", ">= 100x");
  }
  // --- A run of 1M-change batches, as a pipeline applies them: each adds about 0.9M rows, so
  // both sides grow (the rebuild's buffers too) and apply's new blocks outgrow the freed ones.
  {
    char label[112];
    for (int run = 1; run <= 3; ++run) {
      const auto batch = w.batch(big_batch);
      const timing ours = measure([&] { h.apply(batch.data(), batch.size(), result); });
      peer.all.insert(peer.all.end(), batch.begin(), batch.end());
      const timing rebuild = measure([&] { peer.rebuild(); });
      std::snprintf(label, sizeof label, "run of %zuK-change batches: batch %d of 3, result reused",
                    big_batch / 1000, run);
      compare(report, label, "sluice apply", ours, "sort-based rebuild", rebuild, 1, "s",
              ">= 3x");
      std::snprintf(label, sizeof label, "run of %zuK-change batches: page faults in batch %d",
                    big_batch / 1000, run);
      report.add({label, "sluice apply", ours.faults, "faults", 0, ""});
      report.add({label, "sort-based rebuild", rebuild.faults, "faults", 0, ""});
      std::snprintf(label, sizeof label, "run of %zuK-change batches: kernel time in batch %d",
                    big_batch / 1000, run);
      report.add({label, "sluice apply", ours.kernel, "s", 0, ""});
      report.add({label, "sort-based rebuild", rebuild.kernel, "s", 0, ""});
    }
    std::printf("after the run: %zu rows; rows agree with the rebuild: %s\n", h.row_count(),
                agree(h, peer));
  }
  peer = rebuild_peer();
  h = history();

  // --- Scaling: the same 10K batch shape on a small and a large history.
  {
    const std::uint64_t small_keys = 33334;                     // ~100K rows
    const std::uint64_t large_keys = quick ? 333334 : 3333334;  // ~1M / ~10M rows
    workload small_load(0, small_keys, 2);
    history small = build(small_load, small_keys, false);
    workload large_load(0, large_keys, 3);
    history large = build(large_load, large_keys, false);
    auto best_batch = [](history& into, workload& traffic) {
      timing best;
      for (int i = 0; i < 7; ++i) best.best_of(time_apply(into, traffic.batch(10000)));
      return best;
    };
    const timing on_small = best_batch(small, small_load);
    const timing on_large = best_batch(large, large_load);
    char small_name[64], large_name[64];
    std::snprintf(small_name, sizeof small_name, "on %zuK rows (best of 7)",
                  small.row_count() / 1000);
    std::snprintf(large_name, sizeof large_name, "on %zuK rows (best of 7)",
                  large.row_count() / 1000);
    compare(report, "10K batch, large vs small history", small_name, on_small, large_name,
            on_large, 1e3, "ms", "<= 2x (large / small)");
    const double every_version = static_cast<double>(large.memory().in_use) /
                                 static_cast<double>(large.change_count());
    report.add({"bytes per stored change in use, every change a version", "sluice",
                every_version, "B", every_version / record_target, memory_target});
  }
  // --- The machine: what a random page costs when prefetched (see random_block_ns).
  {
    const double cached = random_block_ns(std::size_t{16} << 20, false);
    const double paged = random_block_ns(std::size_t{1} << 30, false);
    const double huge = random_block_ns(std::size_t{1} << 30, true);
    if (cached > 0) {
      const char* name = "machine: prefetched random 384 B reads, 200 multiplies apart";
      report.add({name, "in 16 MiB (cache)", cached, "ns/step", 0, ""});
      report.add({name, "in 1 GiB, 4 KiB pages", paged, "ns/step", paged / cached,
                  "(large / cache)"});
      report.add({name, "in 1 GiB, huge-page hint", huge, "ns/step", huge / cached,
                  "(large / cache)"});
    }
  }
  std::printf("sizeof(customer) = %zu, sizeof(row) = %zu\n", sizeof(customer),
              sizeof(history::row));
  return report.finish();
}
