// rainfuse: multi-source precipitation fusion. Dispatches to a subcommand.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "kernels/common/cpu_level.h"
#include "train/cli/args.h"
#include "train/cli/commands.h"
#include "train/common/log.h"

#ifndef RAINFUSE_HAVE_CUDA
#define RAINFUSE_HAVE_CUDA 0
#endif

namespace {

struct Command {
  const char* name;
  int (*run)(const rf::cli::Argv&);
  const char* summary;
};

const Command kCommands[] = {
    {"demo", rf::cli::cmd_demo, "the whole pipeline on a two-year synthetic twin (no arguments needed)"},
    {"config", rf::cli::cmd_config, "print a commented example run configuration (TOML), or check one"},
    {"prepare", rf::cli::cmd_prepare, "sources + gauges -> aligned daily data on the working grid (cached)"},
    {"train", rf::cli::cmd_train, "train qh-ref at gauges with leave-stations-out cross-validation"},
    {"fuse", rf::cli::cmd_fuse, "write the fused daily grid, one CF netCDF per year (resumable)"},
    {"evaluate", rf::cli::cmd_evaluate, "score products and baselines at held-out gauges (metrics.csv)"},
    {"synth", rf::cli::cmd_synth, "write a synthetic Qinghai twin in every product's native format"},
    {"daily", rf::cli::cmd_daily, "daily totals of one product on the gauges' day, optionally regridded"},
    {"regrid", rf::cli::cmd_regrid, "regrid a netCDF variable exactly like cdo remapnn/remapbil/remapbic"},
    {"model", rf::cli::cmd_model, "init | forward | grad of a fusion model (safetensors + npy)"},
};

void usage(std::FILE* f) {
  std::fprintf(f, "usage: rainfuse <command> [options]   (rainfuse <command> --help; rainfuse --version)\n\ncommands:\n");
  for (const auto& c : kCommands) std::fprintf(f, "  %-8s %s\n", c.name, c.summary);
}

}  // namespace

int main(int argc, char** argv) {
  // The CPU level is fixed before any kernel runs: a level the CPU lacks is a
  // one-line error here, never SIGILL later.
  try {
    rf::kernels::cpu_level();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rainfuse: %s\n", e.what());
    return 2;
  }
  if (argc >= 2 && (!std::strcmp(argv[1], "--version") || !std::strcmp(argv[1], "version"))) {
    std::printf("rainfuse %s\nCPU level: %s\nCUDA backend: %s\n", RAINFUSE_VERSION,
                rf::kernels::cpu_level_report().c_str(), RAINFUSE_HAVE_CUDA ? "built" : "not built");
    return 0;
  }
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  rf::cli::Argv rest(argv + 2, argv + argc);
  for (const auto& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      rf::pipe::set_run_header(true);
      return c.run(rest);
    } catch (const rf::cli::UsageError& e) {
      std::fprintf(stderr, "rainfuse %s: %s (see rainfuse %s --help)\n", c.name, e.what(), c.name);
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "rainfuse %s: %s\n", c.name, e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "rainfuse: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
