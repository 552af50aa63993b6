// Calibration of a trained model's mm/day output on its own training
// station-days (train.calibrate): the share of wet days and the volume.
//   tau  predictions below tau become 0, tau the quantile of the predictions
//        that leaves the same share of values >= 0.1 mm as the gauges have
//        (wet-day frequency matching, the usual correction of a product that
//        drizzles: a mean estimate is rarely exactly 0);
//   k    then sum(gauge) / sum(prediction), clamped to [0.5, 2] (the volume).
// mm = prediction < tau ? 0 : k * prediction (NormStats::wet_threshold,
// output_gain; model_input.h output_to_mm). Fitted on a seeded subsample of
// 1,024 training station-days (centred patches, eval mode), so it costs about
// 4 s per model on 2 cores and is reproducible.
#pragma once
#include <cstdint>
#include <vector>

#include "nn/qh_ref.h"
#include "train/config/run_config.h"
#include "train/data/model_input.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {

// Sets ns.wet_threshold and ns.output_gain (from raw predictions: both reset first).
void calibrate_output(const RunConfig& cfg, const Prepared& p, const nn::QhRef& model, NormStats& ns, SourceSet set,
                      const std::vector<uint8_t>& train_use, uint64_t seed);

// The (tau, k) of predictions `pred` against gauges `gauge` (tests; used by calibrate_output).
void fit_calibration(std::vector<float> pred, const std::vector<float>& gauge, float& tau, float& k);

}  // namespace rf::pipe
