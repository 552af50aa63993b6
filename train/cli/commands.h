// The `rainfuse` subcommands. Each lives in train/cli/cmd_<name>.cpp, receives
// the arguments after its name, prints its own --help, and returns the exit
// code. Errors are reported as one line on stderr: "rainfuse <cmd>: <what>".
#pragma once
#include <string>
#include <vector>

namespace rf::cli {

using Argv = std::vector<std::string>;

int cmd_model(const Argv& args);   // model init | forward | grad
int cmd_daily(const Argv& args);   // daily totals of one product
int cmd_regrid(const Argv& args);  // CDO-compatible regridding of a netCDF variable
int cmd_synth(const Argv& args);   // synthetic Qinghai twin in the products' formats
int cmd_config(const Argv& args);    // config --example | --check FILE
int cmd_prepare(const Argv& args);   // sources + gauges -> aligned daily cubes (cached)
int cmd_train(const Argv& args);     // leave-stations-out CV training, final models
int cmd_fuse(const Argv& args);      // fused grid, one netCDF per year
int cmd_evaluate(const Argv& args);  // scores at held-out gauges (pipeline or standalone)
int cmd_demo(const Argv& args);      // synth -> prepare -> train -> fuse -> evaluate

}  // namespace rf::cli
