// docs/error-codes.md is generated from the code table; this test fails when it is stale.
// Regenerate: SLUICE_UPDATE_DOCS=1 ./sluice_tests "[errors]"
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "catch_shim.hpp"
#include "sluice/errors.hpp"

namespace errors_test_docs {

namespace {
std::string render_error_codes_page() {
  std::string page =
      "# sluice error codes\n\n"
      "<!-- Generated from the code table in include/sluice/errors.hpp; do not edit by hand.\n"
      "     Regenerate: SLUICE_UPDATE_DOCS=1 ./sluice_tests \"[errors]\" -->\n\n"
      "Values are stable forever and grouped by family: parse 100-199, schema 200-299,\n"
      "validation 300-399, ordering 400-499, capacity 500-599, io 600-699, auth 700-799,\n"
      "config 800-899, internal 900-999. Every code is in the `sluice` error domain;\n"
      "a value is never reused or renumbered. See [errors.md](errors.md).\n\n";
  page += sluice::markdown_code_table();
  return page;
}
}  // namespace

TEST_CASE("docs/error-codes.md matches the code table", "[errors]") {
  const std::string path = std::string(SLUICE_SOURCE_DIR) + "/docs/error-codes.md";
  const std::string expected = render_error_codes_page();
  const char* update = std::getenv("SLUICE_UPDATE_DOCS");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << expected;
    REQUIRE(out.good());
  }
  std::ifstream in(path, std::ios::binary);
  INFO("regenerate with: SLUICE_UPDATE_DOCS=1 ./sluice_tests \"[errors]\"");
  REQUIRE(in.good());
  std::stringstream content;
  content << in.rdbuf();
  CHECK(content.str() == expected);
}

}  // namespace errors_test_docs
