// Baselines scored under the same folds as the fused product
// (issue 5: mean, bias_corrected_mean, idw, xgboost). A baseline is fitted on a
// set of stations, then predicts mm/day at any working-grid pixels on any day.
//   mean                 mean of the sources available at the pixel that day
//   bias_corrected_mean  a + b * mean, (a, b) least squares over the training
//                        stations' station-days (mm/day), clipped at 0
//   idw                  gauge-only inverse-distance weighting of the training
//                        stations valid that day (power 2, great-circle distance)
//   xgboost              gradient-boosted trees (Debian libxgboost, C API) on the
//                        same per-pixel inputs as the model's centre day: the five
//                        sources (NaN = missing, XGBoost's native missing value),
//                        elevation, lon, lat, sin/cos day of year; target log1p(mm)
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
