// The edge collector's strict flat-JSON parser: the code of every failure, round trips of
// generated objects, and arbitrary bytes (never a crash, always a parse-family code).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catch_shim.hpp"
#include "test_support.hpp"

#include "../../examples/edge_collector/flat_json.hpp"
#include "../../examples/edge_collector/generator.hpp"
#include "../../examples/edge_collector/records.hpp"

namespace examples_test_flat_json {

namespace {

alignas(std::max_align_t) unsigned char scratch_buffer[1 << 20];

sluice::errc parse_code(std::string_view line) {
  sluice::arena scratch(scratch_buffer, sizeof scratch_buffer);
  edge::flat_object object;
  edge::parse_failure failure = edge::parse_flat_object(line, scratch, object);
  return failure ? failure.code : sluice::errc{};
}

}  // namespace

TEST_CASE("flat json: each malformation has its code", "[examples]") {
  using sluice::errc;
  struct sample {
    std::string_view line;
    errc code;
  };
  const sample samples[] = {
      {R"({})", errc{}},
      {R"( {"a" : 1 , "b":"x"} )", errc{}},
      {R"({"a":-0,"b":1.5e-3,"c":true,"d":false,"e":null,"f":"\u00e9\ud83d\ude00\n"})", errc{}},
      {R"({"a":9223372036854775807,"b":-9223372036854775808})", errc{}},
      {"", errc::truncated_record},
      {"   ", errc::truncated_record},
      {"{", errc::truncated_record},
      {R"({"a")", errc::truncated_record},
      {R"({"a":)", errc::truncated_record},
      {R"({"a":1)", errc::truncated_record},
      {R"({"a":"abc)", errc::truncated_record},
      {R"({"a":"ab\)", errc::truncated_record},
      {R"({"a":"\u00)", errc::truncated_record},
      {R"({"a":tr)", errc::truncated_record},
      {R"({"a":-)", errc::truncated_record},
      {"{\"a\":\"\xC3", errc::truncated_record},
      {"{\"a\":\"\xE2\x82", errc::truncated_record},
      {R"([1,2])", errc::json_parse_error},
      {R"({"a" 1})", errc::json_parse_error},
      {R"({"a":1,})", errc::json_parse_error},
      {R"({'a':1})", errc::json_parse_error},
      {R"({"a":1}x)", errc::json_parse_error},
      {R"({"a":1 "b":2})", errc::json_parse_error},
      {R"({"a":01})", errc::json_parse_error},
      {R"({"a":+1})", errc::json_parse_error},
      {R"({"a":1.})", errc::json_parse_error},
      {R"({"a":.5})", errc::json_parse_error},
      {R"({"a":1e})", errc::json_parse_error},
      {R"({"a":nul})", errc::json_parse_error},
      {R"({"a":"\x"})", errc::json_parse_error},
      {R"({"a":"\u12g4"})", errc::json_parse_error},
      {"{\"a\":\"tab\there\"}", errc::json_parse_error},
      {R"({"a":1,"a":2})", errc::json_parse_error},
      {R"({"a":{"b":1}})", errc::type_mismatch},
      {R"({"a":[1]})", errc::type_mismatch},
      {R"({"a":9223372036854775808})", errc::number_out_of_range},
      {R"({"a":-9223372036854775809})", errc::number_out_of_range},
      {"{\"a\":\"\xFF\"}", errc::invalid_utf8},
      {"{\"a\":\"\xC0\xAF\"}", errc::invalid_utf8},
      {"{\"a\":\"\xED\xA0\x80\"}", errc::invalid_utf8},
      {"{\"a\":\"\xF4\x90\x80\x80\"}", errc::invalid_utf8},
      {"{\"a\":\"\xE2\x28\xA1\"}", errc::invalid_utf8},
      {"{\"\x80\":1}", errc::invalid_utf8},
      {R"({"a":"\udc00"})", errc::invalid_utf8},
      {R"({"a":"\ud800x"})", errc::invalid_utf8},
      {R"({"a":"\ud800\u0041"})", errc::invalid_utf8},
      {R"({"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17})",
       errc::payload_too_large},
  };
  for (const sample& s : samples) {
    CAPTURE(s.line);
    CHECK(static_cast<int>(parse_code(s.line)) == static_cast<int>(s.code));
  }
  CHECK(parse_code(std::string(edge::max_line_bytes + 1, ' ')) == errc::payload_too_large);
}

