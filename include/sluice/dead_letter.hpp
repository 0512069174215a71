// sluice/dead_letter.hpp: the dead-letter envelope, with a binary and a JSON-lines form.
//
// A dead letter is a record a pipeline gave up on, kept with everything needed to triage and
// replay it: the error code (any taxonomy of sluice/errors.hpp, or std::errc), the stage,
// where the record came from, when it failed, how often, a bounded detail text, and the
// original payload and headers, byte for byte. The binary form is versioned and checksummed
// (CRC32C); decoding arbitrary bytes returns ENCODING_CORRUPT and never crashes. The JSON
// form is one line per letter and parses back to the same letter.
//
//   sluice::dead_letter<std::string> letter;
//   letter.error = sluice::errc::json_parse_error;
//   letter.stage = sluice::pipeline_stage::parse;
//   letter.set_detail("expected '}' at byte 17");
//   letter.payload = raw_record;
//   std::string line = sluice::to_json_line(letter);            // or sluice::encode(letter, bytes)
//   auto back = sluice::parse_json_line<std::string>(line);     // result<dead_letter<std::string>>
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/detail/byte_io.hpp"
#include "sluice/detail/errors_json.hpp"
#include "sluice/errors.hpp"

SLUICE_NAMESPACE_BEGIN

// Where in a pipeline a record failed. Values are stable (they are encoded).
enum class pipeline_stage : std::uint8_t {
  unknown = 0,
  ingest = 1,
  parse = 2,
  validate = 3,
  dedup = 4,
  transform = 5,
  enrich = 6,
  aggregate = 7,
  write = 8,
  checkpoint = 9,
};
// Number of pipeline_stage values (they run from 0 to pipeline_stage_count - 1).
inline constexpr std::size_t pipeline_stage_count = 10;

// The stage's lower-case name, as written in JSON lines; "unknown" for values out of range.
constexpr std::string_view to_string(pipeline_stage stage) noexcept {
  constexpr std::string_view names[] = {"unknown",   "ingest", "parse",     "validate", "dedup",
                                        "transform", "enrich", "aggregate", "write",    "checkpoint"};
  auto index = static_cast<std::size_t>(stage);
  return index < pipeline_stage_count ? names[index] : std::string_view("unknown");
}

// The stage named `name` ("parse", ...), or nothing.
constexpr std::optional<pipeline_stage> stage_from_string(std::string_view name) noexcept {
  for (std::size_t i = 0; i < pipeline_stage_count; ++i)
    if (to_string(static_cast<pipeline_stage>(i)) == name) return static_cast<pipeline_stage>(i);
  return std::nullopt;
}

// Where a record came from: a source (topic, file, table), a partition and an offset.
// -1 means "not applicable".
struct source_position {
  std::string source;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  friend bool operator==(const source_position& a, const source_position& b) {
    return a.source == b.source && a.partition == b.partition && a.offset == b.offset;
  }
};

// One header of the original record; names and values are bytes, kept as they came.
struct dead_letter_header {
  std::string name;
  std::string value;
  friend bool operator==(const dead_letter_header& a, const dead_letter_header& b) {
    return a.name == b.name && a.value == b.value;
  }
};

// The longest detail text kept, in bytes. Longer texts are cut on a UTF-8 character
// boundary and end with "…" (U+2026), so a dead-letter table never grows without bound.
inline constexpr std::size_t dead_letter_detail_limit = 1024;

// Microseconds since the Unix epoch (UTC), the time unit of dead letters.
using unix_micros = std::chrono::microseconds;

// Now, as unix_micros.
inline unix_micros dead_letter_clock_now() noexcept {
  return std::chrono::duration_cast<unix_micros>(std::chrono::system_clock::now().time_since_epoch());
}

