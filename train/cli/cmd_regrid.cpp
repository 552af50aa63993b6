// Placeholder until the regrid command lands (being written this session).
#include <cstdio>

#include "train/cli/commands.h"

namespace rf::cli {
int cmd_regrid(const Argv&) {
  std::fprintf(stderr, "rainfuse regrid: not built yet\n");
  return 1;
}
}  // namespace rf::cli
