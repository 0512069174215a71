// The sluice taxonomy is pinned: any change to a value, name, family or retryable flag must
// be made here too, deliberately.
#include <cctype>
#include <set>
#include <string>

#include "catch_shim.hpp"
#include "errors/model.hpp"
#include "sluice/errors.hpp"

namespace errors_test_table {

using sluice::errc;

TEST_CASE("the sluice code table matches the pinned table exactly", "[errors]") {
  const auto& pinned = errors_model::pinned_table();
  auto codes = sluice::all_codes();
  REQUIRE(codes.size() == pinned.size());
  for (std::size_t i = 0; i < pinned.size(); ++i) {
    const sluice::code_info& row = codes.begin()[i];
    INFO(pinned[i].name);
    CHECK(row.value == pinned[i].value);
    CHECK(row.name == pinned[i].name);
    CHECK(sluice::to_string(row.family) == pinned[i].family);
    CHECK(row.retryable == pinned[i].retryable);
    CHECK(!row.summary.empty());
    CHECK(row.summary.back() == '.');
    // Families own their value ranges: parse 100-199, schema 200-299, ...
    CHECK(row.value / 100 == static_cast<int>(row.family) + 1);
  }
}

TEST_CASE("the minimum codes of the issue exist with their exact names", "[errors]") {
  const char* required[] = {
      "JSON_PARSE_ERROR", "CSV_PARSE_ERROR", "INVALID_UTF8", "TRUNCATED_RECORD",
      "PAYLOAD_TOO_LARGE", "MISSING_FIELD", "TYPE_MISMATCH", "UNKNOWN_FIELD",
      "SCHEMA_VERSION_UNSUPPORTED", "NULL_VIOLATION", "RANGE_VIOLATION", "UNIQUENESS_VIOLATION",
      "REFERENTIAL_VIOLATION", "LATE_EVENT", "DUPLICATE_EVENT", "FUTURE_EVENT_TIME",
      "MISSING_EVENT_TIME", "SEQUENCE_CONFLICT", "MEMORY_BUDGET_EXCEEDED", "UPSTREAM_UNAVAILABLE",
      "TIMEOUT", "CHECKPOINT_CORRUPT", "CHECKPOINT_VERSION_UNSUPPORTED", "STALE_WRITER",
      "CREDENTIALS_MISSING", "CREDENTIALS_EXPIRED", "PERMISSION_DENIED", "INVALID_CONFIG",
      "UNCLASSIFIED"};
  for (const char* name : required) {
    INFO(name);
    const sluice::code_info* row = sluice::find_code(name);
    REQUIRE(row != nullptr);
    CHECK(row->name == name);
  }
}

TEST_CASE("enumerators spell the lower-case names and info() finds each row", "[errors]") {
  // Spot checks of enumerator values against names (the enum cannot be iterated).
  struct pair {
    errc code;
    const char* name;
  };
  const pair pairs[] = {{errc::json_parse_error, "JSON_PARSE_ERROR"},
                        {errc::invalid_utf8, "INVALID_UTF8"},
                        {errc::schema_version_unsupported, "SCHEMA_VERSION_UNSUPPORTED"},
                        {errc::referential_violation, "REFERENTIAL_VIOLATION"},
                        {errc::sequence_conflict, "SEQUENCE_CONFLICT"},
                        {errc::memory_budget_exceeded, "MEMORY_BUDGET_EXCEEDED"},
                        {errc::checkpoint_version_unsupported, "CHECKPOINT_VERSION_UNSUPPORTED"},
                        {errc::stale_writer, "STALE_WRITER"},
                        {errc::credentials_expired, "CREDENTIALS_EXPIRED"},
                        {errc::invalid_config, "INVALID_CONFIG"},
                        {errc::unclassified, "UNCLASSIFIED"}};
  for (const pair& p : pairs) CHECK(sluice::info(p.code).name == p.name);
  for (const sluice::code_info& row : sluice::all_codes()) {
    const sluice::code_info& again = sluice::info(static_cast<errc>(row.value));
    CHECK(&again == &row);
    CHECK(sluice::find_code(row.name) == &row);
    CHECK(row.name.data()[row.name.size()] == '\0');
    CHECK(row.summary.data()[row.summary.size()] == '\0');
  }
}

TEST_CASE("lookups of unknown codes and names fail softly", "[errors]") {
  CHECK(sluice::find_code("UNKNOWN") == nullptr);
  CHECK(sluice::find_code("json_parse_error") == nullptr);  // names are case-sensitive
  CHECK(sluice::find_code("") == nullptr);
  const sluice::code_info& missing = sluice::info(static_cast<errc>(12345));
  CHECK(missing.value == 0);
  CHECK(missing.name == "UNKNOWN_CODE");
  CHECK(sluice::info(static_cast<errc>(0)).value == 0);
}

TEST_CASE("the sluice table passes its own checks and names are unique", "[errors]") {
  constexpr sluice::table_check check = sluice::check_code_table<errc>();
  static_assert(check.problem == sluice::table_problem::none, "sluice's table is valid");
  std::set<std::string> names;
  for (const sluice::code_info& row : sluice::all_codes()) names.insert(std::string(row.name));
  CHECK(names.size() == sluice::all_codes().size());
}

}  // namespace errors_test_table
