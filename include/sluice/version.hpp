// sluice/version.hpp: the library version, for compile-time checks and for logs.
//
//   #if SLUICE_VERSION >= 100  // 0.1.0 or newer
//   std::printf("sluice %s\n", sluice::version().data());
#pragma once

#include <string_view>

#include "sluice/detail/config.hpp"

#define SLUICE_VERSION_MAJOR 0
#define SLUICE_VERSION_MINOR 1
#define SLUICE_VERSION_PATCH 0
// One comparable number: major * 10000 + minor * 100 + patch.
#define SLUICE_VERSION (SLUICE_VERSION_MAJOR * 10000 + SLUICE_VERSION_MINOR * 100 + SLUICE_VERSION_PATCH)

SLUICE_NAMESPACE_BEGIN

namespace detail {
#define SLUICE_DETAIL_STR2(x) #x
#define SLUICE_DETAIL_STR(x) SLUICE_DETAIL_STR2(x)
inline constexpr char version_text[] = SLUICE_DETAIL_STR(SLUICE_VERSION_MAJOR) "." SLUICE_DETAIL_STR(
    SLUICE_VERSION_MINOR) "." SLUICE_DETAIL_STR(SLUICE_VERSION_PATCH);
#undef SLUICE_DETAIL_STR
#undef SLUICE_DETAIL_STR2
}  // namespace detail

// The version of the headers in use, as "major.minor.patch" (null-terminated).
constexpr std::string_view version() noexcept { return detail::version_text; }

SLUICE_NAMESPACE_END
