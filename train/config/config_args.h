// Flags shared by the pipeline commands (prepare, train, fuse, evaluate, demo):
//   --config FILE       the run's TOML (default: ./rainfuse.toml when it exists)
//   --out DIR           overrides run.out_dir
//   --start/--end YYYY-MM-DD   override period.start/end
//   --set KEY=VALUE     any key of the file, dotted ("train.epochs=3"); repeatable
#pragma once
#include <string>
#include <vector>

#include "train/cli/args.h"
#include "train/config/run_config.h"

namespace rf::pipe {

// Valued flag names to pass to cli::Args (add a command's own flags to them).
std::vector<std::string> pipeline_flags();
// Loads the file (if any) and applies the overrides, in the order above.
RunConfig run_config_from_args(const cli::Args& a);

}  // namespace rf::pipe
