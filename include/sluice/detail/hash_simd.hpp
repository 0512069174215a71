// SIMD kernels of the long-input accumulate loop (SSE2, AVX2, NEON) and the choice among
// them. Each kernel reproduces hashing::long_accumulate_scalar bit for bit.
#pragma once

#include "sluice/detail/hash_core.hpp"

// SLUICE_HASH_DISPATCH: define it (empty or non-zero) before including any sluice header to let
// a binary built for baseline x86-64 use the AVX2 kernel at run time when the CPU has AVX2.
// Without it, the kernel is chosen at compile time from the target flags (-mavx2, ...).
// Ignored on other architectures and where the target flags already enable AVX2.
// (SLUICE_DETAIL_HASH_DISPATCH_REQUESTED is worked out in config.hpp.)

// 1 when the SSE2 kernel is compiled in (every x86-64 target).
#if defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__) || defined(_M_X64))
#define SLUICE_HASH_HAS_SSE2() 1
#include <emmintrin.h>
#else
#define SLUICE_HASH_HAS_SSE2() 0
#endif

// 1 when the AVX2 kernel is compiled in: with -mavx2, or on x86 with GCC/Clang, which can
// compile it for run-time use (tests call it when the CPU has AVX2).
#if SLUICE_HASH_HAS_SSE2() && (defined(__AVX2__) || defined(__GNUC__) || defined(__clang__))
#define SLUICE_HASH_HAS_AVX2() 1
#include <immintrin.h>
#else
#define SLUICE_HASH_HAS_AVX2() 0
#endif

// 1 when the AVX2 kernel is the default because the target flags enable AVX2.
#if SLUICE_HASH_HAS_AVX2() && defined(__AVX2__)
#define SLUICE_HASH_STATIC_AVX2() 1
#define SLUICE_DETAIL_HASH_AVX2_TARGET
#else
#define SLUICE_HASH_STATIC_AVX2() 0
#define SLUICE_DETAIL_HASH_AVX2_TARGET __attribute__((target("avx2")))
#endif

// 1 when public functions pick the AVX2 kernel at run time (SLUICE_HASH_DISPATCH on a target
// without AVX2 in its flags).
#if SLUICE_HASH_HAS_AVX2() && !SLUICE_HASH_STATIC_AVX2() && \
    defined(SLUICE_DETAIL_HASH_DISPATCH_REQUESTED)
#define SLUICE_HASH_RUNTIME_DISPATCH() 1
#else
#define SLUICE_HASH_RUNTIME_DISPATCH() 0
#endif

// 1 when the NEON kernel is compiled in (little-endian ARM with NEON).
#if defined(__ARM_NEON) && !SLUICE_BIG_ENDIAN()
#define SLUICE_HASH_HAS_NEON() 1
#include <arm_neon.h>
#else
#define SLUICE_HASH_HAS_NEON() 0
#endif

SLUICE_NAMESPACE_BEGIN

namespace detail {
namespace hashing {

// The implementations of the long-input loop. All produce identical results.
enum class kernel { scalar, sse2, avx2, neon };

#if SLUICE_HASH_HAS_SSE2()
inline void long_accumulate_sse2(u64* acc_out, const unsigned char* p, std::size_t len,
                                 const u64* keys) noexcept {
  __m128i acc[4];
  for (int i = 0; i < 4; ++i)
    acc[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(acc_out + 2 * i));
  const auto stripe = [&acc](const unsigned char* data, const u64* key) {
    for (int i = 0; i < 4; ++i) {
      const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * i));
      const __m128i k = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key + 2 * i));
      const __m128i keyed = _mm_xor_si128(d, k);
      const __m128i product = _mm_mul_epu32(keyed, _mm_srli_epi64(keyed, 32));
      const __m128i swapped = _mm_shuffle_epi32(d, _MM_SHUFFLE(1, 0, 3, 2));
      acc[i] = _mm_add_epi64(acc[i], _mm_add_epi64(product, swapped));
    }
  };
  const std::size_t blocks = (len - 1) / block_bytes;
  const __m128i multiplier = _mm_set1_epi32(static_cast<int>(scramble_multiplier));
  for (std::size_t block = 0; block < blocks; ++block) {
    const unsigned char* block_start = p + block * block_bytes;
    for (std::size_t s = 0; s < block_stripes; ++s)
      stripe(block_start + s * stripe_bytes, keys + s);
    for (int i = 0; i < 4; ++i) {
      __m128i value = acc[i];
      value = _mm_xor_si128(value, _mm_srli_epi64(value, 47));
      value = _mm_xor_si128(
          value, _mm_loadu_si128(reinterpret_cast<const __m128i*>(keys + scramble_key + 2 * i)));
      const __m128i low = _mm_mul_epu32(value, multiplier);
      const __m128i high = _mm_mul_epu32(_mm_srli_epi64(value, 32), multiplier);
      acc[i] = _mm_add_epi64(low, _mm_slli_epi64(high, 32));
    }
  }
  const unsigned char* rest = p + blocks * block_bytes;
  const std::size_t stripes = (len - blocks * block_bytes - 1) / stripe_bytes;
  for (std::size_t s = 0; s < stripes; ++s) stripe(rest + s * stripe_bytes, keys + s);
  stripe(p + len - stripe_bytes, keys + last_stripe_key);
  for (int i = 0; i < 4; ++i)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(acc_out + 2 * i), acc[i]);
}
#endif

