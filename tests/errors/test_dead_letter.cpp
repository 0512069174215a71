// Dead-letter envelopes: binary and JSON-lines round trips, hostile inputs, bounded detail.
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "errors/model.hpp"
#include "sluice/dead_letter.hpp"
#include "test_support.hpp"

namespace errors_test_dead_letter {

using sluice::dead_letter;
using sluice::errc;
using sluice::unix_micros;

namespace {

std::string random_bytes(sluice_test::rng& rng, std::size_t max_size) {
  // A mix of ASCII, JSON-special characters, multi-byte UTF-8, U+2028 and raw garbage.
  static const char* const pieces[] = {"a", "Z", "\"", "\\", "\n", "\t", "\x01", "\x1F", "\x7F", "/",
                                       "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xE2\x80\xA8",
                                       "\xE2\x80\xA9", "\xFF", "\xC0\xAF", "\xED\xA0\x80", "\x80", " "};
  std::string out;
  std::size_t n = static_cast<std::size_t>(rng.below(max_size + 1));
  while (out.size() < n) out += pieces[rng.below(sizeof pieces / sizeof pieces[0])];
  return out;
}

dead_letter<std::string> random_letter(sluice_test::rng& rng) {
  dead_letter<std::string> letter;
  auto codes = sluice::all_codes();
  switch (rng.below(4)) {
    case 0: letter.error = std::make_error_code(std::errc::timed_out); break;
    case 1: letter.error = std::error_code(); break;
    default:
      letter.error = static_cast<errc>(codes.begin()[rng.below(codes.size())].value);
  }
  letter.stage = static_cast<sluice::pipeline_stage>(rng.below(sluice::pipeline_stage_count));
  letter.source.source = random_bytes(rng, 12);
  letter.source.partition = static_cast<std::int32_t>(rng.between(-1, 1000));
  letter.source.offset = rng.percent(10) ? INT64_MIN : rng.between(-1, INT64_MAX);
  if (rng.percent(70)) letter.event_time = unix_micros(rng.between(INT64_MIN, INT64_MAX));
  letter.first_failure = unix_micros(rng.between(0, 2000000000000000));
  letter.last_failure = letter.first_failure + unix_micros(rng.below(1000000));
  letter.attempts = static_cast<std::uint32_t>(rng.percent(5) ? UINT32_MAX : rng.below(10));
  letter.set_detail(random_bytes(rng, rng.percent(10) ? 3000 : 40));
  for (std::uint64_t i = rng.below(4); i > 0; --i)
    letter.headers.push_back({random_bytes(rng, 8), random_bytes(rng, 16)});
  letter.payload = random_bytes(rng, 64);
  return letter;
}

}  // namespace

TEST_CASE("random dead letters round-trip through the binary form", "[errors]") {
  sluice_test::rng rng(0xDEAD1E77E5);
  std::string stream;
  std::vector<dead_letter<std::string>> letters;
  for (std::size_t round = 0; round < sluice_test::scaled(500); ++round) {
    letters.push_back(random_letter(rng));
    std::string bytes = sluice::encode(letters.back()).value();
    auto back = sluice::decode_dead_letter<std::string>(bytes);
    REQUIRE(back);
    CHECK(*back == letters.back());
    stream += bytes;
  }
  // Concatenated envelopes decode one after another.
  std::string_view rest = stream;
  for (const auto& letter : letters) {
    std::size_t used = 0;
    auto back = sluice::decode_dead_letter<std::string>(rest, &used);
    REQUIRE(back);
    CHECK(*back == letter);
    rest.remove_prefix(used);
  }
  CHECK(rest.empty());
}

TEST_CASE("random dead letters round-trip through JSON lines", "[errors]") {
  sluice_test::rng rng(0x150A11E5);
  for (std::size_t round = 0; round < sluice_test::scaled(500); ++round) {
    auto letter = random_letter(rng);
    std::string line = sluice::to_json_line(letter);
    REQUIRE(line.back() == '\n');
    // One line of valid UTF-8 with no raw control characters, whatever the input.
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(errors_model::valid_utf8(line));
    bool has_control = false;
    for (std::size_t i = 0; i + 1 < line.size(); ++i)
      has_control |= static_cast<unsigned char>(line[i]) < 0x20 || line[i] == 0x7F;
    CHECK_FALSE(has_control);
    CHECK(line.find("\xE2\x80\xA8") == std::string::npos);
    auto back = sluice::parse_json_line<std::string>(line);
    REQUIRE(back);
    CHECK(*back == letter);
  }
}

TEST_CASE("JSON escaping is exact for the special characters", "[errors]") {
  dead_letter<std::string> letter;
  letter.error = errc::json_parse_error;
  letter.payload = std::string("q\"b\\n\n\x01\x7F\xE2\x80\xA8 \xC3\xA9", 14);
  std::string line = sluice::to_json_line(letter);
  CHECK(line.find(R"("payload":"q\"b\\n\n\u0001\u007f\u2028 )" "\xC3\xA9\"}") != std::string::npos);
  letter.payload = "\xFF\x00";
  letter.payload.resize(2);
  line = sluice::to_json_line(letter);
  CHECK(line.find(R"("payload":{"base64":"/wA="})") != std::string::npos);
  CHECK(line.rfind(R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":100,)"
                   R"("name":"JSON_PARSE_ERROR","family":"parse","retryable":false,"severity":"error",)", 0) == 0);
}

TEST_CASE("the JSON reader accepts other valid spellings and rejects malformed lines", "[errors]") {
  dead_letter<std::string> letter;
  letter.error = errc::late_event;
  letter.payload = "\xE2\x82\xAC";
  std::string line = sluice::to_json_line(letter);
  // Escaped forms of the same characters, extra white space and unknown keys are fine.
  std::string other = line;
  const std::string original = "\"payload\":\"\xE2\x82\xAC\"";
  other.replace(other.find(original), original.size(), "\"payload\" : \"\\u20AC\" , \"extra\":[1,{\"x\":null},2.5e3]");
  auto back = sluice::parse_json_line<std::string>(other);
  REQUIRE(back);
  CHECK(*back == letter);

  const char* bad[] = {
      "", "{", "[]", "{}", "null",
      R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":400,"payload":"\ud800"})",
      R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":400,"payload":"\x"})",
      R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":400,"payload":{"base64":"abc"}})",
      R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":400,"attempts":-1})",
      R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":400,"partition":4294967296})",
      R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":400,"stage":"nowhere"})",
      R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":400} trailing)",
      R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":01})",
      R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":4.5})",
      R"({"format":"other","version":1,"domain":"sluice","code":400})",
      R"({"format":"sluice.dead_letter","domain":"sluice","code":400})",  // no version
      R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":400,"headers":[{"name":"a"}]})",
      R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":400,"headers":[{"name":"a","name":"b","value":"c"}]})",
      R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":400,"headers":[{"name":"a","value":"b","x":1}]})",
  };
  for (const char* text : bad) {
    INFO(text);
    auto parsed = sluice::parse_json_line<std::string>(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == errc::encoding_corrupt);
  }
  // A header's name and value may come in either order.
  auto swapped = sluice::parse_json_line<std::string>(
      R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":400,"headers":[{"value":"v","name":"n"}]})");
  REQUIRE(swapped);
  REQUIRE(swapped->headers.size() == 1);
  CHECK(swapped->headers[0].name == "n");
  CHECK(swapped->headers[0].value == "v");
  auto future = sluice::parse_json_line<std::string>(
      R"({"format":"sluice.dead_letter","version":2,"domain":"sluice","code":400})");
  REQUIRE_FALSE(future);
  CHECK(future.error() == errc::encoding_version_unsupported);

  // Every prefix of a valid line is rejected without reading past it.
  for (std::size_t cut = 0; cut + 2 < line.size(); ++cut)
    CHECK_FALSE(sluice::parse_json_line<std::string>(std::string_view(line).substr(0, cut)));
}

TEST_CASE("the JSON reader decodes every escape JSON allows and the writer uses the short ones", "[errors]") {
  const std::string head = R"({"format":"sluice.dead_letter","version":1,"domain":"sluice","code":400,"payload":")";
  auto payload_of = [&](const std::string& escaped) {
    return sluice::parse_json_line<std::string>(head + escaped + "\"}");
  };
  struct decoded {
    const char* escaped;
    std::string bytes;
  };
  const decoded good[] = {
      {R"(\"\\\/\b\f\n\r\t)", "\"\\/\b\f\n\r\t"},
      {R"(\u0000)", std::string(1, '\0')},
      {R"(\u0041\u00e9\u00E9)", "A\xC3\xA9\xC3\xA9"},                    // 1 and 2 bytes
      {R"(\u20ac\uFFFF)", "\xE2\x82\xAC\xEF\xBF\xBF"},                      // 3 bytes
      {R"(\ud83d\ude00\uD800\uDC00\uDBFF\uDFFF)", "\xF0\x9F\x98\x80\xF0\x90\x80\x80\xF4\x8F\xBF\xBF"},  // pairs
  };
  for (const decoded& d : good) {
    INFO(d.escaped);
    auto letter = payload_of(d.escaped);
    REQUIRE(letter);
    CHECK(letter->payload == d.bytes);
  }
  const char* bad[] = {
      R"(\udc00)",          // a low surrogate alone
      R"(\ud83d\u0041)",    // a high surrogate followed by no low one
      R"(\ud83d\ud83d)",    // ... or by another high one
      R"(\ud83dx)",         // ... or by plain text
      R"(\u12G4)", R"(\u12)", R"(\U0041)", R"(\a)", R"(\)",
  };
  for (const char* escaped : bad) {
    INFO(escaped);
    auto letter = payload_of(escaped);
    REQUIRE_FALSE(letter);
    CHECK(letter.error() == errc::encoding_corrupt);
  }

