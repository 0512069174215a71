// Budgets under pressure: tiny budgets for dedup, SCD2 and the arena. Memory stays within the
// budget at every step, refusals use the documented verdict or code, and no refusal loses or
// corrupts state: afterwards everything is verified against the naive models.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "catch_shim.hpp"
#include "dedup/model.hpp"
#include "scd2/model.hpp"
#include "sluice/arena.hpp"
#include "sluice/dedup.hpp"
#include "sluice/scd2.hpp"
#include "test_support.hpp"

namespace robustness_test_budgets {

namespace {

struct text {
  std::string id;
  std::int64_t time;
};
struct text_id {
  const std::string& operator()(const text& e) const noexcept { return e.id; }
};
struct text_time {
  std::int64_t operator()(const text& e) const noexcept { return e.time; }
};

template <class Storage>
void dedup_under_pressure(std::uint64_t salt) {
  using dedup = sluice::window_dedup<text, text_id, text_time, Storage>;
  sluice::window_dedup_config base;
  base.window = 50;
  base.allowed_lateness = 10;
  const auto empty = static_cast<std::size_t>(dedup::create(base).value().stats().bytes);
  for (std::size_t extra : {std::size_t{0}, std::size_t{64}, std::size_t{512}, std::size_t{2048},
                            std::size_t{8192}, std::size_t{32768}}) {
    for (sluice::expiry policy : {sluice::expiry::from_first, sluice::expiry::sliding}) {
      sluice::window_dedup_config config = base;
      config.policy = policy;
      config.memory_budget = empty + extra;
      config.seed = salt + extra;
      CAPTURE(extra, static_cast<int>(policy));
      auto created = dedup::create(config);
      REQUIRE(created.has_value());
      dedup d = std::move(created).value();
      dedup_model::window_model<std::string> model(config);
      sluice_test::rng random(salt * 31 + extra);
      std::int64_t now = 0;
      std::size_t refused = 0;
      for (std::size_t i = 0; i < sluice_test::scaled(6000); ++i) {
        now += static_cast<std::int64_t>(random.below(2));
        const std::int64_t time = now - static_cast<std::int64_t>(random.below(12));
        std::string key = "key-" + std::to_string(random.below(400));
        if (random.percent(3)) key.append(static_cast<std::size_t>(random.below(3000)), 'x');
        const sluice::verdict v = d.offer(text{key, time});
        if (v == sluice::verdict::over_budget) {
          ++refused;
          REQUIRE(model.budget_may_refuse(key, time));
          model.offer(key, time, true);
        } else {
          REQUIRE(model.offer(key, time) == v);
        }
        REQUIRE(d.stats().bytes <= config.memory_budget);
        if (i % 1000 == 999) {  // a checkpoint under pressure restores to the same state
          std::string bytes;
          REQUIRE_FALSE(d.save(bytes));
          auto restored = dedup::restore(bytes);
          REQUIRE(restored.has_value());
          REQUIRE(restored->stats().bytes <= config.memory_budget);
          d = std::move(restored).value();
        }
      }
      const sluice::dedup_stats stats = d.stats();
      CHECK(stats.over_budget == refused);
      CHECK(stats.first == model.first);
      CHECK(stats.duplicate == model.duplicate);
      CHECK(stats.late == model.late);
      CHECK(stats.live_keys >= model.live_keys());
      if (extra == 0) CHECK(stats.first == 0);  // no room for a single key
      if (extra <= 512) CHECK(refused > 0);
    }
  }
}

struct change {
  std::uint64_t id;
  std::int64_t at;
  char op;
  int name;
};
struct change_traits {
  using record = change;
  static std::uint64_t key(const change& c) { return c.id; }
  static std::int64_t sequence(const change& c) { return c.at; }
  static bool is_delete(const change& c) { return c.op == 'D'; }
  static auto tracked(const change& c) { return std::tie(c.name); }
};
using flat = std::tuple<std::uint64_t, std::int64_t, bool, std::int64_t, char, int>;

template <class Row>
flat flatten(const Row& r, const change& c) {
  return flat{r.key, r.valid_from, !r.valid_to.has_value(), r.valid_to.value_or(0), c.op, c.name};
}

}  // namespace

TEST_CASE("dedup under tiny budgets agrees with the model, exact keys", "[robustness]") {
  dedup_under_pressure<sluice::exact_keys>(1);
}

TEST_CASE("dedup under tiny budgets agrees with the model, fingerprints", "[robustness]") {
  dedup_under_pressure<sluice::fingerprints>(2);
}

TEST_CASE("scd2 under a budget ladder: all-or-nothing, and accepted batches equal the model",
          "[robustness]") {
  sluice_test::rng random(0xb0d9e7);
  std::vector<change> changes;
  for (int i = 0; i < 3000; ++i) {
    change c{random.below(300), static_cast<std::int64_t>(random.below(60)),
             random.percent(15) ? 'D' : 'U', static_cast<int>(random.below(3))};
    changes.push_back(c);
  }
  for (std::size_t budget : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, std::size_t{8000},
                             std::size_t{20000}, std::size_t{60000}, std::size_t{200000}, std::size_t{4000000}}) {
    CAPTURE(budget);
    sluice::scd2::history_config config;
    config.memory_budget = budget;
    config.first_block_bytes = 1024;
    sluice::scd2::history<change_traits> h(config);
    scd2_model::model<change_traits> m;
    std::size_t refused = 0, accepted = 0;
    for (std::size_t at = 0; at < changes.size();) {
      const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(1 + random.below(120)), changes.size() - at);
      const std::vector<change> batch(changes.begin() + static_cast<std::ptrdiff_t>(at),
                                      changes.begin() + static_cast<std::ptrdiff_t>(at + n));
      at += n;
      const auto reserved_before = h.memory().reserved;
      const std::size_t rows_before = h.row_count();
      const std::size_t changes_before = h.change_count();
      auto result = h.apply(batch.data(), batch.size());
      REQUIRE(h.memory().reserved <= budget);
      REQUIRE_FALSE(h.check());
      if (result.error) {
        ++refused;
        REQUIRE(result.error == sluice::errc::memory_budget_exceeded);
        REQUIRE(h.memory().reserved == reserved_before);
        REQUIRE(h.row_count() == rows_before);
        REQUIRE(h.change_count() == changes_before);
      } else {
        ++accepted;
        m.apply(batch);
      }
    }
    std::vector<flat> rows, expected;
    h.for_each_row([&](const auto& r) { rows.push_back(flatten(r, r.record)); });
    for (const auto& r : m.rows()) expected.push_back(flatten(r, r.rec));
    std::sort(rows.begin(), rows.end());
    std::sort(expected.begin(), expected.end());
    CHECK(rows == expected);
    CHECK(h.change_count() == m.change_count());
    if (budget <= 1000) CHECK(accepted == 0);
    if (budget == 4000000) CHECK(refused == 0);
    if (budget == 60000) CHECK((refused > 0 && accepted > 0));
  }
}

TEST_CASE("arena with budgets of 0 to 300 bytes never exceeds them", "[robustness]") {
  for (std::size_t budget = 0; budget <= 300; budget += 7) {
    for (std::size_t first_block : {std::size_t{0}, std::size_t{64}, std::size_t{4096}, SIZE_MAX}) {
      CAPTURE(budget, first_block);
      sluice::arena memory(first_block, budget);
      std::size_t handed_out = 0;
      for (std::size_t size : {1u, 8u, 16u, 40u, 100u, 1u, 3u, 500u, 0u}) {
        void* p = memory.allocate(size);
        if (p != nullptr) handed_out += size == 0 ? 1 : size;
        REQUIRE(memory.reserved() <= budget);
      }
      CHECK(memory.used() == handed_out);
      if (budget < sluice::arena::block_overhead + 1) CHECK(handed_out == 0);
      CHECK(memory.peak() <= budget);
    }
  }
}

}  // namespace robustness_test_budgets
