// Machinery behind sluice::keep_one_per_key. A hash table over the whole batch misses the
// caches on nearly every probe once the batch is large, so the work is split first:
//   1. hash every key once, counting how many hashes fall in each of P partitions (top bits);
//   2. scatter one entry per record into its partition, in input order: the record's index and
//      32 low hash bits, plus a copy of the record itself when it is small and trivially
//      copyable, so that step 3 never leaves the partition;
//   3. deduplicate each partition with a small open-addressing table that stays in cache,
//      marking each winner's index in a bitmap;
//   4. move the marked records forward, in input order.
// P is chosen so that a partition's entries and table fill about SLUICE_KEEP_ONE_PARTITION_BYTES().
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "sluice/detail/dedup_keys.hpp"

// Bytes of entries plus table that one partition of keep_one_per_key aims to fill; about half
// of a core's L2 cache is right. Override by defining it before including sluice.
#ifndef SLUICE_KEEP_ONE_PARTITION_BYTES
#define SLUICE_KEEP_ONE_PARTITION_BYTES() (256u * 1024u)
#endif

SLUICE_NAMESPACE_BEGIN
namespace detail {

struct keep_one_counts {
  std::size_t kept = 0;
  std::size_t ambiguous = 0;
  bool out_of_memory = false;  // nothing was moved
};

// How keep_one_per_key_with splits the work; tests shrink the partitions and the heap.
struct keep_one_tuning {
  std::size_t partition_bytes = SLUICE_KEEP_ONE_PARTITION_BYTES();
  std::size_t scratch_limit = SIZE_MAX;  // bytes; asking for more fails like an empty heap
  std::uint32_t tag_mask = ~std::uint32_t{0};  // fewer tag bits force key comparisons
  std::size_t max_partitions = std::size_t{1} << 16;  // a power of two
};

inline void keep_one_prefetch(const void* address) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(address);
#else
  (void)address;
#endif
}

// Heap scratch that reports failure instead of throwing or aborting.
class keep_one_scratch {
 public:
  explicit keep_one_scratch(std::size_t limit) noexcept : remaining_(limit) {}

  template <class T>
  std::unique_ptr<T[]> allocate(std::size_t count) noexcept {
    if (failed_ || count > remaining_ / sizeof(T)) {
      failed_ = true;
      return nullptr;
    }
    remaining_ -= count * sizeof(T);
    std::unique_ptr<T[]> memory(new (std::nothrow) T[count]);
    if (memory == nullptr) failed_ = true;
    return memory;
  }
  bool failed() const noexcept { return failed_; }
  void give_back(std::size_t bytes) noexcept { remaining_ += bytes; }

 private:
  std::size_t remaining_;
  bool failed_ = false;
};

// Records worth copying into the partitions: a copy is a memcpy and costs less than the cache
// miss of reaching the record through its index.
template <class Record>
inline constexpr bool keep_one_copies_records =
    std::is_trivially_copyable_v<Record> && std::is_trivially_default_constructible_v<Record> &&
    sizeof(Record) <= 64;

template <class Record, class Index, bool Copies = keep_one_copies_records<Record>>
struct keep_one_entry {
  Index index;
  std::uint32_t tag;
};
template <class Record, class Index>
struct keep_one_entry<Record, Index, true> {
  Record record;
  Index index;
  std::uint32_t tag;
};

template <class Index>
struct keep_one_slot {
  std::uint32_t tag;
  Index local;  // position in the partition of the best entry so far; top bit: tied
};

