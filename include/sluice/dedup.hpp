// sluice/dedup.hpp: event-time deduplication of streams, and one-record-per-key for batches.
//
// `window_dedup` remembers each key for `window` event-time units and tells the caller, for
// every record, whether it is the first of its key, a duplicate, too late, or could not be
// tracked within the memory budget. Guarantees: exact verdicts (the four rules at window_dedup),
// bounded memory (`stats().bytes` never exceeds `memory_budget`; expired keys are freed a whole
// time bucket at a time, never swept one by one), a lookup reads at most two table lines, a
// budget never turns a new record into a duplicate, and versioned little-endian checkpoints
// that restore on any host. `keep_one_per_key` keeps the greatest record of each key in a
// batch, in linear time.
//
//   struct event { std::uint64_t id; std::int64_t time; };
//   auto dedup = sluice::window_dedup<event, decltype(&event_id), decltype(&event_time)>::create(
//       {/*window=*/60'000, /*allowed_lateness=*/5'000}, &event_id, &event_time).value();
//   sluice::verdict v = dedup.offer(e);   // late records go to a dead-letter queue, say
//   if (v == sluice::verdict::first || v == sluice::verdict::over_budget) forward(e);
//   dedup.save(bytes, epoch);   // later: window_dedup<...>::restore(bytes, &event_id, &event_time)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/detail/dedup_engine.hpp"
#include "sluice/detail/dedup_keep_one.hpp"
#include "sluice/errors.hpp"

SLUICE_NAMESPACE_BEGIN

// What window_dedup decided about one record.
enum class verdict : std::uint8_t {
  first,        // the key was not remembered: pass the record on; the key is now remembered
  duplicate,    // the key is remembered and not expired: drop the record
  late,         // event time is below the watermark: nothing was remembered
  over_budget,  // remembering would exceed memory_budget: pass the record on, untracked
};

// How a duplicate affects its key's expiry.
enum class expiry : std::uint8_t {
  from_first,  // a key expires `window` after its first record
  sliding,     // every duplicate pushes the expiry to its own time + `window`
};

// What window_dedup::create checks and a checkpoint carries; INVALID_CONFIG when out of range.
struct window_dedup_config {
  std::int64_t window = 0;             // > 0: how long (event-time units) a key is remembered
  std::int64_t allowed_lateness = 0;   // >= 0: how far behind the newest time the watermark trails
  expiry policy = expiry::from_first;
  std::size_t memory_budget = SIZE_MAX;  // bytes, all state included
  std::uint64_t seed = 0;                // hash seed; draw one per process against flooding
};

// Counters and sizes of a window_dedup, read with stats(); checkpoints carry the counters.
struct dedup_stats {
  std::uint64_t first = 0, duplicate = 0, late = 0, over_budget = 0;  // verdict counts
  // Keys held: every remembered key, plus expired keys whose time bucket has not been freed
  // yet (at most one bucket span, (window + allowed_lateness) / 4, past expiry) and whose slot
  // no new key has taken.
  std::uint64_t live_keys = 0;
  std::uint64_t bytes = 0;    // all state held, the object itself included
  std::uint64_t evicted = 0;  // keys released after expiring; live_keys + evicted == first
};

// Storage policies. `exact_keys` keeps every key (integers, enums, string-like keys copied
// into per-bucket arenas, trivially copyable structs without padding, pairs and tuples of
// these). `fingerprints` keeps 127 bits of a 128-bit hash of the key instead: fixed memory per
// key whatever its size; two distinct keys collide, giving one false `duplicate`, with
// probability about live_keys / 2^127 per record (below 10^-20 for a billion live keys).
struct exact_keys {};
struct fingerprints {};

// Format version written by window_dedup::save. Version 2 records the hash algorithm version
// (sluice::hash_algorithm_version); restore still reads version 1.
inline constexpr std::uint32_t dedup_checkpoint_version = 2;

// Deduplicates a stream by key within an event-time window. For a record with key k and time t
// (KeyOf and TimeOf read them), W being the watermark:
//   1. t < W: `late`, nothing remembered;
//   2. k remembered with expiry e and W < e: `duplicate` (with `sliding`, e = max(e, t + window));
//   3. otherwise `first` and k is remembered until t + window, or `over_budget` (k not
//      remembered) when that would exceed memory_budget; a `sliding` extension that would
//      exceed it is also `over_budget`, and k keeps its previous expiry;
//   4. then W = max(W, t - allowed_lateness).
// Sums saturate at the int64_t limits. Thread-compatible: one object per thread, or a lock.
template <class Record, class KeyOf, class TimeOf, class Storage = exact_keys>
class window_dedup {
  static_assert(std::is_same_v<Storage, exact_keys> || std::is_same_v<Storage, fingerprints>,
                "Storage is sluice::exact_keys or sluice::fingerprints");

