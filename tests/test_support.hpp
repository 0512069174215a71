// Helpers shared by the tests: a portable seeded generator and iteration scaling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace sluice_test {

// splitmix64: the same sequence for the same seed on every platform and standard library
// (std::uniform_int_distribution is implementation-defined, so tests do not use it).
class rng {
 public:
  explicit rng(std::uint64_t seed) noexcept : state_(seed) {}

  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0. The tiny modulo bias is irrelevant for tests.
  std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }
  // Uniform in [lo, hi], inclusive.
  std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1u;
    auto offset = span == 0 ? next() : below(span);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + offset);
  }
  // True with probability percent/100.
  bool percent(unsigned p) noexcept { return below(100) < p; }

 private:
  std::uint64_t state_;
};

// Randomized tests run `scaled(n)` iterations: n by default, fewer where the environment
// variable SLUICE_TEST_SCALE (a percentage) asks for it, e.g. under qemu or sanitizers.
inline std::size_t scaled(std::size_t n) noexcept {
  const char* text = std::getenv("SLUICE_TEST_SCALE");
  if (text == nullptr) return n;
  long percent = std::strtol(text, nullptr, 10);
  if (percent <= 0) percent = 1;
  std::size_t result = n * static_cast<std::size_t>(percent) / 100u;
  return result == 0 ? 1 : result;
}

}  // namespace sluice_test
