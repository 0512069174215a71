// Names the snippets of docs/scd2.md take as given.
#pragma once
#include <sluice/scd2.hpp>
struct customer {
  std::uint64_t id;
  std::int64_t updated_at;
  char op;
  std::string name, city, email;
};
inline std::vector<customer> batch;