#if SLUICE_HASH_HAS_AVX2()
SLUICE_DETAIL_HASH_AVX2_TARGET
inline void long_accumulate_avx2(u64* acc_out, const unsigned char* p, std::size_t len,
                                 const u64* keys) noexcept {
  __m256i acc0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc_out));
  __m256i acc1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc_out + 4));
  const std::size_t blocks = (len - 1) / block_bytes;
  const __m256i multiplier = _mm256_set1_epi32(static_cast<int>(scramble_multiplier));
  // A macro rather than a lambda: lambdas do not inherit the target attribute.
#define SLUICE_DETAIL_HASH_AVX2_STRIPE(data, key)                                              \
  do {                                                                                         \
    const __m256i d0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data));             \
    const __m256i d1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>((data) + 32));      \
    const __m256i k0 = _mm256_xor_si256(                                                       \
        d0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(key)));                        \
    const __m256i k1 = _mm256_xor_si256(                                                       \
        d1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>((key) + 4)));                  \
    const __m256i p0 = _mm256_mul_epu32(k0, _mm256_srli_epi64(k0, 32));                       \
    const __m256i p1 = _mm256_mul_epu32(k1, _mm256_srli_epi64(k1, 32));                       \
    acc0 = _mm256_add_epi64(                                                                   \
        acc0, _mm256_add_epi64(p0, _mm256_shuffle_epi32(d0, _MM_SHUFFLE(1, 0, 3, 2))));        \
    acc1 = _mm256_add_epi64(                                                                   \
        acc1, _mm256_add_epi64(p1, _mm256_shuffle_epi32(d1, _MM_SHUFFLE(1, 0, 3, 2))));        \
  } while (0)
  for (std::size_t block = 0; block < blocks; ++block) {
    const unsigned char* block_start = p + block * block_bytes;
    for (std::size_t s = 0; s < block_stripes; ++s)
      SLUICE_DETAIL_HASH_AVX2_STRIPE(block_start + s * stripe_bytes, keys + s);
    __m256i* accs[2] = {&acc0, &acc1};
    for (int i = 0; i < 2; ++i) {
      __m256i value = *accs[i];
      value = _mm256_xor_si256(value, _mm256_srli_epi64(value, 47));
      value = _mm256_xor_si256(value, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(
                                          keys + scramble_key + 4 * i)));
      const __m256i low = _mm256_mul_epu32(value, multiplier);
      const __m256i high = _mm256_mul_epu32(_mm256_srli_epi64(value, 32), multiplier);
      *accs[i] = _mm256_add_epi64(low, _mm256_slli_epi64(high, 32));
    }
  }
  const unsigned char* rest = p + blocks * block_bytes;
  const std::size_t stripes = (len - blocks * block_bytes - 1) / stripe_bytes;
  for (std::size_t s = 0; s < stripes; ++s)
    SLUICE_DETAIL_HASH_AVX2_STRIPE(rest + s * stripe_bytes, keys + s);
  SLUICE_DETAIL_HASH_AVX2_STRIPE(p + len - stripe_bytes, keys + last_stripe_key);
#undef SLUICE_DETAIL_HASH_AVX2_STRIPE
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc_out), acc0);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc_out + 4), acc1);
}
#endif

// The uint64 batch: out[i] = hash_u64(keys[i]) for the word keys (key0, key1) of a seed;
// `out` may equal `keys`. Four independent keys per step; the scalar multiply is the limit.
inline void hash_words_scalar(const u64* keys, std::size_t n, u64* out, u64 key0,
                              u64 key1) noexcept {
  const std::size_t full = n - n % 4;
  std::size_t i = 0;
  for (; i < full; i += 4) {
    const pair64 a = compress_word(keys[i], key0, key1);
    const pair64 b = compress_word(keys[i + 1], key0, key1);
    const pair64 c = compress_word(keys[i + 2], key0, key1);
    const pair64 d = compress_word(keys[i + 3], key0, key1);
    out[i] = finish64(a, 8);
    out[i + 1] = finish64(b, 8);
    out[i + 2] = finish64(c, 8);
    out[i + 3] = finish64(d, 8);
  }
  for (; i < n; ++i) out[i] = finish64(compress_word(keys[i], key0, key1), 8);
}

