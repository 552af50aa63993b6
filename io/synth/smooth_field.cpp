#include "io/synth/smooth_field.h"

#include <algorithm>
#include <cmath>

#include "io/synth/rng.h"

namespace rf::io::synth {

static std::vector<float> gauss_kernel(double sigma) {
  const int r = std::max(1, int(std::ceil(3.0 * sigma)));
  std::vector<float> k(2 * r + 1);
  double s = 0;
  for (int i = -r; i <= r; ++i) s += k[i + r] = float(std::exp(-0.5 * i * i / (sigma * sigma)));
  for (auto& v : k) v = float(v / s);
  return k;
}

static inline int mirror(int i, int n) {
  if (i < 0) i = -i - 1;
  if (i >= n) i = 2 * n - i - 1;
  return std::clamp(i, 0, n - 1);
}

void gaussian_blur(float* f, int nx, int ny, double sigma) {
  const auto k = gauss_kernel(sigma);
  const int r = int(k.size() / 2);
  std::vector<float> line(std::max(nx, ny));
  for (int j = 0; j < ny; ++j) {  // along x
    float* row = f + size_t(j) * nx;
    for (int i = 0; i < nx; ++i) {
      float s = 0;
      for (int t = -r; t <= r; ++t) s += k[t + r] * row[mirror(i + t, nx)];
      line[i] = s;
    }
    std::copy(line.begin(), line.begin() + nx, row);
  }
  for (int i = 0; i < nx; ++i) {  // along y
    for (int j = 0; j < ny; ++j) {
      float s = 0;
      for (int t = -r; t <= r; ++t) s += k[t + r] * f[size_t(mirror(j + t, ny)) * nx + i];
      line[j] = s;
    }
    for (int j = 0; j < ny; ++j) f[size_t(j) * nx + i] = line[j];
  }
}

double blur_variance_gain(double sigma) {
  const auto k = gauss_kernel(sigma);
  double s1 = 0;
  for (float v : k) s1 += double(v) * v;
  return s1 * s1;  // separable: product of the 1-D gains
}

AxisInterp::AxisInterp(double first, double step, int n, const std::vector<double>& t) {
  i0.resize(t.size());
  w1.resize(t.size());
  for (size_t k = 0; k < t.size(); ++k) {
    const double x = std::clamp((t[k] - first) / step, 0.0, double(n - 1) - 1e-9);
    i0[k] = int(x);
    w1[k] = float(x - i0[k]);
  }
}

LatentField::LatentField(double lon0_, double lat0_, double step_, int nx_, int ny_, double sigma, double rho)
    : lon0(lon0_), lat0(lat0_), step(step_), nx(nx_), ny(ny_), sigma_(sigma), rho_(rho),
      z_(size_t(nx_) * ny_), e_(size_t(nx_) * ny_) {}

void LatentField::draw(uint64_t key, int64_t day, std::vector<float>& out) const {
  const uint64_t k = stream_key(key, uint64_t(day));
  for (size_t i = 0; i < out.size(); ++i) out[i] = float(normal(k, i));
  gaussian_blur(out.data(), nx, ny, sigma_);
  const float g = float(1.0 / std::sqrt(blur_variance_gain(sigma_)));
  for (auto& v : out) v *= g;
}

void LatentField::advance(uint64_t key, int64_t day) {
  if (!started_) {
    draw(key, day, z_);
    started_ = true;
    return;
  }
  draw(key, day, e_);
  const float a = float(rho_), b = float(std::sqrt(1.0 - rho_ * rho_));
  for (size_t i = 0; i < z_.size(); ++i) z_[i] = a * z_[i] + b * e_[i];
}

void lattice_to_grid(const LatentField& f, const AxisInterp& ax, const AxisInterp& ay, float* out) {
  const size_t nx = ax.i0.size(), ny = ay.i0.size();
  const float* z = f.values().data();
#pragma omp parallel for schedule(static)
  for (size_t j = 0; j < ny; ++j) {
    const float* r0 = z + size_t(ay.i0[j]) * f.nx;
    const float* r1 = r0 + f.nx;
    const float wy = ay.w1[j];
    float* o = out + j * nx;
    for (size_t i = 0; i < nx; ++i) {
      const int c = ax.i0[i];
      const float wx = ax.w1[i];
      const float a = r0[c] + wx * (r0[c + 1] - r0[c]);
      const float b = r1[c] + wx * (r1[c + 1] - r1[c]);
      o[i] = a + wy * (b - a);
    }
  }
}

}  // namespace rf::io::synth