  // The writer escapes the control characters that have short forms with them.
  dead_letter<std::string> letter;
  letter.error = errc::late_event;
  letter.payload = "\b\f\r\t\n";
  const std::string line = sluice::to_json_line(letter);
  CHECK(line.find(R"("payload":"\b\f\r\t\n")") != std::string::npos);
  auto back = sluice::parse_json_line<std::string>(line);
  REQUIRE(back);
  CHECK(*back == letter);
}

TEST_CASE("decoding hostile bytes returns an error and never crashes", "[errors]") {
  sluice_test::rng rng(0xBADB17E5);
  const auto acceptable = [](const std::error_code& ec) {
    return ec == errc::encoding_corrupt || ec == errc::encoding_version_unsupported ||
           ec == errc::unregistered_taxonomy;
  };
  for (std::size_t round = 0; round < sluice_test::scaled(300); ++round) {
    auto letter = random_letter(rng);
    std::string bytes = sluice::encode(letter).value();

    // Truncation.
    std::size_t cut = static_cast<std::size_t>(rng.below(bytes.size()));
    auto truncated = sluice::decode_dead_letter<std::string>(std::string_view(bytes).substr(0, cut));
    REQUIRE_FALSE(truncated);
    CHECK(truncated.error() == errc::encoding_corrupt);

    // A flipped bit is caught (by the CRC, or earlier by the header checks).
    std::string flipped = bytes;
    flipped[static_cast<std::size_t>(rng.below(flipped.size()))] ^= static_cast<char>(1u << rng.below(8));
    auto f = sluice::decode_dead_letter<std::string>(flipped);
    REQUIRE_FALSE(f);
    CHECK(acceptable(f.error()));

    // Random damage with a recomputed CRC reaches the field parser: it must stay in bounds.
    std::string damaged = bytes;
    for (std::uint64_t k = 1 + rng.below(4); k > 0; --k)
      damaged[10 + static_cast<std::size_t>(rng.below(damaged.size() - 14))] = static_cast<char>(rng.below(256));
    std::uint32_t crc = sluice::detail::crc32c(damaged.data(), damaged.size() - 4);
    for (int i = 0; i < 4; ++i) damaged[damaged.size() - 4 + static_cast<std::size_t>(i)] = static_cast<char>(crc >> (8 * i));
    auto d = sluice::decode_dead_letter<std::string>(damaged);
    if (!d) CHECK(acceptable(d.error()));

    // Pure noise, with and without a valid-looking header.
    std::string noise(static_cast<std::size_t>(rng.below(64)), '\0');
    for (char& c : noise) c = static_cast<char>(rng.below(256));
    CHECK_FALSE(sluice::decode_dead_letter<std::string>(noise));
    std::string framed = std::string("SLDL\x01\x00", 6) + errors_model::little_endian(noise.size() + 14, 4) + noise;
    std::uint32_t framed_crc = sluice::detail::crc32c(framed.data(), framed.size());
    framed += errors_model::little_endian(framed_crc, 4);
    auto n = sluice::decode_dead_letter<std::string>(framed);
    if (!n) CHECK(acceptable(n.error()));
  }
}

