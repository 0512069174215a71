// Text helpers for the dead-letter JSON-lines format: UTF-8 validation and repair, JSON string
// escaping, base64, and a small bounds-checked JSON reader. Used by sluice/dead_letter.hpp.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/detail/config.hpp"

SLUICE_NAMESPACE_BEGIN
namespace detail {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80u) return 1;
  std::size_t length;
  unsigned char low = 0x80u, high = 0xBFu;
  if (lead >= 0xC2u && lead <= 0xDFu) {
    length = 2;
  } else if (lead >= 0xE0u && lead <= 0xEFu) {
    length = 3;
    if (lead == 0xE0u) low = 0xA0u;
    if (lead == 0xEDu) high = 0x9Fu;
  } else if (lead >= 0xF0u && lead <= 0xF4u) {
    length = 4;
    if (lead == 0xF0u) low = 0x90u;
    if (lead == 0xF4u) high = 0x8Fu;
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80u || byte(i + k) > 0xBFu) return 0;
  return length;
}

inline bool valid_utf8(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

inline constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD
inline constexpr std::string_view ellipsis = "\xE2\x80\xA6";                // U+2026

// `text` with every invalid byte replaced by U+FFFD, cut to at most `limit` bytes on a
// character boundary; a cut text ends with U+2026 (counted in the limit).
inline std::string bounded_utf8(std::string_view text, std::size_t limit) {
  std::string clean;
  clean.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_sequence_length(text, i);
    clean += n == 0 ? replacement_character : text.substr(i, n);
    i += n == 0 ? 1 : n;
  }
  if (clean.size() <= limit) return clean;
  if (limit < ellipsis.size()) return std::string();
  std::size_t cut = limit - ellipsis.size();
  while (cut > 0 && (static_cast<unsigned char>(clean[cut]) & 0xC0u) == 0x80u) --cut;
  clean.resize(cut);
  clean += ellipsis;
  return clean;
}

// Appends `text` (valid UTF-8) as a JSON string literal. Quotes, backslashes, control
// characters, DEL, U+2028 and U+2029 are escaped; other characters are written as they are.
inline void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (c < 0x20u || c == 0x7Fu) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xFu];
    } else if (c == 0xE2u && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80u &&
               (static_cast<unsigned char>(text[i + 2]) == 0xA8u ||
                static_cast<unsigned char>(text[i + 2]) == 0xA9u)) {
      out += static_cast<unsigned char>(text[i + 2]) == 0xA8u ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

inline constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

inline void append_base64(std::string& out, std::string_view bytes) {
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) out += base64_alphabet[(v >> shift) & 63u];
  }
  std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = at(i) << 16 | (rest == 2 ? at(i + 1) << 8 : 0u);
    out += base64_alphabet[(v >> 18) & 63u];
    out += base64_alphabet[(v >> 12) & 63u];
    out += rest == 2 ? base64_alphabet[(v >> 6) & 63u] : '=';
    out += '=';
  }
}

// Decodes padded standard base64; false on any malformed input.
inline bool decode_base64(std::string_view text, std::string& out) {
  if (text.size() % 4 != 0) return false;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out.clear();
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int a = value(text[i]), b = value(text[i + 1]);
    int c = text[i + 2] == '=' && last ? -2 : value(text[i + 2]);
    int d = text[i + 3] == '=' && last ? -2 : value(text[i + 3]);
    if (a < 0 || b < 0 || c == -1 || d == -1 || (c == -2 && d != -2)) return false;
    std::uint32_t v = static_cast<std::uint32_t>(a) << 18 | static_cast<std::uint32_t>(b) << 12 |
                      (c >= 0 ? static_cast<std::uint32_t>(c) << 6 : 0u) |
                      (d >= 0 ? static_cast<std::uint32_t>(d) : 0u);
    out += static_cast<char>((v >> 16) & 0xFFu);
    if (c >= 0) out += static_cast<char>((v >> 8) & 0xFFu);
    if (d >= 0) out += static_cast<char>(v & 0xFFu);
    // Reject non-canonical padding bits so each byte string has one encoding.
    if (c == -2 && (v & 0xFFFFu) != 0) return false;
    if (c >= 0 && d == -2 && (v & 0xFFu) != 0) return false;
  }
  return true;
}

// A cursor over one JSON text. Every read is bounds-checked; a failure is sticky.
class json_reader {
 public:
  explicit json_reader(std::string_view text) noexcept : text_(text) {}

  bool ok() const noexcept { return ok_; }
  bool fail() noexcept { return ok_ = false; }

  void skip_space() noexcept {
    while (position_ < text_.size() && (text_[position_] == ' ' || text_[position_] == '\t' ||
                                         text_[position_] == '\n' || text_[position_] == '\r'))
      ++position_;
  }
  // Consumes `c` (after white space) when it is next.
  bool consume(char c) noexcept {
    skip_space();
    if (ok_ && position_ < text_.size() && text_[position_] == c) {
      ++position_;
      return true;
    }
    return false;
  }
  bool expect(char c) noexcept { return consume(c) || fail(); }
  char peek() noexcept {
    skip_space();
    return ok_ && position_ < text_.size() ? text_[position_] : '\0';
  }
  bool at_end() noexcept {
    skip_space();
    return ok_ && position_ == text_.size();
  }