TEST_CASE("flat json: values and unescaping", "[examples]") {
  sluice::arena scratch(scratch_buffer, sizeof scratch_buffer);
  edge::flat_object object;
  const std::string_view line =
      R"({"s":"a\"b\\c\/d\b\f\n\r\t","u":"\u00e9\u20ac\ud83d\ude00","i":-42,"f":2.5,"t":true,"n":null,"plain":"Zürich"})";
  REQUIRE_FALSE(edge::parse_flat_object(line, scratch, object));
  REQUIRE(object.count == 7);
  CHECK(object.find("s")->text == "a\"b\\c/d\b\f\n\r\t");
  CHECK(object.find("u")->text == "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  CHECK(object.find("i")->type == edge::json_type::integer);
  CHECK(object.find("i")->integer == -42);
  CHECK(object.find("f")->type == edge::json_type::fraction);
  CHECK(object.find("f")->text == "2.5");
  CHECK(object.find("t")->boolean);
  CHECK(object.find("n")->type == edge::json_type::null);
  CHECK(object.find("plain")->text == "Zürich");
  CHECK(object.find("missing") == nullptr);
  // Strings without escapes view the line itself; escaped ones take no more than the line.
  CHECK(object.find("plain")->text.data() >= line.data());
  CHECK(object.find("plain")->text.data() < line.data() + line.size());
  CHECK(scratch.used() <= line.size());
}

TEST_CASE("flat json: generated objects round-trip", "[examples]") {
  sluice_test::rng random(0xF1A7);
  const char* const pieces[] = {"a", "\"", "\\", "/", "\n", "\t", "\x01", "é", "€", "😀", "Zürich", " ", "\x7f"};
  alignas(std::max_align_t) static unsigned char buffer[1 << 16];
  for (std::size_t round = 0; round < sluice_test::scaled(2000); ++round) {
    std::vector<std::string> values;
    const auto fields = static_cast<std::size_t>(random.below(edge::max_fields + 1));
    for (std::size_t f = 0; f < fields; ++f) {
      std::string value;
      for (std::uint64_t k = random.below(6); k > 0; --k) value += pieces[random.below(std::size(pieces))];
      values.push_back(value);
    }
    const bool spaced = random.percent(50);
    const bool escaped = random.percent(50);
    edge::detail::object_writer writer(spaced, escaped);
    for (std::size_t f = 0; f < fields; ++f) writer.string("k" + std::to_string(f), values[f]);
    const std::int64_t number = random.between(INT64_MIN, INT64_MAX);
    if (fields < edge::max_fields) writer.number("num", number);
    const std::string line = writer.finish();
    CAPTURE(line);
    sluice::arena scratch(buffer, sizeof buffer);
    edge::flat_object object;
    REQUIRE_FALSE(edge::parse_flat_object(line, scratch, object));
    REQUIRE(object.count == fields + (fields < edge::max_fields ? 1 : 0));
    for (std::size_t f = 0; f < fields; ++f) CHECK(object.fields[f].text == values[f]);
    if (fields < edge::max_fields) CHECK(object.find("num")->integer == number);
  }
}

