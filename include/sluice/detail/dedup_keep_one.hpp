// Machinery behind sluice::keep_one_per_key. A hash table over the whole batch misses the
// caches on nearly every probe once the batch is large, so the work is split first:
//   1. scatter one entry per record, in input order, into one of P partitions (top hash bits):
//      the record's index and 32 low hash bits, plus a copy of the record itself when it is
//      small and trivially copyable, so that step 2 never leaves the partition. A partition is
//      a chain of chunks (up to 4 KiB) taken from one pool as they fill, so no pass over the
//      input has to count the partitions' sizes first;
//   2. deduplicate each partition with a small open-addressing table that stays in cache,
//      marking each winner's index in a bitmap;
//   3. move the marked records forward, in input order.
// P is chosen so that a partition's entries and table fill about SLUICE_KEEP_ONE_PARTITION_BYTES().
// All scratch is one allocation from an arena, so a caller who passes an arena over a buffer
// it keeps pays the operating system's first-touch page faults once, not on every call.
// Entries reach their chunks with streaming stores where the target has them: they are read
// back only after the whole scatter, long after any cache would have kept them.
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
  Index local;  // pool place of the key's best entry so far; top bit: tied
};

// Where the pieces of keep_one's scratch lie in its one allocation (offsets in bytes, each a
// multiple of 64). The scatter buffers are dead once the scatter is done; the table and its
// list of used slots reuse their place.
struct keep_one_layout {
  std::size_t partitions = 1, per_partition = 1, table_capacity = 8;
  std::size_t buffered = 1;      // entries a partition gathers before they travel (a power of two)
  std::size_t chunk = 1;         // entries per chunk (a power of two, a multiple of buffered)
  std::size_t chunks = 0;        // chunks in the pool
  std::size_t parts = 0, winners = 0, pool = 0, next = 0, filled = 0, buffers = 0, table = 0,
              occupied = 0;
  std::size_t bytes = 0;  // SIZE_MAX when the sizes overflow
};

// Table capacity for `keys` distinct keys: a power of two, at most 2/3 full.
inline std::size_t keep_one_table_size(std::size_t keys) noexcept {
  std::size_t capacity = 8;
  while (capacity < keys + keys / 2) capacity *= 2;
  return capacity;
}

inline std::size_t keep_one_power_of_two_below(std::size_t limit) noexcept {  // limit >= 1
  std::size_t power = 1;
  while (power <= limit / 2) power *= 2;
  return power;
}

// A partition's entries: a chain of chunks in the pool, filled in input order.
struct keep_one_part {
  std::size_t head, tail;  // first and last chunk (none before the first entry arrives)
  std::size_t tail_used;   // entries in the last chunk (a full chunk's worth before the first)
  std::size_t size;        // entries in all chunks
};