#if SLUICE_HASH_HAS_AVX2()
// Four 64x64->128 products from 32x32->64 pieces; the middle sum cannot overflow.
SLUICE_DETAIL_HASH_AVX2_TARGET
inline void multiply_avx2(__m256i a, __m256i b, __m256i& low, __m256i& high) noexcept {
  const __m256i a_high = _mm256_srli_epi64(a, 32);
  const __m256i b_high = _mm256_srli_epi64(b, 32);
  const __m256i low_low = _mm256_mul_epu32(a, b);
  const __m256i low_high = _mm256_mul_epu32(a, b_high);
  const __m256i high_low = _mm256_mul_epu32(a_high, b);
  const __m256i high_high = _mm256_mul_epu32(a_high, b_high);
  const __m256i middle = _mm256_add_epi64(
      _mm256_add_epi64(_mm256_srli_epi64(low_low, 32),
                       _mm256_and_si256(high_low, _mm256_set1_epi64x(0xffffffff))),
      low_high);
  low = _mm256_blend_epi32(low_low, _mm256_slli_epi64(middle, 32), 0xaa);
  high = _mm256_add_epi64(_mm256_add_epi64(high_high, _mm256_srli_epi64(high_low, 32)),
                          _mm256_srli_epi64(middle, 32));
}

// hash_words_scalar four keys per vector: the same bits, about twice the throughput of the
// scalar loop (one 64-bit multiply per cycle) where AVX2 runs four 32-bit multiplies per lane.
SLUICE_DETAIL_HASH_AVX2_TARGET
inline void hash_words_avx2(const u64* keys, std::size_t n, u64* out, u64 key0,
                            u64 key1) noexcept {
  const __m256i word_key0 = _mm256_set1_epi64x(static_cast<long long>(key0));
  const __m256i word_key1 = _mm256_set1_epi64x(static_cast<long long>(key1));
  const pair64 key = finish_keys.first[8];
  const __m256i finish0 = _mm256_set1_epi64x(static_cast<long long>(key.low));
  const __m256i finish1 = _mm256_set1_epi64x(static_cast<long long>(key.high));
  const std::size_t full = n - n % 4;
  std::size_t i = 0;
  for (; i < full; i += 4) {
    const __m256i words = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(keys + i));
    __m256i low, high;
    multiply_avx2(_mm256_xor_si256(words, word_key0), _mm256_xor_si256(words, word_key1), low,
                  high);
    multiply_avx2(_mm256_xor_si256(low, finish0), _mm256_xor_si256(high, finish1), low, high);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_xor_si256(low, high));
  }
  for (; i < n; ++i) out[i] = finish64(compress_word(keys[i], key0, key1), 8);
}
#endif

#if SLUICE_HASH_HAS_NEON()
inline void long_accumulate_neon(u64* acc_out, const unsigned char* p, std::size_t len,
                                 const u64* keys) noexcept {
  uint64x2_t acc[4];
  for (int i = 0; i < 4; ++i) acc[i] = vld1q_u64(acc_out + 2 * i);
  const auto stripe = [&acc](const unsigned char* data, const u64* key) {
    for (int i = 0; i < 4; ++i) {
      const uint64x2_t d = vreinterpretq_u64_u8(vld1q_u8(data + 16 * i));
      const uint64x2_t keyed = veorq_u64(d, vld1q_u64(key + 2 * i));
      const uint64x2_t product = vmull_u32(vmovn_u64(keyed), vshrn_n_u64(keyed, 32));
      acc[i] = vaddq_u64(acc[i], vaddq_u64(product, vextq_u64(d, d, 1)));
    }
  };
  const std::size_t blocks = (len - 1) / block_bytes;
  const uint32x2_t multiplier = vdup_n_u32(scramble_multiplier);
  for (std::size_t block = 0; block < blocks; ++block) {
    const unsigned char* block_start = p + block * block_bytes;
    for (std::size_t s = 0; s < block_stripes; ++s)
      stripe(block_start + s * stripe_bytes, keys + s);
    for (int i = 0; i < 4; ++i) {
      uint64x2_t value = acc[i];
      value = veorq_u64(value, vshrq_n_u64(value, 47));
      value = veorq_u64(value, vld1q_u64(keys + scramble_key + 2 * i));
      const uint64x2_t low = vmull_u32(vmovn_u64(value), multiplier);
      const uint64x2_t high = vmull_u32(vshrn_n_u64(value, 32), multiplier);
      acc[i] = vaddq_u64(low, vshlq_n_u64(high, 32));
    }
  }
  const unsigned char* rest = p + blocks * block_bytes;
  const std::size_t stripes = (len - blocks * block_bytes - 1) / stripe_bytes;
  for (std::size_t s = 0; s < stripes; ++s) stripe(rest + s * stripe_bytes, keys + s);
  stripe(p + len - stripe_bytes, keys + last_stripe_key);
  for (int i = 0; i < 4; ++i) vst1q_u64(acc_out + 2 * i, acc[i]);
}
#endif

