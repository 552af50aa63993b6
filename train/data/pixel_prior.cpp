// Per-pixel prior features and the MLP's forward pass (pixel_prior.h).
#include "train/data/pixel_prior.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "kernels/pointwise/pointwise.h"
#include "train/data/source_value.h"

namespace rf::pipe {
namespace {

bool counts(const Prepared& p, uint32_t set, int k, int d) {
  const SourceData& sd = p.sources[k];
  return (set >> k & 1) && d >= 0 && size_t(d) < p.days.size() && sd.configured && sd.available[size_t(d)];
}

float log1p_or_nan(float v) { return v == v ? log1p_mm(v) : NAN; }

}  // namespace

void season(const Prepared& p, int d, float& sin_doy, float& cos_doy) {
  const double angle = 2 * std::numbers::pi * io::day_of_year(p.days[size_t(d)]) / 365.25;
  sin_doy = float(std::sin(angle)), cos_doy = float(std::cos(angle));
}

void prior_features(const Prepared& p, uint32_t set, int d, int64_t r, int64_t c0, int64_t n, float* f) {
  if (n <= 0) return;
  const int64_t nx = p.nx(), ny = p.ny();
  if (r < 0 || r >= ny || c0 < 0 || c0 + n > nx || d < 0 || size_t(d) >= p.days.size())
    throw std::runtime_error("prior_features: row/day outside the grid or period");
  thread_local std::vector<float> v, sum, cnt;
  v.resize(size_t(n + 2));
  sum.resize(size_t(n));
  cnt.resize(size_t(n));
  auto put = [&](int j, int64_t i, float x) { f[size_t(i) * kPriorFeatures + size_t(j)] = x; };
  for (int k = 0; k < 5; ++k) {
    for (int dt : {0, -1, 1}) {
      const int col = (dt == 0 ? 0 : dt < 0 ? 5 : 10) + k;
      if (!counts(p, set, k, d + dt)) {
        for (int64_t i = 0; i < n; ++i) put(col, i, NAN);
        continue;
      }
      p.sources[k].row(size_t(d + dt), r, c0, n, v.data());
      for (int64_t i = 0; i < n; ++i) put(col, i, log1p_or_nan(v[size_t(i)]));
    }
    for (int64_t i = 0; i < n; ++i) put(20 + k, i, std::isfinite(f[size_t(i) * kPriorFeatures + size_t(k)]) ? 0.f : 1.f);
    // 3x3 mean: rows r-1..r+1 and cols c0-1..c0+n inside the grid.
    std::fill(sum.begin(), sum.end(), 0.0f);
    std::fill(cnt.begin(), cnt.end(), 0.0f);
    if (counts(p, set, k, d)) {
      const int64_t a = std::max<int64_t>(c0 - 1, 0), b = std::min<int64_t>(c0 + n + 1, nx);
      for (int64_t rr = std::max<int64_t>(r - 1, 0); rr <= std::min<int64_t>(r + 1, ny - 1); ++rr) {
        p.sources[k].row(size_t(d), rr, a, b - a, v.data());
        for (int64_t i = 0; i < n; ++i)
          for (int64_t c = std::max(c0 + i - 1, a); c <= std::min(c0 + i + 1, b - 1); ++c) {
            const float x = v[size_t(c - a)];
            if (x == x) sum[size_t(i)] += std::max(x, 0.0f), cnt[size_t(i)] += 1;
          }
      }
    }
    for (int64_t i = 0; i < n; ++i)
      put(15 + k, i, cnt[size_t(i)] > 0 ? log1p_mm(sum[size_t(i)] / cnt[size_t(i)]) : NAN);
  }
  float sd, cd;
  season(p, d, sd, cd);
  const float lat = float(p.grid.lat[size_t(r)]);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t px = r * nx + c0 + i;
    put(25, i, p.elevation.empty() ? NAN : p.elevation[size_t(px)]);
    put(26, i, float(p.grid.lon[size_t(c0 + i)]));
    put(27, i, lat);
    put(28, i, sd);
    put(29, i, cd);
  }
}

// Three per-position linear layers on channels-first rows (the kernels'
// dispatched GEMM: this runs for every pixel of every window day that the
// network sees, so it must not stay at the baseline ISA).
void PriorMlp::predict(const float* f, size_t n, float* out) const {
  if (params.size() != kSize)
    throw std::runtime_error("prior MLP: " + std::to_string(params.size()) + " numbers, expected " +
                             std::to_string(kSize));
  if (n == 0) return;
  constexpr int F = kPriorFeatures, H = kPriorHidden;
  const float* mean = params.data();
  const float* sd = mean + F;
  const float* w1 = sd + F;
  const float* b1 = w1 + H * F;
  const float* w2 = b1 + H;
  const float* b2 = w2 + H * H;
  const float* w3 = b2 + H;
  const float* b3 = w3 + H;
  thread_local std::vector<float> z, h1, h2;
  z.resize(size_t(F) * n), h1.resize(size_t(H) * n), h2.resize(size_t(H) * n);
  for (size_t i = 0; i < n; ++i)
    for (int j = 0; j < F; ++j) {
      const float x = f[i * F + size_t(j)];
      z[size_t(j) * n + i] = x == x ? (x - mean[j]) / sd[j] : 0.0f;
    }
  kernels::PointwiseShape s;
  s.S = int64_t(n);
  s.Cin = F, s.Cout = H;
  kernels::pointwise_forward_cpu(s, z.data(), w1, b1, h1.data(), kernels::Epilogue::ReLU);
  s.Cin = H;
  kernels::pointwise_forward_cpu(s, h1.data(), w2, b2, h2.data(), kernels::Epilogue::ReLU);
  s.Cout = 1;
  kernels::pointwise_forward_cpu(s, h2.data(), w3, b3, out, kernels::Epilogue::None);
}

}  // namespace rf::pipe
