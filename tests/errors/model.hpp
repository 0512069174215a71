// Deliberately naive reference models for the errors component's tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace errors_model {

// CRC32C one bit at a time, straight from the definition.
inline std::uint32_t crc32c_bitwise(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

// UTF-8 validity by decoding code points and checking them against the Unicode rules.
inline bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 6 ? 2 : (lead >> 4) == 14 ? 3 : (lead >> 3) == 30 ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    std::uint32_t code = length == 1 ? lead : length == 2 ? (lead & 0x1Fu) : length == 3 ? (lead & 0x0Fu) : (lead & 0x07u);
    for (std::size_t k = 1; k < length; ++k) {
      auto c = static_cast<unsigned char>(text[i + k]);
      if ((c >> 6) != 2) return false;
      code = code << 6 | (c & 0x3Fu);
    }
    std::uint32_t minimum = length == 1 ? 0 : length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

// Little-endian bytes of an unsigned value, by arithmetic.
inline std::string little_endian(std::uint64_t value, int size) {
  std::string out;
  for (int i = 0; i < size; ++i) {
    out += static_cast<char>(value % 256);
    value /= 256;
  }
  return out;
}

// The expected sluice taxonomy, written out by hand: value, name, family, retryable.
struct pinned_code {
  std::uint16_t value;
  const char* name;
  const char* family;
  bool retryable;
};

inline const std::vector<pinned_code>& pinned_table() {
  static const std::vector<pinned_code> table = {
      {100, "JSON_PARSE_ERROR", "parse", false},
      {101, "CSV_PARSE_ERROR", "parse", false},
      {102, "INVALID_UTF8", "parse", false},
      {103, "TRUNCATED_RECORD", "parse", false},
      {104, "PAYLOAD_TOO_LARGE", "parse", false},
      {105, "INVALID_NUMBER", "parse", false},
      {106, "NUMBER_OUT_OF_RANGE", "parse", false},
      {107, "INVALID_TIMESTAMP", "parse", false},
      {200, "MISSING_FIELD", "schema", false},
      {201, "TYPE_MISMATCH", "schema", false},
      {202, "UNKNOWN_FIELD", "schema", false},
      {203, "SCHEMA_VERSION_UNSUPPORTED", "schema", false},
      {300, "NULL_VIOLATION", "validation", false},
      {301, "RANGE_VIOLATION", "validation", false},
      {302, "UNIQUENESS_VIOLATION", "validation", false},
      {303, "REFERENTIAL_VIOLATION", "validation", true},
      {400, "LATE_EVENT", "ordering", false},
      {401, "DUPLICATE_EVENT", "ordering", false},
      {402, "FUTURE_EVENT_TIME", "ordering", false},
      {403, "MISSING_EVENT_TIME", "ordering", false},
      {404, "SEQUENCE_CONFLICT", "ordering", false},
      {500, "MEMORY_BUDGET_EXCEEDED", "capacity", true},
      {501, "OUT_OF_MEMORY", "capacity", true},
      {502, "CAPACITY_EXCEEDED", "capacity", true},
      {600, "UPSTREAM_UNAVAILABLE", "io", true},
      {601, "TIMEOUT", "io", true},
      {602, "CHECKPOINT_CORRUPT", "io", false},
      {603, "CHECKPOINT_VERSION_UNSUPPORTED", "io", false},
      {604, "STALE_WRITER", "io", false},
      {605, "IO_ERROR", "io", true},
      {606, "STORAGE_FULL", "io", true},
      {607, "NOT_FOUND", "io", false},
      {608, "ENCODING_CORRUPT", "io", false},
      {609, "ENCODING_VERSION_UNSUPPORTED", "io", false},
      {700, "CREDENTIALS_MISSING", "auth", false},
      {701, "CREDENTIALS_EXPIRED", "auth", true},
      {702, "PERMISSION_DENIED", "auth", false},
      {800, "INVALID_CONFIG", "config", false},
      {801, "UNREGISTERED_TAXONOMY", "config", false},
      {802, "NOT_SUPPORTED", "config", false},
      {900, "UNCLASSIFIED", "internal", false},
      {901, "INVALID_ARGUMENT", "internal", false},
      {902, "INVARIANT_VIOLATION", "internal", false},
  };
  return table;
}

}  // namespace errors_model
