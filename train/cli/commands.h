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

}  // namespace rf::cli
