// `rainfuse demo`: the whole pipeline on the synthetic Qinghai twin, from
// nothing to a fused year, a scores table and maps:
//   <dir>/twin/       synthetic twin (io/synth), 2019-2020, CMORPH as netCDF
//   <dir>/demo.toml   the RunConfig on the twin (relative paths: <dir> can move)
//   <dir>/cache, train, models, fused, eval   the run (pipeline.md)
// Re-running in the same <dir> resumes: the twin is kept when synth_info.txt
// matches, prepare loads its cache, training resumes from its checkpoints and
// fuse skips finished years. A <dir> holding another mode's run is cleared.
#pragma once
#include <cstdint>
#include <string>

#include "train/config/run_config.h"

namespace rf::pipe {

struct DemoOptions {
  std::string out_dir = "rainfuse-demo";
  // A few weeks of July 2020 at 0.1 degrees with a tiny training (CI end-to-end test).
  bool quick = false;
  bool quiet = false;  // no synth progress lines (set_quiet silences the rest)
  uint64_t seed = 1;       // train.seed (folds, samples, init, dropout; baselines' seeds)
  uint64_t twin_seed = 1;  // the twin's seed (io/synth)
};

// The run configuration the demo uses on the twin under <out_dir>/twin.
RunConfig demo_config(const DemoOptions& opt);

// Runs every stage, prints the summary on stdout; returns the exit code.
int run_demo(const DemoOptions& opt);

}  // namespace rf::pipe