// Whether `k` can run here: compiled in, and (for AVX2) supported by this CPU.
inline bool kernel_available(kernel k) noexcept {
  switch (k) {
    case kernel::scalar:
      return true;
    case kernel::sse2:
      return SLUICE_HASH_HAS_SSE2() != 0;
    case kernel::avx2:
#if SLUICE_HASH_STATIC_AVX2()
      return true;
#elif SLUICE_HASH_HAS_AVX2()
      return __builtin_cpu_supports("avx2") != 0;
#else
      return false;
#endif
    case kernel::neon:
      return SLUICE_HASH_HAS_NEON() != 0;
  }
  return false;
}

// The kernel function for `k`; the scalar one when `k` is not compiled in.
inline long_accumulate_function kernel_function(kernel k) noexcept {
  switch (k) {
#if SLUICE_HASH_HAS_SSE2()
    case kernel::sse2:
      return &long_accumulate_sse2;
#endif
#if SLUICE_HASH_HAS_AVX2()
    case kernel::avx2:
      return &long_accumulate_avx2;
#endif
#if SLUICE_HASH_HAS_NEON()
    case kernel::neon:
      return &long_accumulate_neon;
#endif
    default:
      return &long_accumulate_scalar;
  }
}

// The kernel the public functions use.
inline kernel default_kernel() noexcept {
#if SLUICE_HASH_STATIC_AVX2()
  return kernel::avx2;
#elif SLUICE_HASH_RUNTIME_DISPATCH()
  return __builtin_cpu_supports("avx2") ? kernel::avx2 : kernel::sse2;
#elif SLUICE_HASH_HAS_SSE2()
  return kernel::sse2;
#elif SLUICE_HASH_HAS_NEON()
  return kernel::neon;
#else
  return kernel::scalar;
#endif
}

// Long inputs through the default kernel; a direct call where the kernel is fixed at compile
// time, so the loop can be inlined.
inline pair64 compress_long_default(const unsigned char* p, std::size_t len, u64 seed) noexcept {
#if SLUICE_HASH_STATIC_AVX2()
  return compress_long(p, len, seed, &long_accumulate_avx2);
#elif SLUICE_HASH_RUNTIME_DISPATCH()
  return compress_long(p, len, seed,
                       __builtin_cpu_supports("avx2") ? &long_accumulate_avx2
                                                      : &long_accumulate_sse2);
#elif SLUICE_HASH_HAS_SSE2()
  return compress_long(p, len, seed, &long_accumulate_sse2);
#elif SLUICE_HASH_HAS_NEON()
  return compress_long(p, len, seed, &long_accumulate_neon);
#else
  return compress_long(p, len, seed, &long_accumulate_scalar);
#endif
}

// The uint64 batch through the given kernel (AVX2 when asked and available, else scalar).
inline void hash_words_with(kernel k, const u64* keys, std::size_t n, u64* out, u64 key0,
                            u64 key1) noexcept {
#if SLUICE_HASH_HAS_AVX2()
  if (k == kernel::avx2) return hash_words_avx2(keys, n, out, key0, key1);
#else
  (void)k;
#endif
  hash_words_scalar(keys, n, out, key0, key1);
}

// The uint64 batch of the public API: AVX2 where the long-input loop would use it (SSE2 and
// NEON have no faster way than the scalar 64x64->128 multiply). Out of line, so that the loop
// keeps every value in registers whatever the caller's register pressure.
SLUICE_NOINLINE inline void hash_words_default(const u64* keys, std::size_t n, u64* out, u64 key0,
                               u64 key1) noexcept {
#if SLUICE_HASH_STATIC_AVX2()
  hash_words_avx2(keys, n, out, key0, key1);
#elif SLUICE_HASH_RUNTIME_DISPATCH()
  if (n >= 8 && __builtin_cpu_supports("avx2")) return hash_words_avx2(keys, n, out, key0, key1);
  hash_words_scalar(keys, n, out, key0, key1);
#else
  hash_words_scalar(keys, n, out, key0, key1);
#endif
}

}  // namespace hashing
}  // namespace detail

SLUICE_NAMESPACE_END
