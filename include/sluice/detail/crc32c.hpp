// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of sluice's binary
// formats (dead letters, checkpoints). Portable slicing-by-8; with SSE4.2 or the ARMv8 CRC
// extension enabled at compile time a hardware path is used, which returns the same bits.
//
//   std::uint32_t crc = sluice::detail::crc32c(bytes.data(), bytes.size());
//   // incremental: crc32c(b, nb, crc32c(a, na)) == crc32c of a followed by b
//   assert(sluice::detail::crc32c("123456789", 9) == 0xE3069283u);
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "sluice/detail/config.hpp"

// 1 when the compiler may emit CRC32C instructions (x86 SSE4.2 or ARMv8 CRC). Define
// SLUICE_CRC32C_HARDWARE() as 0 before including sluice to force the portable path.
#ifndef SLUICE_CRC32C_HARDWARE
#if defined(__SSE4_2__) || defined(__ARM_FEATURE_CRC32)
#define SLUICE_CRC32C_HARDWARE() 1
#else
#define SLUICE_CRC32C_HARDWARE() 0
#endif
#endif

#if SLUICE_CRC32C_HARDWARE()
#if defined(__SSE4_2__)
#include <nmmintrin.h>
#elif defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>
#endif
#endif

SLUICE_NAMESPACE_BEGIN
namespace detail {

inline constexpr std::uint32_t crc32c_polynomial = 0x82F63B78u;

struct crc32c_tables {
  std::uint32_t slice[8][256];
};

constexpr crc32c_tables make_crc32c_tables() noexcept {
  crc32c_tables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? crc32c_polynomial : 0u);
    t.slice[0][i] = crc;
  }
  for (std::uint32_t i = 0; i < 256; ++i)
    for (int k = 1; k < 8; ++k)
      t.slice[k][i] = (t.slice[k - 1][i] >> 8) ^ t.slice[0][t.slice[k - 1][i] & 0xFFu];
  return t;
}

inline constexpr crc32c_tables crc32c_table = make_crc32c_tables();

// The raw (not pre/post-inverted) portable update.
inline std::uint32_t crc32c_update_portable(std::uint32_t crc, const unsigned char* p,
                                            std::size_t size) noexcept {
  const auto& t = crc32c_table.slice;
  while (size >= 8) {
    std::uint32_t low = crc ^ (static_cast<std::uint32_t>(p[0]) |
                               static_cast<std::uint32_t>(p[1]) << 8 |
                               static_cast<std::uint32_t>(p[2]) << 16 |
                               static_cast<std::uint32_t>(p[3]) << 24);
    crc = t[7][low & 0xFFu] ^ t[6][(low >> 8) & 0xFFu] ^ t[5][(low >> 16) & 0xFFu] ^
          t[4][low >> 24] ^ t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    size -= 8;
  }
  while (size-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFFu];
  return crc;
}

#if SLUICE_CRC32C_HARDWARE()
inline std::uint32_t crc32c_update_hardware(std::uint32_t crc, const unsigned char* p,
                                            std::size_t size) noexcept {
#if defined(__SSE4_2__) && defined(__x86_64__)
  std::uint64_t wide = crc;
  for (; size >= 8; p += 8, size -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    wide = _mm_crc32_u64(wide, word);
  }
  crc = static_cast<std::uint32_t>(wide);
  for (; size > 0; ++p, --size) crc = _mm_crc32_u8(crc, *p);
#elif defined(__SSE4_2__)
  for (; size >= 4; p += 4, size -= 4) {
    std::uint32_t word;
    std::memcpy(&word, p, 4);
    crc = _mm_crc32_u32(crc, word);
  }
  for (; size > 0; ++p, --size) crc = _mm_crc32_u8(crc, *p);
#else
#if SLUICE_BIG_ENDIAN()
  for (; size > 0; ++p, --size) crc = __crc32cb(crc, *p);
#else
  for (; size >= 8; p += 8, size -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    crc = __crc32cd(crc, word);
  }
  for (; size > 0; ++p, --size) crc = __crc32cb(crc, *p);
#endif
#endif
  return crc;
}
#endif

// CRC32C of `size` bytes, continuing from `previous` (the CRC32C of the bytes before).
inline std::uint32_t crc32c(const void* data, std::size_t size,
                            std::uint32_t previous = 0) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
#if SLUICE_CRC32C_HARDWARE()
  return ~crc32c_update_hardware(~previous, p, size);
#else
  return ~crc32c_update_portable(~previous, p, size);
#endif
}

// The portable path, always available (tests compare it with the hardware path).
inline std::uint32_t crc32c_portable(const void* data, std::size_t size,
                                     std::uint32_t previous = 0) noexcept {
  return ~crc32c_update_portable(~previous, static_cast<const unsigned char*>(data), size);
}

}  // namespace detail
SLUICE_NAMESPACE_END
