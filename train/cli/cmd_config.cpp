// rainfuse config: prints the commented example run configuration, or checks
// one (file + overrides) and prints the resolved settings as TOML.
#include <cstdio>

#include "train/cli/args.h"
#include "train/cli/commands.h"
#include "train/config/config_args.h"

namespace rf::cli {

static const char* kUsage =
    "usage: rainfuse config --example\n"
    "       rainfuse config --check FILE [--out DIR] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--set KEY=VALUE ...]\n"
    "--example prints a commented run configuration (the Qinghai 0.01-degree production run)\n"
    "describing every key. --check reads FILE (relative paths resolve against its folder),\n"
    "applies the overrides (--set section.key=value, repeatable, e.g. --set train.epochs=3),\n"
    "validates everything and prints the resolved settings; errors name the file and the key.\n";

int cmd_config(const Argv& argv) {
  std::vector<std::string> valued = pipe::pipeline_flags();
  valued.push_back("check");
  Args a(argv, valued, {"example"});
  if (a.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!a.positional().empty()) throw UsageError("unexpected argument '" + a.positional()[0] + "'");
  if (a.has("example")) {
    if (a.has("check") || a.has("config")) throw UsageError("--example and --check are exclusive");
    std::fputs(pipe::example_config(), stdout);
    return 0;
  }
  if (!a.has("check") && !a.has("config")) throw UsageError("expected --example or --check FILE");
  if (a.has("check") && a.has("config")) throw UsageError("--check FILE already names the file");
  // --check FILE is --config FILE for run_config_from_args.
  Argv rest;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "--check") rest.push_back("--config");
    else if (argv[i].rfind("--check=", 0) == 0) rest.push_back("--config=" + argv[i].substr(8));
    else rest.push_back(argv[i]);
  }
  const pipe::RunConfig cfg = pipe::run_config_from_args(Args(rest, pipe::pipeline_flags()));
  std::printf("# %s: OK (working grid %zu x %zu)\n", cfg.config_path.c_str(), cfg.working_grid().nx(),
              cfg.working_grid().ny());
  std::fputs(pipe::run_config_toml(cfg).c_str(), stdout);
  return 0;
}

}  // namespace rf::cli
