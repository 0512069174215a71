// CRC32C: the standard check value, the bitwise definition, incremental use.
#include <string>

#include "catch_shim.hpp"
#include "errors/model.hpp"
#include "sluice/detail/crc32c.hpp"
#include "test_support.hpp"

namespace errors_test_crc32c {

using sluice::detail::crc32c;
using sluice::detail::crc32c_portable;

TEST_CASE("crc32c matches the published check values", "[errors]") {
  CHECK(crc32c("123456789", 9) == 0xE3069283u);
  CHECK(crc32c_portable("123456789", 9) == 0xE3069283u);
  CHECK(crc32c("", 0) == 0u);
  // RFC 3720 (iSCSI) vectors: 32 zero bytes and 32 0xFF bytes.
  std::string zeros(32, '\0'), ones(32, '\xFF');
  CHECK(crc32c(zeros.data(), zeros.size()) == 0x8A9136AAu);
  CHECK(crc32c(ones.data(), ones.size()) == 0x62A8AB43u);
}

TEST_CASE("crc32c equals the bitwise definition on random inputs, every path and split", "[errors]") {
  sluice_test::rng rng(0xC5C32C);
  for (std::size_t round = 0; round < sluice_test::scaled(400); ++round) {
    std::string bytes(static_cast<std::size_t>(rng.below(300)), '\0');
    for (char& c : bytes) c = static_cast<char>(rng.below(256));
    // Unaligned starts exercise the 8-byte path at every offset.
    std::size_t skip = bytes.empty() ? 0 : static_cast<std::size_t>(rng.below(bytes.size() + 1));
    std::string view = bytes.substr(skip);
    std::uint32_t expected = errors_model::crc32c_bitwise(view);
    CHECK(crc32c(view.data(), view.size()) == expected);
    CHECK(crc32c_portable(view.data(), view.size()) == expected);
    std::size_t split = view.empty() ? 0 : static_cast<std::size_t>(rng.below(view.size() + 1));
    std::uint32_t first = crc32c(view.data(), split);
    CHECK(crc32c(view.data() + split, view.size() - split, first) == expected);
    CHECK(crc32c_portable(view.data() + split, view.size() - split, first) == expected);
  }
}

}  // namespace errors_test_crc32c
