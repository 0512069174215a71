// The input bytes behind the golden vectors: shared by the generator and the tests.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice_hash_test {

// Byte i of the golden-vector input: a fixed splitmix64 stream, taken byte by byte.
inline void fill_vector_input(unsigned char* out, std::size_t size) {
  std::uint64_t state = 0x736c756963652d68ull;
  for (std::size_t i = 0; i < size; i += 8) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (std::size_t b = 0; b < 8 && i + b < size; ++b)
      out[i + b] = static_cast<unsigned char>(z >> (8 * b));
  }
}

inline constexpr std::size_t vector_input_size = 65536 + 64;
inline constexpr std::uint64_t vector_seeds[] = {0, 1, 0x9E3779B97F4A7C15ull,
                                                 0xffffffffffffffffull};
// Lengths 0..256 and these.
inline constexpr std::size_t vector_long_lengths[] = {
    257, 300, 511, 512, 513, 1000, 1023, 1024, 1025, 1088, 2047, 2048, 2049, 4096, 5000, 16384,
    65536 + 7};
inline constexpr std::uint64_t vector_words[] = {
    0, 1, 2, 0x80, 0xff, 0x100, 0xffffffffull, 0x100000000ull, 0x8000000000000000ull,
    0xffffffffffffffffull, 0x0123456789abcdefull, 0xfedcba9876543210ull};

}  // namespace sluice_hash_test