template <class Entry, class Slot>
keep_one_layout keep_one_plan(std::size_t n, const keep_one_tuning& tuning) noexcept {
  keep_one_layout layout;
  using Index = decltype(Slot::local);
  layout.per_partition = tuning.partition_bytes / (sizeof(Entry) + 2 * sizeof(Slot));
  if (layout.per_partition == 0) layout.per_partition = 1;
  while (layout.partitions < tuning.max_partitions && n / layout.partitions > layout.per_partition)
    layout.partitions *= 2;
  const std::size_t p = layout.partitions;
  layout.table_capacity = keep_one_table_size(n < layout.per_partition ? n : layout.per_partition);
  layout.buffered = keep_one_power_of_two_below(sizeof(Entry) >= 256 ? 1 : 256 / sizeof(Entry));
  // Chunks of up to 4 KiB, and no more than a sixteenth of a typical partition, so that the
  // partly filled last chunk of each partition wastes little.
  const std::size_t by_page = keep_one_power_of_two_below(sizeof(Entry) >= 4096 ? 1 : 4096 / sizeof(Entry));
  const std::size_t by_partition = keep_one_power_of_two_below(n / p / 16 == 0 ? 1 : n / p / 16);
  layout.chunk = by_page < by_partition ? by_page : by_partition;
  if (layout.chunk < layout.buffered) layout.chunk = layout.buffered;
  // Every partition's chunks but its last are full.
  layout.chunks = n / layout.chunk + p;

  bool overflow = false;
  const auto times = [&](std::size_t count, std::size_t size) {
    if (count > SIZE_MAX / size) overflow = true;
    return overflow ? 0 : count * size;
  };
  // Slots name entries by their place in the pool, below the index's top (tie) bit.
  const std::size_t pool_entries = times(layout.chunks, layout.chunk);
  if (pool_entries > (static_cast<std::size_t>(~Index{0}) >> 1)) overflow = true;
  std::size_t at = 0;  // the total stays below SIZE_MAX - 256, room for the caller's slack
  const auto place = [&](std::size_t& offset, std::size_t bytes) {
    offset = at;
    if (bytes > SIZE_MAX - 256 - at) overflow = true;
    if (!overflow) at += (bytes + 63) / 64 * 64;
  };
  place(layout.parts, times(p, sizeof(keep_one_part)));
  place(layout.winners, times(n / 64 + 1, sizeof(std::uint64_t)));
  place(layout.pool, times(pool_entries, sizeof(Entry)));
  place(layout.next, times(layout.chunks, sizeof(Index)));
  const std::size_t shared = at;
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

// Batches up to this many records index their entries with 32 bits (pool places included,
// which exceed n by at most a sixteenth).
inline constexpr std::size_t keep_one_narrow_limit = 0x78000000u;

// Bytes of scratch keep_one_per_key_with needs for `n` records, unless one partition turns out
// far larger than the rest and its table has to grow.
template <class Index, class RandomIt>
std::size_t keep_one_scratch_bytes(std::size_t n, const keep_one_tuning& tuning = {}) noexcept {
  using types = keep_one_types<Index, RandomIt>;
  if (n == 0) return 0;
  const keep_one_layout layout =
      keep_one_plan<typename types::entry, typename types::slot>(n, tuning);
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

  const keep_one_layout layout = keep_one_plan<entry, slot>(n, tuning);
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
  const std::size_t buffered = layout.buffered, chunk = layout.chunk;
  constexpr bool whole_lines = 64 % sizeof(entry) == 0;  // a buffer's entries fill whole lines
  constexpr std::size_t none = ~std::size_t{0};
  keep_one_part* parts = keep_one_array<keep_one_part>(base, layout.parts, partitions);
  std::uint64_t* winners = keep_one_array<std::uint64_t>(base, layout.winners, n / 64 + 1);
  entry* pool = keep_one_array<entry>(base, layout.pool, layout.chunks * chunk);
  Index* next = keep_one_array<Index>(base, layout.next, layout.chunks);
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

  // One pass: each record's entry gathers in a small cache-resident buffer per partition and
  // travels to the partition's last chunk a few cache lines at a time, instead of one store to
  // each of P distant places per record. A full chunk is followed by the pool's next free one.
  for (std::size_t p = 0; p < partitions; ++p) {
    parts[p] = {none, none, chunk, 0};
    filled[p] = 0;
  }
  std::size_t free_chunk = 0;
  const auto travel = [&](std::size_t p, std::size_t count) {
    keep_one_part& part = parts[p];
    if (part.tail_used == chunk) {
      if (part.tail != none) next[part.tail] = static_cast<Index>(free_chunk);
      else part.head = free_chunk;
      part.tail = free_chunk++;
      part.tail_used = 0;
    }
    void* target = &pool[part.tail * chunk + part.tail_used];
    const entry* buffer = &buffers[p * buffered];
    if (whole_lines && count == buffered && (reinterpret_cast<std::uintptr_t>(target) & 15) == 0)
      keep_one_stream(target, buffer, sizeof(entry) * buffered);
    else
      std::memcpy(target, buffer, sizeof(entry) * count);
    part.tail_used += count;
    part.size += count;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t h = codec::hash(key_of(record(i)), keyed);
    const std::size_t p = partition_of(h);
    entry& e = buffers[p * buffered + filled[p]];
    if constexpr (copies) e.record = record(i);
    e.index = static_cast<Index>(i);
    e.tag = static_cast<std::uint32_t>(h) & tuning.tag_mask;
    if (++filled[p] == buffered) {
      travel(p, buffered);
      filled[p] = 0;
    }
  }
  for (std::size_t p = 0; p < partitions; ++p)
    if (filled[p] != 0) travel(p, filled[p]);
  keep_one_stream_fence();

  // The table takes the place of the scatter buffers. Its slots name entries by their place in
  // the pool. Beside it, `occupied` lists the slots in use, so that a partition's winners are
  // read, and its slots emptied, without a pass over the whole table (about a third of it is
  // used). When a partition holds more distinct keys than a typical one, it doubles into a
  // spare table (fresh from the arena when the spare is too small) and the two swap roles.
  // Both tables are empty between partitions.
  std::size_t table_room = layout.table_capacity, spare_room = 0;
  slot* table = keep_one_array<slot>(base, layout.table, table_room);
  Index* occupied = keep_one_array<Index>(base, layout.occupied, table_room);
  slot* spare = nullptr;
  Index* spare_occupied = nullptr;
  for (std::size_t s = 0; s < table_room; ++s) table[s].local = empty;
  auto entry_record = [&](std::size_t at) -> decltype(auto) {
    if constexpr (copies)
      return static_cast<const record_type&>(pool[at].record);
    else
      return record(static_cast<std::size_t>(pool[at].index));
  };
  for (std::size_t i = 0; i <= n / 64; ++i) winners[i] = 0;
  for (std::size_t p = 0; p < partitions; ++p) {
    const keep_one_part part = parts[p];
    if (part.size == 0) continue;
    std::size_t capacity = keep_one_table_size(part.size < per_partition ? part.size : per_partition);
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

    for (std::size_t c = part.head;; c = static_cast<std::size_t>(next[c])) {
      const std::size_t base_at = c * chunk, length = c == part.tail ? part.tail_used : chunk;
      const std::size_t following = c == part.tail ? c : static_cast<std::size_t>(next[c]);
      const std::size_t following_length = c == part.tail ? 0 : following == part.tail ? part.tail_used : chunk;
      // The pool place of the entry `d` places after the one at `offset` in this chunk, in this
      // chunk or the next of the partition; `none` past the partition's last entry.
      const auto ahead = [&](std::size_t offset, std::size_t d) {
        if (offset + d < length) return base_at + offset + d;
        if (d <= chunk && offset + d - chunk < following_length) return following * chunk + offset + d - chunk;
        return none;
      };
      // Chunks lie apart in the pool, where the hardware's stream prefetch loses them: fetch
      // the entries a kilobyte ahead, into the next chunk near the end of this one.
      const std::size_t fetch_distance = 1024 / sizeof(entry) < chunk ? 1024 / sizeof(entry) : chunk;
      for (std::size_t offset = 0; offset < length; ++offset) {
        const std::size_t at = base_at + offset;
        SLUICE_PREFETCH(offset + fetch_distance < chunk ? &pool[at + fetch_distance]
                                                       : &pool[following * chunk + offset + fetch_distance - chunk]);
        if constexpr (!copies) {
          // The table is in cache but the records are not: fetch ahead the record and the
          // holder of its likely slot.
          const std::size_t far = ahead(offset, 16), near = ahead(offset, 8);
          if (far != none) SLUICE_PREFETCH(&record(static_cast<std::size_t>(pool[far].index)));
          if (near != none) {
            const slot& likely = table[pool[near].tag & mask];
            if (likely.local != empty)
              SLUICE_PREFETCH(&record(static_cast<std::size_t>(pool[static_cast<std::size_t>(likely.local & ~tie)].index)));
          }
        }
        const std::uint32_t tag = pool[at].tag;
        for (std::size_t position = tag & mask;; position = (position + 1) & mask) {
          slot& s = table[position];
          if (s.local == empty) {
            s.tag = tag;
            s.local = static_cast<Index>(at);
            occupied[used] = static_cast<Index>(position);
            if (++used * 3 > capacity * 2 && !grow()) {
              counts.out_of_memory = true;
              return counts;
            }
            break;
          }
          if (s.tag != tag) continue;
          const auto held = static_cast<std::size_t>(s.local & ~tie);
          if (!codec::same(key_of(entry_record(held)), key_of(entry_record(at)))) continue;
          const bool greater = less(entry_record(held), entry_record(at));
          const bool tied = !greater && !less(entry_record(at), entry_record(held));
          s.local = greater ? static_cast<Index>(at) : tied ? static_cast<Index>(s.local | tie) : s.local;
          break;
        }
      }
      if (c == part.tail) break;
    }
    for (std::size_t k = 0; k < used; ++k) {
      slot& s = table[occupied[k]];
      const Index local = s.local;
      s.local = empty;
      const auto winner = static_cast<std::size_t>(pool[static_cast<std::size_t>(local & ~tie)].index);
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
