// sluice codes as std::error_code: category identity, messages, conditions, std::errc interop.
#include <charconv>
#include <cstring>
#include <string>
#include <system_error>

#include "catch_shim.hpp"
#include "sluice/errors.hpp"

namespace errors_test_category {

using sluice::condition;
using sluice::errc;

TEST_CASE("errc converts implicitly to std::error_code in the sluice category", "[errors]") {
  static_assert(std::is_error_code_enum<errc>::value, "errc is an error code enum");
  static_assert(std::is_error_condition_enum<condition>::value, "condition is a condition enum");
  std::error_code ec = errc::timeout;
  CHECK(ec);
  CHECK(ec.value() == 601);
  CHECK(std::strcmp(ec.category().name(), "sluice") == 0);
  CHECK(&ec.category() == &sluice::error_category());
  CHECK(&sluice::error_category() == &sluice::category<errc>());
  CHECK(ec == errc::timeout);
  CHECK(ec != errc::json_parse_error);
  CHECK(ec.message() == "TIMEOUT: An operation did not complete in its allotted time.");
  CHECK(std::error_code(4242, sluice::error_category()).message() == "unknown sluice error 4242");
}

TEST_CASE("allocation-free name and summary accessors", "[errors]") {
  std::error_code ec = errc::late_event;
  CHECK(std::strcmp(sluice::name_of(ec), "LATE_EVENT") == 0);
  CHECK(std::strcmp(sluice::summary_of(ec), "An event arrived after its window closed.") == 0);
  CHECK(std::strcmp(sluice::name_of(std::error_code()), "") == 0);
  CHECK(std::strcmp(sluice::name_of(std::make_error_code(std::errc::timed_out)), "TIMEOUT") == 0);
  CHECK(std::strcmp(sluice::name_of(std::make_error_code(std::errc::not_a_directory)), "UNCLASSIFIED") == 0);
  CHECK(sluice::find_info(ec) == &sluice::info(errc::late_event));
  CHECK(sluice::find_info(std::make_error_code(std::errc::timed_out)) == nullptr);
}

TEST_CASE("every sluice code matches exactly its family condition and retryability", "[errors]") {
  const condition families[] = {condition::parse,    condition::schema, condition::validation,
                                condition::ordering, condition::capacity, condition::io,
                                condition::auth,     condition::config, condition::internal};
  for (const sluice::code_info& row : sluice::all_codes()) {
    std::error_code ec(row.value, sluice::error_category());
    INFO(row.name);
    for (std::size_t f = 0; f < 9; ++f) {
      bool same = static_cast<std::size_t>(row.family) == f;
      CHECK((ec == families[f]) == same);
      CHECK((families[f] == ec) == same);
      CHECK(sluice::family_condition(static_cast<sluice::error_family>(f)) == families[f]);
    }
    CHECK((ec == condition::retryable) == row.retryable);
    CHECK((ec == condition::not_retryable) == !row.retryable);
  }
}

TEST_CASE("conditions have their own category and messages", "[errors]") {
  std::error_condition c = condition::retryable;
  CHECK(std::strcmp(c.category().name(), "sluice.condition") == 0);
  CHECK(c.message() == "retryable failure");
  CHECK(std::error_condition(condition::io).message() == "io failure");
  CHECK(std::error_code() != condition::retryable);
  CHECK(std::error_code() != condition::not_retryable);
}

TEST_CASE("std::errc codes compare with sluice conditions through classification", "[errors]") {
  auto timed_out = std::make_error_code(std::errc::timed_out);
  CHECK(timed_out == condition::retryable);
  CHECK(timed_out == condition::io);
  auto denied = std::make_error_code(std::errc::permission_denied);
  CHECK(denied == condition::auth);
  CHECK(denied == condition::not_retryable);
  auto odd = std::make_error_code(std::errc::not_a_directory);
  CHECK(odd == condition::internal);  // UNCLASSIFIED
  CHECK(odd != condition::retryable);
  // A system-category errno classifies like the generic one.
  std::error_code system_timeout(static_cast<int>(std::errc::timed_out), std::system_category());
  CHECK(system_timeout == condition::retryable);
}

TEST_CASE("sluice codes with an exact std::errc counterpart compare equal to it", "[errors]") {
  CHECK(std::error_code(errc::timeout) == std::errc::timed_out);
  CHECK(std::error_code(errc::permission_denied) == std::errc::permission_denied);
  CHECK(std::error_code(errc::out_of_memory) == std::errc::not_enough_memory);
  CHECK(std::error_code(errc::timeout) != std::errc::permission_denied);
  CHECK(std::error_code(errc::json_parse_error) != std::errc::invalid_argument);
}

TEST_CASE("classify maps std::errc and error codes to specific sluice codes", "[errors]") {
  CHECK(sluice::classify(std::errc::timed_out) == errc::timeout);
  CHECK(sluice::classify(std::errc::connection_refused) == errc::upstream_unavailable);
  CHECK(sluice::classify(std::errc::no_space_on_device) == errc::storage_full);
  CHECK(sluice::classify(std::errc::not_enough_memory) == errc::out_of_memory);
  CHECK(sluice::classify(std::errc::illegal_byte_sequence) == errc::invalid_utf8);
  CHECK(sluice::classify(std::errc::result_out_of_range) == errc::number_out_of_range);
  CHECK(sluice::classify(std::errc::no_such_file_or_directory) == errc::not_found);
  CHECK(sluice::classify(std::errc::operation_not_permitted) == errc::permission_denied);
  CHECK(sluice::classify(std::errc::not_a_directory) == errc::unclassified);
  CHECK(sluice::classify(std::error_code(errc::late_event)) == errc::late_event);
  CHECK(sluice::classify(std::make_error_code(std::errc::broken_pipe)) == errc::upstream_unavailable);
  CHECK(sluice::classify(std::error_code()) == errc::unclassified);
  CHECK(sluice::classify(std::error_code(31337, sluice::error_category())) == errc::unclassified);
  // Every mapping points at a code in the table that is not UNCLASSIFIED.
  for (const auto& mapping : sluice::detail::errno_mappings) {
    CHECK(sluice::info(mapping.to).value != 0);
    CHECK(mapping.to != errc::unclassified);
  }
}

TEST_CASE("parse failures map to format-specific codes", "[errors]") {
  using sluice::parse_problem;
  using sluice::record_format;
  CHECK(sluice::classify(parse_problem::syntax, record_format::json) == errc::json_parse_error);
  CHECK(sluice::classify(parse_problem::syntax, record_format::csv) == errc::csv_parse_error);
  CHECK(sluice::classify(parse_problem::syntax, record_format::other) == errc::unclassified);
  CHECK(sluice::classify(parse_problem::unexpected_end, record_format::csv) == errc::truncated_record);
  CHECK(sluice::classify(parse_problem::invalid_encoding, record_format::json) == errc::invalid_utf8);
  CHECK(sluice::classify(parse_problem::too_large, record_format::json) == errc::payload_too_large);
  CHECK(sluice::classify(parse_problem::invalid_timestamp, record_format::json) == errc::invalid_timestamp);

  auto parse = [](const char* text) {
    int value = 0;
    const char* last = text + std::strlen(text);
    return sluice::check_number_parse(std::from_chars(text, last, value), last);
  };
  CHECK(!parse("42"));
  CHECK(parse("42x") == errc::invalid_number);
  CHECK(parse("") == errc::invalid_number);
  CHECK(parse("abc") == errc::invalid_number);
  CHECK(parse("99999999999999999999") == errc::number_out_of_range);
}

TEST_CASE("describe keeps a foreign code's identity and message", "[errors]") {
  auto text = sluice::describe(std::make_error_code(std::errc::not_a_directory));
  CHECK(text.rfind("generic:", 0) == 0);
  CHECK(text.find("UNCLASSIFIED: ") != std::string::npos);
  CHECK(sluice::describe(errc::timeout) ==
        "sluice:601 TIMEOUT: An operation did not complete in its allotted time.");
}

TEST_CASE("error domains resolve by name for decoding", "[errors]") {
  CHECK(sluice::find_error_domain("sluice") == &sluice::error_category());
  CHECK(sluice::find_error_domain("generic") == &std::generic_category());
  CHECK(sluice::find_error_domain("system") == &std::system_category());
  CHECK(sluice::find_error_domain("no.such.domain") == nullptr);
  CHECK(sluice::find_error_domain("") == nullptr);
}

}  // namespace errors_test_category
