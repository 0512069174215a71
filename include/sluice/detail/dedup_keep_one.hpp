// Machinery behind sluice::keep_one_per_key: one pass over the records with a linear-probing
// table of (hash, index of the best record so far), prefetched a few records ahead so that a
// table far larger than the caches still streams; then one pass that moves the winners forward.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "sluice/detail/dedup_keys.hpp"
#include "sluice/detail/dedup_table.hpp"

SLUICE_NAMESPACE_BEGIN
namespace detail {

struct keep_one_counts {
  std::size_t kept;
  std::size_t ambiguous;
};

template <class T>
std::unique_ptr<T[]> keep_one_allocate(std::size_t n) noexcept {
  std::unique_ptr<T[]> memory(new (std::nothrow) T[n]);
  if (memory == nullptr) std::abort();
  return memory;
}

template <class Index, class RandomIt, class KeyOf, class Less>
keep_one_counts keep_one_per_key_with(RandomIt first, std::size_t n, KeyOf& key_of, Less& less) {
  if (n == 0) return {0, 0};
  using key_type = std::decay_t<std::invoke_result_t<KeyOf&, decltype(*first)>>;
  using codec = dedup_key_codec<key_type>;
  constexpr Index empty = static_cast<Index>(~Index{0});
  constexpr Index tie = static_cast<Index>(Index{1} << (sizeof(Index) * 8 - 1));

  std::size_t capacity = 16;
  while (capacity < n + n / 2) capacity *= 2;
  const std::size_t mask = capacity - 1;
  // Hash and best index side by side: a probe touches one cache line.
  struct entry {
    std::uint64_t hash;
    Index best;
  };
  auto table = keep_one_allocate<entry>(capacity);
  for (std::size_t i = 0; i < capacity; ++i) table[i].best = empty;
  // Any seed gives the same result; one that differs per call keeps crafted inputs from
  // colliding on purpose.
  const std::uint64_t seed = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(table.get())) * 0x9E3779B97F4A7C15ull;

  constexpr std::size_t far = 16, near = 8;
  std::uint64_t ring[far];
  auto record = [&](std::size_t i) -> decltype(auto) { return first[static_cast<std::ptrdiff_t>(i)]; };
  auto stage = [&](std::size_t i) {
    const std::uint64_t h = codec::hash(key_of(record(i)), seed);
    ring[i % far] = h;
    dedup_prefetch(&table[static_cast<std::size_t>(h) & mask]);
  };
  for (std::size_t i = 0; i < n && i < far; ++i) stage(i);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t h = ring[i % far];
    if (i + far < n) stage(i + far);
    if (i + near < n) {
      const Index ahead = table[static_cast<std::size_t>(ring[(i + near) % far]) & mask].best;
      if (ahead != empty) dedup_prefetch(&record(static_cast<std::size_t>(ahead & ~tie)));
    }
    const auto& key = key_of(record(i));
    for (std::size_t position = static_cast<std::size_t>(h) & mask;; position = (position + 1) & mask) {
      const Index held = table[position].best;
      if (held == empty) {
        table[position].hash = h;
        table[position].best = static_cast<Index>(i);
        break;
      }
      if (table[position].hash != h) continue;
      const auto winner = static_cast<std::size_t>(held & ~tie);
      if (!(key_of(record(winner)) == key)) continue;
      if (less(record(winner), record(i)))
        table[position].best = static_cast<Index>(i);
      else if (!less(record(i), record(winner)))
        table[position].best = static_cast<Index>(held | tie);
      break;
    }
  }

  auto winners = keep_one_allocate<std::uint64_t>(n / 64 + 1);
  for (std::size_t i = 0; i <= n / 64; ++i) winners[i] = 0;
  keep_one_counts counts{0, 0};
  for (std::size_t position = 0; position < capacity; ++position) {
    const Index held = table[position].best;
    if (held == empty) continue;
    const auto winner = static_cast<std::size_t>(held & ~tie);
    winners[winner / 64] |= std::uint64_t{1} << (winner % 64);
    counts.ambiguous += (held & tie) != 0 ? 1u : 0u;
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if ((winners[i / 64] >> (i % 64) & 1u) == 0) continue;
    if (kept != i) record(kept) = std::move(record(i));
    ++kept;
  }
  counts.kept = kept;
  return counts;
}

}  // namespace detail
SLUICE_NAMESPACE_END
