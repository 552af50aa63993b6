// rainfuse train: placeholder until its owner lands it.
#include <stdexcept>

#include "train/cli/commands.h"

namespace rf::cli {

int cmd_train(const Argv&) { throw std::runtime_error("not implemented yet"); }

}  // namespace rf::cli