// A record the pipeline gave up on. `Payload` is bytes (std::string, std::vector of a byte
// type) or any type with a payload_codec specialization.
template <class Payload>
struct dead_letter {
  std::error_code error;                    // why; any registered taxonomy, generic or system
  pipeline_stage stage = pipeline_stage::unknown;
  source_position source;
  std::optional<unix_micros> event_time;    // absent when the record had none
  unix_micros first_failure{0};
  unix_micros last_failure{0};
  std::uint32_t attempts = 1;
  std::string detail;                       // at most dead_letter_detail_limit bytes of UTF-8
  std::vector<dead_letter_header> headers;  // untouched
  Payload payload{};                        // untouched

  // Sets the detail: invalid UTF-8 bytes become U+FFFD, then the text is cut at the limit.
  void set_detail(std::string_view text) { detail = detail::bounded_utf8(text, dead_letter_detail_limit); }

  // Records another failed attempt at time `now`.
  void record_failure(unix_micros now) noexcept {
    if (attempts != UINT32_MAX) ++attempts;
    last_failure = now;
  }
};

// Field-by-field equality: what a decode of an encode must give back.
template <class Payload>
bool operator==(const dead_letter<Payload>& a, const dead_letter<Payload>& b) {
  return a.error == b.error && a.stage == b.stage && a.source == b.source &&
         a.event_time == b.event_time && a.first_failure == b.first_failure &&
         a.last_failure == b.last_failure && a.attempts == b.attempts && a.detail == b.detail &&
         a.headers == b.headers && a.payload == b.payload;
}
template <class Payload>
bool operator!=(const dead_letter<Payload>& a, const dead_letter<Payload>& b) {
  return !(a == b);
}

// Converts a payload to and from bytes. Specialize for your own payload type:
//   static void to_bytes(const T& value, std::string& out);   // append
//   static bool from_bytes(std::string_view bytes, T& out);   // false: not a valid T
template <class Payload, class = void>
struct payload_codec;

// Byte payloads (std::string, vectors of 1-byte trivially copyable values) are stored as they are.
template <class Payload>
struct payload_codec<Payload, std::enable_if_t<std::is_same_v<Payload, std::string> ||
                                               (std::is_same_v<Payload, std::vector<typename Payload::value_type>> &&
                                                sizeof(typename Payload::value_type) == 1 &&
                                                std::is_trivially_copyable_v<typename Payload::value_type>)>> {
  static void to_bytes(const Payload& value, std::string& out) {
    if (!value.empty()) out.append(reinterpret_cast<const char*>(value.data()), value.size());
  }
  static bool from_bytes(std::string_view bytes, Payload& out) {
    out.resize(bytes.size());
    if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
    return true;
  }
};

// The (error, detail) pair a dead letter should store for `error`: codes of registered
// taxonomies and of the generic and system categories are kept; any other code becomes its
// classification (usually UNCLASSIFIED) and its description leads the detail, so the
// original is never lost.
inline std::pair<std::error_code, std::string> normalize_error(const std::error_code& error,
                                                               std::string_view detail) {
  const std::error_category* known = find_error_domain(error.category().name());
  if (!error || known != nullptr) return {error, std::string(detail)};
  std::string text = describe(error);
  if (!detail.empty()) {
    text += " | ";
    text += detail;
  }
  return {make_error_code(classify(error)), detail::bounded_utf8(text, dead_letter_detail_limit)};
}

// ---------------------------------------------------------------------------------------------
// Binary form, version 1. Little-endian; varint = LEB128, svarint = zigzag LEB128,
// bytes = varint length + bytes.
//
//   offset 0  "SLDL"            magic
//          4  u8                version (1)
//          5  u8                flags: bit 0 = event time present
//          6  u32               total size of the envelope, magic to CRC inclusive
//         10  bytes             error domain ("sluice", "generic", a user domain; empty: no error)
//             svarint           error value (0 = no error, whatever the domain)
//             u8                stage
//             bytes, svarint, svarint   source, partition, offset
//             [i64]             event time (µs), when flagged
//             i64, i64          first and last failure (µs)
//             varint            attempts
//             bytes             detail (at most dead_letter_detail_limit)
//             varint            header count, then per header: bytes name, bytes value
//             bytes             payload
//   end - 4   u32               CRC32C of every byte before it
//
// 30 bytes are fixed-width; an envelope with no error takes 40 bytes, a bare sluice code 47.

