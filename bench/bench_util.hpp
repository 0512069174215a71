// Shared helpers for the standalone benchmarks: timing, optimisation barriers, and a table
// printer that also writes CSV (pass `--csv FILE` to any benchmark program).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace bench {

// Keeps the compiler from discarding a computed value.
template <class T>
inline void keep(const T& value) {
#if defined(__GNUC__) || defined(__clang__)
  asm volatile("" : : "r,m"(value) : "memory");
#else
  static volatile const T* sink;
  sink = &value;
#endif
}

// Forces the compiler to assume memory may have changed.
inline void clobber() {
#if defined(__GNUC__) || defined(__clang__)
  asm volatile("" : : : "memory");
#endif
}

using clock = std::chrono::steady_clock;

// Seconds taken by `fn()`; best of `repeats` runs, which filters out scheduler noise.
template <class F>
double best_seconds(int repeats, F&& fn) {
  double best = 1e300;
  for (int i = 0; i < repeats; ++i) {
    auto start = clock::now();
    fn();
    std::chrono::duration<double> took = clock::now() - start;
    best = std::min(best, took.count());
  }
  return best;
}

// One result row: a workload, a contender, a measured value and its unit, and optionally
// the ratio against a baseline with the target it must meet.
struct row {
  std::string workload;
  std::string contender;
  double value = 0;
  std::string unit;
  double ratio = 0;          // 0: no ratio for this row
  // The bound the ratio (or, when there is none, the value) must meet: ">= 1.2" or "<= 1.3",
  // optionally followed by words ("<= 1.3 hash64 cost"); empty when none. The report says
  // whether it was met.
  std::string target;
};

// "yes"/"no" when `r.target` is a bound on `r.ratio` (or, for a row without a ratio, on
// `r.value`: bytes per key, say), "" otherwise.
inline const char* target_met(const row& r) {
  double bound = 0;
  char op[3] = {};
  if (r.target.size() < 4 || std::sscanf(r.target.c_str(), "%2[<>=] %lf", op, &bound) != 2) return "";
  const double measured = r.ratio != 0 ? r.ratio : r.value;
  if (std::strcmp(op, ">=") == 0) return measured >= bound ? "yes" : "no";
  if (std::strcmp(op, "<=") == 0) return measured <= bound ? "yes" : "no";
  return "";
}

class report {
 public:
  report(const char* title, int argc, char** argv) : title_(title) {
    for (int i = 1; i + 1 < argc; ++i)
      if (std::strcmp(argv[i], "--csv") == 0) csv_path_ = argv[i + 1];
  }
  void add(row r) { rows_.push_back(std::move(r)); }

  // Prints the table; writes CSV when asked. Returns 0 for use as main's result.
  int finish() const {
    std::printf("\n## %s\n\n", title_.c_str());
    std::printf("| workload | contender | value | unit | ratio | target | met |\n");
    std::printf("|---|---|---:|---|---:|---|---|\n");
    for (const row& r : rows_) {
      char ratio[32] = "";
      if (r.ratio != 0) std::snprintf(ratio, sizeof ratio, "%.2fx", r.ratio);
      std::printf("| %s | %s | %.4g | %s | %s | %s | %s |\n", r.workload.c_str(),
                  r.contender.c_str(), r.value, r.unit.c_str(), ratio, r.target.c_str(),
                  target_met(r));
    }
    if (!csv_path_.empty()) {
      if (std::FILE* f = std::fopen(csv_path_.c_str(), "w")) {
        std::fprintf(f, "benchmark,workload,contender,value,unit,ratio,target,met\n");
        for (const row& r : rows_)
          std::fprintf(f, "\"%s\",\"%s\",\"%s\",%.6g,\"%s\",%.4f,\"%s\",%s\n",
                       title_.c_str(), r.workload.c_str(), r.contender.c_str(), r.value,
                       r.unit.c_str(), r.ratio, r.target.c_str(), target_met(r));
        std::fclose(f);
      }
    }
    return 0;
  }

 private:
  std::string title_;
  std::string csv_path_;
  std::vector<row> rows_;
};

}  // namespace bench
