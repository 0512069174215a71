// sluice/hash.hpp: seeded 64- and 128-bit hashing of bytes, integers and records.
//
// Guarantees: the same bytes and seed give the same hash on every platform, byte order, word
// size and code path (scalar, SSE2, AVX2, NEON), forever within a major version, so hashes may
// be stored (checkpoints, fingerprints). A secret random seed protects tables from flooding:
// no known way to build colliding inputs without knowing the seed. Never allocates, never
// throws, reads unaligned input safely. Not a cryptographic hash (no MAC, no preimage
// resistance).
//
//   std::uint64_t id_hash = sluice::hash_u64(event_id, seed);
//   std::uint64_t text_hash = sluice::hash64(std::string_view("payload bytes"), seed);
//   sluice::hash128_t fingerprint = sluice::hash128(buffer.data(), buffer.size());
//   sluice::hash64_batch(keys.data(), keys.size(), hashes.data(), seed);
//   std::unordered_set<std::string, sluice::hasher<std::string>, std::equal_to<>> names;
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "sluice/detail/config.hpp"
#include "sluice/detail/hash_core.hpp"
#include "sluice/detail/hash_simd.hpp"

SLUICE_NAMESPACE_BEGIN

// The version of the hash algorithm. Values of hash64, hash128 and hash_u64 for a given input
// and seed never change within a version; anything that stores hashes (dedup fingerprint
// checkpoints, for one) records it and refuses hashes of another version.
inline constexpr std::uint32_t hash_algorithm_version = 3;

// A 128-bit hash. `low` equals hash64 of the same input and seed.
struct hash128_t {
  std::uint64_t low;
  std::uint64_t high;

  friend constexpr bool operator==(const hash128_t& a, const hash128_t& b) noexcept {
    return a.low == b.low && a.high == b.high;
  }
  friend constexpr bool operator!=(const hash128_t& a, const hash128_t& b) noexcept {
    return !(a == b);
  }
};

namespace detail {
namespace hashing {

// Inputs over inline_max bytes, out of line: the classes that short keys hit stay small
// enough to inline into every caller. The caller passes the medium lanes' starting states,
// which it folds to constants for a constant seed (seeded_hash holds them for any seed).
SLUICE_NOINLINE inline pair64 compress_large(const unsigned char* p, std::size_t len,
                                             pair64 lane_a, pair64 lane_b,
                                             std::uint64_t seed) noexcept {
  if (len <= medium_max) return compress_medium_from(p, len, lane_a, lane_b);
  return compress_long_default(p, len, seed);
}

SLUICE_ALWAYS_INLINE pair64 compress(const unsigned char* p, std::size_t len,
                                     std::uint64_t seed) noexcept {
  if (SLUICE_LIKELY(len <= short_max)) return compress_short(p, len, seed);
  if (SLUICE_LIKELY(len <= inline_max)) return compress_medium_upto64(p, len, seed);
  return compress_large(p, len, medium_lane_start(seed, 0), medium_lane_start(seed, 1), seed);
}

// The same function through a chosen long-input kernel (tests run every kernel).
inline pair64 compress_with(kernel k, const unsigned char* p, std::size_t len,
                            std::uint64_t seed) noexcept {
  if (len <= short_max) return compress_short(p, len, seed);
  if (len <= medium_max) return compress_medium(p, len, seed);
  return compress_long(p, len, seed, kernel_function(k));
}

inline std::uint64_t hash64_with(kernel k, const void* data, std::size_t len,
                                 std::uint64_t seed = 0) noexcept {
  return finish64(compress_with(k, static_cast<const unsigned char*>(data), len, seed), len);
}

inline hash128_t hash128_with(kernel k, const void* data, std::size_t len,
                              std::uint64_t seed = 0) noexcept {
  const pair64 h = finish128(compress_with(k, static_cast<const unsigned char*>(data), len, seed), len);
  return {h.low, h.high};
}

}  // namespace hashing
}  // namespace detail

// 64-bit hash of `len` bytes at `data` (any alignment; `data` may be null when len is 0).
// Inputs of up to 64 bytes are hashed inline; longer ones through one out-of-line call.
SLUICE_ALWAYS_INLINE std::uint64_t hash64(const void* data, std::size_t len,
                                          std::uint64_t seed = 0) noexcept {
  using namespace detail::hashing;
  return finish64(compress(static_cast<const unsigned char*>(data), len, seed), len);
}

// 64-bit hash of the bytes of `bytes`.
SLUICE_ALWAYS_INLINE std::uint64_t hash64(std::string_view bytes, std::uint64_t seed = 0) noexcept {
  return hash64(bytes.data(), bytes.size(), seed);
}