// The binary format version that encode writes and decode_dead_letter reads.
inline constexpr std::uint8_t dead_letter_format_version = 1;

namespace detail {
inline constexpr char dead_letter_magic[4] = {'S', 'L', 'D', 'L'};
inline constexpr std::size_t dead_letter_header_size = 10;
}  // namespace detail

// Appends the binary form of `letter` to `out` (a std::string). A code of an unregistered
// category is stored as normalize_error() describes. Errors, with `out` unchanged:
// INVALID_ARGUMENT for a stage outside pipeline_stage, CAPACITY_EXCEEDED for an envelope of
// 4 GiB or more (its size field has 32 bits).
template <class Payload>
std::error_code encode(const dead_letter<Payload>& letter, std::string& out) {
  if (static_cast<std::size_t>(letter.stage) >= pipeline_stage_count) return errc::invalid_argument;
  auto [error, detail_text] = normalize_error(letter.error, letter.detail);
  std::size_t start = out.size();
  detail::byte_writer<std::string> writer(out);
  writer.raw(detail::dead_letter_magic, 4);
  writer.u8(dead_letter_format_version);
  writer.u8(letter.event_time ? 1u : 0u);
  writer.u32(0);  // total size, patched below
  writer.prefixed(error ? std::string_view(error.category().name()) : std::string_view());
  writer.svarint(error.value());
  writer.u8(static_cast<std::uint8_t>(letter.stage));
  writer.prefixed(letter.source.source);
  writer.svarint(letter.source.partition);
  writer.svarint(letter.source.offset);
  if (letter.event_time) writer.i64(letter.event_time->count());
  writer.i64(letter.first_failure.count());
  writer.i64(letter.last_failure.count());
  writer.varint(letter.attempts);
  if (detail_text.size() > dead_letter_detail_limit || !detail::valid_utf8(detail_text))
    detail_text = detail::bounded_utf8(detail_text, dead_letter_detail_limit);
  writer.prefixed(detail_text);
  writer.varint(letter.headers.size());
  for (const dead_letter_header& header : letter.headers) {
    writer.prefixed(header.name);
    writer.prefixed(header.value);
  }
  std::string payload_bytes;
  payload_codec<Payload>::to_bytes(letter.payload, payload_bytes);
  writer.prefixed(payload_bytes);
  if (out.size() - start > UINT32_MAX - 4) {
    out.resize(start);
    return errc::capacity_exceeded;
  }
  auto total = static_cast<std::uint32_t>(out.size() - start + 4);
  for (int i = 0; i < 4; ++i) out[start + 6 + static_cast<std::size_t>(i)] = static_cast<char>(total >> (8 * i));
  std::uint32_t crc = detail::crc32c(out.data() + start, out.size() - start);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return {};
}

// The binary envelope as a new string; errors as above.
template <class Payload>
result<std::string> encode(const dead_letter<Payload>& letter) {
  std::string out;
  if (std::error_code failure = encode(letter, out)) return failure;
  return out;
}

namespace detail {
// Stores in `out` the code a stored (domain, value) pair stands for. Value 0 is "no error" in
// every domain, registered or not, and reads as std::error_code(): encoders write any zero
// code with the empty domain, so a decoded letter re-encodes to the same bytes. The empty
// domain carries only value 0.
inline std::error_code resolve_error(std::string_view domain, std::int64_t value,
                                     std::error_code& out) noexcept {
  if (value < INT32_MIN || value > INT32_MAX) return make_error_code(errc::encoding_corrupt);
  if (value == 0) {
    out = {};
    return {};
  }
  if (domain.empty()) return make_error_code(errc::encoding_corrupt);
  const std::error_category* category = find_error_domain(domain);
  if (category == nullptr) return make_error_code(errc::unregistered_taxonomy);
  out = std::error_code(static_cast<int>(value), *category);
  return {};
}
}  // namespace detail

