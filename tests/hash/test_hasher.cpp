// sluice::hasher<T>: std-compatible, consistent across integer types, -0.0 == 0.0, NaN,
// transparent text, order-sensitive composites, and the hash_value customization point.
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "catch_shim.hpp"
#include "sluice/hash.hpp"

namespace hash_test_hasher {

namespace user_space {
struct order_key {
  std::string region;
  std::uint64_t id;
  friend bool operator==(const order_key& a, const order_key& b) {
    return a.region == b.region && a.id == b.id;
  }
};
// The customization point: found by argument-dependent lookup.
inline std::uint64_t hash_value(const order_key& key, std::uint64_t seed) noexcept {
  return sluice::hash_combine(sluice::hash64(key.region, seed), sluice::hash_u64(key.id, seed));
}
enum class colour : std::uint8_t { red = 1, green = 2 };
}  // namespace user_space

TEST_CASE("integers hash by value, whatever their type", "[hash]") {
  CHECK(sluice::hasher<int>{}.hash(5) == sluice::hash_u64(5));
  CHECK(sluice::hasher<std::uint8_t>{}.hash(5) == sluice::hasher<long long>{}.hash(5));
  CHECK(sluice::hasher<int>{}.hash(-1) == sluice::hash_u64(~0ull));
  CHECK(sluice::hasher<std::int64_t>{}.hash(-1) == sluice::hasher<short>{}.hash(-1));
  CHECK(sluice::hasher<user_space::colour>{}.hash(user_space::colour::green) ==
        sluice::hash_u64(2));
  CHECK(sluice::hasher<bool>{}.hash(true) == sluice::hash_u64(1));
  CHECK(sluice::hasher<int>{7}.hash(5) == sluice::hash_u64(5, 7));
  CHECK(sluice::hasher<int>{7}(5) == static_cast<std::size_t>(sluice::hash_u64(5, 7)));
}

TEST_CASE("char and wchar_t hash alike whether the platform makes them signed or not", "[hash]") {
  // char is signed on x86-64 and unsigned on ARM and s390x; the cross tests run this there.
  CHECK(sluice::hasher<char>{}.hash(static_cast<char>(0xe9)) == sluice::hash_u64(0xe9));
  CHECK(sluice::hasher<char>{}.hash('a') == sluice::hash_u64(0x61));
  const wchar_t high = static_cast<wchar_t>(sizeof(wchar_t) == 4 ? 0x80000000u : 0x8000u);
  CHECK(sluice::hasher<wchar_t>{}.hash(high) == sluice::hash_u64(sizeof(wchar_t) == 4 ? 0x80000000u : 0x8000u));
  CHECK(sluice::hasher<signed char>{}.hash(-23) == sluice::hash_u64(~std::uint64_t{22}));  // by value
}

TEST_CASE("floating point hashes by value: -0.0 equals 0.0, all NaNs are one", "[hash]") {
  const sluice::hasher<double> h{};
  CHECK(h.hash(-0.0) == h.hash(0.0));
  CHECK(h.hash(1.5) == sluice::hasher<float>{}.hash(1.5f));
  CHECK(h.hash(1.0) != h.hash(-1.0));
  const double quiet = std::numeric_limits<double>::quiet_NaN();
  CHECK(h.hash(quiet) == h.hash(-quiet));
  CHECK(h.hash(quiet) == sluice::hasher<float>{}.hash(std::numeric_limits<float>::quiet_NaN()));
  CHECK(h.hash(std::numeric_limits<double>::infinity()) !=
        h.hash(-std::numeric_limits<double>::infinity()));
}

TEST_CASE("text hashes equal for equal text, whatever holds it", "[hash]") {
  const sluice::hasher<std::string> h{3};
  const std::string owned = "order-17";
  CHECK(h(owned) == h(std::string_view("order-17")));
  CHECK(h(owned) == h("order-17"));
  CHECK(h.hash(owned) == sluice::hash64(owned, 3));
  CHECK(sluice::hasher<std::string_view>{3}.hash("order-17") == h.hash(owned));
  std::unordered_set<std::string, sluice::hasher<std::string>> names(8, sluice::hasher<std::string>{42});
  names.insert(owned);
  CHECK(names.count("order-17") == 1);
#if defined(__cpp_lib_generic_unordered_lookup)
  std::unordered_set<std::string, sluice::hasher<std::string>, std::equal_to<>> transparent;
  transparent.insert(owned);
  CHECK(transparent.find(std::string_view("order-17")) != transparent.end());
#endif
}

TEST_CASE("text hashers equal hash64 for every length and seed", "[hash]") {
  std::string text;
  std::uint64_t seed = 0x243f6a8885a308d3ull;
  for (std::size_t length = 0; length <= 300; ++length) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    text.push_back(static_cast<char>('a' + seed % 26));
    CAPTURE(length, seed);
    const std::string_view prefix(text.data(), length);
    CHECK(sluice::hasher<std::string>{seed}.hash(std::string(prefix)) == sluice::hash64(prefix, seed));
    CHECK(sluice::hasher<std::string_view>{seed}.hash(prefix) == sluice::hash64(prefix, seed));
    CHECK(sluice::hasher<std::string_view>{seed}.seed() == seed);
  }
  CHECK(sluice::hasher<std::string>{}.hash("x") == sluice::hash64(std::string_view("x")));
  // Text inside a tuple hashes as text, and a C string inside one still by address.
  const std::tuple<std::string, int> row{"order-17", 4};
  const std::uint64_t expected = sluice::hash_combine(
      sluice::hash_combine(sluice::hash_u64(2, 9), sluice::hash64(std::string_view("order-17"), 9)),
      sluice::hash_u64(4, 9));
  CHECK(sluice::hasher<std::tuple<std::string, int>>{9}.hash(row) == expected);
  static const char name[] = "order-17";
  const std::tuple<const char*> by_address{name};
  CHECK(sluice::hasher<std::tuple<const char*>>{9}.hash(by_address) ==
        sluice::hash_combine(sluice::hash_u64(1, 9), sluice::hasher<const char*>{9}.hash(name)));
}

