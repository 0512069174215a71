// A small, strict parser for flat JSON objects: one object per line whose values are strings,
// numbers, true, false or null (no nested objects or arrays). Strings are checked to be valid
// UTF-8 and unescaped into an arena; every failure is a specific sluice error code plus the
// byte offset where it was found, never a crash, whatever the input bytes.
//
//   edge::flat_object object;
//   edge::parse_failure failure = edge::parse_flat_object(line, scratch_arena, object);
//   if (failure) dead_letter(failure.code, failure.message, failure.offset);
//   else if (const edge::json_field* id = object.find("event_id")) use(id->text);
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>

#include <sluice/arena.hpp>
#include <sluice/errors.hpp>

namespace edge {

// The JSON type of one field's value.
enum class json_type : std::uint8_t { string, integer, fraction, boolean, null };

constexpr std::string_view to_string(json_type type) noexcept {
  switch (type) {
    case json_type::string: return "string";
    case json_type::integer: return "integer";
    case json_type::fraction: return "fraction";
    case json_type::boolean: return "boolean";
    case json_type::null: return "null";
  }
  return "unknown";
}

// One member of a flat object. `text` is the unescaped string (valid UTF-8), or the number's
// literal text; `integer` holds integers, `boolean` true/false.
struct json_field {
  std::string_view name;
  json_type type = json_type::null;
  std::string_view text;
  std::int64_t integer = 0;
  bool boolean = false;
};

// At most this many members per object; more is PAYLOAD_TOO_LARGE.
inline constexpr std::size_t max_fields = 16;
// At most this many bytes per line; more is PAYLOAD_TOO_LARGE.
inline constexpr std::size_t max_line_bytes = 64 * 1024;

// A parsed object: its members in input order, names unique.
struct flat_object {
  json_field fields[max_fields];
  std::size_t count = 0;

  const json_field* find(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < count; ++i)
      if (fields[i].name == name) return &fields[i];
    return nullptr;
  }
  const json_field* begin() const noexcept { return fields; }
  const json_field* end() const noexcept { return fields + count; }
};

// Why a line was refused: the code, where (byte offset in the line) and a short message.
// Converts to true when there is a failure.
struct parse_failure {
  sluice::errc code = sluice::errc::unclassified;
  std::size_t offset = 0;
  const char* message = nullptr;
  explicit operator bool() const noexcept { return message != nullptr; }
};

namespace detail {

// Length of the UTF-8 sequence starting at text[i], or 0 if it is not valid there
// (overlong forms, surrogates, code points above U+10FFFF included). A valid beginning cut
// short by the end of the text sets `cut_short` and returns 0.
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t i, bool& cut_short) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  const std::size_t available = text.size() - i < length ? text.size() - i : length;
  if (available > 1 && (byte(i + 1) < low || byte(i + 1) > high)) return 0;
  for (std::size_t k = 2; k < available; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  if (available < length) {
    cut_short = true;
    return 0;
  }
  return length;
}

inline std::size_t encode_utf8(std::uint32_t code_point, char* out) noexcept {
  if (code_point < 0x80) {
    out[0] = static_cast<char>(code_point);
    return 1;
  }
  if (code_point < 0x800) {
    out[0] = static_cast<char>(0xC0 | (code_point >> 6));
    out[1] = static_cast<char>(0x80 | (code_point & 0x3F));
    return 2;
  }
  if (code_point < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (code_point >> 12));
    out[1] = static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (code_point & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (code_point >> 18));
  out[1] = static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (code_point & 0x3F));
  return 4;
}

class flat_parser {
 public:
  flat_parser(std::string_view line, sluice::arena& strings) noexcept
      : in_(line), strings_(strings) {}

  parse_failure run(flat_object& out) noexcept {
    out.count = 0;
    if (in_.size() > max_line_bytes) return fail(sluice::errc::payload_too_large, "line longer than 64 KiB");
    skip_space();
    if (at_end()) return fail(sluice::errc::truncated_record, "empty record");
    if (in_[pos_] != '{') return fail(sluice::errc::json_parse_error, "expected '{'");
    ++pos_;
    skip_space();
    if (!at_end() && in_[pos_] == '}') return finish();
    for (;;) {
      skip_space();
      if (at_end()) return fail(sluice::errc::truncated_record, "object ends before '}'");
      if (in_[pos_] != '"') return fail(sluice::errc::json_parse_error, "expected a field name");
      json_field field;
      if (parse_failure f = parse_string(field.name)) return f;
      for (std::size_t i = 0; i < out.count; ++i)
        if (out.fields[i].name == field.name) return fail(sluice::errc::json_parse_error, "duplicate field name");
      skip_space();
      if (at_end()) return fail(sluice::errc::truncated_record, "object ends before ':'");
      if (in_[pos_] != ':') return fail(sluice::errc::json_parse_error, "expected ':'");
      ++pos_;
      skip_space();
      if (parse_failure f = parse_value(field)) return f;
      if (out.count == max_fields) return fail(sluice::errc::payload_too_large, "more than 16 fields");
      out.fields[out.count++] = field;
      skip_space();
      if (at_end()) return fail(sluice::errc::truncated_record, "object ends before '}'");
      if (in_[pos_] == '}') return finish();
      if (in_[pos_] != ',') return fail(sluice::errc::json_parse_error, "expected ',' or '}'");
      ++pos_;
    }
  }