// Decodes one envelope from the front of `bytes`. With `consumed`, trailing bytes are
// allowed and the envelope's size is stored there; without, `bytes` must be exactly one
// envelope. An error value of 0 decodes to std::error_code() whatever its domain. Errors:
// ENCODING_CORRUPT (bad magic, size, CRC or field), ENCODING_VERSION_UNSUPPORTED,
// UNREGISTERED_TAXONOMY (domain unknown to this program).
template <class Payload>
result<dead_letter<Payload>> decode_dead_letter(std::string_view bytes,
                                                std::size_t* consumed = nullptr) {
  const auto corrupt = errc::encoding_corrupt;
  if (bytes.size() < detail::dead_letter_header_size + 4) return corrupt;
  if (bytes.substr(0, 4) != std::string_view(detail::dead_letter_magic, 4)) return corrupt;
  detail::byte_reader head(bytes.substr(4, 6));
  std::uint8_t version = head.u8();
  std::uint8_t flags = head.u8();
  std::uint32_t total = head.u32();
  if (version != dead_letter_format_version) return errc::encoding_version_unsupported;
  if ((flags & ~1u) != 0 || total < detail::dead_letter_header_size + 4 || total > bytes.size())
    return corrupt;
  if (consumed == nullptr && total != bytes.size()) return corrupt;
  detail::byte_reader stored_crc(bytes.substr(total - 4, 4));
  if (detail::crc32c(bytes.data(), total - 4) != stored_crc.u32()) return corrupt;

  detail::byte_reader in(bytes.substr(detail::dead_letter_header_size, total - 4 - detail::dead_letter_header_size));
  dead_letter<Payload> letter;
  std::string_view domain = in.prefixed();
  std::int64_t value = in.svarint();
  std::uint8_t stage = in.u8();
  letter.source.source = std::string(in.prefixed());
  std::int64_t partition = in.svarint();
  letter.source.offset = in.svarint();
  if (flags & 1u) letter.event_time = unix_micros(in.i64());
  letter.first_failure = unix_micros(in.i64());
  letter.last_failure = unix_micros(in.i64());
  std::uint64_t attempts = in.varint();
  std::string_view detail_text = in.prefixed();
  std::uint64_t header_count = in.varint();
  if (!in.ok() || stage >= pipeline_stage_count || partition < INT32_MIN || partition > INT32_MAX ||
      attempts > UINT32_MAX || detail_text.size() > dead_letter_detail_limit ||
      !detail::valid_utf8(detail_text) || header_count > in.remaining() / 2)
    return corrupt;
  if (std::error_code problem = detail::resolve_error(domain, value, letter.error)) return problem;
  letter.stage = static_cast<pipeline_stage>(stage);
  letter.source.partition = static_cast<std::int32_t>(partition);
  letter.attempts = static_cast<std::uint32_t>(attempts);
  letter.detail = std::string(detail_text);
  letter.headers.reserve(static_cast<std::size_t>(header_count));
  for (std::uint64_t i = 0; i < header_count; ++i) {
    std::string_view name = in.prefixed();
    std::string_view header_value = in.prefixed();
    if (!in.ok()) return corrupt;
    letter.headers.push_back({std::string(name), std::string(header_value)});
  }
  std::string_view payload_bytes = in.prefixed();
  if (!in.at_end()) return corrupt;
  if (!payload_codec<Payload>::from_bytes(payload_bytes, letter.payload)) return corrupt;
  if (consumed != nullptr) *consumed = total;
  return letter;
}

// ---------------------------------------------------------------------------------------------
// JSON lines. One object per line, keys in this order:
//   {"format":"sluice.dead_letter","version":1,"domain":"sluice","code":100,
//    "name":"JSON_PARSE_ERROR","family":"parse","retryable":false,"severity":"error",
//    "stage":"parse","source":"orders","partition":3,"offset":42,"event_time_us":null,
//    "first_failure_us":1700000000000000,"last_failure_us":1700000000000000,"attempts":1,
//    "detail":"...","headers":[{"name":"k","value":"v"}],"payload":"..."}
// Byte strings (source, header names and values, payload) are JSON strings when they are
// valid UTF-8 and {"base64":"..."} objects otherwise, so every byte survives. name, family,
// retryable and severity are for readers of the table; parsing ignores them. Control
// characters, quotes, backslashes, DEL, U+2028 and U+2029 are escaped.

