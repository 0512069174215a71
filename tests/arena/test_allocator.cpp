// arena_allocator with standard containers, and arena_resource with std::pmr containers.
#include <cstdint>
#include <map>
#include <memory>
#include <memory_resource>
#include <new>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <sluice/arena.hpp>

#include "catch_shim.hpp"
#include "test_support.hpp"

namespace arena_test_allocator {

namespace {

template <class T>
using arena_vector = std::vector<T, sluice::arena_allocator<T>>;
using arena_string = std::basic_string<char, std::char_traits<char>, sluice::arena_allocator<char>>;
template <class K, class V>
using arena_map = std::map<K, V, std::less<K>, sluice::arena_allocator<std::pair<const K, V>>>;
template <class K, class V>
using arena_unordered_map = std::unordered_map<K, V, std::hash<K>, std::equal_to<K>,
                                               sluice::arena_allocator<std::pair<const K, V>>>;

using traits = std::allocator_traits<sluice::arena_allocator<int>>;
static_assert(std::is_same<traits::rebind_alloc<double>, sluice::arena_allocator<double>>::value,
              "rebind");
static_assert(!traits::propagate_on_container_copy_assignment::value, "stays in its arena");
static_assert(!traits::propagate_on_container_move_assignment::value, "stays in its arena");
static_assert(!traits::propagate_on_container_swap::value, "stays in its arena");
static_assert(!traits::is_always_equal::value, "equal only within one arena");
static_assert(std::is_nothrow_copy_constructible<sluice::arena_allocator<int>>::value, "");
static_assert(!std::is_default_constructible<sluice::arena_allocator<int>>::value,
              "an allocator must name its arena");

}  // namespace

TEST_CASE("arena_allocator: equality, rebind and the arena it names", "[arena]") {
  sluice::arena first;
  sluice::arena second;
  sluice::arena_allocator<int> a(first);
  sluice::arena_allocator<double> b(a);
  sluice::arena_allocator<int> c(second);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(&b.backing_arena() == &first);
  CHECK(a.max_size() == SIZE_MAX / sizeof(int));
  int* p = a.allocate(10);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % alignof(int) == 0);
  CHECK(first.used() == 10 * sizeof(int));
  a.deallocate(p, 10);  // a no-op until reset
  CHECK(first.used() == 10 * sizeof(int));
}

TEST_CASE("standard containers live in an arena and agree with std::allocator", "[arena]") {
  sluice::arena memory(1024);
  sluice_test::rng random(4);
  arena_vector<std::uint64_t> numbers{sluice::arena_allocator<std::uint64_t>(memory)};
  arena_map<int, arena_string> names{sluice::arena_allocator<int>(memory)};
  arena_unordered_map<std::uint64_t, int> counts{sluice::arena_allocator<int>(memory)};
  std::vector<std::uint64_t> reference_numbers;
  std::map<int, std::string> reference_names;
  std::unordered_map<std::uint64_t, int> reference_counts;
  for (std::size_t i = 0; i < sluice_test::scaled(5000); ++i) {
    std::uint64_t value = random.below(1000);
    numbers.push_back(value);
    reference_numbers.push_back(value);
    ++counts[value];
    ++reference_counts[value];
    int key = static_cast<int>(random.below(300));
    std::string text(static_cast<std::size_t>(random.below(60)), static_cast<char>('a' + key % 26));
    names.insert_or_assign(key, arena_string(text.c_str(), sluice::arena_allocator<char>(memory)));
    reference_names[key] = text;
  }
  CHECK(std::equal(numbers.begin(), numbers.end(), reference_numbers.begin(),
                   reference_numbers.end()));
  REQUIRE(counts.size() == reference_counts.size());
  for (const auto& entry : reference_counts) CHECK(counts.at(entry.first) == entry.second);
  REQUIRE(names.size() == reference_names.size());
  auto expected = reference_names.begin();
  for (const auto& entry : names) {
    CHECK(entry.first == expected->first);
    CHECK(entry.second.c_str() == expected->second);
    ++expected;
  }
  CHECK(memory.used() > 5000 * sizeof(std::uint64_t));
}

TEST_CASE("arena containers stay in their arena when copied, moved and assigned", "[arena]") {
  sluice::arena first;
  sluice::arena second;
  arena_vector<int> a({1, 2, 3}, sluice::arena_allocator<int>(first));
  arena_vector<int> copy(a);
  CHECK(&copy.get_allocator().backing_arena() == &first);
  arena_vector<int> b{sluice::arena_allocator<int>(second)};
  b = a;  // copies elements into the second arena
  CHECK(&b.get_allocator().backing_arena() == &second);
  const std::size_t second_used = second.used();
  b = std::move(copy);  // different arenas: moves elements, does not adopt the first arena
  CHECK(&b.get_allocator().backing_arena() == &second);
  CHECK(second.used() >= second_used);
  CHECK(b == a);
}

#if SLUICE_HAS_EXCEPTIONS()
TEST_CASE("arena_allocator and arena_resource throw std::bad_alloc when exhausted", "[arena]") {
  unsigned char buffer[256];
  sluice::arena memory(buffer, sizeof buffer);
  arena_vector<int> numbers{sluice::arena_allocator<int>(memory)};
  bool thrown = false;
  try {
    for (int i = 0; i < 1000; ++i) numbers.push_back(i);
  } catch (const std::bad_alloc&) {
    thrown = true;
  }
  CHECK(thrown);
  CHECK(numbers.size() < 64);
  CHECK(memory.reserved() == sizeof buffer);

  memory.reset();
  sluice::arena_resource resource(memory);
  thrown = false;
  try {
    static_cast<void>(resource.allocate(1000, 8));
  } catch (const std::bad_alloc&) {
    thrown = true;
  }
  CHECK(thrown);
}
#endif

TEST_CASE("arena_resource serves std::pmr containers from the arena", "[arena]") {
  sluice::arena memory;
  sluice::arena_resource resource(memory);
  sluice::arena_resource other(memory);
  CHECK(resource.is_equal(resource));
  CHECK_FALSE(resource.is_equal(other));
  CHECK(&resource.backing_arena() == &memory);

  void* page = resource.allocate(100, 4096);
  CHECK(reinterpret_cast<std::uintptr_t>(page) % 4096 == 0);
  resource.deallocate(page, 100, 4096);

  std::pmr::vector<std::pmr::string> words(&resource);
  for (int i = 0; i < 200; ++i)
    words.emplace_back(std::string(static_cast<std::size_t>(i % 50), 'w').c_str());
  CHECK(words[49].size() == 49);
  CHECK(words[49].get_allocator().resource() == &resource);
  std::pmr::unordered_map<int, int> map(&resource);
  for (int i = 0; i < 1000; ++i) map[i] = 2 * i;
  CHECK(map.at(999) == 1998);
  CHECK(memory.used() > 1000 * 2 * sizeof(int));
}

}  // namespace arena_test_allocator
