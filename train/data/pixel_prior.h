// qh-fuse's prior: a small per-pixel MLP fitted on the training stations'
// station-days (train/fit/prior_fit.h), then the network's correction on top
// (model_input.h channel 10, docs/model.md). It sees what a gradient-boosted
// tree baseline sees at one pixel, so the network starts where such a model
// ends and spends its compute on what one pixel cannot tell it.
//
// Raw features of pixel x on day d (kPriorFeatures = 30, NaN = missing):
//    0-4   log1p(source mm/day) at x on day d, sources in channel order
//    5-9   the same on day d-1, 10-14 on day d+1
//   15-19  log1p of each source's mean over the 3x3 pixels around x on day d
//          (the finite values of those inside the grid)
//   20-24  1 where the source is missing at x on day d, else 0
//   25-29  elevation m, lon, lat of the pixel centre, sin/cos(2 pi doy / 365.25)
// A source outside the set, not configured or unavailable that day
// (coverage < min_coverage) is missing. The MLP standardises each feature
// (training mean/std; a missing value becomes 0 = the mean), then
//   h1 = relu(W1 z + b1) [32], h2 = relu(W2 h1 + b2) [32], y = w3 . h2 + b3
// y estimates log1p(gauge mm/day); prior mm = max(expm1(y), 0).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "train/prepare/prepared.h"

namespace rf::pipe {

inline constexpr int kPriorFeatures = 30;
inline constexpr int kPriorHidden = 32;

// sin/cos(2 pi doy / 365.25) of day index d (the season feature of the prior,
// the blend and the xgboost baseline).
void season(const Prepared& p, int d, float& sin_doy, float& cos_doy);

// Whether feature row f (kPriorFeatures) has any source present on its day:
// the prior is NaN where none is.
inline bool any_source(const float* f) {
  for (int k = 0; k < 5; ++k)
    if (f[20 + k] == 0.0f) return true;
  return false;
}

// f[i * kPriorFeatures + j] for the pixels of row r, cols [c0, c0+n) (inside
// the grid) on day index d (inside the period), for source set `set`.
void prior_features(const Prepared& p, uint32_t set, int d, int64_t r, int64_t c0, int64_t n, float* f);

// The MLP's numbers, one flat vector (the order of kPriorLayout):
// mean[30] std[30] W1[32][30] b1[32] W2[32][32] b2[32] w3[32] b3.
struct PriorMlp {
  static constexpr size_t kSize = 2 * kPriorFeatures + kPriorHidden * kPriorFeatures + kPriorHidden +
                                  kPriorHidden * kPriorHidden + kPriorHidden + kPriorHidden + 1;
  std::vector<float> params;  // empty: no MLP (qh-fuse models before it; the linear prior)
  bool empty() const { return params.empty(); }
  // out[i] = y (log1p space) for the raw feature rows f[i * kPriorFeatures ...].
  void predict(const float* f, size_t n, float* out) const;
};

}  // namespace rf::pipe
