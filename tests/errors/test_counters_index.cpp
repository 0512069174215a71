// error_counters maps a code value to its row directly when the taxonomy's values are close
// together, and by search otherwise; both must count exactly the same way.
#include <cstdint>
#include <limits>
#include <string_view>
#include <system_error>

#include "catch_shim.hpp"
#include "sluice/errors.hpp"

namespace sparse_codes {
// Values 1 .. 60000: too far apart for the direct index.
enum class errc : std::uint16_t { first = 1, middle = 3000, last = 60000 };
}  // namespace sparse_codes

namespace sluice {
template <>
struct code_table<sparse_codes::errc> {
  static constexpr std::string_view domain = "sparse_codes";
  static constexpr code_info codes[] = {
      {1, "FIRST", error_family::validation, false, severity::error, "The first code."},
      {3000, "MIDDLE", error_family::validation, false, severity::error, "A code in the middle."},
      {60000, "LAST", error_family::io, true, severity::warning, "The last code."},
  };
};
}  // namespace sluice

namespace sparse_codes {
inline std::error_code make_error_code(errc code) noexcept { return sluice::make_taxonomy_error_code(code); }
}  // namespace sparse_codes

namespace std {
template <>
struct is_error_code_enum<sparse_codes::errc> : true_type {};
}  // namespace std

namespace {
// Adds every value from 0 to 65535, two negative ones and INT_MIN and INT_MAX once; only table
// values count as theirs, everything else as other().
template <class Enum>
void count_every_value(sluice::error_counters<Enum>& counters) {
  const std::error_category& category = sluice::category<Enum>();
  for (int value = -2; value <= 65535; ++value) counters.add(std::error_code(value, category));
  counters.add(std::error_code(std::numeric_limits<int>::min(), category));
  counters.add(std::error_code(std::numeric_limits<int>::max(), category));
}
}  // namespace

TEST_CASE("counters: every value of a dense taxonomy lands in its own row or other()", "[errors]") {
  sluice::error_counters<> counters;
  count_every_value(counters);
  std::uint64_t in_rows = 0;
  for (const sluice::code_count& entry : counters.snapshot()) {
    CHECK(entry.count == 1);
    ++in_rows;
  }
  const std::size_t table_size = std::size(sluice::code_table<sluice::errc>::codes);
  CHECK(in_rows == table_size);
  CHECK(counters.count(sluice::errc::json_parse_error) == 1);
  CHECK(counters.count(sluice::errc::invariant_violation) == 1);
  // value 0 is "no error" and is ignored; every other value outside the table is other().
  CHECK(counters.other() == 65535 + 2 + 2 - table_size);
}

TEST_CASE("counters: a sparse taxonomy counts the same way", "[errors]") {
  sluice::error_counters<sparse_codes::errc> counters;
  count_every_value(counters);
  counters.add(sparse_codes::errc::last, 4);
  CHECK(counters.count(sparse_codes::errc::first) == 1);
  CHECK(counters.count(sparse_codes::errc::middle) == 1);
  CHECK(counters.count(sparse_codes::errc::last) == 5);
  CHECK(counters.snapshot().size() == 3);
  CHECK(counters.other() == 65535 + 2 + 2 - 3);
}
