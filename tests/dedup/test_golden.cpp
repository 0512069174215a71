// Cross-architecture checkpoints: snapshots produced on x86-64 and committed as bytes
// (golden_checkpoints.hpp) must restore on every host with identical verdicts, and the same
// stream must produce the very same bytes everywhere (little-endian format, portable hash,
// deterministic table layout). Regenerate with: sluice_tests "[.dedup-golden-print]".
#include <cstdint>
#include <cstdio>
#include <string>

#include "catch_shim.hpp"
#include "dedup/golden_checkpoints.hpp"
#include "dedup/model.hpp"
#include "dedup/records.hpp"
#include "sluice/detail/crc32c.hpp"

namespace dedup_test_golden {

namespace {

template <class Record, class KeyOf, class TimeOf, class Storage>
struct golden_case {
  using dedup_type = sluice::window_dedup<Record, KeyOf, TimeOf, Storage>;
  using key_type = typename dedup_type::key_type;

  sluice::expiry policy;
  std::uint64_t stream_seed;

  sluice::window_dedup_config config() const {
    sluice::window_dedup_config c;
    c.window = 40;
    c.allowed_lateness = 5;
    c.policy = policy;
    c.seed = 0x5EED;
    return c;
  }
  // Record i of the golden stream; 0..59 go into the snapshot, 60.. are the continuation.
  static Record record(sluice_test::rng& rng, int i) {
    const std::uint64_t key = rng.below(40);  // drawn in sequence: argument order is unspecified
    return dedup_test::make(static_cast<const Record*>(nullptr), key, i / 2 - rng.between(0, 4));
  }

  std::string produce() const {
    auto dedup = dedup_type::create(config()).value();
    sluice_test::rng rng(stream_seed);
    for (int i = 0; i < 60; ++i) dedup.offer(record(rng, i));
    std::string bytes;
    REQUIRE_FALSE(dedup.save(bytes, 20240601));
    return bytes;
  }

  void check(const unsigned char* golden, std::size_t size) const {
    const std::string expected(reinterpret_cast<const char*>(golden), size);
    CHECK(produce() == expected);
    check_restore(golden, size);
  }

  void check_restore(const unsigned char* golden, std::size_t size) const {
    const std::string expected(reinterpret_cast<const char*>(golden), size);
    auto restored = dedup_type::restore(expected);
    REQUIRE(restored.has_value());
    CHECK(restored->writer_epoch() == 20240601);
    dedup_model::window_model<key_type> model(config());
    sluice_test::rng rng(stream_seed);
    for (int i = 0; i < 60; ++i) {
      const Record r = record(rng, i);
      model.offer(KeyOf{}(r), TimeOf{}(r));
    }
    for (int i = 60; i < 200; ++i) {
      const Record r = record(rng, i);
      REQUIRE(restored->offer(r) == model.offer(KeyOf{}(r), TimeOf{}(r)));
    }
    CHECK(restored->stats().first == model.first);
    CHECK(restored->stats().duplicate == model.duplicate);
  }

