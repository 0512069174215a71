// Machinery behind sluice/scd2.hpp: what a traits struct provides, turned into the value
// types the history stores and the orderings it sorts changes by.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "sluice/detail/config.hpp"

SLUICE_NAMESPACE_BEGIN
namespace detail {

// The type stored for a value a traits function returns: decayed; a std::string_view becomes
// the std::string it views, and tuples (of references, from std::tie) and pairs are stored
// element by element the same way, so rows never point into the caller's records.
template <class T>
struct scd2_stored {
  using type = std::decay_t<T>;
};
template <>
struct scd2_stored<std::string_view> {
  using type = std::string;
};
template <class... Ts>
struct scd2_stored<std::tuple<Ts...>> {
  using type = std::tuple<typename scd2_stored<std::decay_t<Ts>>::type...>;
};
template <class A, class B>
struct scd2_stored<std::pair<A, B>> {
  using type = std::pair<typename scd2_stored<std::decay_t<A>>::type, typename scd2_stored<std::decay_t<B>>::type>;
};
template <class T>
using scd2_stored_t = typename scd2_stored<std::decay_t<T>>::type;

// Whether a hasher's hash() accepts an A as it is.
template <class Hasher, class A, class = void>
struct scd2_hashes_directly : std::false_type {};
template <class Hasher, class A>
struct scd2_hashes_directly<Hasher, A, std::void_t<decltype(std::declval<const Hasher&>().hash(std::declval<A>()))>>
    : std::true_type {};

template <class Traits, class = void>
struct scd2_has_untracked : std::false_type {};
template <class Traits>
struct scd2_has_untracked<Traits, std::void_t<decltype(Traits::untracked(
                                      std::declval<const typename Traits::record&>()))>>
    : std::true_type {};

template <class T>
struct scd2_is_tuple : std::false_type {};
template <class... Ts>
struct scd2_is_tuple<std::tuple<Ts...>> : std::true_type {};

// -1, 0 or 1 as a is less than, equivalent to or greater than b, using only operator<.
template <class A, class B>
int scd2_three_way(const A& a, const B& b) {
  if (a < b) return -1;
  if (b < a) return 1;
  return 0;
}

template <std::size_t I, class A, class B>
int scd2_three_way_tuple(const A& a, const B& b) {
  if constexpr (I == std::tuple_size<A>::value) {
    return 0;
  } else {
    int order = scd2_three_way(std::get<I>(a), std::get<I>(b));
    return order != 0 ? order : scd2_three_way_tuple<I + 1>(a, b);
  }
}

// Lexicographic three-way comparison of two tuples of equal size (element by element, so
// each element is compared at most twice); any other type through operator<.
template <class A, class B>
int scd2_compare(const A& a, const B& b) {
  if constexpr (scd2_is_tuple<A>::value && scd2_is_tuple<B>::value) {
    static_assert(std::tuple_size<A>::value == std::tuple_size<B>::value,
                  "tracked/untracked must return tuples of one size");
    return scd2_three_way_tuple<0>(a, b);
  } else {
    return scd2_three_way(a, b);
  }
}

// The traits of one record type, adapted: stored types, and the order of changes.
template <class Traits>
struct scd2_adapter {
  using record_type = typename Traits::record;
  using key_type = scd2_stored_t<decltype(Traits::key(std::declval<const record_type&>()))>;
  using sequence_type =
      scd2_stored_t<decltype(Traits::sequence(std::declval<const record_type&>()))>;
  static constexpr bool has_untracked = scd2_has_untracked<Traits>::value;

  static bool sequence_less(const sequence_type& a, const sequence_type& b) { return a < b; }
  static bool sequence_equal(const sequence_type& a, const sequence_type& b) {
    return !(a < b) && !(b < a);
  }

  // Orders changes that share a sequence: upserts before deletes, then by (tracked,
  // untracked). The greatest one wins a sequence conflict.
  static int compare_content(const record_type& a, const record_type& b) {
    const bool a_deletes = Traits::is_delete(a);
    const bool b_deletes = Traits::is_delete(b);
    if (a_deletes != b_deletes) return a_deletes ? 1 : -1;
    int order = scd2_compare(Traits::tracked(a), Traits::tracked(b));
    if constexpr (has_untracked) {
      if (order == 0) order = scd2_compare(Traits::untracked(a), Traits::untracked(b));
    }
    return order;
  }

  // The order a key's changes are stored in: by sequence, then by content.
  static int compare_change(const record_type& a, const record_type& b) {
    int order = scd2_three_way(Traits::sequence(a), Traits::sequence(b));
    return order != 0 ? order : compare_content(a, b);
  }

  static bool same_tracked(const record_type& a, const record_type& b) {
    return Traits::tracked(a) == Traits::tracked(b);
  }
};

}  // namespace detail
SLUICE_NAMESPACE_END