namespace detail {
inline void append_json_bytes(std::string& out, std::string_view bytes) {
  if (valid_utf8(bytes)) {
    append_json_string(out, bytes);
  } else {
    out += "{\"base64\":\"";
    append_base64(out, bytes);
    out += "\"}";
  }
}

inline bool read_json_bytes(json_reader& in, std::string& out) {
  if (in.peek() == '"') return in.string(out);
  std::string key, text;
  if (!in.expect('{') || !in.string(key) || key != "base64" || !in.expect(':') || !in.string(text) ||
      !in.expect('}'))
    return in.fail();
  return decode_base64(text, out) || in.fail();
}

inline void append_json_int(std::string& out, std::int64_t value) { out += std::to_string(value); }
}  // namespace detail

// Appends the JSON-lines form of `letter` (with its trailing '\n') to `out`.
template <class Payload>
void append_json_line(const dead_letter<Payload>& letter, std::string& out) {
  auto [error, detail_text] = normalize_error(letter.error, letter.detail);
  if (detail_text.size() > dead_letter_detail_limit || !detail::valid_utf8(detail_text))
    detail_text = detail::bounded_utf8(detail_text, dead_letter_detail_limit);
  const code_info* row = find_info(error);
  const code_info& described = row != nullptr ? *row : info(classify(error));
  out += "{\"format\":\"sluice.dead_letter\",\"version\":1,\"domain\":";
  detail::append_json_string(out, error ? error.category().name() : "");
  out += ",\"code\":";
  detail::append_json_int(out, error.value());
  out += ",\"name\":";
  detail::append_json_string(out, error ? described.name : std::string_view());
  out += ",\"family\":";
  detail::append_json_string(out, to_string(described.family));
  out += ",\"retryable\":";
  out += described.retryable ? "true" : "false";
  out += ",\"severity\":";
  detail::append_json_string(out, to_string(described.level));
  out += ",\"stage\":";
  detail::append_json_string(out, to_string(letter.stage));
  out += ",\"source\":";
  detail::append_json_bytes(out, letter.source.source);
  out += ",\"partition\":";
  detail::append_json_int(out, letter.source.partition);
  out += ",\"offset\":";
  detail::append_json_int(out, letter.source.offset);
  out += ",\"event_time_us\":";
  if (letter.event_time)
    detail::append_json_int(out, letter.event_time->count());
  else
    out += "null";
  out += ",\"first_failure_us\":";
  detail::append_json_int(out, letter.first_failure.count());
  out += ",\"last_failure_us\":";
  detail::append_json_int(out, letter.last_failure.count());
  out += ",\"attempts\":";
  detail::append_json_int(out, letter.attempts);
  out += ",\"detail\":";
  detail::append_json_string(out, detail_text);
  out += ",\"headers\":[";
  for (std::size_t i = 0; i < letter.headers.size(); ++i) {
    if (i != 0) out += ',';
    out += "{\"name\":";
    detail::append_json_bytes(out, letter.headers[i].name);
    out += ",\"value\":";
    detail::append_json_bytes(out, letter.headers[i].value);
    out += '}';
  }
  out += "],\"payload\":";
  std::string payload_bytes;
  payload_codec<Payload>::to_bytes(letter.payload, payload_bytes);
  detail::append_json_bytes(out, payload_bytes);
  out += "}\n";
}

// The JSON line (newline included) as a new string.
template <class Payload>
std::string to_json_line(const dead_letter<Payload>& letter) {
  std::string out;
  append_json_line(letter, out);
  return out;
}

