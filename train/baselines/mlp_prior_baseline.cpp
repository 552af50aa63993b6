// mlp_prior: qh-fuse's prior alone. The per-pixel MLP of train/data/pixel_prior.h
// fitted on the training stations (train/fit/prior_fit.h), then the fused model's
// wet-day / volume calibration (train/fit/calibrate.h) on the same station-days.
// Scored beside the fused product it shows what the network adds to its prior.
#include <cmath>
#include <stdexcept>
#include <vector>

#include "train/baselines/baseline_kinds.h"
#include "train/baselines/pixel_inputs.h"
#include "train/fit/calibrate.h"
#include "train/fit/prior_fit.h"

namespace rf::pipe {
namespace {

class MlpPrior final : public Baseline {
 public:
  explicit MlpPrior(uint64_t seed) : seed_(seed) {}
  std::string name() const override { return "mlp_prior"; }

  void fit(const Prepared& p, const std::vector<uint8_t>& use_station) override {
    check_stations("mlp_prior", p, use_station.size());
    const PriorRows rows = prior_rows(p, kAll, use_station, false);
    if (rows.size() == 0) throw std::runtime_error("baseline mlp_prior: no training station-day with a valid gauge");
    mlp_ = fit_prior_mlp(rows, seed_);
    std::vector<float> y(rows.size());
    mlp_.predict(rows.x.data(), rows.size(), y.data());
    for (float& v : y) v = std::max(std::expm1(v), 0.0f);
    fit_calibration(y, rows.gauge_mm, tau_, k_);
  }

  void predict(const Prepared& p, int day, const std::vector<int64_t>& pixels, float* out) const override {
    if (mlp_.empty()) throw std::runtime_error("baseline mlp_prior: predict before fit");
    check_request("mlp_prior", p, day, pixels.data(), pixels.size());
    const int64_t nx = p.nx();
    std::vector<float> f, y;
    for (size_t i = 0; i < pixels.size();) {  // runs of consecutive pixels on one row
      size_t j = i + 1;
      while (j < pixels.size() && pixels[j] == pixels[j - 1] + 1 && pixels[j] / nx == pixels[i] / nx) ++j;
      const size_t n = j - i;
      f.resize(n * kPriorFeatures), y.resize(n);
      prior_features(p, kAll, day, pixels[i] / nx, pixels[i] % nx, int64_t(n), f.data());
      mlp_.predict(f.data(), n, y.data());
      for (size_t q = 0; q < n; ++q) {
        const float mm = any_source(f.data() + q * kPriorFeatures) ? std::max(std::expm1(y[q]), 0.0f) : NAN;
        out[i + q] = mm < tau_ ? 0.0f : mm * k_;
      }
      i = j;
    }
  }

 private:
  static constexpr uint32_t kAll = 0x1f;
  uint64_t seed_;
  PriorMlp mlp_;
  float tau_ = 0, k_ = 1;
};

}  // namespace

std::unique_ptr<Baseline> make_mlp_prior_baseline(uint64_t seed) { return std::make_unique<MlpPrior>(seed); }

}  // namespace rf::pipe