 public:
  using record_type = Record;
  using key_type = std::decay_t<std::invoke_result_t<const KeyOf&, const Record&>>;

  // A deduplicator for `config`; INVALID_CONFIG when window <= 0, allowed_lateness < 0 or the
  // budget cannot hold even an empty object.
  static result<window_dedup> create(const window_dedup_config& config, KeyOf key_of = {},
                                     TimeOf time_of = {}) {
    if (config.window <= 0 || config.allowed_lateness < 0) return errc::invalid_config;
    window_dedup dedup(config, std::move(key_of), std::move(time_of));
    if (!dedup.init()) return errc::invalid_config;
    return result<window_dedup>(std::move(dedup));
  }

  window_dedup(window_dedup&& other) noexcept
      : config_(other.config_),
        key_of_(std::move(other.key_of_)),
        time_of_(std::move(other.time_of_)),
        layout_(other.layout_),
        writer_epoch_(other.writer_epoch_) {
    construct_engine(&other);
  }
  window_dedup& operator=(window_dedup&& other) noexcept {
    if (this != &other) {
      destroy_engine();
      config_ = other.config_;
      key_of_ = std::move(other.key_of_);
      time_of_ = std::move(other.time_of_);
      layout_ = other.layout_;
      writer_epoch_ = other.writer_epoch_;
      construct_engine(&other);
    }
    return *this;
  }
  window_dedup(const window_dedup&) = delete;
  window_dedup& operator=(const window_dedup&) = delete;
  ~window_dedup() { destroy_engine(); }

  // Applies the rules to one record and returns the verdict.
  verdict offer(const Record& record) noexcept {
    const std::int64_t time = static_cast<std::int64_t>(time_of_(record));
    return with_engine([&](auto& engine) {
      if (time < engine.watermark()) {
        ++engine.counters().late;
        return verdict::late;
      }
      const auto& key = key_of_(record);
      const auto prepared = engine.prepare(key);
      engine.prefetch(prepared.hash);  // both lines load at once: a new key needs both
      return static_cast<verdict>(engine.offer(prepared, time));
    });
  }

  // out[i] = the verdict of records[i]; exactly the verdicts of n single offers in order. Hashes
  // ahead and prefetches, which pays off when the state is larger than the caches.
  void offer(const Record* records, std::size_t n, verdict* out) noexcept {
    with_engine([&](auto& engine) {
      using engine_type = std::decay_t<decltype(engine)>;
      constexpr std::size_t ahead = 16;
      typename engine_type::prepared ring[ahead];
      const seeded_hash keyed = engine.keyed();
      // Keys kept behind a pointer: once a record's lines have arrived, halfway to its turn,
      // the bytes of the keys there that its tag matches are fetched too. Only for tables
      // larger than the caches (16 MiB): below that the scan costs more than it saves.
      const bool fetch_keys = storage::uses_arena && engine.table_bytes() >= (std::size_t{16} << 20);
      auto stage = [&](std::size_t i) {
        const auto& key = key_of_(records[i]);
        ring[i % ahead] = engine.prepare(key, keyed);
        engine.prefetch(ring[i % ahead].hash);
      };
      for (std::size_t i = 0; i < n && i < ahead; ++i) stage(i);
      for (std::size_t i = 0; i < n; ++i) {
        typename engine_type::prepared p = ring[i % ahead];
        if (i + ahead < n) stage(i + ahead);
        if (fetch_keys && i + ahead / 2 < n) engine.prefetch_stored_keys(ring[(i + ahead / 2) % ahead].hash);
        const std::int64_t time = static_cast<std::int64_t>(time_of_(records[i]));
        if (time < engine.watermark()) {
          ++engine.counters().late;
          out[i] = verdict::late;
          continue;
        }
        const auto& key = key_of_(records[i]);
        storage::rebind(p, key);
        out[i] = static_cast<verdict>(engine.offer(p, time));
      }
    });
  }

