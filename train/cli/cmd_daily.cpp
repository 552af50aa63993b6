// Placeholder until the daily command lands (being written this session).
#include <cstdio>

#include "train/cli/commands.h"

namespace rf::cli {
int cmd_daily(const Argv&) {
  std::fprintf(stderr, "rainfuse daily: not built yet\n");
  return 1;
}
}  // namespace rf::cli
