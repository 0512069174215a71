// The smallest sluice program: prints the library version.
#include <cstdio>

#include <sluice/sluice.hpp>

int main() {
  std::printf("sluice %.*s\n", static_cast<int>(sluice::version().size()),
              sluice::version().data());
  return 0;
}