  // Sizes the key table now for `keys` keys held at once, and keeps it at least that large, so
  // that a stream that grows to that many keys never stops to grow the table: each growth
  // rehashes every key held (about a tenth of a second at 4M keys). The table counts in
  // stats().bytes and against the budget: MEMORY_BUDGET_EXCEEDED, with nothing changed, when
  // it does not fit. A reserved table is 3/4 full at `keys` keys, and stays so rather than
  // settling fuller (see shrink_to_fit). The reservation belongs to this object, not to its
  // state: checkpoints do not carry it, so call it again after a restore.
  std::error_code reserve(std::size_t keys) noexcept {
    const bool reserved = with_engine([&](auto& engine) { return engine.reserve_table(keys); });
    return reserved ? std::error_code() : make_error_code(errc::memory_budget_exceeded);
  }

  // Rebuilds the key table smaller, to fit the keys alive now, releasing the expired keys it
  // still holds (stats().evicted counts them); a table that fits them already stays as it is,
  // and so do they. Fitted, it runs 1/32 below the point where it grows (13/16 full: 15.8 bytes
  // per 64-bit key in 5-slot lines, where a growth leaves 17.1). Exact tables of non-string
  // keys in unpacked lines do this by themselves once a stream is steady (docs/dedup.md,
  // "Configuration"); call it to fit any table when you choose. Like a growth, it rehashes
  // every key (a pause), and a stream that grows again grows the table again. Never below a
  // reserve(). MEMORY_BUDGET_EXCEEDED, with nothing changed, when the budget (old and new table
  // at once) or the heap refuses.
  std::error_code shrink_to_fit() noexcept {
    const bool fitted = with_engine([](auto& engine) { return engine.fit_table(); });
    return fitted ? std::error_code() : make_error_code(errc::memory_budget_exceeded);
  }

  // watermark = max(watermark, w); frees every time bucket that expired.
  void advance_watermark(std::int64_t w) noexcept {
    with_engine([&](auto& engine) { engine.advance(w); });
  }

  // Starts at INT64_MIN.
  std::int64_t watermark() const noexcept {
    return with_engine([](const auto& engine) { return engine.watermark(); });
  }

  // Verdict counts since creation (restored ones included) and the state held now.
  dedup_stats stats() const noexcept {
    return with_engine([](const auto& engine) {
      const detail::dedup_counters& c = engine.counters();
      dedup_stats s;
      s.first = c.first;
      s.duplicate = c.duplicate;
      s.late = c.late;
      s.over_budget = c.over_budget;
      s.live_keys = engine.held_keys();
      s.bytes = engine.bytes();
      s.evicted = c.evicted;
      return s;
    });
  }

  // The configuration this object was created or restored with.
  const window_dedup_config& config() const noexcept { return config_; }

  // The epoch stored in the checkpoint this object was restored from; 0 for a new object.
  std::uint64_t writer_epoch() const noexcept { return writer_epoch_; }

  // Writes the whole state (config, watermark, keys, expiries, counters) to `sink`, stamped with
  // `writer_epoch`. The sink is a std::string, a std::vector of bytes, or a callable
  // `(const void* data, std::size_t size)` returning void or bool (false: failed, IO_ERROR).
  template <class Sink>
  std::error_code save(Sink& sink, std::uint64_t writer_epoch = 0) const {
    detail::dedup_sink_adapter<Sink> adapter{sink, true};
    detail::byte_writer<detail::dedup_sink_adapter<Sink>> out(adapter);
    out.raw(detail::dedup_magic, 4);
    out.u32(dedup_checkpoint_version);
    out.u64(writer_epoch);
    out.u8(std::is_same_v<Storage, fingerprints> ? 1 : 0);
    out.u8(static_cast<std::uint8_t>(config_.policy));
    out.u16(static_cast<std::uint16_t>(hash_algorithm_version));
    out.u32(0);
    out.u64(storage::signature);
    out.i64(config_.window);
    out.i64(config_.allowed_lateness);
    out.u64(config_.memory_budget == SIZE_MAX ? ~std::uint64_t{0} : config_.memory_budget);
    out.u64(config_.seed);
    with_engine([&](const auto& engine) {
      const detail::dedup_counters& c = engine.counters();
      out.i64(engine.watermark());
      out.u64(c.first);
      out.u64(c.duplicate);
      out.u64(c.late);
      out.u64(c.over_budget);
      out.u64(c.evicted);
      out.u64(engine.held_keys());
      engine.for_each([&](std::int64_t expiry_time, const unsigned char* slot) {
        out.i64(expiry_time);
        storage::encode(slot, out);
      });
    });
    const std::uint32_t crc = out.crc();
    out.u32(crc);
    return adapter.ok ? std::error_code() : make_error_code(errc::io_error);
  }

