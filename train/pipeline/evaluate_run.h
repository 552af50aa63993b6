#pragma once
// `rainfuse evaluate` (pipeline form): scores the fused OOF predictions, every raw
// source at the station pixels and every configured baseline under the SAME CV folds,
// writes <out>/eval/metrics.csv, metrics.md, the pictures, and on the twin
// <out>/eval/metrics_truth_grid.csv (every method over the whole working grid).
#include "train/config/run_config.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {

// prepare(cfg) (the cache), then evaluate_prepared.
void run_evaluate(const RunConfig& cfg);

// The same on prepared data the caller already holds. Reads <out>/train/folds.csv,
// <out>/train/oof_<set>.csv, <out>/fused/rainfuse_YYYY.nc (optional: maps and the
// fused grid row) and cfg.truth (optional).
void evaluate_prepared(const RunConfig& cfg, const Prepared& p);

}  // namespace rf::pipe
