// linear_blend: the log-space linear blend of the five sources (train/data/blend.h)
// fitted on the training stations' station-days, then the fused model's
// wet-day / volume calibration (train/fit/calibrate.h) fitted on the same
// station-days: the linear prior a careful user could fit in log space (it
// scored below the bias-corrected mean's RMSE on the demo twin, docs/model.md).
#include <cmath>
#include <stdexcept>
#include <vector>

#include "train/baselines/baseline_kinds.h"
#include "train/baselines/pixel_inputs.h"
#include "train/data/blend.h"
#include "train/data/pixel_prior.h"
#include "train/fit/calibrate.h"

namespace rf::pipe {
namespace {

class LinearBlend final : public Baseline {
 public:
  std::string name() const override { return "linear_blend"; }

  void fit(const Prepared& p, const std::vector<uint8_t>& use_station) override {
    check_stations("linear_blend", p, use_station.size());
    std::vector<size_t> train;
    std::vector<int64_t> pixels;
    for (size_t s = 0; s < p.stations.size(); ++s)
      if (use_station[s]) train.push_back(s), pixels.push_back(p.stations[s].row * p.nx() + p.stations[s].col);
    const size_t n = pixels.size();
    std::vector<float> values(5 * n);
    BlendFit fit(kAll);
    auto each = [&](auto&& body) {
      for (size_t t = 0; t < p.days.size() && n > 0; ++t) {
        gather_sources(p, int(t), pixels.data(), n, values.data());
        float sd, cd;
        season(p, int(t), sd, cd);
        for (size_t i = 0; i < n; ++i) {
          const float g = p.gauge(train[i], t);
          if (!std::isfinite(g)) continue;
          float v[5];
          for (int k = 0; k < 5; ++k) v[k] = values[size_t(k) * n + i];
          body(v, sd, cd, g);
        }
      }
    };
    each([&](const float* v, float sd, float cd, float g) { fit.add(v, sd, cd, g); });
    w_ = fit.solve();
    std::vector<float> pred, gauge;
    each([&](const float* v, float sd, float cd, float g) {
      const float y = blend_log1p(w_, kAll, v, sd, cd);
      if (!std::isfinite(y)) return;
      pred.push_back(std::max(std::expm1(y), 0.0f));
      gauge.push_back(std::max(g, 0.0f));
    });
    fit_calibration(pred, gauge, tau_, k_);
  }

  void predict(const Prepared& p, int day, const std::vector<int64_t>& pixels, float* out) const override {
    if (w_.empty()) throw std::runtime_error("baseline linear_blend: predict before fit");
    check_request("linear_blend", p, day, pixels.data(), pixels.size());
    const size_t n = pixels.size();
    std::vector<float> values(5 * n);
    gather_sources(p, day, pixels.data(), n, values.data());
    float sd, cd;
    season(p, day, sd, cd);
    for (size_t i = 0; i < n; ++i) {
      float v[5];
      for (int k = 0; k < 5; ++k) v[k] = values[size_t(k) * n + i];
      const float y = blend_log1p(w_, kAll, v, sd, cd);
      const float mm = std::isfinite(y) ? std::max(std::expm1(y), 0.0f) : NAN;
      out[i] = mm < tau_ ? 0.0f : mm * k_;
    }
  }

 private:
  static constexpr uint32_t kAll = 0x1f;
  std::vector<float> w_;
  float tau_ = 0, k_ = 1;
};

}  // namespace

std::unique_ptr<Baseline> make_linear_blend_baseline() { return std::make_unique<LinearBlend>(); }

}  // namespace rf::pipe
