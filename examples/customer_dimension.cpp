// A Customer dimension (SCD Type 2) fed by a CDC stream with late, duplicate and
// conflicting records. Each batch prints the diff to MERGE into the warehouse table and the
// verdict of every record; the final history is the same whatever the arrival order.
#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include <sluice/scd2.hpp>

struct customer {
  std::uint64_t id;
  std::int64_t updated_at;  // the source's commit timestamp: SEQUENCE BY
  char op;                  // 'U' upsert, 'D' delete
  std::string name;         // history (tracked) columns
  std::string city;
  std::string email;        // updated in place (untracked)
};

struct customer_traits {
  using record = customer;
  static std::uint64_t key(const customer& c) { return c.id; }
  static std::int64_t sequence(const customer& c) { return c.updated_at; }
  static bool is_delete(const customer& c) { return c.op == 'D'; }
  static auto tracked(const customer& c) { return std::tie(c.name, c.city); }
  static auto untracked(const customer& c) { return std::tie(c.email); }
};

using dimension = sluice::scd2::history<customer_traits>;

static void print_row(const char* action, const dimension::row& r) {
  std::string until = r.valid_to ? std::to_string(*r.valid_to) : "open";
  std::printf("  %s id=%llu [%lld, %s) %s, %s, %s\n", action,
              static_cast<unsigned long long>(r.key), static_cast<long long>(r.valid_from),
              until.c_str(), r.record.name.c_str(), r.record.city.c_str(),
              r.record.email.c_str());
}

static void load(dimension& customers, const char* title, const std::vector<customer>& batch) {
  std::vector<sluice::scd2::change_verdict> verdicts(batch.size());
  auto diff = customers.apply(batch.data(), batch.size(), verdicts.data());
  std::printf("%s\n", title);
  for (std::size_t i = 0; i < batch.size(); ++i)
    std::printf("  record id=%llu @%lld -> %.*s\n", static_cast<unsigned long long>(batch[i].id),
                static_cast<long long>(batch[i].updated_at),
                static_cast<int>(to_string(verdicts[i]).size()), to_string(verdicts[i]).data());
  // MERGE: delete the removed rows (matched on key and valid_from), insert the added ones.
  for (const auto& r : diff.removed) print_row("DELETE", r);
  for (const auto& r : diff.added) print_row("INSERT", r);
  std::printf("  (%zu applied, %zu duplicates, %zu conflicts, %zu late)\n\n", diff.applied,
              diff.duplicates, diff.conflicts, diff.late);
}

int main() {
  dimension customers;
  load(customers, "batch 1: initial snapshot",
       {{1, 100, 'U', "Ada", "London", "ada@old.example"},
        {2, 100, 'U', "Grace", "New York", "grace@example.com"}});
  load(customers, "batch 2: Ada moves; Grace's email changes (no new version)",
       {{1, 300, 'U', "Ada", "Paris", "ada@old.example"},
        {2, 250, 'U', "Grace", "New York", "grace@navy.example"}});
  load(customers, "batch 3: a late record splits Ada's history; a replayed duplicate",
       {{1, 200, 'U', "Ada", "Berlin", "ada@old.example"},
        {1, 300, 'U', "Ada", "Paris", "ada@old.example"}});
  load(customers, "batch 4: Grace deleted, plus a conflicting record at the same timestamp",
       {{2, 400, 'D', "", "", ""}, {2, 400, 'U', "Grace", "Boston", "grace@navy.example"}});

  customers.forget_before(350);  // retention: nothing older than 350 can change any more
  load(customers, "batch 5: a record older than the retention horizon",
       {{2, 120, 'U', "Grace", "Arlington", "grace@example.com"}});

  std::printf("final history (%zu keys, %zu rows):\n", customers.key_count(),
              customers.row_count());
  for (std::uint64_t id : {1u, 2u})
    for (const auto& r : customers.versions(id)) print_row("ROW   ", r);
  const auto* ada_in_250 = customers.as_of(1, 250);
  std::printf("Ada's city at 250: %s\n", ada_in_250 ? ada_in_250->record.city.c_str() : "-");
  return customers.check() ? 1 : 0;
}
