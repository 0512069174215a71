// sluice/sluice.hpp: every public sluice header in one include.
#pragma once

#include "sluice/version.hpp"