// Refused: a string literal (or another const char array) with a seed would otherwise bind to
// hash64(data, len), the seed taken for the length. Pass text as std::string_view. (Mutable
// char buffers deduce Char = char and keep meaning (data, len).)
template <class Char, std::size_t N, std::enable_if_t<std::is_same_v<Char, const char>, int> = 0>
std::uint64_t hash64(Char (&)[N], std::uint64_t) = delete;

// 128-bit hash, for fingerprints that must stay collision-free among billions of items.
SLUICE_ALWAYS_INLINE hash128_t hash128(const void* data, std::size_t len,
                                       std::uint64_t seed = 0) noexcept {
  using namespace detail::hashing;
  const pair64 h = finish128(compress(static_cast<const unsigned char*>(data), len, seed), len);
  return {h.low, h.high};
}

// hash128 of a string's bytes.
SLUICE_ALWAYS_INLINE hash128_t hash128(std::string_view bytes, std::uint64_t seed = 0) noexcept {
  return hash128(bytes.data(), bytes.size(), seed);
}

// Refused for the same reason as hash64's: pass text as std::string_view.
template <class Char, std::size_t N, std::enable_if_t<std::is_same_v<Char, const char>, int> = 0>
hash128_t hash128(Char (&)[N], std::uint64_t) = delete;

// Hash of a 64-bit key: equal to hash64 of its 8 little-endian bytes, without the memory trip.
SLUICE_ALWAYS_INLINE std::uint64_t hash_u64(std::uint64_t key, std::uint64_t seed = 0) noexcept {
  using namespace detail::hashing;
  const pair64 keys = derive_keys(seed, 0);
  return finish64(compress_word(key, keys.low, keys.high), 8);
}

// out[i] = hash_u64(keys[i], seed) for i < n. `out` may alias `keys` exactly.
inline void hash64_batch(const std::uint64_t* keys, std::size_t n, std::uint64_t* out,
                         std::uint64_t seed = 0) noexcept {
  using namespace detail::hashing;
  const pair64 word_keys = derive_keys(seed, 0);
  hash_words_default(keys, n, out, word_keys.low, word_keys.high);
}

// out[i] = hash64(keys[i], seed) for i < n.
inline void hash64_batch(const std::string_view* keys, std::size_t n, std::uint64_t* out,
                         std::uint64_t seed = 0) noexcept {
  for (std::size_t i = 0; i < n; ++i) out[i] = hash64(keys[i].data(), keys[i].size(), seed);
}

namespace detail {
struct seeded_hash_access;
}  // namespace detail

// hash64, hash128 and hash_u64 under one seed, with the keys the seed selects derived once.
// The free functions derive them on every call (one or two multiplications: as much as the
// rest of hashing a short key) unless the seed is a compile-time constant, and a per-process
// random seed is not. Gives exactly the values of the free functions with the same seed.
class seeded_hash {
 public:
  seeded_hash() noexcept : seeded_hash(0) {}
  explicit seeded_hash(std::uint64_t seed_value) noexcept
      : seed_(seed_value),
        short_keys_(detail::hashing::derive_keys(seed_value, 0)),
        lane_a_(detail::hashing::medium_lane_start(seed_value, 0)),
        lane_b_(detail::hashing::medium_lane_start(seed_value, 1)) {}

  // The seed this object was built for.
  std::uint64_t seed() const noexcept { return seed_; }

  // hash64(data, len, seed()).
  SLUICE_ALWAYS_INLINE std::uint64_t hash64(const void* data, std::size_t len) const noexcept {
    return detail::hashing::finish64(compress(static_cast<const unsigned char*>(data), len), len);
  }
  SLUICE_ALWAYS_INLINE std::uint64_t hash64(std::string_view bytes) const noexcept {
    return hash64(bytes.data(), bytes.size());
  }
  // hash128(data, len, seed()).
  SLUICE_ALWAYS_INLINE hash128_t hash128(const void* data, std::size_t len) const noexcept {
    const detail::hashing::pair64 h =
        detail::hashing::finish128(compress(static_cast<const unsigned char*>(data), len), len);
    return {h.low, h.high};
  }
  SLUICE_ALWAYS_INLINE hash128_t hash128(std::string_view bytes) const noexcept {
    return hash128(bytes.data(), bytes.size());
  }
  // hash_u64(key, seed()).
  SLUICE_ALWAYS_INLINE std::uint64_t hash_u64(std::uint64_t key) const noexcept {
    return detail::hashing::finish64(
        detail::hashing::compress_word(key, short_keys_.low, short_keys_.high), 8);
  }

