// Names the snippets of docs/hash.md take as given.
#pragma once
#include <sluice/hash.hpp>
inline std::string_view payload = "payload";
inline std::uint64_t seed = 42;
inline std::string buf = "bytes";
inline std::uint64_t event_id = 7;
inline std::vector<std::uint64_t> ids(16), out(16);
