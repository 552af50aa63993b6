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

void assemble_input(const Prepared& p, const NormStats& ns, SourceSet s, int day, int64_t r0, int64_t c0, int64_t h,
                    int64_t w, float* x) {
  if (p.days.empty()) throw std::runtime_error("assemble_input: the prepared data hold no day");
  constexpr int T = 7, C = 8;
  const int64_t ny = p.ny(), nx = p.nx(), plane = h * w;
  // The part of each box row inside the grid: cols [ca, cb).
  const int64_t ca = std::clamp<int64_t>(c0, 0, nx), cb = std::clamp<int64_t>(c0 + w, 0, nx);
  const float elev_scale = 1.0f / ns.elev_std;
  const auto two_pi = 2.0 * std::numbers::pi;

  // Rows of all (channel, window day) planes are independent.
#pragma omp parallel for collapse(2) schedule(static)
  for (int ct = 0; ct < C * T; ++ct)
    for (int64_t i = 0; i < h; ++i) {
      const int k = ct / T, t = ct % T;
      const int d = day - 3 + t;  // day index of this window day (may lie outside the period)
      const int64_t r = r0 + i;
      float* out = x + size_t(ct) * size_t(plane) + size_t(i * w);
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
      } else {
        const int doy = io::day_of_year(p.days.front() + d);
        const double a = two_pi * doy / 365.25;
        std::fill(in, in + n, float(k == 6 ? std::sin(a) : std::cos(a)));
      }
    }
}

int assemble_target(const Prepared& p, const std::vector<uint8_t>& use_station, int day, int64_t r0, int64_t c0,
                    int64_t h, int64_t w, float* target, float* mask) {
  if (use_station.size() != p.stations.size())
    throw std::runtime_error("assemble_target: use_station has " + std::to_string(use_station.size()) +
                             " entries for " + std::to_string(p.stations.size()) + " stations");
  std::fill(target, target + h * w, 0.0f);
  std::fill(mask, mask + h * w, 0.0f);
  if (day < 0 || size_t(day) >= p.days.size()) return 0;
  // Two stations on one pixel: the target is the mean of their log1p values.
  int pixels = 0;
  for (size_t s = 0; s < p.stations.size(); ++s) {
    if (!use_station[s]) continue;
    const float g = p.gauge(s, size_t(day));
    const int64_t i = p.stations[s].row - r0, j = p.stations[s].col - c0;
    if (std::isnan(g) || i < 0 || i >= h || j < 0 || j >= w) continue;
    const size_t q = size_t(i * w + j);
    if (mask[q] == 0) ++pixels;
    target[q] += log1p_mm(g), mask[q] += 1;
  }
  for (int64_t q = 0; q < h * w; ++q)
    if (mask[q] > 1) target[q] /= mask[q], mask[q] = 1;
  return pixels;
}

}  // namespace rf::pipe
