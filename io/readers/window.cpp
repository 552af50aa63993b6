#include "io/readers/window.h"

#include <algorithm>
#include <stdexcept>

namespace rf::io {

void axis_window(const std::vector<double>& axis, double lo, double hi, int halo, size_t& k0, size_t& n,
                 const std::string& what) {
  const size_t m = axis.size();
  if (m == 0) throw std::runtime_error(what + ": empty coordinate axis");
  const bool asc = m < 2 || axis[1] > axis[0];
  for (size_t k = 1; k < m; ++k)
    if ((axis[k] > axis[k - 1]) != asc || axis[k] == axis[k - 1])
      throw std::runtime_error(what + ": coordinate axis is not strictly monotonic");
  size_t first = m, last = 0;
  for (size_t k = 0; k < m; ++k)
    if (axis[k] >= lo && axis[k] <= hi) {
      first = std::min(first, k);
      last = k;
    }
  if (first == m) {
    // A region narrower than one cell still needs the cells around it.
    const double mid = 0.5 * (lo + hi);
    const double a = std::min(axis.front(), axis.back()), b = std::max(axis.front(), axis.back());
    if (mid < a || mid > b)
      throw std::runtime_error(what + ": region [" + std::to_string(lo) + ", " + std::to_string(hi) +
                               "] is outside the file's axis [" + std::to_string(a) + ", " + std::to_string(b) + "]");
    size_t best = 0;
    for (size_t k = 1; k < m; ++k)
      if (std::abs(axis[k] - mid) < std::abs(axis[best] - mid)) best = k;
    first = last = best;
  }
  const size_t h = size_t(std::max(halo, 0));
  k0 = first >= h ? first - h : 0;
  const size_t k1 = std::min(m - 1, last + h);
  n = k1 - k0 + 1;
}

IndexWindow region_window(const std::vector<double>& lon, const std::vector<double>& lat, const Region& region,
                          int halo, const std::string& what) {
  if (lon.empty() || lat.empty()) throw std::runtime_error(what + ": empty lon/lat coordinates");
  double lo = region.lon0, hi = region.lon1;
  const double lmin = std::min(lon.front(), lon.back()), lmax = std::max(lon.front(), lon.back());
  if (lmax > 180.0 && lo < 0 && hi < 0) lo += 360, hi += 360;     // file 0..360, region west of Greenwich
  else if (lmin < 0 && lo > 180 && hi > 180) lo -= 360, hi -= 360;  // file -180..180, region given 0..360
  else if ((lmax > 180.0 && lo < 0) || (lmin < 0 && hi > 180))
    throw std::runtime_error(what + ": region crosses the longitude seam of the file (not supported)");
  IndexWindow w;
  axis_window(lon, lo, hi, halo, w.i0, w.ni, what + " (longitude)");
  axis_window(lat, region.lat0, region.lat1, halo, w.j0, w.nj, what + " (latitude)");
  return w;
}

Grid window_grid(const std::vector<double>& lon, const std::vector<double>& lat, const IndexWindow& w) {
  Grid g;
  g.lon.assign(lon.begin() + long(w.i0), lon.begin() + long(w.i0 + w.ni));
  g.lat.assign(lat.begin() + long(w.j0), lat.begin() + long(w.j0 + w.nj));
  return g;
}

}  // namespace rf::io
