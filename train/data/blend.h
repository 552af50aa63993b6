// A log-space linear blend of the sources, fitted on the training stations:
// the linear_blend baseline (a linear prior in log space; qh-fuse's prior is
// the MLP of pixel_prior.h, which beat it on the demo twin, docs/model.md).
// Each source errs multiplicatively, with a bias that changes with the season
// and light rain it misses, so the blend works on log1p(mm) with a seasonal
// slope and a missing-value term per source:
//   f = [1, sin d, cos d,  for each source k of the set (channel order):
//        L_k, L_k sin d, L_k cos d, miss_k]
//   L_k = log1p(max(v_k, 0)) (0 when missing), miss_k = 1 when missing,
//   d = 2 pi doy / 365.25
//   log1p(prior) = w . f,   prior mm = max(expm1(w . f), 0)
// w by ridge least squares in double on the training station-days (target
// log1p(gauge)), ridge 1e-6 of each feature's mean square (only against an
// exactly singular system: a source with no spread). NaN where no source of
// the set is present. Like any log-space fit it estimates a median; the
// wet-day / volume calibration (train/fit/calibrate.h) restores the volume.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rf::pipe {

inline constexpr int kBlendMaxFeatures = 3 + 4 * 5;

// Number of features for source set `set` (bit k = source k).
int blend_size(uint32_t set);

// f[0, blend_size(set)) for the five source values v (mm/day, NaN = missing).
// Returns false (f untouched past the common terms) when no source of the set
// is present.
bool blend_features(uint32_t set, const float v[5], float sin_doy, float cos_doy, double* f);

// log1p(prior) for weights w (blend_size(set) of them); NaN when no source of
// the set is present.
float blend_log1p(const std::vector<float>& w, uint32_t set, const float v[5], float sin_doy, float cos_doy);

// Normal equations of the ridge fit, accumulated one station-day at a time.
class BlendFit {
 public:
  explicit BlendFit(uint32_t set);
  void add(const float v[5], float sin_doy, float cos_doy, float gauge_mm);
  size_t count() const { return n_; }
  // The weights; with no station-day, all 0 but the intercept's (log1p 0).
  std::vector<float> solve() const;

 private:
  uint32_t set_;
  int m_;
  size_t n_ = 0;
  std::vector<double> ata_, aty_;
};

}  // namespace rf::pipe
