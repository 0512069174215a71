// Names the snippets of docs/errors.md take as given.
#pragma once
#include <sluice/dead_letter.hpp>
void log(const char* message);
