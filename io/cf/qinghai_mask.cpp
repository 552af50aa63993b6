#include "io/cf/qinghai_mask.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>

#include "io/cf/nc_util.h"

namespace rf::io {

std::string dcw_file() {
  if (const char* e = std::getenv("RAINFUSE_DCW_FILE")) return e;
  return "/usr/share/gmt-dcw/dcw-gmt.nc";
}

std::vector<std::vector<std::pair<double, double>>> dcw_polygon(const std::string& file, const std::string& code) {
  std::string key;
  for (char c : code)
    if (c != '.') key += c;
  nc::File f(file, NC_NOWRITE);
  int vx, vy;
  nc::check(nc_inq_varid(f.id, (key + "_lon").c_str(), &vx), file, "DCW polygon " + code + " (" + key + "_lon)");
  nc::check(nc_inq_varid(f.id, (key + "_lat").c_str(), &vy), file, "DCW polygon " + code + " (" + key + "_lat)");
  double xmin, xscale, ymin, yscale;
  if (!nc::get_double_att(f.id, vx, "min", xmin) || !nc::get_double_att(f.id, vx, "scale", xscale) ||
      !nc::get_double_att(f.id, vy, "min", ymin) || !nc::get_double_att(f.id, vy, "scale", yscale))
    throw std::runtime_error(file + ": DCW polygon " + code + " lacks min/scale attributes");
  int dim;
  size_t n;
  nc_inq_vardimid(f.id, vx, &dim);
  nc_inq_dimlen(f.id, dim, &n);
  std::vector<unsigned short> dx(n), dy(n);
  nc::check(nc_get_var_ushort(f.id, vx, dx.data()), file, "reading " + key + "_lon");
  nc::check(nc_get_var_ushort(f.id, vy, dy.data()), file, "reading " + key + "_lat");
  std::vector<std::vector<std::pair<double, double>>> rings;
  for (size_t k = 0; k < n; ++k) {
    if (dx[k] == 65535u) {
      rings.emplace_back();
      continue;
    }
    if (rings.empty()) rings.emplace_back();
    rings.back().emplace_back(xmin + dx[k] / xscale, ymin + dy[k] / yscale);
  }
  std::erase_if(rings, [](const auto& r) { return r.size() < 3; });
  if (rings.empty()) throw std::runtime_error(file + ": DCW polygon " + code + " is empty");
  return rings;
}

std::vector<uint8_t> rasterize_polygon(const Grid& g,
                                       const std::vector<std::vector<std::pair<double, double>>>& rings) {
  const size_t nx = g.nx(), ny = g.ny();
  std::vector<uint8_t> mask(nx * ny, 0);
  // Longitudes ascending -> column of a crossing by binary search.
  std::vector<double> lon = g.lon;
  const bool lon_up = nx < 2 || lon[1] > lon[0];
  if (!lon_up) std::reverse(lon.begin(), lon.end());
#pragma omp parallel for schedule(dynamic, 8)
  for (size_t j = 0; j < ny; ++j) {
    const double y = g.lat[j];
    std::vector<double> xs;
    for (const auto& r : rings)
      for (size_t k = 0, m = r.size(); k < m; ++k) {
        auto [x0, y0] = r[k];
        auto [x1, y1] = r[(k + 1) % m];
        if ((y0 > y) != (y1 > y)) xs.push_back(x0 + (y - y0) * (x1 - x0) / (y1 - y0));
      }
    std::sort(xs.begin(), xs.end());
    for (size_t k = 0; k + 1 < xs.size(); k += 2) {  // inside between crossing pairs
      const size_t a = size_t(std::lower_bound(lon.begin(), lon.end(), xs[k]) - lon.begin());
      const size_t b = size_t(std::lower_bound(lon.begin(), lon.end(), xs[k + 1]) - lon.begin());
      for (size_t i = a; i < b; ++i) mask[j * nx + (lon_up ? i : nx - 1 - i)] = 1;
    }
  }
  return mask;
}

const std::vector<uint8_t>& qinghai_mask(const Grid& g) {
  static std::mutex mu;
  static std::map<std::pair<std::vector<double>, std::vector<double>>, std::vector<uint8_t>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto key = std::make_pair(g.lon, g.lat);
  auto it = cache.find(key);
  // Opening dcw-gmt.nc (thousands of variables) costs ~1 s: read the outline once.
  static const auto rings = dcw_polygon(dcw_file(), "CN.QH");
  if (it == cache.end()) it = cache.emplace(key, rasterize_polygon(g, rings)).first;
  return it->second;
}

}  // namespace rf::io