// Parses one line written by append_json_line (a trailing newline is allowed; unknown keys
// are skipped; a header's "name" and "value" may come in either order). A "code" of 0 parses
// to std::error_code() whatever the "domain". Errors: ENCODING_CORRUPT for malformed JSON or
// fields (a missing "format", "version", "domain" or "code" included),
// ENCODING_VERSION_UNSUPPORTED for a version this program does not read, UNREGISTERED_TAXONOMY.
template <class Payload>
result<dead_letter<Payload>> parse_json_line(std::string_view line) {
  const auto corrupt = errc::encoding_corrupt;
  detail::json_reader in(line);
  dead_letter<Payload> letter;
  std::string key, text, domain, payload_bytes;
  std::int64_t number = 0, code = 0, version = 0;
  bool has_domain = false, has_code = false, has_format = false, has_version = false;
  if (!in.expect('{')) return corrupt;
  if (!in.consume('}')) {
    do {
      if (!in.string(key) || !in.expect(':')) return corrupt;
      bool good = true;
      const std::string_view name = key;  // compares lengths first
      if (name == "format") {
        good = in.string(text) && text == "sluice.dead_letter";
        has_format = true;
      } else if (name == "version") {
        good = in.integer(version);
        has_version = true;
      } else if (name == "domain") {
        good = in.string(domain);
        has_domain = true;
      } else if (name == "code") {
        good = in.integer(code);
        has_code = true;
      } else if (name == "stage") {
        std::optional<pipeline_stage> stage;
        good = in.string(text) && (stage = stage_from_string(text)).has_value();
        if (good) letter.stage = *stage;
      } else if (name == "source") {
        good = detail::read_json_bytes(in, letter.source.source);
      } else if (name == "partition") {
        good = in.integer(number) && number >= INT32_MIN && number <= INT32_MAX;
        letter.source.partition = static_cast<std::int32_t>(number);
      } else if (name == "offset") {
        good = in.integer(number);
        letter.source.offset = number;
      } else if (name == "event_time_us") {
        if (in.peek() == 'n') {
          good = in.literal("null");
          letter.event_time.reset();
        } else {
          good = in.integer(number);
          letter.event_time = unix_micros(number);
        }
      } else if (name == "first_failure_us") {
        good = in.integer(number);
        letter.first_failure = unix_micros(number);
      } else if (name == "last_failure_us") {
        good = in.integer(number);
        letter.last_failure = unix_micros(number);
      } else if (name == "attempts") {
        good = in.integer(number) && number >= 0 && number <= static_cast<std::int64_t>(UINT32_MAX);
        letter.attempts = static_cast<std::uint32_t>(number);
      } else if (name == "detail") {
        good = in.string(letter.detail) && letter.detail.size() <= dead_letter_detail_limit;
      } else if (name == "headers") {
        letter.headers.clear();
        good = in.expect('[');
        if (good && !in.consume(']')) {
          do {
            // {"name": ..., "value": ...}, both once, in either order.
            dead_letter_header header;
            bool has_name = false, has_value = false;
            good = in.expect('{');
            while (good) {
              std::string header_key;
              good = in.string(header_key) && in.expect(':');
              if (good && header_key == "name" && !has_name) {
                good = has_name = detail::read_json_bytes(in, header.name);
              } else if (good && header_key == "value" && !has_value) {
                good = has_value = detail::read_json_bytes(in, header.value);
              } else {
                good = false;
              }
              if (!good || !in.consume(',')) break;
            }
            good = good && has_name && has_value && in.expect('}');
            if (good) letter.headers.push_back(std::move(header));
          } while (good && in.consume(','));
          good = good && in.expect(']');
        }
      } else if (name == "payload") {
        good = detail::read_json_bytes(in, payload_bytes) &&
               payload_codec<Payload>::from_bytes(payload_bytes, letter.payload);
      } else {
        good = in.skip_value();
      }
      if (!good || !in.ok()) return corrupt;
    } while (in.consume(','));
    if (!in.expect('}')) return corrupt;
  }
  if (!in.at_end() || !has_format || !has_version || !has_domain || !has_code) return corrupt;
  if (version != dead_letter_format_version) return errc::encoding_version_unsupported;
  if (std::error_code problem = detail::resolve_error(domain, code, letter.error)) return problem;
  return letter;
}

SLUICE_NAMESPACE_END
