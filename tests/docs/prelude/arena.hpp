// Names the snippets of docs/arena.md take as given.
#pragma once
#include <sluice/arena.hpp>
struct order_row {
  order_row(int id, const char* venue) : id(id), venue(venue) {}
  int id;
  std::string venue;
};
inline std::string_view incoming_name = "spot";
