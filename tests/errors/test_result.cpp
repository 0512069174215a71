// result<T>: a value or a std::error_code, without exceptions.
#include <memory>
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "sluice/errors.hpp"

namespace errors_test_result {

using sluice::errc;
using sluice::result;

namespace {
result<int> half(int x) {
  if (x % 2 != 0) return errc::range_violation;
  return x / 2;
}
result<void> check_positive(int x) {
  if (x <= 0) return std::make_error_code(std::errc::invalid_argument);
  return {};
}
struct point {
  int x, y;
};
}  // namespace

TEST_CASE("result holds a value or an error", "[errors]") {
  auto good = half(8);
  REQUIRE(good);
  CHECK(good.has_value());
  CHECK(good.value() == 4);
  CHECK(*good == 4);
  CHECK(!good.error());

  auto bad = half(7);
  CHECK_FALSE(bad);
  CHECK_FALSE(bad.has_value());
  CHECK(bad.error() == errc::range_violation);
  CHECK(bad.error() == sluice::condition::validation);
  CHECK(bad.value_or(-1) == -1);
  CHECK(good.value_or(-1) == 4);
}

TEST_CASE("result works with move-only and class types", "[errors]") {
  result<std::unique_ptr<int>> owned = std::make_unique<int>(7);
  REQUIRE(owned);
  std::unique_ptr<int> taken = std::move(owned).value();
  CHECK(*taken == 7);

  result<point> p = point{1, 2};
  CHECK(p->x == 1);
  CHECK(p->y == 2);
  result<std::string> s(std::in_place, std::size_t{3}, 'x');
  CHECK(*s == "xxx");
  result<std::vector<int>> v = std::vector<int>{1, 2, 3};
  CHECK(v->size() == 3);
  result<std::string> failed = std::error_code(errc::timeout);
  CHECK(failed.error() == sluice::condition::retryable);
  result<std::string> copy = failed;
  CHECK(copy.error() == errc::timeout);
}

TEST_CASE("result<void> is success by default", "[errors]") {
  result<void> ok;
  CHECK(ok);
  ok.value();
  CHECK(check_positive(1));
  auto bad = check_positive(0);
  CHECK_FALSE(bad);
  CHECK(bad.error() == std::errc::invalid_argument);
  result<void> from_enum = errc::stale_writer;
  CHECK(from_enum.error() == errc::stale_writer);
}

TEST_CASE("result<bool> keeps value and truthiness apart", "[errors]") {
  result<bool> no = false;
  CHECK(no.has_value());
  CHECK(static_cast<bool>(no));
  CHECK(*no == false);
}

}  // namespace errors_test_result