TEST_CASE("flat json: arbitrary bytes give a parse or schema code, never a crash", "[examples]") {
  sluice_test::rng random(0xBAD);
  const std::string seed_line =
      R"({"type":"event","partition":3,"offset":12,"event_id":"p3-12","event_time":1717200000123,"user_id":9,"action":"v\u00e9"})";
  alignas(std::max_align_t) static unsigned char buffer[1 << 16];
  for (std::size_t round = 0; round < sluice_test::scaled(20000); ++round) {
    std::string line = seed_line;
    for (std::uint64_t edits = 1 + random.below(4); edits > 0; --edits) {
      const std::size_t at = static_cast<std::size_t>(random.below(line.size() + 1));
      switch (random.below(3)) {
        case 0: line.insert(at, 1, static_cast<char>(random.below(256))); break;
        case 1: if (at < line.size()) line.erase(at, 1); break;
        default: if (at < line.size()) line[at] = static_cast<char>(random.below(256)); break;
      }
    }
    sluice::arena scratch(buffer, sizeof buffer);
    edge::flat_object object;
    edge::parse_failure failure = edge::parse_flat_object(line, scratch, object);
    if (failure) {
      const std::error_code code = failure.code;
      CHECK((code == sluice::condition::parse || code == sluice::errc::type_mismatch));
      CHECK(failure.offset <= line.size());
      continue;
    }
    CHECK(scratch.used() <= line.size());
    edge::record_kind kind{};
    edge::schema_failure schema = edge::kind_of(object, kind);
    if (!schema) {
      edge::event e;
      edge::customer c;
      schema = kind == edge::record_kind::event ? edge::to_event(object, e) : edge::to_customer(object, c);
    }
    if (schema) {
      const std::error_code code = schema.code;
      CHECK((code == sluice::condition::schema || code == sluice::condition::validation));
    }
  }
}

TEST_CASE("records: schema checks", "[examples]") {
  using sluice::errc;
  struct sample {
    std::string_view line;
    errc code;
  };
  const sample samples[] = {
      {R"({"type":"event","partition":1,"offset":2,"event_id":"p1-2","event_time":5,"user_id":7,"action":"view"})", errc{}},
      {R"({"type":"customer","customer_id":1,"op":"D","updated_at":5})", errc{}},
      {R"({"type":"customer","customer_id":1,"op":"U","updated_at":5,"name":"A","city":"B","email":"C"})", errc{}},
      {R"({"partition":1})", errc::missing_field},
      {R"({"type":7})", errc::type_mismatch},
      {R"({"type":"order"})", errc::range_violation},
      {R"({"type":"event","partition":1,"offset":2,"event_id":"p1-2","user_id":7,"action":"view"})", errc::missing_field},
      {R"({"type":"event","partition":1,"offset":2,"event_id":null,"event_time":5,"user_id":7,"action":"view"})", errc::null_violation},
      {R"({"type":"event","partition":1,"offset":2,"event_id":"x","event_time":5.0,"user_id":7,"action":"view"})", errc::type_mismatch},
      {R"({"type":"event","partition":-1,"offset":2,"event_id":"x","event_time":5,"user_id":7,"action":"view"})", errc::range_violation},
      {R"({"type":"event","partition":1,"offset":2,"event_id":"","event_time":5,"user_id":7,"action":"view"})", errc::range_violation},
      {R"({"type":"event","partition":1,"offset":2,"event_id":"x","event_time":5,"user_id":7,"action":"view","x":1})", errc::unknown_field},
      {R"({"type":"customer","customer_id":1,"op":"X","updated_at":5})", errc::range_violation},
      {R"({"type":"customer","customer_id":1,"op":"U","updated_at":5,"name":"A","city":"B"})", errc::missing_field},
      {R"({"type":"customer","customer_id":1,"op":"U","updated_at":5,"name":"A","city":null,"email":"C"})", errc::null_violation},
      {R"({"type":"customer","customer_id":1,"op":"U","updated_at":5,"name":"A","city":"B","email":"0123456789012345678901234567890123"})", errc::range_violation},
      {R"({"type":"customer","customer_id":-1,"op":"U","updated_at":5})", errc::range_violation},
  };
  for (const sample& s : samples) {
    CAPTURE(s.line);
    sluice::arena scratch(scratch_buffer, sizeof scratch_buffer);
    edge::flat_object object;
    REQUIRE_FALSE(edge::parse_flat_object(s.line, scratch, object));
    edge::record_kind kind{};
    edge::schema_failure failure = edge::kind_of(object, kind);
    if (!failure) {
      edge::event e;
      edge::customer c;
      failure = kind == edge::record_kind::event ? edge::to_event(object, e) : edge::to_customer(object, c);
    }
    CHECK(static_cast<int>(failure ? failure.code : errc{}) == static_cast<int>(s.code));
  }
}

}  // namespace examples_test_flat_json
