// Placeholder until the synth command lands (being written this session).
#include <cstdio>

#include "train/cli/commands.h"

namespace rf::cli {
int cmd_synth(const Argv&) {
  std::fprintf(stderr, "rainfuse synth: not built yet\n");
  return 1;
}
}  // namespace rf::cli
