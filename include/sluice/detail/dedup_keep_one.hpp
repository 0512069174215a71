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
// All scratch is one allocation from an arena, so a caller who passes an arena over a buffer
// it keeps pays the operating system's first-touch page faults once, not on every call.
// Entries reach their partitions with streaming stores where the target has them: they are
// read back only after the whole scatter, long after any cache would have kept them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <new>
#include <type_traits>
#include <utility>

#include "sluice/arena.hpp"
#include "sluice/detail/dedup_keys.hpp"
#include "sluice/detail/dedup_table.hpp"

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

// How keep_one_per_key_with splits the work; tests shrink the partitions.
struct keep_one_tuning {
  std::size_t partition_bytes = SLUICE_KEEP_ONE_PARTITION_BYTES();
  std::uint32_t tag_mask = ~std::uint32_t{0};  // fewer tag bits force key comparisons
  std::size_t max_partitions = std::size_t{1} << 16;  // a power of two
};

// Copies `bytes` (a multiple of 16) to `to` (16-byte aligned) without first reading the target
// lines into the cache, where the target can; keep_one_stream_fence() orders these stores.
inline void keep_one_stream(void* to, const void* from, std::size_t bytes) noexcept {
#if SLUICE_DETAIL_DEDUP_SSE2()
  auto* target = static_cast<__m128i*>(to);
  const auto* source = static_cast<const __m128i*>(from);
  for (std::size_t k = 0; k < bytes / 16; ++k) _mm_stream_si128(target + k, _mm_loadu_si128(source + k));
#else
  std::memcpy(to, from, bytes);
#endif
}
inline void keep_one_stream_fence() noexcept {
#if SLUICE_DETAIL_DEDUP_SSE2()
  _mm_sfence();
#endif
}

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

// Where the pieces of keep_one's scratch lie in its one allocation (offsets in bytes, each a
// multiple of 64). The scatter buffers (and hashes) are dead once the scatter is done; the
// table reuses their place.
struct keep_one_layout {
  std::size_t partitions = 1, per_partition = 1, table_capacity = 8;
  std::size_t line_entries = 1;  // entries per cache line when one divides the other, else 1
  std::size_t buffered = 1;      // entries a partition gathers before they travel
  std::size_t starts = 0, cursor = 0, winners = 0, entries = 0, hashes = 0, filled = 0,
              buffers = 0, table = 0, occupied = 0;
  std::size_t bytes = 0;  // SIZE_MAX when the sizes overflow
};

// Table capacity for `keys` distinct keys: a power of two, at most 2/3 full.
inline std::size_t keep_one_table_size(std::size_t keys) noexcept {
  std::size_t capacity = 8;
  while (capacity < keys + keys / 2) capacity *= 2;
  return capacity;
}

