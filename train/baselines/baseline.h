// Baselines scored under the same folds as the fused product
// (mean, bias_corrected_mean, calibrated_mean, linear_blend, mlp_prior, idw,
// xgboost, random_forest). A baseline is fitted on a
// set of stations, then predicts mm/day at any working-grid pixels on any day.
//   mean                 mean of the sources available at the pixel that day
//   bias_corrected_mean  a + b * mean, (a, b) least squares over the training
//                        stations' station-days (mm/day), clipped at 0
//   calibrated_mean      bias_corrected_mean, then the fused model's wet-day and
//                        volume calibration (train/fit/calibrate.h), same station-days
//   linear_blend         log-space linear blend of the sources with seasonal
//                        slopes (train/data/blend.h), then that calibration
//   mlp_prior            qh-fuse's prior alone: the per-pixel MLP of
//                        train/data/pixel_prior.h, then that calibration
//                        (scored beside the fused product: what the network adds)
//   idw                  gauge-only inverse-distance weighting of the training
//                        stations valid that day (power 2, great-circle distance)
//   xgboost              gradient-boosted trees (Debian libxgboost, C API) on
//                        per-pixel features: the five sources on the day, the day
//                        before and after, their 3x3-neighbourhood means,
//                        elevation, lon, lat, sin/cos day of year; target log1p(mm)
//   random_forest        XGBoost's random-forest mode on the same features, target mm
//                        (xgboost_baseline.cpp)
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "train/config/run_config.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {

class Baseline {
 public:
  virtual ~Baseline() = default;
  virtual std::string name() const = 0;
  virtual void fit(const Prepared& p, const std::vector<uint8_t>& use_station) = 0;
  // out[i] = prediction at working-grid pixel pixels[i] (= row * nx + col) on day index `day`.
  virtual void predict(const Prepared& p, int day, const std::vector<int64_t>& pixels, float* out) const = 0;
};

// Throws for an unknown name (the list above).
std::unique_ptr<Baseline> make_baseline(const std::string& name, const RunConfig& cfg);

}  // namespace rf::pipe
