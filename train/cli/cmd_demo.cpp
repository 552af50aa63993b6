// rainfuse demo: the whole pipeline on the synthetic Qinghai twin (train/pipeline/demo.h).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "train/cli/args.h"
#include "train/cli/commands.h"
#include "train/pipeline/demo.h"
#include "train/common/log.h"
#include "train/pipeline/run_lock.h"

namespace rf::cli {

static const char* kUsage =
    "usage: rainfuse demo [--out DIR] [--seed N] [--twin-seed N] [--quick] [--quiet]\n"
    "Synthesises the Qinghai twin (2019-2020: daily truth, the five products in their\n"
    "distributed formats, gauges, DEM) under DIR/twin, writes DIR/demo.toml, then runs\n"
    "prepare, train (5-fold leave-stations-out CV + final model), fuse 2020 and evaluate\n"
    "on a 0.05-degree grid, and prints where the netCDF, metrics.csv/.md and maps are.\n"
    "About 15-22 minutes on 2 CPU cores. Running it again in the same DIR resumes.\n"
    "  --out DIR   output folder (default: rainfuse-demo)\n"
    "  --seed N    training seed (train.seed: folds, samples, init; default 1)\n"
    "  --twin-seed N  seed of the synthetic twin (default 1)\n"
    "  --quick     two weeks of July 2020 at 0.1 degrees with a tiny training (tests)\n"
    "  --quiet     only errors and the final summary\n";

static uint64_t seed_flag(const Args& a, const char* name, uint64_t def) {
  if (!a.has(name)) return def;
  const std::string v = a.get_or(name, "");
  char* end = nullptr;
  const unsigned long long s = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end || v[0] == '-') throw UsageError(std::string("--") + name + ": expected a seed >= 0, got '" + v + "'");
  return uint64_t(s);
}

int cmd_demo(const Argv& argv) {
  Args a(argv, {"out", "seed", "twin-seed"}, {"quick", "quiet"});
  if (a.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!a.positional().empty()) throw UsageError("unexpected argument '" + a.positional()[0] + "'");
  pipe::DemoOptions opt;
  opt.out_dir = a.get_or("out", opt.out_dir);
  opt.seed = seed_flag(a, "seed", opt.seed);
  opt.twin_seed = seed_flag(a, "twin-seed", opt.twin_seed);
  opt.quick = a.has("quick");
  opt.quiet = a.has("quiet");
  pipe::set_quiet(opt.quiet);
  const pipe::RunLock lock(opt.out_dir, "demo");
  return pipe::run_demo(opt);
}

}  // namespace rf::cli
