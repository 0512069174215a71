// Names docs/dedup.md's snippets take as given.
#pragma once
#include <sluice/dedup.hpp>
template <class Event>
void forward(const Event&);