 private:
  friend struct detail::seeded_hash_access;

  SLUICE_ALWAYS_INLINE detail::hashing::pair64 compress(const unsigned char* p,
                                                        std::size_t len) const noexcept {
    using namespace detail::hashing;
    if (SLUICE_LIKELY(len <= short_max)) return compress_short_keyed(p, len, short_keys_);
    if (SLUICE_LIKELY(len <= inline_max)) return compress_medium_upto64_from(p, len, lane_a_, lane_b_);
    return compress_large(p, len, lane_a_, lane_b_, seed_);
  }

  std::uint64_t seed_;
  detail::hashing::pair64 short_keys_;  // compress_short's keys
  detail::hashing::pair64 lane_a_;      // the medium lanes' starting states
  detail::hashing::pair64 lane_b_;
};

namespace detail {
// The first multiplication of hash_u64 under a seeded_hash's seed, folded to 64 bits: a keyed
// mix of one word for hash tables that place integer keys by it (window dedup, whose every
// lookup waits for it). Not a hash64 value: without the length's finishing multiplication it
// is only as good as one keyed 64x64->128 product.
struct seeded_hash_access {
  SLUICE_ALWAYS_INLINE static std::uint64_t mix_word(const seeded_hash& keyed, std::uint64_t word) noexcept {
    return hashing::multiply_fold(word ^ keyed.short_keys_.low, word ^ keyed.short_keys_.high);
  }
};
}  // namespace detail

// Order-sensitive combination of a running hash with the next element's hash: the building
// block for hashing records (hash_combine(hash_combine(seed, a), b) != ... (b, a)).
inline std::uint64_t hash_combine(std::uint64_t running, std::uint64_t element) noexcept {
  using namespace detail::hashing;
  return multiply_fold(running ^ constants[4], element ^ constants[5]);
}

template <class T, class Enable = void>
struct hasher;

namespace detail {
namespace hashing {

template <class T, class = void>
struct has_hash_value : std::false_type {};
template <class T>
struct has_hash_value<
    T, std::void_t<decltype(hash_value(std::declval<const T&>(), std::uint64_t{}))>>
    : std::true_type {};

template <class T>
inline std::uint64_t hash_element(const T& value, std::uint64_t seed) noexcept {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    return hash64(std::string_view(value), seed);  // what hasher<T> gives, without its set-up
  } else {
    return hasher<T>{seed}.hash(value);
  }
}

// The seed every hasher carries; hasher<K>{seed} selects it.
class seed_holder {
 public:
  constexpr seed_holder() noexcept = default;
  constexpr explicit seed_holder(std::uint64_t seed_value) noexcept : seed_(seed_value) {}
  constexpr std::uint64_t seed() const noexcept { return seed_; }

 private:
  std::uint64_t seed_ = 0;
};

template <class Tuple, std::size_t... I>
inline std::uint64_t hash_tuple(const Tuple& t, std::uint64_t seed,
                                std::index_sequence<I...>) noexcept {
  std::uint64_t running = hash_u64(sizeof...(I), seed);
  ((running = hash_combine(running, hash_element(std::get<I>(t), seed))), ...);
  return running;
}

}  // namespace hashing
}  // namespace detail

// std-compatible hash functor (usable as the Hash of std::unordered_map and friends) over
// sluice's hash, seeded per instance: `hasher<K>{seed}`. `hash(value)` gives all 64 bits;
// operator() returns them as std::size_t (the low 32 bits on 32-bit targets).
//
// Supported: integers and enums (equal values of different integer types hash equal:
// hash_u64 of the value sign-extended to 64 bits), floating point (by value as double, so
// -0.0 and 0.0 hash equal and float 1.5f equals double 1.5; every NaN hashes to the same
// value), std::string and std::string_view (transparent: equal text hashes equal, so lookups
// by string_view need no temporary string), pointers (by address), std::pair, std::tuple and
// std::array (order-sensitive, through hash_combine), and any user type T for which
//     std::uint64_t hash_value(const T& value, std::uint64_t seed) noexcept;
// is found by argument-dependent lookup (build it from hash64/hash_combine/hasher<Member>).
template <class T, class Enable>
struct hasher : detail::hashing::seed_holder {
  static_assert(detail::hashing::has_hash_value<T>::value,
                "sluice::hasher<T>: provide std::uint64_t hash_value(const T&, std::uint64_t "
                "seed) in T's namespace");
  using detail::hashing::seed_holder::seed_holder;
  std::uint64_t hash(const T& value) const noexcept { return hash_value(value, seed()); }
  std::size_t operator()(const T& value) const noexcept {
    return static_cast<std::size_t>(hash(value));
  }
};

