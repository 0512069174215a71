// Page-level allocation behind large arena blocks and dedup tables (detail/huge_pages.hpp):
// mapped memory is zero-filled, 2 MiB-aligned, fully usable, and every byte of address space
// a mapping took is given back when it is released, whatever its size.
#include <cstdint>
#include <fstream>
#include <string>

#include <sluice/detail/huge_pages.hpp>

#include "catch_shim.hpp"

namespace arena_test_mapped_pages {

namespace {

// Virtual memory of this process in KiB from /proc/self/status, or 0 where there is none.
std::uint64_t virtual_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7));
  return 0;
}

}  // namespace

TEST_CASE("mapped pages are zeroed, aligned, usable, and leave no address space behind", "[arena]") {
  using namespace sluice::detail;
  if (!can_map_pages) {
    CHECK(map_pages(1 << 20) == nullptr);
    return;
  }
  const std::uint64_t before = virtual_kib();
  for (int i = 0; i < 400; ++i) {
    // Sizes that are not multiples of any page size: a mapping's tail must still be returned.
    const std::size_t bytes = (std::size_t{1} << 20) + 12345u * static_cast<std::size_t>(i % 7) + 13;
    auto* memory = static_cast<unsigned char*>(map_pages(bytes));
    REQUIRE(memory != nullptr);
    REQUIRE(reinterpret_cast<std::uintptr_t>(memory) % (std::uintptr_t{2} << 20) == 0);
    REQUIRE(memory[0] == 0);
    REQUIRE(memory[bytes - 1] == 0);
    memory[0] = 1;
    memory[bytes - 1] = 2;
    unmap_pages(memory, bytes);
  }
  // 400 leaked tails of up to 2 MiB would be 800 MiB; allow for unrelated growth.
  if (before != 0) CHECK(virtual_kib() < before + 64 * 1024);
  CHECK(map_pages(0) == nullptr);
}

}  // namespace arena_test_mapped_pages