TEST_CASE("binary header checks: magic, version, size, trailing bytes", "[errors]") {
  dead_letter<std::string> letter;
  letter.error = errc::stale_writer;
  std::string bytes = sluice::encode(letter).value();
  CHECK(bytes.substr(0, 5) == std::string("SLDL\x01", 5));
  CHECK(bytes.substr(6, 4) == errors_model::little_endian(bytes.size(), 4));
  CHECK(bytes.substr(bytes.size() - 4) == errors_model::little_endian(errors_model::crc32c_bitwise(bytes.substr(0, bytes.size() - 4)), 4));

  std::string v2 = bytes;
  v2[4] = 2;
  auto r = sluice::decode_dead_letter<std::string>(v2);
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::encoding_version_unsupported);
  auto trailing = sluice::decode_dead_letter<std::string>(bytes + "x");
  REQUIRE_FALSE(trailing);
  CHECK(trailing.error() == errc::encoding_corrupt);
  std::size_t used = 0;
  CHECK(sluice::decode_dead_letter<std::string>(bytes + "x", &used));
  CHECK(used == bytes.size());
}

namespace {
// The binary form of `letter` (whose error must be empty) with the stored (domain, value) pair
// replaced by (`domain`, `value`), and its size and CRC fixed to match.
std::string with_stored_error(const dead_letter<std::string>& letter, const std::string& domain,
                              unsigned char zigzag_value) {
  std::string bytes = sluice::encode(letter).value();
  REQUIRE(bytes.substr(10, 2) == std::string("\0\0", 2));  // empty domain, value 0
  REQUIRE(domain.size() < 128);
  std::string stored = std::string(1, static_cast<char>(domain.size())) + domain +
                       std::string(1, static_cast<char>(zigzag_value));
  std::string body = bytes.substr(0, 6) + errors_model::little_endian(bytes.size() - 2 + stored.size(), 4) +
                     stored + bytes.substr(12, bytes.size() - 16);
  return body + errors_model::little_endian(errors_model::crc32c_bitwise(body), 4);
}
}  // namespace

