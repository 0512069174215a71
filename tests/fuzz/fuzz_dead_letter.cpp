// Fuzz target: dead-letter envelopes. The first byte picks a mode:
//   0  decode the rest as a binary envelope, as it is;
//   1  the same after repairing its size field and CRC, so mutations reach the field parser;
//   2  parse the rest as a JSON line;
//   3  build a letter from the bytes (arbitrary detail, headers, payload), then round-trip it
//      through both forms, and check that any single damaged byte is refused.
// Properties: never a crash; only the documented error codes; whatever decodes re-encodes to
// an envelope that decodes to the same letter, in both forms.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "sluice/dead_letter.hpp"

namespace {

using letter_type = sluice::dead_letter<std::string>;

bool is_decode_error(const std::error_code& error) {
  return error == sluice::errc::encoding_corrupt || error == sluice::errc::encoding_version_unsupported ||
         error == sluice::errc::unregistered_taxonomy;
}

// A decoded or parsed letter must survive both forms unchanged.
void check_round_trips(const letter_type& letter) {
  // Value 0 is "no error" in every domain: it always decodes as the empty code.
  FUZZ_CHECK(letter.error || letter.error == std::error_code());
  FUZZ_CHECK(letter.detail.size() <= sluice::dead_letter_detail_limit);
  FUZZ_CHECK(sluice::detail::valid_utf8(letter.detail));

  const std::string binary = sluice::encode(letter).value();
  auto decoded = sluice::decode_dead_letter<std::string>(binary);
  FUZZ_CHECK(decoded.has_value());
  FUZZ_CHECK(*decoded == letter);
  FUZZ_CHECK(sluice::encode(*decoded).value() == binary);

  // Trailing bytes are allowed only with `consumed`.
  std::string padded = binary + "tail";
  std::size_t consumed = 0;
  auto prefix = sluice::decode_dead_letter<std::string>(padded, &consumed);
  FUZZ_CHECK(prefix.has_value() && consumed == binary.size() && *prefix == letter);
  FUZZ_CHECK(!sluice::decode_dead_letter<std::string>(padded).has_value());

  const std::string line = sluice::to_json_line(letter);
  FUZZ_CHECK(!line.empty() && line.back() == '\n');
  FUZZ_CHECK(line.find('\n') == line.size() - 1);  // one line, whatever the bytes
  auto parsed = sluice::parse_json_line<std::string>(line);
  FUZZ_CHECK(parsed.has_value());
  FUZZ_CHECK(*parsed == letter);
  FUZZ_CHECK(sluice::to_json_line(*parsed) == line);

  // Byte vectors carry the same payload bytes.
  sluice::dead_letter<std::vector<unsigned char>> as_vector;
  auto from_vector = sluice::decode_dead_letter<std::vector<unsigned char>>(binary);
  FUZZ_CHECK(from_vector.has_value());
  as_vector = *from_vector;
  FUZZ_CHECK(as_vector.payload.size() == letter.payload.size());
  FUZZ_CHECK(sluice::encode(as_vector).value() == binary);
}

void decode_bytes(std::string_view bytes) {
  auto decoded = sluice::decode_dead_letter<std::string>(bytes);
  if (!decoded) {
    FUZZ_CHECK(is_decode_error(decoded.error()));
  } else {
    check_round_trips(*decoded);
  }
  std::size_t consumed = 0;
  auto front = sluice::decode_dead_letter<std::string>(bytes, &consumed);
  if (front) {
    FUZZ_CHECK(consumed >= 14 && consumed <= bytes.size());
    auto exact = sluice::decode_dead_letter<std::string>(bytes.substr(0, consumed));
    FUZZ_CHECK(exact.has_value() && *exact == *front);
  } else {
    FUZZ_CHECK(is_decode_error(front.error()));
  }
}

// Writes the envelope's size field and CRC so that they match `bytes`.
std::string repaired(std::string_view bytes) {
  std::string out(bytes);
  if (out.size() < 14) return out;
  const auto total = static_cast<std::uint32_t>(out.size());
  for (int i = 0; i < 4; ++i) out[6 + static_cast<std::size_t>(i)] = static_cast<char>(total >> (8 * i));
  const std::uint32_t crc = sluice::detail::crc32c(out.data(), out.size() - 4);
  for (int i = 0; i < 4; ++i)
    out[out.size() - 4 + static_cast<std::size_t>(i)] = static_cast<char>(crc >> (8 * i));
  return out;
}

std::error_code pick_error(fuzz::input& in) {
  switch (in.below(6)) {
    case 0: return {};
    case 1: return sluice::make_error_code(sluice::errc::json_parse_error);
    case 2: return sluice::make_error_code(static_cast<sluice::errc>(in.below(1000)));  // any value
    case 3: return std::make_error_code(std::errc::timed_out);
    case 4: return std::error_code(static_cast<int>(in.u32()), std::generic_category());
    default: return std::error_code(static_cast<int>(in.u32()), std::system_category());
  }
}

void build_and_round_trip(fuzz::input& in) {
  letter_type letter;
  letter.error = pick_error(in);
  letter.stage = static_cast<sluice::pipeline_stage>(in.below(sluice::pipeline_stage_count));
  letter.source.source = std::string(in.prefixed(40));
  letter.source.partition = static_cast<std::int32_t>(in.u32());
  letter.source.offset = in.i64();
  if (in.flag()) letter.event_time = sluice::unix_micros(in.i64());
  letter.first_failure = sluice::unix_micros(in.i64());
  letter.last_failure = sluice::unix_micros(in.i64());
  letter.attempts = in.u32();
  const std::string_view raw_detail = in.prefixed(in.flag() ? 3000 : 60);
  letter.set_detail(raw_detail);
  FUZZ_CHECK(letter.detail.size() <= sluice::dead_letter_detail_limit);
  FUZZ_CHECK(sluice::detail::valid_utf8(letter.detail));
  if (raw_detail.size() <= sluice::dead_letter_detail_limit && sluice::detail::valid_utf8(raw_detail))
    FUZZ_CHECK(letter.detail == raw_detail);  // valid text within the limit is kept as is
  const std::size_t header_count = static_cast<std::size_t>(in.below(5));
  for (std::size_t i = 0; i < header_count; ++i)
    letter.headers.push_back({std::string(in.prefixed(20)), std::string(in.prefixed(40))});
  letter.payload = std::string(in.rest());

  // The letter as stored: a known code is kept, others become their classification.
  const std::string binary = sluice::encode(letter).value();
  auto decoded = sluice::decode_dead_letter<std::string>(binary);
  FUZZ_CHECK(decoded.has_value());
  FUZZ_CHECK(decoded->stage == letter.stage && decoded->source == letter.source &&
             decoded->event_time == letter.event_time && decoded->attempts == letter.attempts &&
             decoded->headers == letter.headers && decoded->payload == letter.payload &&
             decoded->first_failure == letter.first_failure &&
             decoded->last_failure == letter.last_failure);
  auto expected = sluice::normalize_error(letter.error, letter.detail);
  // Any "no error" code (value 0, whatever its category) is stored as the empty code.
  FUZZ_CHECK(expected.first ? decoded->error == expected.first : !decoded->error);
  check_round_trips(*decoded);

  auto parsed = sluice::parse_json_line<std::string>(sluice::to_json_line(letter));
  FUZZ_CHECK(parsed.has_value() && *parsed == *decoded);

  // Any one damaged byte is refused.
  for (std::size_t i = 0; i < binary.size(); i += 1 + binary.size() / 64) {
    std::string damaged = binary;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    auto refused = sluice::decode_dead_letter<std::string>(damaged);
    FUZZ_CHECK(!refused.has_value());
    FUZZ_CHECK(is_decode_error(refused.error()));
  }
  // Every truncation is refused.
  for (std::size_t cut = 0; cut < binary.size(); cut += 1 + binary.size() / 32)
    FUZZ_CHECK(!sluice::decode_dead_letter<std::string>(std::string_view(binary).substr(0, cut)).has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  switch (in.byte() % 4) {
    case 0: decode_bytes(in.rest()); break;
    case 1: decode_bytes(repaired(in.rest())); break;
    case 2: {
      const std::string_view line = in.rest();
      auto parsed = sluice::parse_json_line<std::string>(line);
      if (parsed)
        check_round_trips(*parsed);
      else
        FUZZ_CHECK(is_decode_error(parsed.error()));
      break;
    }
    default: build_and_round_trip(in); break;
  }
  return 0;
}
