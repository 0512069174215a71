// Names docs/dedup.md's snippets take as given.
#pragma once
#include <sluice/dedup.hpp>
template <class Event>
void forward(const Event&);
struct row {
  std::uint64_t key;
  std::int64_t version;
};
inline constexpr std::size_t n = 1'000'000;
inline std::vector<std::vector<row>> batches;
inline auto key_of = [](const row& r) { return r.key; };
inline auto newer = [](const row& a, const row& b) { return a.version < b.version; };