TEST_CASE("a zero error value reads as no error in every domain, and round-trips stably", "[errors]") {
  dead_letter<std::string> canonical;
  canonical.stage = sluice::pipeline_stage::validate;
  canonical.source = {"orders", 3, 42};
  canonical.set_detail("zero");
  canonical.payload = "{}";
  const std::string canonical_bytes = sluice::encode(canonical).value();
  const std::string canonical_line = sluice::to_json_line(canonical);

  // Encoders write any zero code, whatever its category, as the empty code.
  for (const std::error_category* category :
       {&sluice::error_category(), &std::generic_category(), &std::system_category()}) {
    dead_letter<std::string> zero = canonical;
    zero.error = std::error_code(0, *category);
    CHECK(sluice::encode(zero).value() == canonical_bytes);
    CHECK(sluice::to_json_line(zero) == canonical_line);
  }

  for (const std::string domain : {"", "sluice", "generic", "system", "acme-not-registered"}) {
    INFO("domain '" << domain << "'");
    // Binary: decode -> encode -> decode is stable and lands on the canonical bytes.
    const std::string bytes = with_stored_error(canonical, domain, 0);
    if (domain.empty()) CHECK(bytes == canonical_bytes);  // the splice itself is exact
    auto decoded = sluice::decode_dead_letter<std::string>(bytes);
    REQUIRE(decoded);
    CHECK_FALSE(decoded->error);
    CHECK(decoded->error == std::error_code());
    CHECK(*decoded == canonical);
    CHECK(sluice::encode(*decoded).value() == canonical_bytes);
    auto again = sluice::decode_dead_letter<std::string>(sluice::encode(*decoded).value());
    REQUIRE(again);
    CHECK(*again == *decoded);

    // JSON lines: the same.
    const std::string line = "{\"format\":\"sluice.dead_letter\",\"version\":1,\"domain\":\"" + domain +
                             "\",\"code\":0,\"stage\":\"validate\",\"source\":\"orders\",\"partition\":3,"
                             "\"offset\":42,\"detail\":\"zero\",\"payload\":\"{}\"}";
    auto parsed = sluice::parse_json_line<std::string>(line);
    REQUIRE(parsed);
    CHECK(parsed->error == std::error_code());
    CHECK(*parsed == canonical);
    CHECK(sluice::to_json_line(*parsed) == canonical_line);
    auto reparsed = sluice::parse_json_line<std::string>(sluice::to_json_line(*parsed));
    REQUIRE(reparsed);
    CHECK(*reparsed == *parsed);
  }

  // Nonzero values keep their rules: the empty domain carries only 0, unknown domains are refused.
  auto empty_domain = sluice::decode_dead_letter<std::string>(with_stored_error(canonical, "", 2));
  REQUIRE_FALSE(empty_domain);
  CHECK(empty_domain.error() == errc::encoding_corrupt);
  auto unknown = sluice::decode_dead_letter<std::string>(with_stored_error(canonical, "acme-not-registered", 2));
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error() == errc::unregistered_taxonomy);
  auto generic_one = sluice::decode_dead_letter<std::string>(with_stored_error(canonical, "generic", 2));
  REQUIRE(generic_one);
  CHECK(generic_one->error == std::error_code(1, std::generic_category()));
}

