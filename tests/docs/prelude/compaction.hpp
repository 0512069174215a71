// Names the snippets of docs/compaction.md take as given.
#pragma once
#include <sluice/compaction.hpp>
inline std::vector<sluice::compaction::file> files;
inline std::int64_t now = 0;
void submit(std::uint64_t partition, const std::vector<std::uint64_t>& files, std::uint32_t outputs);
