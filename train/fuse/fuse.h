// `rainfuse fuse`: the fused field on the whole working grid for every day of
// the fuse period, one CF netCDF per year: <out>/fused/rainfuse_YYYY.nc
// (io/cf conventions; global attribute model = the source sets used that year,
// a variable source_set(time) = the bit mask of the sources of each day's
// model, CF flag_masks/flag_meanings; history = the command line without a
// timestamp). Days are streamed to the file (io/cf/stream_writer.h): only
// CfOptions::time_chunk days are held in memory.
// Each day runs qh-ref in tiles with halos (nn::QhRef::forward_tiled), so the
// result equals a whole-grid pass, on the run's device (RunConfig::device); on
// the CUDA device conv1 stages its input from the native-grid sources and the
// nearest-neighbour plans (fuser.cpp, staged_input.h). Resumable per year: a year whose file exists
// is skipped (files are written under a temporary name and renamed complete).
#pragma once
#include <string>
#include <vector>

#include "kernels/common/device.h"
#include "train/config/run_config.h"
#include "train/fit/trainer.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {

void run_fuse(const RunConfig& cfg);
// The same; `history` is the file's history attribute (the command line; no
// timestamp is added, so rerunning a command rewrites identical bytes).
void run_fuse(const RunConfig& cfg, const std::string& history);

// One day's fused field (mm/day, [ny][nx] working grid, NaN where no model's
// source set is available) with the final models; used by fuse, evaluate, plots.
class Fuser {
 public:
  Fuser(const RunConfig& cfg, const std::vector<TrainedModel>& models);
  ~Fuser();
  // Returns the set used (0 = none available: out is all NaN).
  SourceSet day(const Prepared& p, int day, float* out) const;
  // The set day() uses on day index `day` (0 = none): the largest trained set
  // whose sources are all available that day.
  SourceSet pick(const Prepared& p, int day) const;
  // Seconds the last day() spent assembling the input and running the model.
  struct Timing {
    double input_s = 0, model_s = 0;
  };
  Timing last_timing() const;
  Device device() const;  // where the model runs (RunConfig::device resolved)
 private:
  struct Impl;
  Impl* impl_;
};

// Path of a year's fused file.
std::string fused_path(const RunConfig& cfg, int year);

}  // namespace rf::pipe
