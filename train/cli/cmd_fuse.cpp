// rainfuse fuse: placeholder until its owner lands it.
#include <stdexcept>

#include "train/cli/commands.h"

namespace rf::cli {

int cmd_fuse(const Argv&) { throw std::runtime_error("not implemented yet"); }

}  // namespace rf::cli