  bool literal(std::string_view word) noexcept {
    skip_space();
    if (ok_ && text_.substr(position_, word.size()) == word) {
      position_ += word.size();
      return true;
    }
    return fail();
  }

  bool string(std::string& out) {
    out.clear();
    if (!expect('"')) return false;
    while (position_ < text_.size()) {
      auto c = static_cast<unsigned char>(text_[position_]);
      if (c == '"') {
        ++position_;
        return true;
      }
      if (c < 0x20u) return fail();
      if (c != '\\') {
        // Copy the whole run of plain characters (valid UTF-8 included) at once.
        const std::size_t run_start = position_;
        while (position_ < text_.size()) {
          c = static_cast<unsigned char>(text_[position_]);
          if (c == '"' || c == '\\' || c < 0x20u) break;
          if (c < 0x80u) {
            ++position_;
            continue;
          }
          const std::size_t n = utf8_sequence_length(text_, position_);
          if (n == 0) return fail();
          position_ += n;
        }
        out.append(text_.data() + run_start, position_ - run_start);
        continue;
      }
      if (++position_ >= text_.size()) return fail();
      char e = text_[position_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t code = 0;
          if (!hex4(code)) return false;
          if (code >= 0xD800u && code <= 0xDBFFu) {
            std::uint32_t low = 0;
            if (text_.substr(position_, 2) != "\\u") return fail();
            position_ += 2;
            if (!hex4(low) || low < 0xDC00u || low > 0xDFFFu) return fail();
            code = 0x10000u + ((code - 0xD800u) << 10) + (low - 0xDC00u);
          } else if (code >= 0xDC00u && code <= 0xDFFFu) {
            return fail();
          }
          append_utf8(out, code);
          break;
        }
        default: return fail();
      }
    }
    return fail();
  }

  bool integer(std::int64_t& out) noexcept {
    skip_space();
    if (!ok_) return false;
    const char* first = text_.data() + position_;
    const char* last = text_.data() + text_.size();
    auto parsed = std::from_chars(first, last, out);
    if (parsed.ec != std::errc() || parsed.ptr == first) return fail();
    // JSON has no leading zeros, '+', fractions or exponents here.
    if (parsed.ptr < last && (*parsed.ptr == '.' || *parsed.ptr == 'e' || *parsed.ptr == 'E'))
      return fail();
    std::string_view digits(first, static_cast<std::size_t>(parsed.ptr - first));
    if (digits.front() == '-') digits.remove_prefix(1);
    if (digits.size() > 1 && digits.front() == '0') return fail();
    position_ += static_cast<std::size_t>(parsed.ptr - first);
    return true;
  }

  // Skips any JSON value (for keys a reader does not know), up to a nesting depth.
  bool skip_value(int depth = 0) {
    if (depth > 64) return fail();
    char c = peek();
    std::string scratch;
    switch (c) {
      case '"': return string(scratch);
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      case '{':
        ++position_;
        if (consume('}')) return true;
        do {
          if (!string(scratch) || !expect(':') || !skip_value(depth + 1)) return false;
        } while (consume(','));
        return expect('}');
      case '[':
        ++position_;
        if (consume(']')) return true;
        do {
          if (!skip_value(depth + 1)) return false;
        } while (consume(','));
        return expect(']');
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          // Numbers that are not 64-bit integers are skipped character by character.
          while (position_ < text_.size() &&
                 std::string_view("+-.0123456789eE").find(text_[position_]) != std::string_view::npos)
            ++position_;
          return true;
        }
        return fail();
    }
  }

 private:
  bool hex4(std::uint32_t& out) noexcept {
    if (text_.size() - position_ < 4) return fail();
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[position_++];
      std::uint32_t digit;
      if (c >= '0' && c <= '9')
        digit = static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        digit = static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        digit = static_cast<std::uint32_t>(c - 'A' + 10);
      else
        return fail();
      out = out << 4 | digit;
    }
    return true;
  }

  static void append_utf8(std::string& out, std::uint32_t code) {
    if (code < 0x80u) {
      out += static_cast<char>(code);
    } else if (code < 0x800u) {
      out += static_cast<char>(0xC0u | (code >> 6));
      out += static_cast<char>(0x80u | (code & 0x3Fu));
    } else if (code < 0x10000u) {
      out += static_cast<char>(0xE0u | (code >> 12));
      out += static_cast<char>(0x80u | ((code >> 6) & 0x3Fu));
      out += static_cast<char>(0x80u | (code & 0x3Fu));
    } else {
      out += static_cast<char>(0xF0u | (code >> 18));
      out += static_cast<char>(0x80u | ((code >> 12) & 0x3Fu));
      out += static_cast<char>(0x80u | ((code >> 6) & 0x3Fu));
      out += static_cast<char>(0x80u | (code & 0x3Fu));
    }
  }

  std::string_view text_;
  std::size_t position_ = 0;
  bool ok_ = true;
};

}  // namespace detail
SLUICE_NAMESPACE_END
