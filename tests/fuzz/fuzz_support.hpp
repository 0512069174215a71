// Shared by the fuzz targets: a reader that turns the fuzzer's bytes into bounded choices,
// and a check that reports a broken property and aborts (so libFuzzer and the replay program
// both treat it as a finding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#define FUZZ_CHECK(condition)                                                              \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace fuzz {

// Reads the input front to back; once it is exhausted every read returns zeros, so a target
// never needs to check for the end except to stop its loop (`empty()`).
class input {
 public:
  input(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

  bool empty() const noexcept { return at_ >= size_; }
  std::size_t remaining() const noexcept { return size_ - at_; }

  std::uint8_t byte() noexcept { return at_ < size_ ? data_[at_++] : 0; }
  bool flag() noexcept { return (byte() & 1u) != 0; }

  std::uint64_t u64() noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{byte()} << (8 * i);
    return v;
  }
  std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(u64() & 0xffffffffu); }
  std::int64_t i64() noexcept { return static_cast<std::int64_t>(u64()); }

  // Uniform-ish in [0, n); n == 0 stands for 2^64 (a bound computed as max + 1 wraps to 0).
  // One byte when n <= 256, else eight.
  std::uint64_t below(std::uint64_t n) noexcept {
    if (n == 0) return u64();
    return (n <= 256 ? byte() : u64()) % n;
  }
  // In [lo, hi], inclusive.
  std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    const std::uint64_t offset = span == ~std::uint64_t{0} ? u64() : below(span + 1);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + offset);
  }

  // Up to `max` bytes taken verbatim (fewer when the input runs out).
  std::string_view bytes(std::size_t max) noexcept {
    const std::size_t n = max < remaining() ? max : remaining();
    std::string_view out(reinterpret_cast<const char*>(data_ + at_), n);
    at_ += n;
    return out;
  }
  // A length-prefixed byte string of at most `max` bytes.
  std::string_view prefixed(std::size_t max) noexcept {
    return bytes(static_cast<std::size_t>(below(max + 1)));
  }
  // Everything not read yet.
  std::string_view rest() noexcept { return bytes(remaining()); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

}  // namespace fuzz
