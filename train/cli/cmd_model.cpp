// Placeholder until the model command lands (being written this session).
#include <cstdio>

#include "train/cli/commands.h"

namespace rf::cli {
int cmd_model(const Argv&) {
  std::fprintf(stderr, "rainfuse model: not built yet\n");
  return 1;
}
}  // namespace rf::cli
