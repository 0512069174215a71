#include <string>

#include "catch_shim.hpp"
#include "sluice/sluice.hpp"

namespace core_test_version {

TEST_CASE("version() spells the version macros") {
  std::string expected = std::to_string(SLUICE_VERSION_MAJOR) + "." +
                         std::to_string(SLUICE_VERSION_MINOR) + "." +
                         std::to_string(SLUICE_VERSION_PATCH);
  CHECK(sluice::version() == expected);
  CHECK(sluice::version().data()[sluice::version().size()] == '\0');
  CHECK(SLUICE_VERSION == SLUICE_VERSION_MAJOR * 10000 + SLUICE_VERSION_MINOR * 100 +
                              SLUICE_VERSION_PATCH);
}

TEST_CASE("public names live in a versioned inline namespace") {
  // v0, or v0_avx2 / v0_dispatch / v0_neon: the SIMD configuration is part of the name.
  CHECK(sluice::SLUICE_DETAIL_ABI::version() == sluice::version());
}

}  // namespace core_test_version