  // Rebuilds a deduplicator from a checkpoint written by save(), on any host. Errors:
  // CHECKPOINT_CORRUPT (truncated, damaged or inconsistent input), CHECKPOINT_VERSION_UNSUPPORTED
  // (written by a newer format, or fingerprints of another hash algorithm version, which would
  // never match again), INVALID_CONFIG (written for another key type or storage mode),
  // MEMORY_BUDGET_EXCEEDED (the state does not fit the saved budget on this host). On error no
  // object exists.
  static result<window_dedup> restore(const void* data, std::size_t size, KeyOf key_of = {},
                                      TimeOf time_of = {}) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    if (size < detail::dedup_header_size + 4 || std::memcmp(bytes, detail::dedup_magic, 4) != 0)
      return errc::checkpoint_corrupt;
    detail::byte_reader in(bytes, size - 4);
    in.bytes(4);
    const std::uint32_t version = in.u32();
    if (version > dedup_checkpoint_version) return errc::checkpoint_version_unsupported;
    if (version == 0) return errc::checkpoint_corrupt;
    detail::byte_reader crc_field(bytes + size - 4, 4);
    if (detail::crc32c(bytes, size - 4) != crc_field.u32()) return errc::checkpoint_corrupt;

    const std::uint64_t epoch = in.u64();
    const std::uint8_t mode = in.u8();
    const std::uint8_t policy = in.u8();
    const std::uint16_t hash_version = in.u16();  // version 1 wrote zero: hash algorithm 1
    const bool reserved_clear = in.u32() == 0 && (version >= 2 || hash_version == 0);
    const std::uint64_t signature = in.u64();
    window_dedup_config config;
    config.window = in.i64();
    config.allowed_lateness = in.i64();
    const std::uint64_t budget = in.u64();
    config.seed = in.u64();
    if (!reserved_clear || policy > 1 || mode > 1 || config.window <= 0 || config.allowed_lateness < 0)
      return errc::checkpoint_corrupt;
    if (mode != (std::is_same_v<Storage, fingerprints> ? 1 : 0) || signature != storage::signature)
      return errc::invalid_config;
    if (std::is_same_v<Storage, fingerprints> && (version < 2 ? 1u : hash_version) != hash_algorithm_version)
      return errc::checkpoint_version_unsupported;
    config.policy = static_cast<expiry>(policy);
    config.memory_budget = budget >= SIZE_MAX ? SIZE_MAX : static_cast<std::size_t>(budget);

