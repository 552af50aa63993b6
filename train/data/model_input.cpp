// qh-ref input windows and targets from Prepared data. The sources are
// regridded one row span at a time straight into the output (no working-grid
// cube is ever built), then log1p + z-scored in place; rows are spread over
// threads (fuse calls this for the whole 0.01-degree grid every day).
// FP exceptions are never used here; without this GCC keeps the row loops
// scalar (a compare or select "might trap"). Values are unchanged by it.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include "train/data/model_input.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "train/data/source_value.h"

namespace rf::pipe {

OutputSpace output_space(const nn::QhRefConfig& c) {
  if (c.target == "log1p") return OutputSpace::Log1p;
  if (c.target == "mm") return OutputSpace::ScaledMm;
  throw std::runtime_error(c.name + ": unknown target '" + c.target + "' (log1p or mm)");
}

float to_output_space(OutputSpace o, const NormStats& ns, float mm) {
  return o == OutputSpace::Log1p ? log1p_mm(mm) : std::max(mm, 0.0f) / ns.gauge_std;
}

float output_to_mm(OutputSpace o, const NormStats& ns, float y) {
  const float mm = std::max(o == OutputSpace::Log1p ? std::expm1(y) : y * ns.gauge_std, 0.0f);
  return mm < ns.wet_threshold ? 0.0f : mm * ns.output_gain;
}

void prior_row(const Prepared& p, const NormStats& ns, SourceSet s, int d, int64_t r, int64_t c0, int64_t n,
               float* out) {
  if (!ns.prior_mlp.empty()) {
    // The MLP on each pixel's features; NaN where no source of the set is present.
    thread_local std::vector<float> f;
    f.resize(size_t(n) * kPriorFeatures);
    prior_features(p, s, d, r, c0, n, f.data());
    ns.prior_mlp.predict(f.data(), size_t(n), out);
    for (int64_t j = 0; j < n; ++j)
      out[j] = any_source(f.data() + size_t(j) * kPriorFeatures) ? std::max(std::expm1(out[j]), 0.0f) : NAN;
    return;
  }
  // Sum and count of the sources that count at each pixel, then a + b * mean.
  thread_local std::vector<float> v, cnt;
  v.resize(size_t(n));
  cnt.assign(size_t(n), 0.0f);
  std::fill(out, out + n, 0.0f);
  for (int k = 0; k < 5; ++k) {
    const SourceData& sd = p.sources[k];
    if (!(s >> k & 1) || !sd.configured || !sd.available[size_t(d)]) continue;
    sd.row(size_t(d), r, c0, n, v.data());
    for (int64_t j = 0; j < n; ++j)
      if (v[size_t(j)] == v[size_t(j)]) out[j] += std::max(v[size_t(j)], 0.0f), cnt[size_t(j)] += 1;
  }
  for (int64_t j = 0; j < n; ++j)
    out[j] = cnt[size_t(j)] > 0 ? std::max(0.0f, ns.prior_a + ns.prior_b * out[j] / cnt[size_t(j)]) : NAN;
}

void assemble_input(const Prepared& p, const NormStats& ns, SourceSet s, int day, int64_t r0, int64_t c0, int64_t h,
                    int64_t w, float* x, int channels, OutputSpace space, int t_begin, int t_end) {
  if (p.days.empty()) throw std::runtime_error("assemble_input: the prepared data hold no day");
  if (t_begin < 0 || t_end > 7 || t_begin > t_end)
    throw std::runtime_error("assemble_input: window days [" + std::to_string(t_begin) + ", " + std::to_string(t_end) +
                             ") outside [0, 7)");
  if (channels != 8 && channels != 11)
    throw std::runtime_error("assemble_input: " + std::to_string(channels) + " channels (8 or 11)");
  constexpr int T = 7;
  const int C = channels;
  const int64_t ny = p.ny(), nx = p.nx(), plane = h * w;
  // The part of each box row inside the grid: cols [ca, cb).
  const int64_t ca = std::clamp<int64_t>(c0, 0, nx), cb = std::clamp<int64_t>(c0 + w, 0, nx);
  const float elev_scale = 1.0f / ns.elev_std;
  const auto two_pi = 2.0 * std::numbers::pi;

  // Rows of all (channel, window day) planes are independent.
  const int nt = t_end - t_begin;
#pragma omp parallel for collapse(2) schedule(static)
  for (int ct = 0; ct < C * nt; ++ct)
    for (int64_t i = 0; i < h; ++i) {
      const int k = ct / nt, t = t_begin + ct % nt;
      const int d = day - 3 + t;  // day index of this window day (may lie outside the period)
      const int64_t r = r0 + i;
      float* out = x + size_t(k * T + t) * size_t(plane) + size_t(i * w);
      std::fill(out, out + w, 0.0f);
      if (r < 0 || r >= ny || ca >= cb) continue;
      float* in = out + (ca - c0);
      const int64_t n = cb - ca;
      if (k < 5) {
        const SourceData& sd = p.sources[k];
        if (!(s >> k & 1) || d < 0 || size_t(d) >= p.days.size() || !sd.configured || !sd.available[size_t(d)])
          continue;
        sd.row(size_t(d), r, ca, n, in);
        const float m = ns.mean[k], inv = 1.0f / ns.std[k];
#pragma omp simd
        for (int64_t j = 0; j < n; ++j) {
          const float v = in[j], z = (log1p_mm(v) - m) * inv;
          in[j] = v == v ? z : 0.0f;  // NaN (missing) -> 0
        }
      } else if (k == 5) {
        const float* e = p.elevation.data() + r * nx + ca;
        for (int64_t j = 0; j < n; ++j) in[j] = std::isnan(e[j]) ? 0.0f : (e[j] - ns.elev_mean) * elev_scale;
      } else if (k < 8) {
        const int doy = io::day_of_year(p.days.front() + d);
        const double a = two_pi * doy / 365.25;
        std::fill(in, in + n, float(k == 6 ? std::sin(a) : std::cos(a)));
      } else if (k == 8) {
        for (int64_t j = 0; j < n; ++j) in[j] = (float(p.grid.lon[size_t(ca + j)]) - ns.lon_mean) / ns.lon_std;
      } else if (k == 9) {
        std::fill(in, in + n, (float(p.grid.lat[size_t(r)]) - ns.lat_mean) / ns.lat_std);
      } else {
        if (d < 0 || size_t(d) >= p.days.size()) continue;
        prior_row(p, ns, s, d, r, ca, n, in);
        for (int64_t j = 0; j < n; ++j) in[j] = in[j] == in[j] ? to_output_space(space, ns, in[j]) : 0.0f;
      }
    }
}

int assemble_target(const Prepared& p, const std::vector<uint8_t>& use_station, int day, int64_t r0, int64_t c0,
                    int64_t h, int64_t w, float* target, float* mask, OutputSpace o, const NormStats& ns) {
  if (use_station.size() != p.stations.size())
    throw std::runtime_error("assemble_target: use_station has " + std::to_string(use_station.size()) +
                             " entries for " + std::to_string(p.stations.size()) + " stations");
  std::fill(target, target + h * w, 0.0f);
  std::fill(mask, mask + h * w, 0.0f);
  if (day < 0 || size_t(day) >= p.days.size()) return 0;
  // Two stations on one pixel: the target is the mean of their values (in output space).
  int pixels = 0;
  for (size_t s = 0; s < p.stations.size(); ++s) {
    if (!use_station[s]) continue;
    const float g = p.gauge(s, size_t(day));
    const int64_t i = p.stations[s].row - r0, j = p.stations[s].col - c0;
    if (std::isnan(g) || i < 0 || i >= h || j < 0 || j >= w) continue;
    const size_t q = size_t(i * w + j);
    if (mask[q] == 0) ++pixels;
    target[q] += to_output_space(o, ns, g), mask[q] += 1;
  }
  for (int64_t q = 0; q < h * w; ++q)
    if (mask[q] > 1) target[q] /= mask[q], mask[q] = 1;
  return pixels;
}

}  // namespace rf::pipe
