// `rainfuse fuse`: the fused field on the whole working grid for every day of
// the fuse period, one CF netCDF per year: <out>/fused/rainfuse_YYYY.nc
// (io/cf conventions, model = the source set's name per day in an attribute).
// Each day runs qh-ref in tiles with halos (nn::QhRef::forward_tiled), so the
// result equals a whole-grid pass. Resumable per year: a year whose file exists
// is skipped (files are written under a temporary name and renamed complete).
#pragma once
#include <string>
#include <vector>

#include "train/config/run_config.h"
#include "train/fit/trainer.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {

void run_fuse(const RunConfig& cfg);

// One day's fused field (mm/day, [ny][nx] working grid, NaN where no model's
// source set is available) with the final models; used by fuse, evaluate, plots.
class Fuser {
 public:
  Fuser(const RunConfig& cfg, const std::vector<TrainedModel>& models);
  ~Fuser();
  // Returns the set used (0 = none available: out is all NaN).
  SourceSet day(const Prepared& p, int day, float* out) const;
 private:
  struct Impl;
  Impl* impl_;
};

// Path of a year's fused file.
std::string fused_path(const RunConfig& cfg, int year);

}  // namespace rf::pipe
