// Regrid plans that reproduce CDO 2.x (products-and-metrics.md §F) on
// rectilinear ("Reg2D") source grids:
//   nearest  = cdo remapnn  (3x3 candidate block around the bracket, squared
//              chord rounded to float, 1e-12 tie tolerance, smaller source
//              index wins; outside the source: extrapolation scan of the edges)
//   bilinear = cdo remapbil (bracket cell, Newton iteration for (xfrac, yfrac))
//   bicubic  = cdo remapbic (SCRIP Hermite: value + 3 index-space gradients at
//              the 4 corners = 16 terms over the 4 gradient planes)
//   keys     = Keys cubic convolution (a = -0.5) on the 4x4 stencil: NOT CDO.
// All arithmetic follows CDO's order of operations where it decides an index.
#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "io/regrid/regrid.h"
#include "io/regrid/regrid_search.h"

namespace rf::io {

RegridMethod parse_regrid_method(const std::string& name) {
  if (name == "nearest" || name == "nn" || name == "remapnn") return RegridMethod::Nearest;
  if (name == "bilinear" || name == "bil" || name == "remapbil") return RegridMethod::Bilinear;
  if (name == "bicubic" || name == "bic" || name == "remapbic") return RegridMethod::Bicubic;
  if (name == "keys" || name == "keys-cubic" || name == "cubic-convolution") return RegridMethod::KeysCubic;
  throw std::runtime_error("unknown regrid method '" + name + "' (nearest|bilinear|bicubic|keys)");
}

const char* regrid_method_name(RegridMethod m) {
  switch (m) {
    case RegridMethod::Nearest: return "nearest";
    case RegridMethod::Bilinear: return "bilinear";
    case RegridMethod::Bicubic: return "bicubic";
    case RegridMethod::KeysCubic: return "keys";
  }
  return "?";
}

namespace {

using detail::SourceSearch;

// Keys (1981) cubic convolution kernel, a = -0.5, for the 4 taps at offsets
// -1, 0, 1, 2 of a point at fraction t in [0, 1] of the central interval.
std::array<double, 4> keys_weights(double t) {
  constexpr double a = -0.5;
  auto near = [&](double x) { return ((a + 2) * x - (a + 3)) * x * x + 1; };       // |x| <= 1
  auto far = [&](double x) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; };  // 1 < |x| < 2
  return {far(1 + t), near(t), near(1 - t), far(2 - t)};
}

// SCRIP bicubic Hermite weights w[corner][plane] (CDO bicubic_set_weights).
void hermite_weights(double x, double y, double (&w)[4][4]) {
  const double x1 = x * x * (x - 1.0), x2 = x * (x - 1.0) * (x - 1.0), x3 = x * x * (3.0 - 2.0 * x);
  const double y1 = y * y * (y - 1.0), y2 = y * (y - 1.0) * (y - 1.0), y3 = y * y * (3.0 - 2.0 * y);
  w[0][0] = (1.0 - y3) * (1.0 - x3); w[1][0] = (1.0 - y3) * x3; w[2][0] = y3 * x3; w[3][0] = y3 * (1.0 - x3);
  w[0][1] = (1.0 - y3) * x2;         w[1][1] = (1.0 - y3) * x1; w[2][1] = y3 * x1; w[3][1] = y3 * x2;
  w[0][2] = y2 * (1.0 - x3);         w[1][2] = y2 * x3;         w[2][2] = y1 * x3; w[3][2] = y1 * (1.0 - x3);
  w[0][3] = y2 * x2;                 w[1][3] = y2 * x1;         w[2][3] = y1 * x1; w[3][3] = y1 * x2;
}

void plan_nearest(const SourceSearch& s, const detail::TargetPoints& t, RegridPlan& plan) {
  const int64_t n = int64_t(t.size()), nxt = int64_t(t.lon.size());
  plan.terms = 1;
  plan.src_index.assign(n, -1);
#pragma omp parallel for schedule(static)
  for (int64_t d = 0; d < n; ++d) plan.src_index[d] = s.nearest(t.lon[d % nxt], t.lat[d / nxt]);
}

void plan_weighted(const SourceSearch& s, const detail::TargetPoints& t, RegridPlan& plan) {
  const int64_t n = int64_t(t.size()), nxt = int64_t(t.lon.size());
  const int64_t nsrc = int64_t(s.nx) * int64_t(s.ny);
  const RegridMethod m = plan.method;
  const int terms = m == RegridMethod::Bilinear ? 4 : 16;
  plan.terms = terms;
  plan.term_index.assign(size_t(n) * terms, -1);
  plan.term_weight.assign(size_t(n) * terms, 0.0);
#pragma omp parallel for schedule(static)
  for (int64_t d = 0; d < n; ++d) {
    int64_t* idx = plan.term_index.data() + d * terms;
    double* w = plan.term_weight.data() + d * terms;
    detail::Square sq;
    const double plon = t.lon[d % nxt], plat = t.lat[d / nxt];
    const int found = s.square(plon, plat, sq);
    if (found == 0) continue;
    if (found < 0) {  // extrapolated: inverse-distance weights of the 4 nearest (plane 0 only)
      for (int k = 0; k < 4; ++k) { idx[k] = sq.index[k]; w[k] = sq.idw[k]; }
      continue;
    }
    auto [xf, yf] = detail::find_weights(plon, plat, sq);
    if (xf < 0.0 || yf < 0.0) continue;  // iteration failed: CDO warns and uses IDW; we leave it missing
    if (m == RegridMethod::Bilinear) {
      const double wb[4] = {(1.0 - xf) * (1.0 - yf), xf * (1.0 - yf), xf * yf, (1.0 - xf) * yf};
      // CDO sorts the 4 (index, weight) pairs by index before summing.
      std::array<std::pair<int64_t, double>, 4> iw;
      for (int k = 0; k < 4; ++k) iw[k] = {sq.index[k], wb[k]};
      std::sort(iw.begin(), iw.end(), [](auto a, auto b) { return a.first < b.first; });
      for (int k = 0; k < 4; ++k) { idx[k] = iw[k].first; w[k] = iw[k].second; }
    } else if (m == RegridMethod::Bicubic) {
      double wh[4][4];
      hermite_weights(xf, yf, wh);
      std::array<int, 4> order{0, 1, 2, 3};
      std::sort(order.begin(), order.end(), [&](int a, int b) { return sq.index[a] < sq.index[b]; });
      int k = 0;
      for (int c : order)
        for (int p = 0; p < 4; ++p, ++k) { idx[k] = int64_t(p) * nsrc + sq.index[c]; w[k] = wh[c][p]; }
    } else {  // Keys: rows jj-2..jj+1, columns ii-2..ii+1 around the bracket cell (clamped / wrapped)
      const auto wx = keys_weights(xf), wy = keys_weights(yf);
      int k = 0;
      for (int r = 0; r < 4; ++r) {
        const int64_t row = std::clamp<int64_t>(int64_t(sq.j0) - 1 + r, 0, int64_t(s.ny) - 1);
        for (int c = 0; c < 4; ++c, ++k) {
          int64_t col = int64_t(sq.i0) - 1 + c;
          if (s.cyclic) col = (col + int64_t(s.nx)) % int64_t(s.nx);
          else col = std::clamp<int64_t>(col, 0, int64_t(s.nx) - 1);
          idx[k] = row * int64_t(s.nx) + col;
          w[k] = wy[r] * wx[c];
        }
      }
    }
  }
}

}  // namespace

RegridPlan make_regrid_plan(const Grid& src, const Grid& dst, RegridMethod method) {
  if (src.nx() < 2 || src.ny() < 2) throw std::runtime_error("regrid: the source grid needs at least 2x2 points");
  if (dst.size() == 0) throw std::runtime_error("regrid: empty target grid");
  RegridPlan plan;
  plan.method = method;
  plan.src = src;
  plan.dst = dst;
  // Nearest extrapolates by default in CDO; bil/bic only on a global (cyclic) source.
  const SourceSearch search(src, method == RegridMethod::Nearest);
  const detail::TargetPoints tgt(dst);
  if (method == RegridMethod::Nearest) plan_nearest(search, tgt, plan);
  else plan_weighted(search, tgt, plan);
  return plan;
}

}  // namespace rf::io