  void print(const char* name) const {
    const std::string bytes = produce();
    std::printf("inline constexpr unsigned char %s[] = {", name);
    for (std::size_t i = 0; i < bytes.size(); ++i)
      std::printf("%s0x%02x,", i % 16 == 0 ? "\n    " : " ", static_cast<unsigned char>(bytes[i]));
    std::printf("\n};\n");
  }
};

const golden_case<dedup_test::event, dedup_test::id_of, dedup_test::time_of, sluice::exact_keys> u64_case{
    sluice::expiry::from_first, 101};
const golden_case<dedup_test::text_event, dedup_test::text_id_of, dedup_test::text_time_of, sluice::exact_keys>
    text_case{sluice::expiry::sliding, 202};
const golden_case<dedup_test::tenant_event, dedup_test::tenant_key_of, dedup_test::tenant_time_of, sluice::fingerprints>
    tenant_case{sluice::expiry::sliding, 303};

}  // namespace

TEST_CASE("golden checkpoints from x86-64 restore with identical verdicts on this host", "[dedup]") {
  u64_case.check(dedup_golden::u64_from_first, sizeof dedup_golden::u64_from_first);
  text_case.check(dedup_golden::text_sliding, sizeof dedup_golden::text_sliding);
  tenant_case.check(dedup_golden::tenant_fingerprints, sizeof dedup_golden::tenant_fingerprints);
}

TEST_CASE("format-1 checkpoints restore exact keys; fingerprints of hash algorithm 1 are refused", "[dedup]") {
  u64_case.check_restore(dedup_golden::u64_from_first_v1, sizeof dedup_golden::u64_from_first_v1);
  text_case.check_restore(dedup_golden::text_sliding_v1, sizeof dedup_golden::text_sliding_v1);
  // Those fingerprints came from another hash function: restoring them would silently miss
  // every duplicate, so restore says the snapshot is of an unsupported version.
  using tenant_dedup = decltype(tenant_case)::dedup_type;
  const std::string old_fingerprints(reinterpret_cast<const char*>(dedup_golden::tenant_fingerprints_v1),
                                     sizeof dedup_golden::tenant_fingerprints_v1);
  CHECK(tenant_dedup::restore(old_fingerprints).error() == sluice::errc::checkpoint_version_unsupported);
}

TEST_CASE("format-2 checkpoints of the bucketed table restore exact keys; hash-2 fingerprints are refused",
          "[dedup]") {
  u64_case.check_restore(dedup_golden::u64_from_first_bucketed, sizeof dedup_golden::u64_from_first_bucketed);
  text_case.check_restore(dedup_golden::text_sliding_bucketed, sizeof dedup_golden::text_sliding_bucketed);
  // hash128 changed its high half in hash algorithm 3.
  using tenant_dedup = decltype(tenant_case)::dedup_type;
  const std::string old_fingerprints(reinterpret_cast<const char*>(dedup_golden::tenant_fingerprints_bucketed),
                                     sizeof dedup_golden::tenant_fingerprints_bucketed);
  CHECK(tenant_dedup::restore(old_fingerprints).error() == sluice::errc::checkpoint_version_unsupported);
}

TEST_CASE("format-2 checkpoints with the earlier table lines restore, fingerprints included", "[dedup]") {
  u64_case.check_restore(dedup_golden::u64_from_first_earlier_lines, sizeof dedup_golden::u64_from_first_earlier_lines);
  text_case.check_restore(dedup_golden::text_sliding_earlier_lines, sizeof dedup_golden::text_sliding_earlier_lines);
  tenant_case.check_restore(dedup_golden::tenant_fingerprints_earlier_lines,
                            sizeof dedup_golden::tenant_fingerprints_earlier_lines);
}

TEST_CASE("checkpoints from when integer keys were placed by hash_u64 restore", "[dedup]") {
  u64_case.check_restore(dedup_golden::u64_from_first_full_hash, sizeof dedup_golden::u64_from_first_full_hash);
}

TEST_CASE("checkpoints from when 64-bit keys took lines of five slots restore", "[dedup]") {
  u64_case.check_restore(dedup_golden::u64_from_first_five_slot_lines,
                         sizeof dedup_golden::u64_from_first_five_slot_lines);
}

TEST_CASE("print golden checkpoints", "[.dedup-golden-print]") {
  u64_case.print("u64_from_first");
  text_case.print("text_sliding");
  tenant_case.print("tenant_fingerprints");
}

TEST_CASE("a format-1 checkpoint with its then-reserved hash version field set is corrupt", "[dedup]") {
  // Format 1 wrote zero in the 16-bit field at offset 18 that format 2 uses for the hash
  // algorithm version; anything else there is damage, whatever the checksum says.
  using u64_dedup = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of>;
  const std::string v1(reinterpret_cast<const char*>(dedup_golden::u64_from_first_v1),
                       sizeof dedup_golden::u64_from_first_v1);
  REQUIRE(u64_dedup::restore(v1));
  std::string damaged = v1;
  damaged[18] = 1;
  const std::uint32_t crc = sluice::detail::crc32c(damaged.data(), damaged.size() - 4);
  for (int i = 0; i < 4; ++i)
    damaged[damaged.size() - 4 + static_cast<std::size_t>(i)] = static_cast<char>(crc >> (8 * i));
  CHECK(u64_dedup::restore(damaged).error() == sluice::errc::checkpoint_corrupt);
}

}  // namespace dedup_test_golden