template <class Index, class RandomIt, class KeyOf, class Less>
keep_one_counts keep_one_per_key_with(RandomIt first, std::size_t n, KeyOf& key_of, Less& less,
                                      const keep_one_tuning& tuning = {}) {
  keep_one_counts counts;
  if (n == 0) return counts;
  using record_type = typename std::iterator_traits<RandomIt>::value_type;
  using key_type = std::decay_t<std::invoke_result_t<KeyOf&, decltype(*first)>>;
  using codec = dedup_key_codec<key_type>;
  constexpr bool copies =
      keep_one_copies_records<record_type> && std::is_same_v<decltype(*first), record_type&>;
  using entry = keep_one_entry<record_type, Index, copies>;
  using slot = keep_one_slot<Index>;
  constexpr Index empty = static_cast<Index>(~Index{0});
  constexpr Index tie = static_cast<Index>(Index{1} << (sizeof(Index) * 8 - 1));

  auto record = [&](std::size_t i) -> decltype(auto) { return first[static_cast<std::ptrdiff_t>(i)]; };

  std::size_t per_partition = tuning.partition_bytes / (sizeof(entry) + 2 * sizeof(slot));
  if (per_partition == 0) per_partition = 1;
  std::size_t partitions = 1;
  while (partitions < tuning.max_partitions && n / partitions > per_partition) partitions *= 2;

  keep_one_scratch scratch(tuning.scratch_limit);
  // Copied records are cheap to hash again; other keys are hashed once and the hash kept.
  auto hashes = scratch.allocate<std::uint64_t>(copies ? 0 : n);
  auto starts = scratch.allocate<std::size_t>(partitions + 1);
  auto entries = scratch.allocate<entry>(n);
  auto winners = scratch.allocate<std::uint64_t>(n / 64 + 1);
  if (scratch.failed()) {
    counts.out_of_memory = true;
    return counts;
  }
  // Any seed gives the same result; one that differs per call keeps crafted inputs from
  // colliding on purpose.
  const std::uint64_t seed =
      static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(entries.get())) * 0x9E3779B97F4A7C15ull;
  // The top 32 hash bits pick the partition, the low 32 bits are the tag and the table home.
  const auto partition_of = [partitions](std::uint64_t hash) {
    return static_cast<std::size_t>((hash >> 32) * partitions >> 32);
  };

  for (std::size_t p = 0; p <= partitions; ++p) starts[p] = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t h = codec::hash(key_of(record(i)), seed);
    if constexpr (!copies) hashes[i] = h;
    ++starts[partition_of(h) + 1];
  }
  std::size_t largest = 0;
  for (std::size_t p = 1; p <= partitions; ++p) {
    if (starts[p] > largest) largest = starts[p];
    starts[p] += starts[p - 1];
  }
  // A table starts large enough for a typical partition of distinct keys and doubles whenever
  // it would pass 2/3 full, so that a key repeated across much of the batch (one huge
  // partition) does not cost a table sized for its repetitions.
  const auto table_size = [](std::size_t keys) {
    std::size_t capacity = 8;
    while (capacity < keys + keys / 2) capacity *= 2;
    return capacity;
  };
  std::size_t table_capacity = table_size(largest < per_partition ? largest : per_partition);
  auto table = scratch.allocate<slot>(table_capacity);
  // Entries gather in a small cache-resident buffer per partition and travel to the partition
  // a few cache lines at a time, instead of one store to each of P distant places per record.
  constexpr std::size_t buffered = sizeof(entry) >= 256 ? 1 : 256 / sizeof(entry);
  auto cursor = scratch.allocate<std::size_t>(partitions);
  auto filled = scratch.allocate<std::size_t>(partitions);
  auto buffers = scratch.allocate<entry>(partitions * buffered);
  if (scratch.failed()) {
    counts.out_of_memory = true;
    return counts;
  }

  for (std::size_t p = 0; p < partitions; ++p) {
    cursor[p] = starts[p];
    filled[p] = 0;
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t h;
    if constexpr (copies)
      h = codec::hash(key_of(record(i)), seed);
    else
      h = hashes[i];
    const std::size_t p = partition_of(h);
    entry* buffer = &buffers[p * buffered];
    entry& e = buffer[filled[p]];
    if constexpr (copies) e.record = record(i);
    e.index = static_cast<Index>(i);
    e.tag = static_cast<std::uint32_t>(h) & tuning.tag_mask;
    if (++filled[p] == buffered) {
      std::memcpy(static_cast<void*>(&entries[cursor[p]]), buffer, sizeof(entry) * buffered);
      cursor[p] += buffered;
      filled[p] = 0;
    }
  }
  for (std::size_t p = 0; p < partitions; ++p)
    if (filled[p] != 0)
      std::memcpy(static_cast<void*>(&entries[cursor[p]]), &buffers[p * buffered], sizeof(entry) * filled[p]);
  buffers.reset();
  hashes.reset();

  auto entry_record = [&](std::size_t j) -> decltype(auto) {
    if constexpr (copies)
      return static_cast<const record_type&>(entries[j].record);
    else
      return record(static_cast<std::size_t>(entries[j].index));
  };
  for (std::size_t i = 0; i <= n / 64; ++i) winners[i] = 0;
  for (std::size_t p = 0; p < partitions; ++p) {
    const std::size_t begin = starts[p], end = starts[p + 1];
    std::size_t capacity = table_size(end - begin < per_partition ? end - begin : per_partition);
    std::size_t mask = capacity - 1, used = 0;
    for (std::size_t s = 0; s < capacity; ++s) table[s].local = empty;
    const auto grow = [&]() -> bool {
      const std::size_t grown = capacity * 2;
      const std::size_t allocated = grown > table_capacity ? grown : table_capacity;
      auto bigger = scratch.allocate<slot>(allocated);
      if (bigger == nullptr) return false;
      for (std::size_t s = 0; s < grown; ++s) bigger[s].local = empty;
      for (std::size_t s = 0; s < capacity; ++s) {
        if (table[s].local == empty) continue;
        std::size_t position = table[s].tag & (grown - 1);
        while (bigger[position].local != empty) position = (position + 1) & (grown - 1);
        bigger[position] = table[s];
      }
      scratch.give_back(table_capacity * sizeof(slot));
      table = std::move(bigger);
      table_capacity = allocated;
      capacity = grown;
      mask = grown - 1;
      return true;
    };

    for (std::size_t j = begin; j < end; ++j) {
      if constexpr (!copies) {
        // The table is in cache but the records are not: fetch ahead the record and the
        // holder of its likely slot.
        constexpr std::size_t far = 16, near = 8;
        if (j + far < end) keep_one_prefetch(&record(static_cast<std::size_t>(entries[j + far].index)));
        if (j + near < end) {
          const slot& ahead = table[entries[j + near].tag & mask];
          if (ahead.local != empty)
            keep_one_prefetch(&record(static_cast<std::size_t>(entries[begin + static_cast<std::size_t>(ahead.local & ~tie)].index)));
        }
      }
      const std::uint32_t tag = entries[j].tag;
      for (std::size_t position = tag & mask;; position = (position + 1) & mask) {
        slot& s = table[position];
        if (s.local == empty) {
          s.tag = tag;
          s.local = static_cast<Index>(j - begin);
          if (++used * 3 > capacity * 2 && !grow()) {
            counts.out_of_memory = true;
            return counts;
          }
          break;
        }
        if (s.tag != tag) continue;
        const std::size_t held = begin + static_cast<std::size_t>(s.local & ~tie);
        if (!(key_of(entry_record(held)) == key_of(entry_record(j)))) continue;
        const bool greater = less(entry_record(held), entry_record(j));
        const bool tied = !greater && !less(entry_record(j), entry_record(held));
        s.local = greater ? static_cast<Index>(j - begin) : tied ? static_cast<Index>(s.local | tie) : s.local;
        break;
      }
    }
    for (std::size_t s = 0; s < capacity; ++s) {
      const Index local = table[s].local;
      if (local == empty) continue;
      const auto winner = static_cast<std::size_t>(entries[begin + static_cast<std::size_t>(local & ~tie)].index);
      winners[winner / 64] |= std::uint64_t{1} << (winner % 64);
      counts.ambiguous += (local & tie) != 0 ? 1u : 0u;
    }
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
