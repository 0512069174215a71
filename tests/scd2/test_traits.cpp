// Traits variations: string keys, composite keys from std::tie, no untracked columns,
// records that own heap memory (every copy destroyed exactly once).
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "scd2/support.hpp"

namespace scd2_test_traits {

using namespace scd2_test;

namespace {

int live_records = 0;

// A record with a std::string and a live-instance counter.
struct account {
  std::string region;
  std::uint32_t number;
  std::int64_t version;
  bool deleted;
  std::string owner;  // tracked
  std::string note;   // untracked

  account(std::string r, std::uint32_t n, std::int64_t v, bool d, std::string o, std::string t)
      : region(std::move(r)), number(n), version(v), deleted(d), owner(std::move(o)),
        note(std::move(t)) {
    ++live_records;
  }
  account(const account& other)
      : region(other.region), number(other.number), version(other.version),
        deleted(other.deleted), owner(other.owner), note(other.note) {
    ++live_records;
  }
  account& operator=(const account&) = default;
  ~account() { --live_records; }
};

// Composite key through std::tie: stored as std::tuple<std::string, std::uint32_t>.
struct account_traits {
  using record = account;
  static auto key(const account& a) { return std::tie(a.region, a.number); }
  static std::int64_t sequence(const account& a) { return a.version; }
  static bool is_delete(const account& a) { return a.deleted; }
  static auto tracked(const account& a) { return std::tie(a.owner); }
  static auto untracked(const account& a) { return std::tie(a.note); }
};

// String key, string sequence (ISO timestamps order as text), no untracked columns.
struct event {
  std::string user;
  std::string at;
  int plan;
  bool gone;
};
struct event_traits {
  using record = event;
  static const std::string& key(const event& e) { return e.user; }
  static std::string sequence(const event& e) { return e.at; }
  static bool is_delete(const event& e) { return e.gone; }
  static auto tracked(const event& e) { return std::tie(e.plan); }
};

}  // namespace

TEST_CASE("scd2: composite std::tie keys and records owning memory", "[scd2]") {
  {
    using history = sluice::scd2::history<account_traits>;
    static_assert(std::is_same<history::key_type, std::tuple<std::string, std::uint32_t>>::value,
                  "a tuple of references is stored as values");
    history h;
    sluice_test::rng random(0x5cd2'0401);
    std::vector<account> changes;
    for (int i = 0; i < 600; ++i) {
      // One draw per statement: argument evaluation order differs between compilers.
      const std::string region = random.percent(50) ? "eu-west-with-a-long-name" : "us";
      const auto number = static_cast<std::uint32_t>(random.below(20));
      const std::int64_t version = random.between(0, 30);
      const bool deleted = random.percent(10);
      const std::string owner = "owner-" + std::to_string(random.below(3));
      const std::string note = "note that is long enough to allocate " + std::to_string(random.below(4));
      changes.emplace_back(region, number, version, deleted, owner, note);
    }
    for (std::size_t at = 0; at < changes.size(); at += 50) {
      auto result = h.apply(changes.data() + at, 50);
      CHECK_FALSE(result.error);
      CHECK_FALSE(h.check());
    }
    CHECK(h.key_count() > 20);
    h.forget_before(15);
    CHECK_FALSE(h.check());
    auto again = h.apply(changes.data(), changes.size());
    CHECK(again.added.empty());
    CHECK(again.removed.empty());

    const auto rows = h.versions(std::make_tuple(std::string("us"), std::uint32_t{3}));
    for (std::size_t i = 1; i < rows.size(); ++i) {
      REQUIRE(rows[i - 1].valid_to);
      CHECK(*rows[i - 1].valid_to <= rows[i].valid_from);
    }
    changes.clear();
  }
  CHECK(live_records == 0);
}

TEST_CASE("scd2: string keys and string sequences, no untracked columns", "[scd2]") {
  using history = sluice::scd2::history<event_traits>;
  history h;
  std::vector<event> events{{"ann", "2024-03-01", 1, false},
                            {"ann", "2024-01-15", 1, false},
                            {"ann", "2024-02-01", 2, false},
                            {"bob", "2024-01-01", 1, false},
                            {"bob", "2024-06-01", 0, true}};
  std::vector<sluice::scd2::change_verdict> verdicts(events.size());
  h.apply(events.data(), events.size(), verdicts.data());
  CHECK(verdicts[0] == change_verdict::opened);  // plan 2 -> 1 again
  CHECK(verdicts[4] == change_verdict::closed);
  auto ann = h.versions("ann");
  REQUIRE(ann.size() == 3);
  CHECK(ann[0].valid_from == "2024-01-15");
  CHECK(ann[0].valid_to == std::string("2024-02-01"));
  CHECK(ann[2].valid_from == "2024-03-01");
  CHECK(h.current("bob") == nullptr);
  REQUIRE(h.as_of("bob", "2024-03-03") != nullptr);
  CHECK(h.as_of("bob", "2024-03-03")->record.plan == 1);
  CHECK(h.as_of("bob", "2024-06-01") == nullptr);
  CHECK_FALSE(h.check());
}

namespace collide {
// A key whose hash has only four values: most keys share a full 64-bit hash with others.
struct weak_key {
  int value;
  friend bool operator==(const weak_key& a, const weak_key& b) { return a.value == b.value; }
};
inline std::uint64_t hash_value(const weak_key& k, std::uint64_t) noexcept {
  return static_cast<std::uint64_t>(k.value % 4) * 0x9E3779B97F4A7C15ull;
}
struct row_change {
  int id;
  std::int64_t at;
  int value;
};
struct traits {
  using record = row_change;
  static weak_key key(const row_change& c) { return weak_key{c.id}; }
  static std::int64_t sequence(const row_change& c) { return c.at; }
  static bool is_delete(const row_change&) { return false; }
  static auto tracked(const row_change& c) { return std::tie(c.value); }
};
}  // namespace collide

TEST_CASE("scd2: keys with colliding hashes stay apart", "[scd2]") {
  sluice::scd2::history<collide::traits> h;
  sluice_test::rng random(0x5cd2'0402);
  std::vector<collide::row_change> batch;
  for (int round = 0; round < 3; ++round) {
    batch.clear();
    for (int id = 0; id < 60; ++id)
      batch.push_back({id, round, (id + round) % 2 == 0 ? round : 0});
    for (std::size_t i = batch.size(); i > 1; --i)
      std::swap(batch[i - 1], batch[scd2_test::pick(random, i)]);
    h.apply(batch.data(), batch.size());
    CHECK_FALSE(h.check());
  }
  CHECK(h.key_count() == 60);
  for (int id = 0; id < 60; ++id) {
    auto rows = h.versions(collide::weak_key{id});
    REQUIRE(!rows.empty());
    for (const auto& r : rows) CHECK(r.record.id == id);
    CHECK(rows.size() == (id % 2 == 0 ? 2u : 3u));  // values 0,0,2 or 0,1,0
  }
  h.forget_before(2);
  CHECK_FALSE(h.check());
  CHECK(h.key_count() == 60);
}

namespace {
// A record that owns its strings, with traits that return views of them: the history stores
// the key as a std::string, not a view into the caller's copy of the record.
struct plan_change {
  std::string user;
  std::int64_t at;
  std::string plan;
};
struct plan_traits {
  using record = plan_change;
  static std::string_view key(const plan_change& c) { return c.user; }
  static std::int64_t sequence(const plan_change& c) { return c.at; }
  static bool is_delete(const plan_change&) { return false; }
  static auto tracked(const plan_change& c) { return std::make_tuple(std::string_view(c.plan)); }
};
static_assert(std::is_same<sluice::scd2::history<plan_traits>::key_type, std::string>::value,
              "a string_view key is stored as the string it views");
}  // namespace

TEST_CASE("scd2: string_view keys are copied, so rows outlive the caller's batch", "[scd2]") {
  sluice::scd2::history<plan_traits> h;
  {
    std::vector<plan_change> batch = {{"alice", 1, "basic"}, {"alice", 5, "pro"}, {"bob", 2, "basic"}};
    auto result = h.apply(batch.data(), batch.size());
    REQUIRE_FALSE(result.error);
    CHECK(result.applied == 3);
    for (plan_change& c : batch) c.user.assign(c.user.size(), '#');  // then freed
  }
  REQUIRE(h.current("alice") != nullptr);
  CHECK(h.current("alice")->key == "alice");
  CHECK(h.current("alice")->valid_from == 5);
  CHECK(h.versions("alice").size() == 2);
  CHECK(h.current("bob") != nullptr);
  CHECK(h.key_count() == 2);
  CHECK_FALSE(h.check());
  // A later batch finds the stored keys through new views.
  const plan_change next = {"bob", 7, "pro"};
  auto result = h.apply(&next, 1);
  CHECK(result.applied == 1);
  CHECK(h.versions("bob").size() == 2);
  CHECK_FALSE(h.check());
}

TEST_CASE("scd2: a key unequal to itself (NaN) cannot stall apply", "[scd2]") {
  struct reading {
    double sensor;
    std::int64_t at;
    int value;
  };
  struct reading_traits {
    using record = reading;
    static double key(const reading& r) { return r.sensor; }
    static std::int64_t sequence(const reading& r) { return r.at; }
    static bool is_delete(const reading&) { return false; }
    static auto tracked(const reading& r) { return std::make_tuple(r.value); }
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<reading> batch = {{nan, 1, 10}, {nan, 2, 20}, {1.5, 1, 30}};
  sluice::scd2::history<reading_traits> h;
  auto result = h.apply(batch.data(), batch.size());  // returns: each NaN change stands alone
  CHECK(result.applied == 3);
  CHECK(h.current(1.5) != nullptr);
}

TEST_CASE("scd2: records owning memory are destroyed on refusals, failed shrinks and moves",
          "[scd2]") {
  using history = sluice::scd2::history<account_traits>;
  const int live_before = live_records;
  {
    std::vector<account> changes;
    sluice_test::rng random(0x5cd2'0403);
    for (int i = 0; i < 400; ++i) {
      const std::string region = random.percent(50) ? "eu-west-with-a-long-name" : "us";
      const auto number = static_cast<std::uint32_t>(random.below(40));
      const std::int64_t version = random.between(0, 30);
      const bool deleted = random.percent(10);
      const std::string owner = "owner-" + std::to_string(random.below(3));
      const std::string note = "note that is long enough to allocate " + std::to_string(random.below(4));
      changes.emplace_back(region, number, version, deleted, owner, note);
    }
    // Every record alive is one of `changes`, one stored in a history or one in a diff.
    const auto alive = [&] { return static_cast<std::size_t>(live_records - live_before); };

    // Refused batches destroy the blocks they built.
    sluice::scd2::history_config config;
    config.memory_budget = 24u << 10;
    config.first_block_bytes = 1024;
    history tight(config);
    std::size_t refusals = 0;
    for (std::size_t at = 0; at < changes.size(); at += 40) {
      const auto result = tight.apply(changes.data() + at, 40);
      if (result.error) ++refusals;
      CHECK(alive() == changes.size() + tight.change_count() + result.removed.size() +
                           result.added.size());
    }
    CHECK(refusals > 0);
    CHECK_FALSE(tight.check());

    // A shrink_to_fit that runs out of room after copying some blocks destroys the copies.
    sluice::scd2::history_config small;
    small.first_block_bytes = 512;
    history loaded(small);
    for (std::size_t at = 0; at < changes.size(); at += 100)
      REQUIRE_FALSE(loaded.apply(changes.data() + at, 100).error);
    sluice::scd2::history_config half = small;
    half.memory_budget = loaded.memory().reserved + loaded.memory().in_use / 2;
    history shrinking(half);
    for (std::size_t at = 0; at < changes.size(); at += 100)
      REQUIRE_FALSE(shrinking.apply(changes.data() + at, 100).error);
    REQUIRE(shrinking.memory().reserved == loaded.memory().reserved);
    CHECK(shrinking.shrink_to_fit() == sluice::errc::memory_budget_exceeded);
    CHECK(alive() == changes.size() + tight.change_count() + loaded.change_count() +
                         shrinking.change_count());
    CHECK_FALSE(shrinking.check());

    // Move-assigning over a history destroys the records it held.
    history other;
    other.apply(changes.data(), 200);
    REQUIRE(other.change_count() > 0);
    other = std::move(loaded);
    CHECK(alive() == changes.size() + tight.change_count() + other.change_count() +
                         shrinking.change_count());
  }
  CHECK(live_records == live_before);
}

}  // namespace scd2_test_traits
