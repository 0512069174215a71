// The snapshot file writer: atomic replacement and the stale-writer guard.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>
#include <string>
#include <system_error>

#include "catch_shim.hpp"
#include "dedup/records.hpp"
#include "sluice/checkpoint_file.hpp"
#include "test_support.hpp"

namespace dedup_test_checkpoint_file {

namespace {
namespace fs = std::filesystem;

struct temporary_directory {
  fs::path path;
  temporary_directory() {
    sluice_test::rng rng(reinterpret_cast<std::uintptr_t>(this) ^ static_cast<std::uint64_t>(::getpid()));
    path = fs::temp_directory_path() / ("sluice-dedup-test-" + std::to_string(rng.next()));
    fs::create_directories(path);
  }
  ~temporary_directory() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

using u64_dedup = sluice::window_dedup<dedup_test::event, dedup_test::id_of, dedup_test::time_of>;

std::string snapshot(std::uint64_t epoch, std::uint64_t id) {
  sluice::window_dedup_config config;
  config.window = 100;
  auto d = u64_dedup::create(config).value();
  d.offer({id, 10});
  std::string bytes;
  REQUIRE_FALSE(d.save(bytes, epoch));
  return bytes;
}
}  // namespace

TEST_CASE("snapshot files are replaced atomically and stale writers are refused", "[dedup]") {
  temporary_directory dir;
  const std::string path = (dir.path / "dedup.snap").string();

  const std::string v5 = snapshot(5, 1);
  CHECK(sluice::snapshot_epoch(v5).value() == 5);
  REQUIRE_FALSE(sluice::write_snapshot_file(path, v5));
  CHECK(sluice::read_snapshot_file(path).value() == v5);

  // An older writer is refused and the file is untouched.
  const std::string v4 = snapshot(4, 2);
  CHECK(sluice::write_snapshot_file(path, v4) == sluice::errc::stale_writer);
  CHECK(sluice::read_snapshot_file(path).value() == v5);

  // The same epoch may re-save; a newer one takes over.
  const std::string v5b = snapshot(5, 3);
  REQUIRE_FALSE(sluice::write_snapshot_file(path, v5b));
  CHECK(sluice::read_snapshot_file(path).value() == v5b);
  const std::string v6 = snapshot(6, 4);
  REQUIRE_FALSE(sluice::write_snapshot_file(path, v6));
  CHECK(sluice::write_snapshot_file(path, v5) == sluice::errc::stale_writer);

  // What is read back restores.
  auto restored = u64_dedup::restore(sluice::read_snapshot_file(path).value());
  REQUIRE(restored.has_value());
  CHECK(restored->writer_epoch() == 6);
  CHECK(restored->offer({4, 20}) == sluice::verdict::duplicate);

  // No temporary files are left behind; only the snapshot and its lock file.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path)) {
    ++files;
    const std::string name = entry.path().filename().string();
    CHECK((name == "dedup.snap" || name == "dedup.snap.lock"));
  }
  CHECK(files == 2);
}

TEST_CASE("snapshot file errors are values", "[dedup]") {
  temporary_directory dir;
  CHECK(sluice::write_snapshot_file((dir.path / "x.snap").string(), "short") == sluice::errc::checkpoint_corrupt);
  CHECK(sluice::snapshot_epoch("").error() == sluice::errc::checkpoint_corrupt);
  const std::string nowhere = (dir.path / "missing" / "x.snap").string();
  CHECK(sluice::write_snapshot_file(nowhere, snapshot(1, 1)) == sluice::errc::not_found);
  CHECK(sluice::read_snapshot_file(nowhere).error() == sluice::errc::not_found);
  CHECK(sluice::read_snapshot_file((dir.path / "absent.snap").string()).error() == sluice::errc::not_found);
  // A damaged file on disk carries no epoch and may be replaced.
  const std::string path = (dir.path / "damaged.snap").string();
  REQUIRE_FALSE(sluice::write_snapshot_file(path, snapshot(9, 1)));
  fs::resize_file(path, 3);
  REQUIRE_FALSE(sluice::write_snapshot_file(path, snapshot(1, 1)));
  CHECK(sluice::snapshot_epoch(sluice::read_snapshot_file(path).value()).value() == 1);
}

TEST_CASE("a file that is no snapshot of the format carries no epoch and is replaced", "[dedup]") {
  temporary_directory dir;
  const std::string path = (dir.path / "other.snap").string();
  const auto put = [&](const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  };
  // Text whose bytes 8-15 would read as a huge epoch.
  put("this is not a snapshot, whatever bytes 8 to 15 say\n");
  REQUIRE_FALSE(sluice::write_snapshot_file(path, snapshot(1, 1)));
  CHECK(sluice::snapshot_epoch(sluice::read_snapshot_file(path).value()).value() == 1);
  // A snapshot whose magic was damaged, epoch bytes all ones.
  std::string damaged = snapshot(7, 1);
  for (std::size_t i = 0; i < 16; ++i) damaged[i] = static_cast<char>(0xff);
  put(damaged);
  REQUIRE_FALSE(sluice::write_snapshot_file(path, snapshot(2, 1)));
  CHECK(sluice::snapshot_epoch(sluice::read_snapshot_file(path).value()).value() == 2);
  // A snapshot of the same format with a newer epoch still fences the writer off.
  put(snapshot(9, 1));
  CHECK(sluice::write_snapshot_file(path, snapshot(3, 1)) == sluice::errc::stale_writer);
}

TEST_CASE("a replaced snapshot file keeps its permissions", "[dedup]") {
  temporary_directory dir;
  const std::string path = (dir.path / "private.snap").string();
  REQUIRE_FALSE(sluice::write_snapshot_file(path, snapshot(1, 1)));
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  REQUIRE_FALSE(sluice::write_snapshot_file(path, snapshot(2, 1)));
  CHECK(fs::status(path).permissions() == (fs::perms::owner_read | fs::perms::owner_write));
}

TEST_CASE("threads of one process writing snapshots serialize: the newest epoch stays", "[dedup]") {
  temporary_directory dir;
  const std::string path = (dir.path / "race.snap").string();
  const std::size_t rounds = sluice_test::scaled(40);
  std::size_t wrong = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    const std::uint64_t base = 3 * round + 1;
    REQUIRE_FALSE(sluice::write_snapshot_file(path, snapshot(base, 1)));
    const std::string older = snapshot(base + 1, 2), newer = snapshot(base + 2, 3);
    std::error_code older_result, newer_result;
    std::thread a([&] { older_result = sluice::write_snapshot_file(path, older); });
    std::thread b([&] { newer_result = sluice::write_snapshot_file(path, newer); });
    a.join();
    b.join();
    CHECK_FALSE(newer_result);
    CHECK((!older_result || older_result == sluice::errc::stale_writer));
    if (sluice::snapshot_epoch(sluice::read_snapshot_file(path).value()).value() != base + 2) ++wrong;
  }
  CHECK(wrong == 0);
}

}  // namespace dedup_test_checkpoint_file