    window_dedup dedup(config, std::move(key_of), std::move(time_of));
    if (!dedup.init()) return errc::memory_budget_exceeded;
    dedup.writer_epoch_ = epoch;
    std::error_code failure = dedup.with_engine([&](auto& engine) -> std::error_code {
      detail::dedup_counters counters;
      const std::int64_t watermark = in.i64();
      counters.first = in.u64();
      counters.duplicate = in.u64();
      counters.late = in.u64();
      counters.over_budget = in.u64();
      counters.evicted = in.u64();
      const std::uint64_t count = in.u64();
      if (!in.ok() || count > in.remaining() / 9) return make_error_code(errc::checkpoint_corrupt);
      // Every key ever remembered is held or evicted: live_keys + evicted == first.
      if (counters.evicted > counters.first || count != counters.first - counters.evicted)
        return make_error_code(errc::checkpoint_corrupt);
      engine.set_state(watermark, counters);
      using engine_type = std::decay_t<decltype(engine)>;
      // First pass: check every expiry (they span at most buckets-per-window + 1 buckets), so
      // that the table is allocated once, at the size that holds all keys.
      {
        detail::byte_reader scan = in;
        std::uint64_t buckets[SLUICE_DEDUP_BUCKETS_PER_WINDOW() + 1];
        std::size_t bucket_count = 0;
        for (std::uint64_t i = 0; i < count; ++i) {
          const std::int64_t expiry_time = scan.i64();
          if (!scan.ok() || !engine.may_hold(expiry_time)) return make_error_code(errc::checkpoint_corrupt);
          storage::skip(scan);
          const std::uint64_t index = engine.bucket_index(expiry_time);
          std::size_t b = 0;
          while (b < bucket_count && buckets[b] != index) ++b;
          if (b == bucket_count) {
            if (bucket_count == SLUICE_DEDUP_BUCKETS_PER_WINDOW() + 1u) return make_error_code(errc::checkpoint_corrupt);
            buckets[bucket_count++] = index;
          }
        }
        if (!scan.at_end()) return make_error_code(errc::checkpoint_corrupt);
        if (!engine.reserve(static_cast<std::size_t>(count))) return make_error_code(errc::memory_budget_exceeded);
      }
      unsigned char key_bytes[engine_type::key_size];
      for (std::uint64_t i = 0; i < count; ++i) {
        const std::int64_t expiry_time = in.i64();
        if (!in.ok() || !engine.may_hold(expiry_time)) return make_error_code(errc::checkpoint_corrupt);
        arena* strings = engine.restore_arena_for(expiry_time);
        if (strings == nullptr) return make_error_code(errc::memory_budget_exceeded);
        std::uint64_t hash = 0;
        if (!storage::decode(in, key_bytes, *strings, engine.keyed(), hash))
          return make_error_code(errc::checkpoint_corrupt);
        switch (engine.insert_decoded(key_bytes, hash, expiry_time)) {
          case engine_type::insert_status::ok: break;
          case engine_type::insert_status::duplicate_key: return make_error_code(errc::checkpoint_corrupt);
          default: return make_error_code(errc::memory_budget_exceeded);
        }
      }
      if (!in.at_end()) return make_error_code(errc::checkpoint_corrupt);
      if (!engine.recount(sizeof(window_dedup))) return make_error_code(errc::memory_budget_exceeded);
      return std::error_code();
    });
    if (failure) return failure;
    return result<window_dedup>(std::move(dedup));
  }
  // restore from a snapshot held in memory.
  static result<window_dedup> restore(std::string_view bytes, KeyOf key_of = {}, TimeOf time_of = {}) {
    return restore(bytes.data(), bytes.size(), std::move(key_of), std::move(time_of));
  }

 private:
  using storage = std::conditional_t<std::is_same_v<Storage, fingerprints>,
                                     detail::dedup_fingerprint_storage<key_type>,
                                     detail::dedup_exact_storage<key_type>>;
  using narrow_engine = detail::dedup_engine<storage, std::uint32_t>;
  using wide_engine = detail::dedup_engine<storage, std::uint64_t>;
  // 8-byte keys kept as they are fit six to a cache line with 21-bit expiry offsets.
  static constexpr bool packable = storage::stored_size == 8 && !storage::uses_arena;
  struct no_engine {};
  using packed_engine = std::conditional_t<packable, detail::dedup_engine<storage, std::uint32_t, true>, no_engine>;
  enum class layout : std::uint8_t { packed, narrow, wide };

  window_dedup(const window_dedup_config& config, KeyOf key_of, TimeOf time_of)
      : config_(config), key_of_(std::move(key_of)), time_of_(std::move(time_of)) {
    // Expiry offsets take 21 bits while window + lateness <= 2^19, 32 while it is <= 2^30, and
    // 64 beyond (see dedup_engine.hpp).
    const std::uint64_t span = static_cast<std::uint64_t>(config.window) + static_cast<std::uint64_t>(config.allowed_lateness);
    layout_ = span > (std::uint64_t{1} << 30) ? layout::wide
              : packable && span <= (std::uint64_t{1} << 19) ? layout::packed
                                                             : layout::narrow;
    construct_engine(nullptr);
  }

  // Constructs the engine layout_ names, empty or moved from `from`'s.
  void construct_engine(window_dedup* from) noexcept {
    if constexpr (packable) {
      if (layout_ == layout::packed) return emplace(engines_.packed, from ? &from->engines_.packed : nullptr);
    }
    if (layout_ == layout::wide) return emplace(engines_.wide, from ? &from->engines_.wide : nullptr);
    emplace(engines_.narrow, from ? &from->engines_.narrow : nullptr);
  }
  template <class Engine>
  static void emplace(Engine& engine, Engine* from) noexcept {
    if (from == nullptr) {
      new (&engine) Engine();
    } else {
      new (&engine) Engine(std::move(*from));
    }
  }
  void destroy_engine() noexcept {
    with_engine([](auto& engine) {
      using engine_type = std::decay_t<decltype(engine)>;
      engine.~engine_type();
    });
  }

  bool init() {
    detail::dedup_settings settings;
    settings.window = config_.window;
    settings.allowed_lateness = config_.allowed_lateness;
    settings.sliding = config_.policy == expiry::sliding;
    settings.memory_budget = config_.memory_budget;
    settings.seed = config_.seed;
    if (sizeof(window_dedup) > config_.memory_budget) return false;
    return with_engine([&](auto& engine) { return engine.init(settings, sizeof(window_dedup)); });
  }

  template <class F>
  decltype(auto) with_engine(F&& f) {
    if constexpr (packable) {
      if (layout_ == layout::packed) return f(engines_.packed);
    }
    return layout_ == layout::wide ? f(engines_.wide) : f(engines_.narrow);
  }
  template <class F>
  decltype(auto) with_engine(F&& f) const {
    if constexpr (packable) {
      if (layout_ == layout::packed) return f(engines_.packed);
    }
    return layout_ == layout::wide ? f(engines_.wide) : f(engines_.narrow);
  }

  window_dedup_config config_;
  KeyOf key_of_;
  TimeOf time_of_;
  layout layout_ = layout::narrow;
  std::uint64_t writer_epoch_ = 0;
  // The one engine layout_ names.
  union engines {
    engines() noexcept {}
    ~engines() {}
    packed_engine packed;
    narrow_engine narrow;
    wide_engine wide;
  } engines_;
};

