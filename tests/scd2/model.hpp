// A deliberately naive model of SCD Type 2 history: it keeps every distinct change it has
// accepted in nested std::maps and recomputes the whole history from scratch on every
// question. No incremental work, no hashing, no arenas: the rules, written as plainly as
// they are stated, for the differential tests to compare against.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/scd2.hpp"

namespace scd2_model {

using sluice::scd2::change_verdict;

template <class Tuple>
struct tuple_values;
template <class... Ts>
struct tuple_values<std::tuple<Ts...>> {
  using type = std::tuple<std::decay_t<Ts>...>;
};

template <class Traits, class = void>
struct has_untracked : std::false_type {};
template <class Traits>
struct has_untracked<Traits, std::void_t<decltype(Traits::untracked(
                                 std::declval<const typename Traits::record&>()))>>
    : std::true_type {};

template <class Traits>
class model {
 public:
  using record = typename Traits::record;
  using key_type = std::decay_t<decltype(Traits::key(std::declval<const record&>()))>;
  using sequence_type = std::decay_t<decltype(Traits::sequence(std::declval<const record&>()))>;

  struct row {
    key_type key;
    sequence_type valid_from;
    std::optional<sequence_type> valid_to;
    record rec;
  };

  struct outcome {
    std::vector<change_verdict> verdicts;
    std::size_t applied = 0, duplicates = 0, conflicts = 0, late = 0;
  };

  outcome apply(const std::vector<record>& batch) {
    outcome out;
    std::vector<bool> fresh(batch.size(), false);
    out.verdicts.resize(batch.size(), change_verdict::duplicate);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const record& c = batch[i];
      if (horizon_ && Traits::sequence(c) < *horizon_) {
        out.verdicts[i] = change_verdict::late;
        continue;
      }
      auto& same_sequence = changes_[Traits::key(c)][Traits::sequence(c)];
      if (same_sequence.count(content(c)) != 0) continue;  // a duplicate
      same_sequence.emplace(content(c), c);
      fresh[i] = true;
    }
    auto roles = compute_roles();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!fresh[i]) continue;
      const record& c = batch[i];
      const auto& same_sequence = changes_.at(Traits::key(c)).at(Traits::sequence(c));
      if (same_sequence.size() > 1) {
        bool won = same_sequence.rbegin()->first == content(c);
        out.verdicts[i] = won ? change_verdict::conflict_won : change_verdict::conflict_lost;
      } else {
        out.verdicts[i] = roles.at({Traits::key(c), Traits::sequence(c)});
      }
    }
    for (change_verdict v : out.verdicts) {
      switch (v) {
        case change_verdict::duplicate: ++out.duplicates; break;
        case change_verdict::late: ++out.late; break;
        case change_verdict::conflict_won:
        case change_verdict::conflict_lost: ++out.conflicts; break;
        default: ++out.applied; break;
      }
    }
    return out;
  }

  void forget_before(const sequence_type& horizon) {
    if (!horizon_ || *horizon_ < horizon) horizon_ = horizon;
  }

  // Every row of the history, ordered by (key, valid_from).
  std::vector<row> rows() const {
    std::vector<row> out;
    for (const auto& [key, by_sequence] : changes_) replay(key, by_sequence, &out, nullptr);
    return out;
  }

  std::size_t change_count() const {
    std::size_t n = 0;
    for (const auto& by_key : changes_)
      for (const auto& by_sequence : by_key.second) n += by_sequence.second.size();
    return n;
  }

 private:
  using tracked_values =
      typename tuple_values<decltype(Traits::tracked(std::declval<const record&>()))>::type;
  template <class T, bool = has_untracked<T>::value>
  struct untracked_of {
    using type = std::tuple<>;
    static type get(const record&) { return {}; }
  };
  template <class T>
  struct untracked_of<T, true> {
    using type =
        typename tuple_values<decltype(T::untracked(std::declval<const record&>()))>::type;
    static type get(const record& r) { return T::untracked(r); }
  };
  using untracked_values = typename untracked_of<Traits>::type;
  // The order conflicts are resolved by: upserts before deletes, then (tracked, untracked).
  using content_type = std::tuple<bool, tracked_values, untracked_values>;

  static content_type content(const record& r) {
    return content_type(Traits::is_delete(r), tracked_values(Traits::tracked(r)),
                        untracked_of<Traits>::get(r));
  }

  using by_sequence_type = std::map<sequence_type, std::map<content_type, record>>;

  // Walks one key's changes in sequence order, the winner of each sequence deciding.
  static void replay(const key_type& key, const by_sequence_type& by_sequence,
                     std::vector<row>* rows,
                     std::map<std::pair<key_type, sequence_type>, change_verdict>* roles) {
    bool open = false;
    row version{key, sequence_type{}, std::nullopt, record{}};
    for (const auto& [sequence, candidates] : by_sequence) {
      const record& winner = candidates.rbegin()->second;
      change_verdict role;
      if (Traits::is_delete(winner)) {
        role = open ? change_verdict::closed : change_verdict::delete_of_nothing;
        if (open) {
          version.valid_to = sequence;
          if (rows) rows->push_back(version);
          open = false;
        }
      } else if (open && tracked_values(Traits::tracked(winner)) ==
                             tracked_values(Traits::tracked(version.rec))) {
        version.rec = winner;
        role = change_verdict::absorbed;
      } else {
        if (open) {
          version.valid_to = sequence;
          if (rows) rows->push_back(version);
        }
        version = row{key, sequence, std::nullopt, winner};
        open = true;
        role = change_verdict::opened;
      }
      if (roles) (*roles)[{key, sequence}] = role;
    }
    if (open && rows) rows->push_back(version);
  }

  std::map<std::pair<key_type, sequence_type>, change_verdict> compute_roles() const {
    std::map<std::pair<key_type, sequence_type>, change_verdict> roles;
    for (const auto& [key, by_sequence] : changes_) replay(key, by_sequence, nullptr, &roles);
    return roles;
  }

  std::map<key_type, by_sequence_type> changes_;
  std::optional<sequence_type> horizon_;
};

}  // namespace scd2_model
