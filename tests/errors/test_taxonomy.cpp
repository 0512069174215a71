// User taxonomies get the same machinery as sluice's own codes.
#include <cstring>
#include <string>

#include "catch_shim.hpp"
#include "sluice/dead_letter.hpp"
#include "sluice/errors.hpp"

namespace shop {
enum class errc : std::uint16_t { bad_sku = 1, out_of_stock = 2, payment_gateway_down = 10 };
}  // namespace shop

namespace sluice {
template <>
struct code_table<shop::errc> {
  static constexpr std::string_view domain = "shop";
  static constexpr code_info codes[] = {
      {1, "BAD_SKU", error_family::validation, false, severity::error, "The SKU is not in the catalogue."},
      {2, "OUT_OF_STOCK", error_family::capacity, true, severity::warning, "The item is out of stock."},
      {10, "PAYMENT_GATEWAY_DOWN", error_family::io, true, severity::critical, "The payment gateway is unreachable."},
  };
};
}  // namespace sluice

namespace shop {
inline std::error_code make_error_code(errc code) noexcept {
  return sluice::make_taxonomy_error_code(code);
}
}  // namespace shop

namespace std {
template <>
struct is_error_code_enum<shop::errc> : true_type {};
}  // namespace std

// Deliberately broken tables, each with one problem.
namespace broken {
enum class duplicate_value : int {};
enum class duplicate_name : int {};
enum class unsorted : int {};
enum class zero : int {};
enum class lower_name : int {};
enum class reserved : int {};
enum class bad_domain : int {};
enum class impostor : int {};
enum class no_summary : int {};
}  // namespace broken

namespace sluice {
#define SLUICE_TEST_TABLE(Enum, Domain, ...)                  \
  template <>                                                 \
  struct code_table<broken::Enum> {                           \
    static constexpr std::string_view domain = Domain;        \
    static constexpr code_info codes[] = {__VA_ARGS__};       \
  }
constexpr auto v = error_family::validation;
constexpr auto e = severity::error;
SLUICE_TEST_TABLE(duplicate_value, "t1", {1, "A", v, false, e, "a."}, {1, "B", v, false, e, "b."});
SLUICE_TEST_TABLE(duplicate_name, "t2", {1, "A", v, false, e, "a."}, {2, "B", v, false, e, "b."},
                  {3, "A", v, false, e, "c."});
SLUICE_TEST_TABLE(unsorted, "t3", {2, "A", v, false, e, "a."}, {1, "B", v, false, e, "b."});
SLUICE_TEST_TABLE(zero, "t4", {0, "A", v, false, e, "a."});
SLUICE_TEST_TABLE(lower_name, "t5", {1, "A", v, false, e, "a."}, {2, "bad", v, false, e, "b."});
SLUICE_TEST_TABLE(reserved, "generic", {1, "A", v, false, e, "a."});
SLUICE_TEST_TABLE(bad_domain, "Has Space", {1, "A", v, false, e, "a."});
SLUICE_TEST_TABLE(impostor, "sluice", {1, "A", v, false, e, "a."});
SLUICE_TEST_TABLE(no_summary, "t6", {1, "A", v, false, e, ""});
#undef SLUICE_TEST_TABLE
}  // namespace sluice

TEST_CASE("a user taxonomy gets its own category, info and lookup", "[errors]") {
  static_assert(sluice::check_code_table<shop::errc>().problem == sluice::table_problem::none, "valid");
  std::error_code ec = shop::errc::out_of_stock;
  CHECK(std::strcmp(ec.category().name(), "shop") == 0);
  CHECK(&ec.category() == &sluice::category<shop::errc>());
  CHECK(ec.category() != sluice::error_category());
  CHECK(ec != sluice::errc::capacity_exceeded);
  CHECK(ec.message() == "OUT_OF_STOCK: The item is out of stock.");
  CHECK(sluice::info(shop::errc::bad_sku).name == "BAD_SKU");
  CHECK(sluice::info(static_cast<shop::errc>(3)).value == 0);
  CHECK(sluice::find_code<shop::errc>("PAYMENT_GATEWAY_DOWN")->value == 10);
  CHECK(sluice::find_code<shop::errc>("TIMEOUT") == nullptr);
  CHECK(std::strcmp(sluice::name_of(ec), "OUT_OF_STOCK") == 0);
  CHECK(sluice::find_info(ec) == &sluice::info(shop::errc::out_of_stock));
  CHECK(sluice::find_error_domain("shop") == &ec.category());
  CHECK(sluice::all_codes<shop::errc>().size() == 3);
}

