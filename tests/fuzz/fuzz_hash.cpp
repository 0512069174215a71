// Fuzz target: hashing. Input: an 8-byte seed, a byte of split lengths, then the bytes to hash.
// Properties, for arbitrary bytes and seeds:
// - hash64 and hash128 equal the naive model (tests/hash/model.hpp) bit for bit;
// - every kernel compiled in and supported by this CPU (scalar, SSE2, AVX2, NEON) agrees;
// - hash128().low == hash64(); the result does not depend on the input's alignment;
// - batch over string_views equals single calls, for pieces cut from the input;
// - batch over 64-bit words equals hash_u64 equals hash64 of the word's little-endian bytes,
//   also when the output aliases the input;
// - hasher<std::string> and hasher<std::string_view> equal hash64.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "hash/model.hpp"
#include "sluice/hash.hpp"

namespace {

namespace hashing = sluice::detail::hashing;

void check_bytes(const unsigned char* p, std::size_t n, std::uint64_t seed) {
  const std::uint64_t h64 = sluice::hash64(p, n, seed);
  const sluice::hash128_t h128 = sluice::hash128(p, n, seed);
  FUZZ_CHECK(h128.low == h64);
  FUZZ_CHECK(h64 == hash_model::hash64(p, n, seed));
  const hash_model::u128 expected = hash_model::hash128(p, n, seed);
  FUZZ_CHECK(h128.low == expected.lo && h128.high == expected.hi);
  for (hashing::kernel k : {hashing::kernel::scalar, hashing::kernel::sse2, hashing::kernel::avx2,
                            hashing::kernel::neon}) {
    if (!hashing::kernel_available(k)) continue;
    FUZZ_CHECK(hashing::hash64_with(k, p, n, seed) == h64);
    FUZZ_CHECK(hashing::hash128_with(k, p, n, seed) == h128);
  }
  const std::string_view text(reinterpret_cast<const char*>(p), n);
  FUZZ_CHECK(sluice::hash64(text, seed) == h64);
  FUZZ_CHECK(sluice::hasher<std::string>{seed}.hash(std::string(text)) == h64);
  FUZZ_CHECK(sluice::hasher<std::string_view>{seed}.hash(text) == h64);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const std::uint64_t seed = in.u64();
  const unsigned split = in.byte();
  const std::string_view rest = in.rest();
  const auto* bytes = reinterpret_cast<const unsigned char*>(rest.data());

  check_bytes(bytes, rest.size(), seed);

  // Alignment: the same bytes at every offset of a fresh buffer hash the same.
  std::vector<unsigned char> shifted(rest.size() + 16);
  const std::uint64_t h64 = sluice::hash64(bytes, rest.size(), seed);
  for (std::size_t offset = 1; offset < 16; offset += 3) {
    if (!rest.empty()) std::memcpy(shifted.data() + offset, rest.data(), rest.size());
    FUZZ_CHECK(sluice::hash64(shifted.data() + offset, rest.size(), seed) == h64);
  }

  // Pieces: lengths from the split byte, so short, medium and long inputs all occur.
  std::vector<std::string_view> pieces;
  for (std::size_t at = 0, i = 0; at < rest.size(); ++i) {
    std::size_t length = (split >> (i % 8)) & 1u ? (split * (i + 1)) % 300 : i % 17;
    if (length > rest.size() - at) length = rest.size() - at;
    pieces.push_back(rest.substr(at, length));
    at += length == 0 ? 1 : length;
  }
  std::vector<std::uint64_t> out(pieces.size());
  sluice::hash64_batch(pieces.data(), pieces.size(), out.data(), seed);
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    FUZZ_CHECK(out[i] == sluice::hash64(pieces[i], seed));
    if (pieces[i].size() <= 40)
      check_bytes(reinterpret_cast<const unsigned char*>(pieces[i].data()), pieces[i].size(), seed ^ i);
  }

  // Words: the input read as little-endian 64-bit keys.
  std::vector<std::uint64_t> words(rest.size() / 8);
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::uint64_t w = 0;
    for (int b = 7; b >= 0; --b) w = w << 8 | bytes[8 * i + static_cast<std::size_t>(b)];
    words[i] = w;
  }
  std::vector<std::uint64_t> word_hashes(words.size());
  sluice::hash64_batch(words.data(), words.size(), word_hashes.data(), seed);
  for (std::size_t i = 0; i < words.size(); ++i) {
    FUZZ_CHECK(word_hashes[i] == sluice::hash_u64(words[i], seed));
    FUZZ_CHECK(word_hashes[i] == sluice::hash64(bytes + 8 * i, 8, seed));
    FUZZ_CHECK(word_hashes[i] == sluice::hasher<std::uint64_t>{seed}.hash(words[i]));
  }
  std::vector<std::uint64_t> in_place = words;
  sluice::hash64_batch(in_place.data(), in_place.size(), in_place.data(), seed);
  FUZZ_CHECK(in_place == word_hashes);
  return 0;
}
