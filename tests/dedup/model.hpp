// A deliberately naive model of sluice::window_dedup: a std::map of key -> expiry plus the
// watermark, applying the four rules of the contract literally. Differential tests run the real
// implementation and this model side by side and demand identical verdicts and counters.
#pragma once

#include <cstdint>
#include <limits>
#include <map>

#include "sluice/dedup.hpp"

namespace dedup_model {

inline std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  if (b > 0 && a > std::numeric_limits<std::int64_t>::max() - b)
    return std::numeric_limits<std::int64_t>::max();
  return a + b;
}

inline std::int64_t saturating_sub(std::int64_t a, std::int64_t b) {
  if (b > 0 && a < std::numeric_limits<std::int64_t>::min() + b)
    return std::numeric_limits<std::int64_t>::min();
  return a - b;
}

template <class Key>
class window_model {
 public:
  explicit window_model(const sluice::window_dedup_config& config) : config_(config) {}

  // What rules 1-3 say for (key, time), ignoring the memory budget. No state change.
  sluice::verdict rule_verdict(const Key& key, std::int64_t time) const {
    if (time < watermark_) return sluice::verdict::late;
    auto it = expiry_.find(key);
    if (it != expiry_.end() && watermark_ < it->second) return sluice::verdict::duplicate;
    return sluice::verdict::first;
  }

  // True when the budget may legitimately have changed this record's verdict: a new key that
  // could not be remembered, or a sliding extension that could not be stored.
  bool budget_may_refuse(const Key& key, std::int64_t time) const {
    sluice::verdict rule = rule_verdict(key, time);
    if (rule == sluice::verdict::first) return true;
    if (rule != sluice::verdict::duplicate || config_.policy != sluice::expiry::sliding) return false;
    return saturating_add(time, config_.window) > expiry_.at(key);
  }

  // Applies the rules. `over_budget` says the implementation refused to store this record's
  // state (the caller checks budget_may_refuse first); the model then leaves its state alone.
  sluice::verdict offer(const Key& key, std::int64_t time, bool over_budget = false) {
    sluice::verdict v = rule_verdict(key, time);
    if (v == sluice::verdict::late) {
      ++late;
      return v;
    }
    std::int64_t expiry = saturating_add(time, config_.window);
    if (over_budget) {
      v = sluice::verdict::over_budget;
      ++over_budget_count;
    } else if (v == sluice::verdict::duplicate) {
      ++duplicate;
      if (config_.policy == sluice::expiry::sliding && expiry > expiry_[key]) expiry_[key] = expiry;
    } else {
      ++first;
      expiry_[key] = expiry;
    }
    advance(saturating_sub(time, config_.allowed_lateness));
    return v;
  }

  void advance(std::int64_t w) {
    if (w > watermark_) watermark_ = w;
  }

  std::int64_t watermark() const { return watermark_; }

  // Keys whose expiry is still ahead of the watermark.
  std::uint64_t live_keys() const {
    std::uint64_t n = 0;
    for (const auto& entry : expiry_) n += entry.second > watermark_ ? 1u : 0u;
    return n;
  }

  std::uint64_t first = 0, duplicate = 0, late = 0, over_budget_count = 0;

 private:
  sluice::window_dedup_config config_;
  std::map<Key, std::int64_t> expiry_;
  std::int64_t watermark_ = std::numeric_limits<std::int64_t>::min();
};

}  // namespace dedup_model