TEST_CASE("user codes answer sluice conditions", "[errors]") {
  std::error_code stock = shop::errc::out_of_stock;
  std::error_code sku = shop::errc::bad_sku;
  CHECK(stock == sluice::condition::retryable);
  CHECK(stock == sluice::condition::capacity);
  CHECK(stock != sluice::condition::validation);
  CHECK(sku == sluice::condition::not_retryable);
  CHECK(sku == sluice::condition::validation);
  CHECK(std::error_code(99, sluice::category<shop::errc>()) != sluice::condition::retryable);
}

TEST_CASE("user codes work in results and counters", "[errors]") {
  sluice::result<int> r = shop::errc::bad_sku;
  CHECK(r.error() == shop::errc::bad_sku);
  sluice::error_counters<shop::errc> counters;
  counters.add(shop::errc::payment_gateway_down, 3);
  counters.add(std::error_code(shop::errc::bad_sku));
  counters.add(std::error_code(sluice::errc::timeout));  // another taxonomy: "other"
  CHECK(counters.count(shop::errc::payment_gateway_down) == 3);
  CHECK(counters.other() == 1);
  auto snapshot = counters.snapshot();
  REQUIRE(snapshot.size() == 2);
  CHECK(snapshot[0].code->name == "BAD_SKU");
  CHECK(snapshot[1].count == 3);
}

TEST_CASE("user codes round-trip through dead-letter envelopes", "[errors]") {
  sluice::dead_letter<std::string> letter;
  letter.error = shop::errc::payment_gateway_down;
  letter.payload = "order 17";
  auto binary = sluice::decode_dead_letter<std::string>(sluice::encode(letter).value());
  REQUIRE(binary);
  CHECK(*binary == letter);
  std::string line = sluice::to_json_line(letter);
  CHECK(line.find("\"domain\":\"shop\",\"code\":10,\"name\":\"PAYMENT_GATEWAY_DOWN\"") != std::string::npos);
  auto json = sluice::parse_json_line<std::string>(line);
  REQUIRE(json);
  CHECK(*json == letter);
}

TEST_CASE("check_code_table reports the broken row", "[errors]") {
  using sluice::check_code_table;
  using sluice::table_problem;
  // These are constant expressions: sluice::category<Enum>() static_asserts the same check,
  // so a broken table fails to compile as soon as its category is used.
  static_assert(check_code_table<broken::duplicate_value>().problem == table_problem::duplicate_value, "");
  static_assert(check_code_table<broken::duplicate_name>().problem == table_problem::duplicate_name, "");
  static_assert(check_code_table<broken::duplicate_name>().index == 2, "");
  static_assert(check_code_table<broken::unsorted>().problem == table_problem::values_not_ascending, "");
  static_assert(check_code_table<broken::zero>().problem == table_problem::zero_value, "");
  static_assert(check_code_table<broken::lower_name>().problem == table_problem::bad_name, "");
  static_assert(check_code_table<broken::lower_name>().index == 1, "");
  static_assert(check_code_table<broken::reserved>().problem == table_problem::reserved_domain, "");
  static_assert(check_code_table<broken::bad_domain>().problem == table_problem::bad_domain, "");
  static_assert(check_code_table<broken::impostor>().problem == table_problem::reserved_domain, "");
  static_assert(check_code_table<broken::no_summary>().problem == table_problem::empty_summary, "");
  CHECK_FALSE(check_code_table<broken::duplicate_value>());
  CHECK(check_code_table<shop::errc>());
}

TEST_CASE("an envelope naming an unregistered domain is reported, not guessed", "[errors]") {
  sluice::dead_letter<std::string> letter;
  letter.error = shop::errc::bad_sku;
  std::string line = sluice::to_json_line(letter);
  std::string ghost = line;
  ghost.replace(ghost.find("\"shop\""), 6, "\"ghost\"");
  auto parsed = sluice::parse_json_line<std::string>(ghost);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error() == sluice::errc::unregistered_taxonomy);
}
