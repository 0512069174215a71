// Fuzz target: window_dedup. The first byte picks a mode:
//   0  restore() the rest as a checkpoint, as it is;
//   1  the same after repairing the trailing CRC32C, so mutations reach the state parser;
//   2  a random operation stream over 64-bit keys (exact keys or fingerprints);
//   3  a random operation stream over byte-string keys (empty to 1 KiB, any bytes).
// Restore properties: never a crash, only the documented error codes, and an object that does
// restore works: it obeys its budget and its own save() restores to an identical state.
// Stream properties: every verdict and counter agrees with the naive model of
// tests/dedup/model.hpp (over_budget only where the budget may refuse), single and batch offers,
// watermark moves, reservations and save/restore in the middle; stats().bytes <= memory_budget always;
// damaged or truncated checkpoints are refused; a final watermark frees every key.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "dedup/model.hpp"
#include "dedup/records.hpp"
#include "fuzz/fuzz_support.hpp"
#include "sluice/dedup.hpp"

namespace {

using sluice::verdict;

struct text_record {
  std::string id;
  std::int64_t time;
};
struct text_key {
  const std::string& operator()(const text_record& r) const noexcept { return r.id; }
};
struct text_time {
  std::int64_t operator()(const text_record& r) const noexcept { return r.time; }
};

using u64_exact = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of>;
using u64_prints = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of,
                                        sluice::fingerprints>;
using text_exact = sluice::window_dedup<text_record, text_key, text_time>;
using text_prints = sluice::window_dedup<text_record, text_key, text_time, sluice::fingerprints>;

bool is_restore_error(const std::error_code& error) {
  return error == sluice::errc::checkpoint_corrupt ||
         error == sluice::errc::checkpoint_version_unsupported ||
         error == sluice::errc::invalid_config || error == sluice::errc::memory_budget_exceeded;
}

bool same_state(const sluice::dedup_stats& a, const sluice::dedup_stats& b) {
  return dedup_test::same_counts(a, b);
}

// Saves and restores `dedup`; the copy must hold the same state.
template <class Dedup>
Dedup round_trip(const Dedup& dedup, std::uint64_t epoch) {
  std::string bytes;
  FUZZ_CHECK(!dedup.save(bytes, epoch));
  auto restored = Dedup::restore(bytes);
  if (!restored)
    std::fprintf(stderr, "restore of a fresh save failed: %s (window %lld, lateness %lld, budget %zu, watermark %lld, live %llu)\n",
                 restored.error().message().c_str(), static_cast<long long>(dedup.config().window),
                 static_cast<long long>(dedup.config().allowed_lateness), dedup.config().memory_budget,
                 static_cast<long long>(dedup.watermark()),
                 static_cast<unsigned long long>(dedup.stats().live_keys));
  FUZZ_CHECK(restored.has_value());
  FUZZ_CHECK(restored->writer_epoch() == epoch);
  FUZZ_CHECK(restored->watermark() == dedup.watermark());
  FUZZ_CHECK(same_state(restored->stats(), dedup.stats()));
  FUZZ_CHECK(restored->stats().bytes <= restored->config().memory_budget);
  // The restored object saves a checkpoint of the same size that restores to the same state.
  std::string again;
  FUZZ_CHECK(!restored->save(again, epoch));
  FUZZ_CHECK(again.size() == bytes.size());
  return std::move(restored).value();
}

// Arbitrary bytes given to restore(): an error code, or an object that works.
template <class Dedup, class Record>
void restore_bytes(std::string_view bytes, const Record& probe) {
  auto restored = Dedup::restore(bytes);
  if (!restored) {
    FUZZ_CHECK(is_restore_error(restored.error()));
    return;
  }
  Dedup dedup = std::move(restored).value();
  const sluice::dedup_stats before = dedup.stats();
  FUZZ_CHECK(before.bytes <= dedup.config().memory_budget);
  FUZZ_CHECK(dedup.config().window > 0 && dedup.config().allowed_lateness >= 0);
  Dedup copy = round_trip(dedup, dedup.writer_epoch());
  // Both copies give the same verdicts to the same records.
  for (int i = 0; i < 4; ++i) {
    FUZZ_CHECK(dedup.offer(probe) == copy.offer(probe));
    FUZZ_CHECK(dedup.stats().bytes <= dedup.config().memory_budget);
  }
  FUZZ_CHECK(same_state(dedup.stats(), copy.stats()));
}

void restore_mode(std::string_view bytes, bool repair) {
  std::string input(bytes);
  if (repair && input.size() >= 4) {
    const std::uint32_t crc = sluice::detail::crc32c(input.data(), input.size() - 4);
    for (int i = 0; i < 4; ++i)
      input[input.size() - 4 + static_cast<std::size_t>(i)] = static_cast<char>(crc >> (8 * i));
  }
  restore_bytes<u64_exact>(input, dedup_test::event{7, 0});
  restore_bytes<u64_prints>(input, dedup_test::event{7, 0});
  restore_bytes<text_exact>(input, text_record{"probe", 0});
  restore_bytes<text_prints>(input, text_record{"probe", 0});
}

// v * scale, saturated to the int64 range.
std::int64_t times(std::int64_t v, std::int64_t scale) {
  if (v > 0 && v > INT64_MAX / scale) return INT64_MAX;
  if (v < 0 && v < INT64_MIN / scale) return INT64_MIN;
  return v * scale;
}

sluice::window_dedup_config pick_config(fuzz::input& in, std::int64_t& scale) {
  sluice::window_dedup_config config;
  scale = 1;
  switch (in.below(8)) {
    case 0: scale = std::int64_t{1} << 36; break;
    case 1: scale = std::int64_t{1} << 58; break;  // times near the ends of int64
    default: break;
  }
  config.window = times(in.between(1, 64), scale);
  config.allowed_lateness = in.flag() ? 0 : times(in.between(0, 40), scale);
  switch (in.below(16)) {
    case 0: config.window = INT64_MAX; break;
    case 1: config.allowed_lateness = INT64_MAX; break;
    default: break;
  }
  config.policy = in.flag() ? sluice::expiry::sliding : sluice::expiry::from_first;
  config.seed = in.u64();
  if (in.flag()) config.memory_budget = static_cast<std::size_t>(in.below(8000));  // plus the base
  return config;
}

template <class Dedup, class Record, class MakeRecord>
void stream_mode(fuzz::input& in, MakeRecord make_record) {
  using key_type = typename Dedup::key_type;
  std::int64_t scale = 1;
  sluice::window_dedup_config config = pick_config(in, scale);
  const bool limited = config.memory_budget != SIZE_MAX;
  if (limited) {
    sluice::window_dedup_config unlimited = config;
    unlimited.memory_budget = SIZE_MAX;
    auto empty = Dedup::create(unlimited);
    FUZZ_CHECK(empty.has_value());
    config.memory_budget += static_cast<std::size_t>(empty->stats().bytes);
  }
  auto created = Dedup::create(config);
  FUZZ_CHECK(created.has_value());
  Dedup dedup = std::move(created).value();
  dedup_model::window_model<key_type> model(config);

  std::int64_t base = times(in.between(-1000, 1000), scale);
  if (scale == (std::int64_t{1} << 58)) base = in.flag() ? INT64_MAX - 3 * scale : INT64_MIN + 3 * scale;
  std::vector<Record> chunk;
  std::vector<verdict> verdicts;
  // FUZZ_TRACE=1 prints the stream, to turn a finding into a unit test.
  const bool trace = std::getenv("FUZZ_TRACE") != nullptr;
  if (trace)
    std::fprintf(stderr, "config window=%lld lateness=%lld policy=%d budget=%zu seed=%llu\n",
                 static_cast<long long>(config.window), static_cast<long long>(config.allowed_lateness),
                 static_cast<int>(config.policy), config.memory_budget,
                 static_cast<unsigned long long>(config.seed));
  for (int rounds = 0; !in.empty() && rounds < 200; ++rounds) {
    const std::uint8_t op = in.byte();
    if (op < 200) {
      chunk.clear();
      const auto size = static_cast<std::size_t>(1 + op % 16);
      for (std::size_t i = 0; i < size; ++i) {
        const std::uint8_t shape = in.byte();
        std::int64_t step = (shape & 3) * scale;
        if (base > INT64_MAX - step) step = 0;
        base += step;
        std::int64_t time = base;
        const std::int64_t jitter = static_cast<std::int64_t>(shape >> 4) * scale;
        if (base >= INT64_MIN + jitter) time = base - jitter;  // some records come late
        if ((shape & 0x0c) == 0x0c) time = in.flag() ? INT64_MIN : INT64_MAX;  // extreme times
        chunk.push_back(make_record(in, time));
      }
      verdicts.assign(chunk.size(), verdict::first);
      if (op & 1) {
        dedup.offer(chunk.data(), chunk.size(), verdicts.data());
      } else {
        for (std::size_t i = 0; i < chunk.size(); ++i) verdicts[i] = dedup.offer(chunk[i]);
      }
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        const auto& record = chunk[i];
        const key_type key = record.id;  // both record types keep their key in `id`
        const std::int64_t time = record.time;
        if (trace)
          std::fprintf(stderr, "offer%s time=%lld -> %d\n", op & 1 ? " (batch)" : "",
                       static_cast<long long>(time), static_cast<int>(verdicts[i]));
        if (verdicts[i] == verdict::over_budget) {
          FUZZ_CHECK(limited);
          FUZZ_CHECK(model.budget_may_refuse(key, time));
          model.offer(key, time, true);
        } else {
          FUZZ_CHECK(model.offer(key, time) == verdicts[i]);
        }
      }
    } else if (op < 220) {
      const std::int64_t behind = in.between(-5, 80);
      std::int64_t w = behind < 0 ? dedup_model::saturating_add(base, times(-behind, scale))
                                  : dedup_model::saturating_sub(base, times(behind, scale));
      if (in.flag()) w = in.i64();
      if (trace) std::fprintf(stderr, "advance_watermark %lld\n", static_cast<long long>(w));
      dedup.advance_watermark(w);
      model.advance(w);
    } else if (op < 240) {
      if (trace) std::fprintf(stderr, "save and restore\n");
      dedup = round_trip(dedup, in.u64());
    } else if (op < 244) {
      // So does fitting the table to the keys alive.
      if (trace) std::fprintf(stderr, "shrink_to_fit\n");
      const std::error_code e = dedup.shrink_to_fit();
      FUZZ_CHECK(!e || (limited && e == sluice::errc::memory_budget_exceeded));
    } else if (op < 248) {
      // A reservation changes memory only: refused under a budget at most, never a verdict.
      const auto keys = static_cast<std::size_t>(in.below(4096));
      if (trace) std::fprintf(stderr, "reserve %zu\n", keys);
      const std::error_code e = dedup.reserve(keys);
      FUZZ_CHECK(!e || (limited && e == sluice::errc::memory_budget_exceeded));
    } else {
      // A damaged or truncated checkpoint is refused and leaves nothing behind.
      std::string bytes;
      FUZZ_CHECK(!dedup.save(bytes));
      std::string damaged = bytes;
      const auto at = static_cast<std::size_t>(in.below(damaged.size()));
      damaged[at] = static_cast<char>(static_cast<unsigned char>(damaged[at]) ^ (1u + in.byte() % 255u));
      auto refused = Dedup::restore(damaged);
      if (refused.has_value()) {
        std::fprintf(stderr, "a damaged checkpoint restored: byte %zu of %zu\n", at, bytes.size());
      }
      FUZZ_CHECK(!refused.has_value() && is_restore_error(refused.error()));
      auto truncated = Dedup::restore(std::string_view(bytes).substr(0, at));
      FUZZ_CHECK(!truncated.has_value() && truncated.error() == sluice::errc::checkpoint_corrupt);
    }
    const sluice::dedup_stats stats = dedup.stats();
    FUZZ_CHECK(dedup.watermark() == model.watermark());
    FUZZ_CHECK(stats.first == model.first);
    FUZZ_CHECK(stats.duplicate == model.duplicate);
    FUZZ_CHECK(stats.late == model.late);
    FUZZ_CHECK(stats.over_budget == model.over_budget_count);
    FUZZ_CHECK(stats.live_keys >= model.live_keys());
    FUZZ_CHECK(stats.live_keys + stats.evicted == stats.first);
    FUZZ_CHECK(stats.bytes <= config.memory_budget);
  }
  dedup.advance_watermark(INT64_MAX);
  const sluice::dedup_stats last = dedup.stats();
  FUZZ_CHECK(last.live_keys == 0);
  FUZZ_CHECK(last.evicted + last.live_keys == last.first);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  switch (in.byte() % 4) {
    case 0: restore_mode(in.rest(), false); break;
    case 1: restore_mode(in.rest(), true); break;
    case 2: {
      const std::uint64_t universe = 1 + in.below(200);
      auto make = [universe](fuzz::input& bytes, std::int64_t time) {
        return dedup_test::event{bytes.below(universe), time};
      };
      if (in.flag())
        stream_mode<u64_exact, dedup_test::event>(in, make);
      else
        stream_mode<u64_prints, dedup_test::event>(in, make);
      break;
    }
    default: {
      // A pool of keys (so that duplicates happen), and now and then a fresh one.
      std::vector<std::string> pool;
      const std::size_t pool_size = 1 + static_cast<std::size_t>(in.below(24));
      for (std::size_t i = 0; i < pool_size; ++i) {
        std::string key(in.prefixed(24));
        if (in.below(16) == 0) key.assign(static_cast<std::size_t>(1024 + in.below(200)), static_cast<char>(i));
        pool.push_back(std::move(key));
      }
      auto make = [&pool](fuzz::input& bytes, std::int64_t time) {
        if (bytes.below(32) == 0) return text_record{std::string(bytes.prefixed(40)), time};
        return text_record{pool[static_cast<std::size_t>(bytes.below(pool.size()))], time};
      };
      if (in.flag())
        stream_mode<text_exact, text_record>(in, make);
      else
        stream_mode<text_prints, text_record>(in, make);
      break;
    }
  }
  return 0;
}
