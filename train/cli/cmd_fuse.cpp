// rainfuse fuse: the fused grid for every day of the fuse period with the
// trained models, one CF netCDF per year under <out>/fused/ (train/fuse/fuse.h).
#include <cstdio>
#include <string>

#include "train/cli/args.h"
#include "train/cli/commands.h"
#include "train/config/config_args.h"
#include "train/fuse/fuse.h"
#include "train/common/log.h"
#include "train/pipeline/run_lock.h"

namespace rf::cli {
namespace {

constexpr const char* kUsage =
    "usage: rainfuse fuse [--config FILE] [--out DIR] [--start YYYY-MM-DD --end YYYY-MM-DD]\n"
    "                     [--set KEY=VALUE ...] [--quiet]\n"
    "  Runs the trained models (<out>/models, from `rainfuse train`) over the whole working grid for\n"
    "  every day of the fuse period and writes <out>/fused/rainfuse_YYYY.nc (CF-1.8 netCDF-4, one file\n"
    "  per year; variable precipitation in mm day-1 and source_set, the sources of the model used on\n"
    "  each day). Each day uses the largest trained source set whose sources are all available; a day\n"
    "  without one is written as missing. qh-ref runs in tiles with halos (fuse.tile, fuse.halo), equal\n"
    "  to a whole-grid pass. Resumable: a year whose file exists is skipped; an interrupted year is\n"
    "  redone and gives the same bytes as an uninterrupted run.\n"
    "  --config FILE     the run's TOML (default ./rainfuse.toml)\n"
    "  --start/--end     the fuse period (default period.fuse_start/fuse_end, else period.start/end)\n"
    "  --set KEY=VALUE   any setting, e.g. fuse.pack_int16=true, fuse.tile=512\n"
    "  --quiet           no log lines\n";

}  // namespace

int cmd_fuse(const Argv& argv) {
  const Args args(argv, pipe::pipeline_flags(), {"quiet"});
  if (args.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  pipe::set_quiet(args.has("quiet"));
  pipe::RunConfig cfg = pipe::run_config_from_args(args);
  // --start/--end name the period to fuse.
  if (auto s = args.get("start")) pipe::apply_override(cfg, "period.fuse_start=" + *s);
  if (auto e = args.get("end")) pipe::apply_override(cfg, "period.fuse_end=" + *e);
  const pipe::RunLock lock(cfg.out_dir, "fuse");
  std::string history = "rainfuse fuse";
  for (const std::string& a : argv) history += " " + a;
  pipe::run_fuse(cfg, history);
  return 0;
}

}  // namespace rf::cli
