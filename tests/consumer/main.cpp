// Uses sluice through whichever way the consumer project brought it in.
#include <cstdio>

#include <sluice/sluice.hpp>

int main() {
  if (sluice::version().empty()) return 1;
  std::printf("consumer built against sluice %.*s\n", static_cast<int>(sluice::version().size()),
              sluice::version().data());
  return 0;
}