template <class Entry, class Slot>
keep_one_layout keep_one_plan(std::size_t n, bool with_hashes, const keep_one_tuning& tuning) noexcept {
  keep_one_layout layout;
  using Index = decltype(Slot::local);
  layout.per_partition = tuning.partition_bytes / (sizeof(Entry) + 2 * sizeof(Slot));
  if (layout.per_partition == 0) layout.per_partition = 1;
  while (layout.partitions < tuning.max_partitions && n / layout.partitions > layout.per_partition)
    layout.partitions *= 2;
  layout.table_capacity = keep_one_table_size(n < layout.per_partition ? n : layout.per_partition);
  layout.line_entries = 64 % sizeof(Entry) == 0 ? 64 / sizeof(Entry) : 1;
  layout.buffered = sizeof(Entry) >= 256 ? 1 : 256 / sizeof(Entry);

  bool overflow = false;
  const auto times = [&](std::size_t count, std::size_t size) {
    if (count > SIZE_MAX / size) overflow = true;
    return overflow ? 0 : count * size;
  };
  std::size_t at = 0;  // the total stays below SIZE_MAX - 256, room for the caller's slack
  const auto place = [&](std::size_t& offset, std::size_t bytes) {
    offset = at;
    if (bytes > SIZE_MAX - 256 - at) overflow = true;
    if (!overflow) at += (bytes + 63) / 64 * 64;
  };
  const std::size_t p = layout.partitions;
  place(layout.starts, times(p + 1, sizeof(std::size_t)));
  place(layout.cursor, times(p, sizeof(std::size_t)));
  place(layout.winners, times(n / 64 + 1, sizeof(std::uint64_t)));
  // Each partition starts on a cache line, so whole lines travel (padding: under a line each).
  place(layout.entries, times(n + p * (layout.line_entries - 1), sizeof(Entry)));
  const std::size_t shared = at;
  place(layout.hashes, times(with_hashes ? n : 0, sizeof(std::uint64_t)));
  place(layout.filled, times(p, sizeof(std::size_t)));
  place(layout.buffers, times(p * layout.buffered, sizeof(Entry)));
  const std::size_t scatter_end = at;
  at = shared;
  place(layout.table, times(layout.table_capacity, sizeof(Slot)));
  place(layout.occupied, times(layout.table_capacity, sizeof(Index)));
  if (at < scatter_end) at = scatter_end;
  layout.bytes = overflow ? SIZE_MAX : at;
  return layout;
}

// `count` default-initialized objects at `offset` bytes into `base`.
template <class T>
T* keep_one_array(unsigned char* base, std::size_t offset, std::size_t count) noexcept {
  static_assert(alignof(T) <= 64, "scratch pieces are 64-byte aligned");
  T* array = reinterpret_cast<T*>(base + offset);
  for (std::size_t i = 0; i < count; ++i) ::new (static_cast<void*>(array + i)) T;
  return array;
}

template <class Index, class RandomIt>
struct keep_one_types {
  using record_type = typename std::iterator_traits<RandomIt>::value_type;
  static constexpr bool copies =
      keep_one_copies_records<record_type> && std::is_same_v<decltype(*std::declval<RandomIt&>()), record_type&>;
  using entry = keep_one_entry<record_type, Index, copies>;
  using slot = keep_one_slot<Index>;
};

// Bytes of scratch keep_one_per_key_with needs for `n` records, unless one partition turns out
// far larger than the rest and its table has to grow.
template <class Index, class RandomIt>
std::size_t keep_one_scratch_bytes(std::size_t n, const keep_one_tuning& tuning = {}) noexcept {
  using types = keep_one_types<Index, RandomIt>;
  if (n == 0) return 0;
  const keep_one_layout layout =
      keep_one_plan<typename types::entry, typename types::slot>(n, !types::copies, tuning);
  return layout.bytes == SIZE_MAX ? SIZE_MAX : layout.bytes + 64;
}

