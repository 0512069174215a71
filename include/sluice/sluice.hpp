// sluice/sluice.hpp: every public sluice header in one include.
#pragma once

#include "sluice/arena.hpp"
#include "sluice/compaction.hpp"
#include "sluice/dead_letter.hpp"  // dead-letter envelope for the codes of errors.hpp
#include "sluice/dedup.hpp"        // sluice/checkpoint_file.hpp (POSIX files) is separate
#include "sluice/errors.hpp"
#include "sluice/hash.hpp"
#include "sluice/scd2.hpp"
#include "sluice/version.hpp"
