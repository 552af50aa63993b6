// mean and bias_corrected_mean: the plain average of the sources that count at a
// pixel that day, and its linear correction a + b * mean fitted by ordinary least
// squares on the training stations' station-days in mm/day (both the gauge and
// the mean finite):
//   b = (n Sxy - Sx Sy) / (n Sxx - Sx^2),  a = (Sy - b Sx) / n
// sums in double. With fewer than two pairs or no spread in the mean the fit
// falls back to a = 0, b = 1 (the plain mean). Predictions are clipped at 0
// (a negative intercept would otherwise make rain out of dry days) and are NaN
// where the mean is. calibrated_mean: bias_corrected_mean followed by the fused
// model's wet-day / volume calibration (train/fit/calibrate.h) fitted on the same
// station-days: whatever calibration the fused product gets, this baseline gets.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "train/baselines/baseline_kinds.h"
#include "train/baselines/pixel_inputs.h"
#include "train/data/line_fit.h"
#include "train/fit/calibrate.h"

namespace rf::pipe {
namespace {

void predict_mean(const Prepared& p, int day, const std::vector<int64_t>& pixels, float* out) {
  std::vector<float> values(5 * pixels.size());
  gather_sources(p, day, pixels.data(), pixels.size(), values.data());
  source_mean(values.data(), pixels.size(), out);
}

class MeanBaseline final : public Baseline {
 public:
  std::string name() const override { return "mean"; }
  void fit(const Prepared& p, const std::vector<uint8_t>& use_station) override {
    check_stations("mean", p, use_station.size());
  }
  void predict(const Prepared& p, int day, const std::vector<int64_t>& pixels, float* out) const override {
    check_request("mean", p, day, pixels.data(), pixels.size());
    predict_mean(p, day, pixels, out);
  }
};

class BiasCorrectedMean final : public Baseline {
 public:
  // calibrated: then the fused model's calibration (train/fit/calibrate.h),
  // fitted on the same training station-days.
  explicit BiasCorrectedMean(bool calibrated) : calibrated_(calibrated) {}
  std::string name() const override { return calibrated_ ? "calibrated_mean" : "bias_corrected_mean"; }

  void fit(const Prepared& p, const std::vector<uint8_t>& use_station) override {
    check_stations(name().c_str(), p, use_station.size());
    std::vector<size_t> train;
    std::vector<int64_t> pixels;
    for (size_t s = 0; s < p.stations.size(); ++s)
      if (use_station[s]) train.push_back(s), pixels.push_back(p.stations[s].row * p.nx() + p.stations[s].col);
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    std::vector<float> mean(pixels.size());
    for (size_t t = 0; t < p.days.size() && !train.empty(); ++t) {
      predict_mean(p, int(t), pixels, mean.data());
      for (size_t i = 0; i < train.size(); ++i) {
        const double x = mean[i], y = p.gauge(train[i], t);
        if (!std::isfinite(x) || !std::isfinite(y)) continue;
        n += 1, sx += x, sy += y, sxx += x * x, sxy += x * y;
      }
    }
    fit_line(n, sx, sy, sxx, sxy, a_, b_);
    fitted_ = true;
    if (!calibrated_) return;
    std::vector<float> pred, gauge;
    for (size_t t = 0; t < p.days.size() && !train.empty(); ++t) {
      predict_mean(p, int(t), pixels, mean.data());
      for (size_t i = 0; i < train.size(); ++i) {
        const float y = p.gauge(train[i], t);
        if (!std::isfinite(mean[i]) || !std::isfinite(y)) continue;
        pred.push_back(float(std::max(0.0, a_ + b_ * double(mean[i]))));
        gauge.push_back(std::max(y, 0.0f));
      }
    }
    fit_calibration(pred, gauge, tau_, k_);
  }

  void predict(const Prepared& p, int day, const std::vector<int64_t>& pixels, float* out) const override {
    if (!fitted_) throw std::runtime_error("baseline bias_corrected_mean: predict before fit");
    check_request(name().c_str(), p, day, pixels.data(), pixels.size());
    predict_mean(p, day, pixels, out);
    for (size_t i = 0; i < pixels.size(); ++i)
      if (std::isfinite(out[i])) {
        const float v = float(std::max(0.0, a_ + b_ * double(out[i])));
        out[i] = v < tau_ ? 0.0f : v * k_;
      }
  }

 private:
  bool calibrated_;
  double a_ = 0, b_ = 1;
  float tau_ = 0, k_ = 1;  // calibration (1 = none)
  bool fitted_ = false;
};

}  // namespace

std::unique_ptr<Baseline> make_mean_baseline() { return std::make_unique<MeanBaseline>(); }
std::unique_ptr<Baseline> make_bias_corrected_mean_baseline() { return std::make_unique<BiasCorrectedMean>(false); }
std::unique_ptr<Baseline> make_calibrated_mean_baseline() { return std::make_unique<BiasCorrectedMean>(true); }

}  // namespace rf::pipe