 private:
  bool at_end() const noexcept { return pos_ >= in_.size(); }

  void skip_space() noexcept {
    while (!at_end() && (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\r' || in_[pos_] == '\n')) ++pos_;
  }

  parse_failure fail(sluice::errc code, const char* message) const noexcept {
    return parse_failure{code, pos_, message};
  }

  parse_failure finish() noexcept {
    ++pos_;
    skip_space();
    if (!at_end()) return fail(sluice::errc::json_parse_error, "unexpected bytes after '}'");
    return {};
  }

  parse_failure parse_value(json_field& field) noexcept {
    if (at_end()) return fail(sluice::errc::truncated_record, "object ends before a value");
    const char c = in_[pos_];
    if (c == '"') {
      field.type = json_type::string;
      return parse_string(field.text);
    }
    if (c == '{' || c == '[') return fail(sluice::errc::type_mismatch, "nested objects and arrays are not accepted");
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(field);
    if (literal("true")) {
      field.type = json_type::boolean;
      field.boolean = true;
      return {};
    }
    if (literal("false")) {
      field.type = json_type::boolean;
      return {};
    }
    if (literal("null")) {
      field.type = json_type::null;
      return {};
    }
    if (in_.size() - pos_ < 5 && (std::string_view("true").substr(0, in_.size() - pos_) == in_.substr(pos_) ||
                                  std::string_view("false").substr(0, in_.size() - pos_) == in_.substr(pos_) ||
                                  std::string_view("null").substr(0, in_.size() - pos_) == in_.substr(pos_)))
      return fail(sluice::errc::truncated_record, "record ends inside a literal");
    return fail(sluice::errc::json_parse_error, "expected a value");
  }

  bool literal(std::string_view word) noexcept {
    if (in_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  static bool digit(char c) noexcept { return c >= '0' && c <= '9'; }

  // RFC 8259 number grammar; integers must fit int64_t.
  parse_failure parse_number(json_field& field) noexcept {
    const std::size_t start = pos_;
    if (in_[pos_] == '-') ++pos_;
    if (at_end()) return fail(sluice::errc::truncated_record, "record ends inside a number");
    if (in_[pos_] == '0') {
      ++pos_;
    } else if (digit(in_[pos_])) {
      while (!at_end() && digit(in_[pos_])) ++pos_;
    } else {
      return fail(sluice::errc::json_parse_error, "malformed number");
    }
    bool integral = true;
    if (!at_end() && in_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (at_end() || !digit(in_[pos_])) return fail(sluice::errc::json_parse_error, "malformed number");
      while (!at_end() && digit(in_[pos_])) ++pos_;
    }
    if (!at_end() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (!at_end() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
      if (at_end() || !digit(in_[pos_])) return fail(sluice::errc::json_parse_error, "malformed number");
      while (!at_end() && digit(in_[pos_])) ++pos_;
    }
    if (!at_end() && digit(in_[pos_])) return fail(sluice::errc::json_parse_error, "leading zero in a number");
    field.text = in_.substr(start, pos_ - start);
    if (!integral) {
      field.type = json_type::fraction;
      return {};
    }
    field.type = json_type::integer;
    const char* first = in_.data() + start;
    const char* last = in_.data() + pos_;
    const std::error_code ec = sluice::check_number_parse(std::from_chars(first, last, field.integer), last);
    if (ec) return parse_failure{static_cast<sluice::errc>(ec.value()), start, "integer does not fit 64 bits"};
    return {};
  }

  std::size_t checked_utf8(std::size_t at) noexcept {
    cut_short_ = false;
    return utf8_sequence_length(in_, at, cut_short_);
  }
  parse_failure utf8_failure() const noexcept {
    return cut_short_ ? fail(sluice::errc::truncated_record, "record ends inside a character")
                      : fail(sluice::errc::invalid_utf8, "invalid UTF-8 in a string");
  }

  static int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits at pos_; -1 when malformed, -2 when the record ends first.
  long read_hex4() noexcept {
    long value = 0;
    for (int k = 0; k < 4; ++k) {
      if (at_end()) return -2;
      const int digit_value = hex_value(in_[pos_]);
      if (digit_value < 0) return -1;
      value = value * 16 + digit_value;
      ++pos_;
    }
    return value;
  }

  // A string at pos_ (on its opening quote). Without escapes the result views the line;
  // otherwise the unescaped text is built in the arena.
  parse_failure parse_string(std::string_view& out) noexcept {
    ++pos_;
    const std::size_t start = pos_;
    while (!at_end()) {
      const auto c = static_cast<unsigned char>(in_[pos_]);
      if (c == '"') {
        out = in_.substr(start, pos_ - start);
        ++pos_;
        return {};
      }
      if (c == '\\') return parse_escaped_string(start, out);
      if (c < 0x20) return fail(sluice::errc::json_parse_error, "control character in a string");
      const std::size_t length = checked_utf8(pos_);
      if (length == 0) return utf8_failure();
      pos_ += length;
    }
    return fail(sluice::errc::truncated_record, "record ends inside a string");
  }

  parse_failure parse_escaped_string(std::size_t start, std::string_view& out) noexcept {
    // The unescaped text is never longer than the escaped one, so the arena's share of a line
    // is at most the line's size.
    std::size_t extent = pos_;
    while (extent < in_.size() && in_[extent] != '"') extent += in_[extent] == '\\' ? 2 : 1;
    if (extent > in_.size()) extent = in_.size();
    char* buffer = static_cast<char*>(strings_.allocate(extent - start, 1));
    if (buffer == nullptr) return fail(sluice::errc::memory_budget_exceeded, "string arena exhausted");
    std::size_t size = pos_ - start;
    std::memcpy(buffer, in_.data() + start, size);
    while (!at_end()) {
      const auto c = static_cast<unsigned char>(in_[pos_]);
      if (c == '"') {
        out = std::string_view(buffer, size);
        ++pos_;
        return {};
      }
      if (c < 0x20) return fail(sluice::errc::json_parse_error, "control character in a string");
      if (c != '\\') {
        const std::size_t length = checked_utf8(pos_);
        if (length == 0) return utf8_failure();
        std::memcpy(buffer + size, in_.data() + pos_, length);
        size += length;
        pos_ += length;
        continue;
      }
      ++pos_;
      if (at_end()) break;
      const char escape = in_[pos_++];
      char simple = 0;
      switch (escape) {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': break;
        default: --pos_; return fail(sluice::errc::json_parse_error, "unknown escape");
      }
      if (simple != 0) {
        buffer[size++] = simple;
        continue;
      }
      long unit = read_hex4();
      if (unit == -2) break;
      if (unit < 0) return fail(sluice::errc::json_parse_error, "malformed \\u escape");
      auto code_point = static_cast<std::uint32_t>(unit);
      if (code_point >= 0xDC00 && code_point <= 0xDFFF)
        return fail(sluice::errc::invalid_utf8, "unpaired low surrogate escape");
      if (code_point >= 0xD800 && code_point <= 0xDBFF) {
        if (in_.size() - pos_ < 2) {
          if (at_end() || in_[pos_] == '\\') break;
          return fail(sluice::errc::invalid_utf8, "unpaired high surrogate escape");
        }
        if (in_[pos_] != '\\' || in_[pos_ + 1] != 'u')
          return fail(sluice::errc::invalid_utf8, "unpaired high surrogate escape");
        pos_ += 2;
        const long low = read_hex4();
        if (low == -2) break;
        if (low < 0) return fail(sluice::errc::json_parse_error, "malformed \\u escape");
        if (low < 0xDC00 || low > 0xDFFF) return fail(sluice::errc::invalid_utf8, "unpaired high surrogate escape");
        code_point = 0x10000 + ((code_point - 0xD800) << 10) + (static_cast<std::uint32_t>(low) - 0xDC00);
      }
      size += encode_utf8(code_point, buffer + size);
    }
    return fail(sluice::errc::truncated_record, "record ends inside a string");
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  bool cut_short_ = false;
  sluice::arena& strings_;
};

}  // namespace detail

// Parses one line into `out`. Unescaped strings are allocated in `strings` (views into
// `line` otherwise), so `out` is valid while both live. Codes: JSON_PARSE_ERROR (syntax),
// TRUNCATED_RECORD (ends early), INVALID_UTF8, NUMBER_OUT_OF_RANGE (integer beyond 64 bits),
// TYPE_MISMATCH (a nested object or array), PAYLOAD_TOO_LARGE (line or field count limit),
// MEMORY_BUDGET_EXCEEDED (the arena is full).
inline parse_failure parse_flat_object(std::string_view line, sluice::arena& strings,
                                       flat_object& out) noexcept {
  return detail::flat_parser(line, strings).run(out);
}

}  // namespace edge