namespace {
template <class Text, class Second, class = void>
struct hash64_compiles : std::false_type {};
template <class Text, class Second>
struct hash64_compiles<Text, Second, std::void_t<decltype(sluice::hash64(std::declval<Text>(), std::declval<Second>()))>>
    : std::true_type {};
}  // namespace

TEST_CASE("a string literal with a seed does not compile; text goes through string_view", "[hash]") {
  // hash64("abc", seed) would bind to hash64(data, len) with the seed as the length.
  static_assert(!hash64_compiles<const char (&)[4], std::uint64_t>::value, "literal with a seed must not compile");
  static_assert(hash64_compiles<char (&)[4], std::size_t>::value, "a mutable buffer keeps (data, len)");
  static_assert(hash64_compiles<std::string_view, std::uint64_t>::value, "string_view with a seed");
  static_assert(hash64_compiles<const std::string&, std::uint64_t>::value, "std::string with a seed");
  CHECK(sluice::hash64("abc") == sluice::hash64(std::string_view("abc")));
  CHECK(sluice::hash128("abc") == sluice::hash128(std::string_view("abc")));
  char buffer[8] = {'a', 'b', 'c'};
  CHECK(sluice::hash64(buffer, 3) == sluice::hash64(std::string_view("abc")));  // (data, len)
}

TEST_CASE("pairs, tuples and arrays are order-sensitive", "[hash]") {
  const sluice::hasher<std::pair<int, int>> pair_hash{};
  CHECK(pair_hash.hash({1, 2}) != pair_hash.hash({2, 1}));
  CHECK(pair_hash.hash({1, 2}) == pair_hash.hash({1, 2}));
  CHECK(pair_hash.hash({0, 0}) != sluice::hasher<std::tuple<int, int, int>>{}.hash({0, 0, 0}));
  const sluice::hasher<std::tuple<std::string, int, double>> tuple_hash{9};
  CHECK(tuple_hash.hash({"a", 1, -0.0}) == tuple_hash.hash({"a", 1, 0.0}));
  CHECK(tuple_hash.hash({"a", 1, 0.0}) != sluice::hasher<std::tuple<std::string, int, double>>{10}.hash({"a", 1, 0.0}));
  const sluice::hasher<std::array<int, 3>> array_hash{};
  CHECK(array_hash.hash({1, 2, 3}) != array_hash.hash({3, 2, 1}));
  CHECK(array_hash.hash({1, 2, 3}) != array_hash.hash({1, 3, 2}));
  // Equal elements at swapped positions must not cancel (no xor combining).
  CHECK(pair_hash.hash({5, 5}) != pair_hash.hash({6, 6}));
}

TEST_CASE("user types hash through hash_value found by ADL", "[hash]") {
  std::unordered_map<user_space::order_key, int, sluice::hasher<user_space::order_key>> orders(
      8, sluice::hasher<user_space::order_key>{0x5eed});
  orders[{"eu", 1}] = 10;
  orders[{"us", 1}] = 20;
  CHECK(orders.at({"eu", 1}) == 10);
  CHECK(orders.size() == 2);
  CHECK(sluice::hasher<user_space::order_key>{1}.hash({"eu", 1}) ==
        user_space::hash_value({"eu", 1}, 1));
  // Composites of user types work too.
  CHECK(sluice::hasher<std::pair<user_space::order_key, int>>{}.hash({{"eu", 1}, 2}) !=
        sluice::hasher<std::pair<user_space::order_key, int>>{}.hash({{"eu", 2}, 1}));
}

TEST_CASE("hash_combine is order-sensitive", "[hash]") {
  const std::uint64_t a = sluice::hash_u64(1), b = sluice::hash_u64(2);
  CHECK(sluice::hash_combine(sluice::hash_combine(0, a), b) !=
        sluice::hash_combine(sluice::hash_combine(0, b), a));
}

}  // namespace hash_test_hasher