// What keep_one_per_key did: [first, end) holds one record per distinct key.
template <class RandomIt>
struct keep_result {
  RandomIt end;
  std::size_t kept;       // end - first: the number of distinct keys
  std::size_t ambiguous;  // keys whose greatest record was not unique under `less`
  // errc::out_of_memory when the scratch memory could not be allocated; the range is then
  // untouched, end == last and kept == last - first (no record is lost). Empty otherwise.
  std::error_code error;
};

// Keeps, for each distinct key, the greatest record under `less` (a strict weak order) and moves
// the kept records to the front, in their original relative order; the rest of the range is
// left in a valid but unspecified state. When several records tie for greatest, the first of
// them is kept and the key is counted in `ambiguous`. With a total `less` the kept set does not
// depend on input order or on partitioning. Linear time: each key is hashed once, its record
// scattered into a cache-sized partition, and each partition deduplicated in cache. Scratch
// comes from `scratch` in one piece of about keep_one_scratch_bytes() and is returned to it
// (rewound) before the call ends; an arena over a buffer the caller keeps makes repeated calls
// free of the heap and of first-touch page faults. A scratch budget too small gives
// OUT_OF_MEMORY with the range untouched.
template <class RandomIt, class KeyOf, class Less>
keep_result<RandomIt> keep_one_per_key(RandomIt first, RandomIt last, KeyOf key_of, Less less,
                                       arena& scratch) {
  const auto n = static_cast<std::size_t>(last - first);
  const detail::keep_one_counts r =
      n <= detail::keep_one_narrow_limit
          ? detail::keep_one_per_key_with<std::uint32_t>(first, n, key_of, less, scratch)
          : detail::keep_one_per_key_with<std::uint64_t>(first, n, key_of, less, scratch);
  if (r.out_of_memory) return keep_result<RandomIt>{last, n, 0, make_error_code(errc::out_of_memory)};
  return keep_result<RandomIt>{first + static_cast<std::ptrdiff_t>(r.kept), r.kept, r.ambiguous, {}};
}

// As above, with scratch from the heap for the duration of the call.
template <class RandomIt, class KeyOf, class Less>
keep_result<RandomIt> keep_one_per_key(RandomIt first, RandomIt last, KeyOf key_of, Less less) {
  arena scratch;
  return keep_one_per_key(first, last, std::move(key_of), std::move(less), scratch);
}

// Scratch bytes keep_one_per_key needs for `n` records of RandomIt's value type: per record,
// 8 bytes plus one copy of the record when it is trivially copyable and at most 64 bytes (32
// bytes for a 24-byte record), else 8 bytes; up to a sixteenth more for partly filled chunks
// (about 3% from a million records up); one bit per record; one table of up to 96 KiB.
// Enough for any input whose keys spread over the partitions as a hash spreads them; a batch
// whose distinct keys crowd one partition can need more, and then gets OUT_OF_MEMORY with
// nothing lost. Size an arena's buffer with it.
template <class RandomIt>
std::size_t keep_one_scratch_bytes(std::size_t n) noexcept {
  return n <= detail::keep_one_narrow_limit ? detail::keep_one_scratch_bytes<std::uint32_t, RandomIt>(n)
                                            : detail::keep_one_scratch_bytes<std::uint64_t, RandomIt>(n);
}

SLUICE_NAMESPACE_END