TEST_CASE("the detail is bounded, valid UTF-8, and cut on a character boundary", "[errors]") {
  dead_letter<std::vector<unsigned char>> letter;
  std::string long_text;
  for (int i = 0; i < 600; ++i) long_text += "\xC3\xA9";  // 1200 bytes of two-byte characters
  letter.set_detail(long_text);
  CHECK(letter.detail.size() <= sluice::dead_letter_detail_limit);
  CHECK(letter.detail.size() > sluice::dead_letter_detail_limit - 4);
  CHECK(errors_model::valid_utf8(letter.detail));
  CHECK(letter.detail.substr(letter.detail.size() - 3) == "\xE2\x80\xA6");
  letter.set_detail("ok \xFF end");
  CHECK(letter.detail == "ok \xEF\xBF\xBD end");
  letter.set_detail(std::string(sluice::dead_letter_detail_limit, 'x'));
  CHECK(letter.detail.size() == sluice::dead_letter_detail_limit);  // exactly at the limit: kept

  // A detail assigned directly past the limit is still bounded when encoded.
  letter.detail = std::string(5000, 'y');
  auto back = sluice::decode_dead_letter<std::vector<unsigned char>>(sluice::encode(letter).value());
  REQUIRE(back);
  CHECK(back->detail.size() <= sluice::dead_letter_detail_limit);
  auto line = sluice::parse_json_line<std::vector<unsigned char>>(sluice::to_json_line(letter));
  REQUIRE(line);
  CHECK(line->detail == back->detail);
}

namespace {
class acme_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "acme"; }
  std::string message(int) const override { return "acme widget jammed"; }
};
const acme_category& acme() {
  static acme_category instance;
  return instance;
}
}  // namespace

TEST_CASE("codes of unknown categories become UNCLASSIFIED and keep the original", "[errors]") {
  dead_letter<std::string> letter;
  letter.error = std::error_code(7, acme());
  letter.set_detail("while loading widgets");
  auto [error, detail] = sluice::normalize_error(letter.error, letter.detail);
  CHECK(error == errc::unclassified);
  CHECK(detail == "acme:7 UNCLASSIFIED: acme widget jammed | while loading widgets");
  auto back = sluice::decode_dead_letter<std::string>(sluice::encode(letter).value());
  REQUIRE(back);
  CHECK(back->error == errc::unclassified);
  CHECK(back->detail == detail);
  auto json = sluice::parse_json_line<std::string>(sluice::to_json_line(letter));
  REQUIRE(json);
  CHECK(json->detail == detail);
}

TEST_CASE("record_failure counts attempts and saturates", "[errors]") {
  dead_letter<std::string> letter;
  letter.first_failure = unix_micros(10);
  letter.record_failure(unix_micros(20));
  CHECK(letter.attempts == 2);
  CHECK(letter.last_failure == unix_micros(20));
  letter.attempts = UINT32_MAX;
  letter.record_failure(unix_micros(30));
  CHECK(letter.attempts == UINT32_MAX);
  CHECK(sluice::stage_from_string("dedup") == sluice::pipeline_stage::dedup);
  CHECK_FALSE(sluice::stage_from_string("Dedup"));
}

TEST_CASE("encode refuses a stage outside pipeline_stage and leaves the output as it was", "[errors]") {
  sluice::dead_letter<std::string> letter;
  letter.error = sluice::errc::late_event;
  letter.payload = "x";
  letter.stage = static_cast<sluice::pipeline_stage>(sluice::pipeline_stage_count);
  std::string out = "kept";
  CHECK(sluice::encode(letter, out) == sluice::errc::invalid_argument);
  CHECK(out == "kept");
  CHECK(sluice::encode(letter).error() == sluice::errc::invalid_argument);
  letter.stage = static_cast<sluice::pipeline_stage>(sluice::pipeline_stage_count - 1);
  REQUIRE_FALSE(sluice::encode(letter, out));
  auto back = sluice::decode_dead_letter<std::string>(std::string_view(out).substr(4));
  REQUIRE(back.has_value());
  CHECK(back->stage == letter.stage);
}

}  // namespace errors_test_dead_letter
