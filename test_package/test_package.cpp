#include <cstdio>

#include <sluice/sluice.hpp>

int main() {
  std::printf("sluice %.*s from the Conan package\n", static_cast<int>(sluice::version().size()),
              sluice::version().data());
  return sluice::version().empty() ? 1 : 0;
}
