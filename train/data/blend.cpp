// Log-space linear blend (blend.h): features, the ridge normal equations and
// their Cholesky solve (at most 23 unknowns, so a dense solve in double).
#include "train/data/blend.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace rf::pipe {

int blend_size(uint32_t set) { return 3 + 4 * std::popcount(set & 0x1fu); }

bool blend_features(uint32_t set, const float v[5], float sin_doy, float cos_doy, double* f) {
  f[0] = 1, f[1] = sin_doy, f[2] = cos_doy;
  int j = 3;
  bool any = false;
  for (int k = 0; k < 5; ++k) {
    if (!(set >> k & 1)) continue;
    const bool present = std::isfinite(v[k]);
    const double l = present ? std::log1p(std::max(double(v[k]), 0.0)) : 0.0;
    f[j++] = l, f[j++] = l * sin_doy, f[j++] = l * cos_doy, f[j++] = present ? 0.0 : 1.0;
    any |= present;
  }
  return any;
}

float blend_log1p(const std::vector<float>& w, uint32_t set, const float v[5], float sin_doy, float cos_doy) {
  double f[kBlendMaxFeatures];
  if (int(w.size()) != blend_size(set))
    throw std::runtime_error("blend: " + std::to_string(w.size()) + " weights for a set of " +
                             std::to_string(blend_size(set)) + " features");
  if (!blend_features(set, v, sin_doy, cos_doy, f)) return NAN;
  double y = 0;
  for (size_t j = 0; j < w.size(); ++j) y += double(w[j]) * f[j];
  return float(y);
}

BlendFit::BlendFit(uint32_t set) : set_(set), m_(blend_size(set)), ata_(size_t(m_ * m_)), aty_(size_t(m_)) {}

void BlendFit::add(const float v[5], float sin_doy, float cos_doy, float gauge_mm) {
  double f[kBlendMaxFeatures];
  if (!std::isfinite(gauge_mm) || !blend_features(set_, v, sin_doy, cos_doy, f)) return;
  const double y = std::log1p(std::max(double(gauge_mm), 0.0));
  for (int i = 0; i < m_; ++i) {
    aty_[size_t(i)] += f[i] * y;
    for (int j = 0; j <= i; ++j) ata_[size_t(i * m_ + j)] += f[i] * f[j];
  }
  ++n_;
}

std::vector<float> BlendFit::solve() const {
  std::vector<float> w(size_t(m_), 0.0f);
  if (n_ == 0) return w;
  // Lower triangle of A^T A + ridge, Cholesky in place, two triangular solves.
  std::vector<double> l = ata_;
  for (int i = 0; i < m_; ++i) l[size_t(i * m_ + i)] += 1e-6 * l[size_t(i * m_ + i)] + 1e-12;
  for (int j = 0; j < m_; ++j) {
    double d = l[size_t(j * m_ + j)];
    for (int k = 0; k < j; ++k) d -= l[size_t(j * m_ + k)] * l[size_t(j * m_ + k)];
    if (!(d > 0)) throw std::runtime_error("blend: the least-squares system is not positive definite");
    d = std::sqrt(d);
    l[size_t(j * m_ + j)] = d;
    for (int i = j + 1; i < m_; ++i) {
      double s = l[size_t(i * m_ + j)];
      for (int k = 0; k < j; ++k) s -= l[size_t(i * m_ + k)] * l[size_t(j * m_ + k)];
      l[size_t(i * m_ + j)] = s / d;
    }
  }
  std::vector<double> z(static_cast<size_t>(m_));
  for (int i = 0; i < m_; ++i) {
    double s = aty_[size_t(i)];
    for (int k = 0; k < i; ++k) s -= l[size_t(i * m_ + k)] * z[size_t(k)];
    z[size_t(i)] = s / l[size_t(i * m_ + i)];
  }
  for (int i = m_ - 1; i >= 0; --i) {
    double s = z[size_t(i)];
    for (int k = i + 1; k < m_; ++k) s -= l[size_t(k * m_ + i)] * z[size_t(k)];
    z[size_t(i)] = s / l[size_t(i * m_ + i)];  // z now holds w from i on
  }
  for (int i = 0; i < m_; ++i) w[size_t(i)] = float(z[size_t(i)]);
  return w;
}

}  // namespace rf::pipe
