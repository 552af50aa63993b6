#include "io/regrid/regrid_search.h"

#include <cfloat>
#include <cmath>

namespace rf::io::detail {

namespace {

constexpr double kPih = 0.5 * kPi;
constexpr double kTiny = 1.e-14;

bool grid_is_cyclic(const std::vector<double>& lon) {
  // CDI gridIsCircular for a regular lon axis: nx*inc spans 360 degrees.
  const size_t n = lon.size();
  if (n < 2) return false;
  const double inc = lon[1] - lon[0];
  return std::fabs(std::fabs(lon[n - 1] - lon[0] + inc) - 360.0) < 0.01 * std::fabs(inc);
}

// CDO find_element: index m of the interval [v[m-1], v[m]] holding x (ascending
// or descending v), n when outside; a value equal to v[m-1] steps down one.
size_t find_element(double x, size_t n, const std::vector<double>& v) {
  long mid = 0, first = 1, last = long(n);
  if (v[0] < v[n - 1]) {
    if (x < v[0] || x > v[n - 1]) return n;
    for (size_t it = 1; it < n; ++it) {
      mid = (first + last) >> 1;
      if (!(x < v[mid - 1] || x > v[mid])) break;
      if (x > v[mid]) first = mid;
      else last = mid;
    }
  } else {
    if (x < v[n - 1] || x > v[0]) return n;
    for (size_t it = 1; it < n; ++it) {
      mid = (first + last) >> 1;
      if (!(x < v[mid] || x > v[mid - 1])) break;
      if (x < v[mid]) first = mid;
      else last = mid;
    }
  }
  if (mid > 1 && x == v[mid - 1]) mid--;
  return size_t(mid);
}

// KnnData::store_distance for one neighbour: 1e-12 tolerance, smaller index wins.
inline bool distance_is_less(double d, double dbest, int64_t idx, int64_t ibest) {
  constexpr double tol = 1.e-12;
  return (d + tol) < dbest || (uint64_t(idx) < uint64_t(ibest) && std::fabs(d - dbest) < tol);
}

inline void limit_dphi(double& d) {
  if (d > 3.0 * kPih) d -= kPi2;
  else if (d < -3.0 * kPih) d += kPi2;
}

}  // namespace

TargetPoints::TargetPoints(const Grid& g) : lon(g.lon), lat(g.lat) {
  for (double& x : lon) {  // cdo_grid_to_radian + check_lon_range
    x *= kDeg2Rad;
    if (x < -kPi2) x = 0;
    if (x > 2 * kPi2) x = kPi2;
    if (x > kPi2) x -= kPi2;
    if (x < 0.0) x += kPi2;
  }
  for (double& y : lat) {  // cdo_grid_to_radian + check_lat_range
    y *= kDeg2Rad;
    if (y > kPih) y = kPih;
    if (y < -kPih) y = -kPih;
  }
}

SourceSearch::SourceSearch(const Grid& src, bool nearest) : nx(src.nx()), ny(src.ny()) {
  cyclic = grid_is_cyclic(src.lon);
  extrapolate = nearest || cyclic;
  const size_t nxm = cyclic ? nx + 1 : nx;
  lons_.assign(nxm, 0.0);
  for (size_t i = 0; i < nx; ++i) lons_[i] = src.lon[i] * kDeg2Rad;
  lats_.resize(ny);
  for (size_t j = 0; j < ny; ++j) lats_[j] = src.lat[j] * kDeg2Rad;
  // remap_define_reg2d: make the longitudes ascending across a 0/360 seam.
  if (lons_[nx - 1] < lons_[0])
    for (size_t i = 1; i < nx; ++i)
      if (lons_[i] < lons_[i - 1]) lons_[i] += kPi2;
  if (cyclic) lons_[nx] = lons_[0] + kPi2;
  cos_lon_.resize(nx);
  sin_lon_.resize(nx);
  for (size_t i = 0; i < nx; ++i) {  // PointsearchReg2d::create
    double l = lons_[i];
    if (l > kPi2) l -= kPi2;
    if (l < 0) l += kPi2;
    cos_lon_[i] = std::cos(l);
    sin_lon_[i] = std::sin(l);
  }
  cos_lat_.resize(ny);
  sin_lat_.resize(ny);
  for (size_t j = 0; j < ny; ++j) {
    cos_lat_[j] = std::cos(lats_[j]);
    sin_lat_[j] = std::sin(lats_[j]);
  }
}

double SourceSearch::fold(double plon) const {
  if (plon < lons_[0]) plon += kPi2;
  if (plon > lons_.back()) plon -= kPi2;
  return plon;
}

bool SourceSearch::bracket(double plon, double plat, size_t& ii, size_t& jj) const {
  constexpr double rtol = 1.e-12;  // rect_grid_search: fix rounding at the first centre
  const size_t nxm = lons_.size();
  jj = find_element(plat, ny, lats_);
  if (jj >= ny && std::fabs(lats_[0] - plat) < rtol) jj = 1;
  if (jj >= ny) return false;
  ii = find_element(plon, nxm, lons_);
  if (ii >= nxm && std::fabs(lons_[0] - plon) < rtol) ii = 1;
  return ii < nxm;
}

int SourceSearch::nearest_edges(double plon, double plat, int64_t (&idx)[4], double (&dist)[4]) const {
  // grid_search_square_reg2d_NN: great-circle angle, scanning the two edge rows
  // nearest the point (or all rows when outside in longitude, interior rows
  // only at their first and last column); strict '<' keeps the first minimum.
  int result = 0;
  const double tcl = std::cos(plat), tsl = std::sin(plat), tco = std::cos(plon), tso = std::sin(plon);
  double dmin = DBL_MAX;
  for (int k = 0; k < 4; ++k) dist[k] = DBL_MAX, idx[k] = -1;
  size_t jf = 0, jl = ny - 1;
  if (plon >= lons_[0] && plon <= lons_[nx - 1]) {
    const bool up = lats_[0] < lats_[ny - 1];
    if (up ? plat <= lats_[0] : plat >= lats_[0]) jl = 1;
    else jf = ny - 2;
  }
  std::vector<double> sclon(nx);
  for (size_t i = 0; i < nx; ++i) sclon[i] = tco * std::cos(lons_[i]) + tso * std::sin(lons_[i]);
  auto consider = [&](size_t j, size_t i, double cl, double sl) {
    const double d = std::acos(cl * sclon[i] + sl);
    if (!(d < dmin)) return;
    for (int k = 0; k < 4; ++k)
      if (d < dist[k]) {
        for (int m = 3; m > k; --m) idx[m] = idx[m - 1], dist[m] = dist[m - 1];
        idx[k] = int64_t(j * nx + i);
        dist[k] = d;
        dmin = dist[3];
        result = -1;
        break;
      }
  };
  for (size_t j = jf; j <= jl; ++j) {
    const double cl = tcl * std::cos(lats_[j]), sl = tsl * std::sin(lats_[j]);
    if (j > 1 && j < ny - 2) {
      consider(j, 0, cl, sl);
      consider(j, nx - 1, cl, sl);
    } else {
      for (size_t i = 0; i < nx; ++i) consider(j, i, cl, sl);
    }
  }
  return result;
}

int64_t SourceSearch::nearest(double plon, double plat) const {
  plon = fold(plon);
  size_t ii, jj;
  if (!bracket(plon, plat, ii, jj)) {
    if (!extrapolate) return -1;
    int64_t idx[4];
    double dist[4];
    return nearest_edges(plon, plat, idx, dist) < 0 ? idx[0] : -1;
  }
  if (cyclic && ii == nx) ii = 0;
  // fill_src_indices with k = 3: rows jj-1..jj+1, columns ii-1..ii+1.
  const long j0 = std::max(long(jj) - 1, 0L), jn = std::min(long(jj) + 1, long(ny) - 1);
  const long i0 = long(ii) - 1, in = long(ii) + 1;
  const double cpl = std::cos(plat);
  const double t0 = cpl * std::cos(plon), t1 = cpl * std::sin(plon), t2 = std::sin(plat);
  int64_t best = -1;  // SIZE_MAX in CDO: compared unsigned
  double dbest = DBL_MAX;
  for (long j = j0; j <= jn; ++j)
    for (long i = i0; i <= in; ++i) {
      long ix = i;
      if (cyclic && ix < 0) ix += long(nx);
      if (cyclic && ix >= long(nx)) ix -= long(nx);
      if (ix < 0 || ix >= long(nx)) continue;
      const double s0 = cos_lat_[j] * cos_lon_[ix], s1 = cos_lat_[j] * sin_lon_[ix], s2 = sin_lat_[j];
      const double d0 = t0 - s0, d1 = t1 - s1, d2 = t2 - s2;
      const double sqr = double(float(d0 * d0 + d1 * d1 + d2 * d2));
      const double d = std::sqrt(sqr);
      const int64_t index = int64_t(j) * int64_t(nx) + ix;
      if (distance_is_less(d, dbest, index, best)) best = index, dbest = d;
    }
  return best;
}

int SourceSearch::square(double plon, double plat, Square& sq) const {
  const double p = fold(plon);
  size_t ii, jj;
  if (bracket(p, plat, ii, jj)) {
    const size_t iix = (cyclic && ii == nx) ? 0 : ii;
    sq.i0 = ii - 1;
    sq.j0 = jj - 1;
    sq.index[0] = int64_t((jj - 1) * nx + (ii - 1));
    sq.index[1] = int64_t((jj - 1) * nx + iix);
    sq.index[2] = int64_t(jj * nx + iix);
    sq.index[3] = int64_t(jj * nx + (ii - 1));
    double l0 = lons_[ii - 1], l1 = lons_[iix];
    if (l0 > kPi2) l0 -= kPi2;
    if (l0 < 0) l0 += kPi2;
    if (l1 > kPi2) l1 -= kPi2;
    if (l1 < 0) l1 += kPi2;
    sq.lons[0] = sq.lons[3] = l0;
    sq.lons[1] = sq.lons[2] = l1;
    sq.lats[0] = sq.lats[1] = lats_[jj - 1];
    sq.lats[2] = sq.lats[3] = lats_[jj];
    return 1;
  }
  if (!extrapolate) return 0;
  double dist[4];
  if (nearest_edges(p, plat, sq.index, dist) >= 0) return 0;
  double sum = 0.0;
  for (int k = 0; k < 4; ++k) sum += (sq.idw[k] = 1.0 / (dist[k] + kTiny));
  for (int k = 0; k < 4; ++k) sq.idw[k] /= sum;
  return -1;
}

std::pair<double, double> find_weights(double plon, double plat, const Square& sq) {
  constexpr double converge = 1.0e-10;
  constexpr long max_iter = 100;
  const double* lons = sq.lons;
  const double* lats = sq.lats;
  const double dth1 = lats[1] - lats[0], dth2 = lats[3] - lats[0], dth3 = lats[2] - lats[1] - dth2;
  double dph1 = lons[1] - lons[0], dph2 = lons[3] - lons[0], dph3 = lons[2] - lons[1];
  limit_dphi(dph1);
  limit_dphi(dph2);
  limit_dphi(dph3);
  dph3 -= dph2;
  double x = 0.5, y = 0.5;
  long it = 0;
  for (; it < max_iter; ++it) {
    const double dthp = plat - lats[0] - dth1 * x - dth2 * y - dth3 * x * y;
    double dphp = plon - lons[0];
    limit_dphi(dphp);
    dphp -= dph1 * x + dph2 * y + dph3 * x * y;
    const double m1 = dth1 + dth3 * y, m2 = dth2 + dth3 * x, m3 = dph1 + dph3 * y, m4 = dph2 + dph3 * x;
    const double det = m1 * m4 - m2 * m3;
    const double di = (dthp * m4 - dphp * m2) / det, dj = (dphp * m1 - dthp * m3) / det;
    if (std::fabs(di) < converge && std::fabs(dj) < converge) break;
    x += di;
    y += dj;
  }
  if (it >= max_iter) return {-1.0, -1.0};
  return {x, y};
}

}  // namespace rf::io::detail