template <class T>
struct hasher<T, std::enable_if_t<std::is_integral_v<T> || std::is_enum_v<T>>> : detail::hashing::seed_holder {
  using detail::hashing::seed_holder::seed_holder;
  std::uint64_t hash(T value) const noexcept {
    if constexpr (std::is_enum_v<T>) {
      return hasher<std::underlying_type_t<T>>{seed()}.hash(
          static_cast<std::underlying_type_t<T>>(value));
    } else if constexpr (std::is_same_v<T, char> || std::is_same_v<T, wchar_t>) {
      // Signed on some platforms, unsigned on others: hashed as the unsigned type of their
      // width, so the same character gives the same hash everywhere.
      return hash_u64(static_cast<std::uint64_t>(static_cast<std::make_unsigned_t<T>>(value)), seed());
    } else if constexpr (std::is_signed_v<T>) {
      return hash_u64(static_cast<std::uint64_t>(static_cast<std::int64_t>(value)), seed());
    } else {
      return hash_u64(static_cast<std::uint64_t>(value), seed());
    }
  }
  std::size_t operator()(T value) const noexcept { return static_cast<std::size_t>(hash(value)); }
};

template <class T>
struct hasher<T, std::enable_if_t<std::is_floating_point_v<T>>> : detail::hashing::seed_holder {
  using detail::hashing::seed_holder::seed_holder;
  std::uint64_t hash(T value) const noexcept {
    double as_double = static_cast<double>(value);
    std::uint64_t bits;
    if (as_double == 0.0) {
      bits = 0;  // -0.0 == 0.0
    } else if (as_double != as_double) {
      bits = 0x7ff8000000000000ull;  // one hash for every NaN
    } else {
      std::memcpy(&bits, &as_double, sizeof bits);
    }
    return hash_u64(bits, seed());
  }
  std::size_t operator()(T value) const noexcept { return static_cast<std::size_t>(hash(value)); }
};

template <class T>
struct hasher<T*> : detail::hashing::seed_holder {
  using detail::hashing::seed_holder::seed_holder;
  std::uint64_t hash(const T* pointer) const noexcept {
    return hash_u64(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(pointer)), seed());
  }
  std::size_t operator()(const T* pointer) const noexcept {
    return static_cast<std::size_t>(hash(pointer));
  }
};

// Text: std::string, std::string_view and anything convertible to std::string_view. Holds
// the seed's keys (a seeded_hash), so a container's lookups do not derive them every time.
template <>
struct hasher<std::string_view> {
  using is_transparent = void;
  hasher() noexcept = default;
  explicit hasher(std::uint64_t seed_value) noexcept : keyed_(seed_value) {}
  std::uint64_t seed() const noexcept { return keyed_.seed(); }
  std::uint64_t hash(std::string_view text) const noexcept { return keyed_.hash64(text); }
  std::size_t operator()(std::string_view text) const noexcept {
    return static_cast<std::size_t>(hash(text));
  }

 private:
  seeded_hash keyed_;
};

template <>
struct hasher<std::string> : hasher<std::string_view> {
  using hasher<std::string_view>::hasher;
};

template <class First, class Second>
struct hasher<std::pair<First, Second>> : detail::hashing::seed_holder {
  using detail::hashing::seed_holder::seed_holder;
  std::uint64_t hash(const std::pair<First, Second>& value) const noexcept {
    return detail::hashing::hash_tuple(value, seed(), std::make_index_sequence<2>{});
  }
  std::size_t operator()(const std::pair<First, Second>& value) const noexcept {
    return static_cast<std::size_t>(hash(value));
  }
};

template <class... Elements>
struct hasher<std::tuple<Elements...>> : detail::hashing::seed_holder {
  using detail::hashing::seed_holder::seed_holder;
  std::uint64_t hash(const std::tuple<Elements...>& value) const noexcept {
    return detail::hashing::hash_tuple(value, seed(), std::index_sequence_for<Elements...>{});
  }
  std::size_t operator()(const std::tuple<Elements...>& value) const noexcept {
    return static_cast<std::size_t>(hash(value));
  }
};

template <class Element, std::size_t N>
struct hasher<std::array<Element, N>> : detail::hashing::seed_holder {
  using detail::hashing::seed_holder::seed_holder;
  std::uint64_t hash(const std::array<Element, N>& value) const noexcept {
    return detail::hashing::hash_tuple(value, seed(), std::make_index_sequence<N>{});
  }
  std::size_t operator()(const std::array<Element, N>& value) const noexcept {
    return static_cast<std::size_t>(hash(value));
  }
};

SLUICE_NAMESPACE_END