template <class Index, class RandomIt, class KeyOf, class Less>
keep_one_counts keep_one_per_key_with(RandomIt first, std::size_t n, KeyOf& key_of, Less& less,
                                      arena& scratch, const keep_one_tuning& tuning = {}) {
  keep_one_counts counts;
  if (n == 0) return counts;
  using types = keep_one_types<Index, RandomIt>;
  using record_type = typename types::record_type;
  using key_type = std::decay_t<std::invoke_result_t<KeyOf&, decltype(*first)>>;
  using codec = dedup_key_codec<key_type>;
  constexpr bool copies = types::copies;
  using entry = typename types::entry;
  using slot = typename types::slot;
  constexpr Index empty = static_cast<Index>(~Index{0});
  constexpr Index tie = static_cast<Index>(Index{1} << (sizeof(Index) * 8 - 1));

  auto record = [&](std::size_t i) -> decltype(auto) { return first[static_cast<std::ptrdiff_t>(i)]; };

  // Copied records are cheap to hash again; other keys are hashed once and the hash kept.
  const keep_one_layout layout = keep_one_plan<entry, slot>(n, !copies, tuning);
  struct rewind_at_exit {
    arena& memory;
    arena::marker mark;
    ~rewind_at_exit() { memory.rewind(mark); }
  } rewind{scratch, scratch.mark()};
  auto* base = layout.bytes == SIZE_MAX ? nullptr : static_cast<unsigned char*>(scratch.allocate(layout.bytes, 64));
  if (base == nullptr) {
    counts.out_of_memory = true;
    return counts;
  }
  const std::size_t partitions = layout.partitions, per_partition = layout.per_partition;
  const std::size_t line = layout.line_entries, buffered = layout.buffered;
  std::size_t* starts = keep_one_array<std::size_t>(base, layout.starts, partitions + 1);
  std::size_t* cursor = keep_one_array<std::size_t>(base, layout.cursor, partitions);
  std::uint64_t* winners = keep_one_array<std::uint64_t>(base, layout.winners, n / 64 + 1);
  entry* entries = keep_one_array<entry>(base, layout.entries, n + partitions * (line - 1));
  std::uint64_t* hashes = keep_one_array<std::uint64_t>(base, layout.hashes, copies ? 0 : n);
  std::size_t* filled = keep_one_array<std::size_t>(base, layout.filled, partitions);
  entry* buffers = keep_one_array<entry>(base, layout.buffers, partitions * buffered);

  // Any seed gives the same result; one that differs from call to call keeps crafted inputs
  // from colliding on purpose.
  const seeded_hash keyed(
      (static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(base)) ^
       static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&counts)) * 0x9E3779B97F4A7C15ull) +
      static_cast<std::uint64_t>(n));
  // The top 32 hash bits pick the partition, the low 32 bits are the tag and the table home.
  const auto partition_of = [partitions](std::uint64_t hash) {
    return static_cast<std::size_t>((hash >> 32) * partitions >> 32);
  };

  for (std::size_t p = 0; p < partitions; ++p) cursor[p] = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t h = codec::hash(key_of(record(i)), keyed);
    if constexpr (!copies) hashes[i] = h;
    ++cursor[partition_of(h)];
  }
  std::size_t at = 0;
  for (std::size_t p = 0; p < partitions; ++p) {
    starts[p] = at;
    at = (at + cursor[p] + line - 1) / line * line;
    cursor[p] = starts[p];
    filled[p] = 0;
  }
  starts[partitions] = at;

  // Entries gather in a small cache-resident buffer per partition and travel to the partition
  // a few cache lines at a time, instead of one store to each of P distant places per record.
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t h;
    if constexpr (copies)
      h = codec::hash(key_of(record(i)), keyed);
    else
      h = hashes[i];
    const std::size_t p = partition_of(h);
    entry* buffer = &buffers[p * buffered];
    entry& e = buffer[filled[p]];
    if constexpr (copies) e.record = record(i);
    e.index = static_cast<Index>(i);
    e.tag = static_cast<std::uint32_t>(h) & tuning.tag_mask;
    if (++filled[p] == buffered) {
      void* target = &entries[cursor[p]];
      if (line > 1 && (reinterpret_cast<std::uintptr_t>(target) & 15) == 0)
        keep_one_stream(target, buffer, sizeof(entry) * buffered);
      else
        std::memcpy(target, buffer, sizeof(entry) * buffered);
      cursor[p] += buffered;
      filled[p] = 0;
    }
  }
  keep_one_stream_fence();
  for (std::size_t p = 0; p < partitions; ++p) {
    std::memcpy(static_cast<void*>(&entries[cursor[p]]), &buffers[p * buffered], sizeof(entry) * filled[p]);
    cursor[p] += filled[p];  // now the end of partition p
  }

  // The table takes the place of the scatter buffers. Beside it, `occupied` lists the slots in
  // use, so that a partition's winners are read, and its slots emptied, without a pass over
  // the whole table (about a third of it is used). When a partition holds more distinct keys
  // than a typical one, it doubles into a spare table (fresh from the arena when the spare is
  // too small) and the two swap roles. Both tables are empty between partitions.
  std::size_t table_room = layout.table_capacity, spare_room = 0;
  slot* table = keep_one_array<slot>(base, layout.table, table_room);
  Index* occupied = keep_one_array<Index>(base, layout.occupied, table_room);
  slot* spare = nullptr;
  Index* spare_occupied = nullptr;
  for (std::size_t s = 0; s < table_room; ++s) table[s].local = empty;
  auto entry_record = [&](std::size_t j) -> decltype(auto) {
    if constexpr (copies)
      return static_cast<const record_type&>(entries[j].record);
    else
      return record(static_cast<std::size_t>(entries[j].index));
  };
  for (std::size_t i = 0; i <= n / 64; ++i) winners[i] = 0;
  for (std::size_t p = 0; p < partitions; ++p) {
    const std::size_t begin = starts[p], end = cursor[p];
    if (begin == end) continue;
    std::size_t capacity = keep_one_table_size(end - begin < per_partition ? end - begin : per_partition);
    std::size_t mask = capacity - 1, used = 0;
    const auto grow = [&]() -> bool {
      const std::size_t grown = capacity * 2;
      if (spare_room < grown) {  // both tables keep room for any partition's first size
        const std::size_t room = grown > layout.table_capacity ? grown : layout.table_capacity;
        slot* fresh = scratch.allocate_array<slot>(room);
        Index* fresh_occupied = scratch.allocate_array<Index>(room);
        if (fresh == nullptr || fresh_occupied == nullptr) return false;
        for (std::size_t s = 0; s < room; ++s) fresh[s].local = empty;
        spare = fresh;
        spare_occupied = fresh_occupied;
        spare_room = room;
      }
      for (std::size_t k = 0; k < used; ++k) {
        slot& from = table[occupied[k]];
        std::size_t position = from.tag & (grown - 1);
        while (spare[position].local != empty) position = (position + 1) & (grown - 1);
        spare[position] = from;
        from.local = empty;
        spare_occupied[k] = static_cast<Index>(position);
      }
      std::swap(table, spare);
      std::swap(occupied, spare_occupied);
      std::swap(table_room, spare_room);
      capacity = grown;
      mask = grown - 1;
      return true;
    };

    for (std::size_t j = begin; j < end; ++j) {
      if constexpr (!copies) {
        // The table is in cache but the records are not: fetch ahead the record and the
        // holder of its likely slot.
        constexpr std::size_t far = 16, near = 8;
        if (j + far < end) dedup_prefetch(&record(static_cast<std::size_t>(entries[j + far].index)));
        if (j + near < end) {
          const slot& ahead = table[entries[j + near].tag & mask];
          if (ahead.local != empty)
            dedup_prefetch(&record(static_cast<std::size_t>(entries[begin + static_cast<std::size_t>(ahead.local & ~tie)].index)));
        }
      }
      const std::uint32_t tag = entries[j].tag;
      for (std::size_t position = tag & mask;; position = (position + 1) & mask) {
        slot& s = table[position];
        if (s.local == empty) {
          s.tag = tag;
          s.local = static_cast<Index>(j - begin);
          occupied[used] = static_cast<Index>(position);
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
    for (std::size_t k = 0; k < used; ++k) {
      slot& s = table[occupied[k]];
      const Index local = s.local;
      s.local = empty;
      const auto winner = static_cast<std::size_t>(entries[begin + static_cast<std::size_t>(local & ~tie)].index);
      winners[winner / 64] |= std::uint64_t{1} << (winner % 64);
      counts.ambiguous += (local & tie) != 0 ? 1u : 0u;
    }
  }

  std::size_t kept = 0;
  for (std::size_t word = 0; word <= n / 64; ++word) {
    for (std::uint64_t bits = winners[word]; bits != 0; bits &= bits - 1) {
      const std::size_t i = word * 64 + dedup_count_trailing_zeros(bits);
      if (kept != i) record(kept) = std::move(record(i));
      ++kept;
    }
  }
  counts.kept = kept;
  return counts;
}

}  // namespace detail
SLUICE_NAMESPACE_END
