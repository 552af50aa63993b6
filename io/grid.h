// Rectilinear lon/lat grids, as the products store them.
// Coordinates are cell centres in degrees, in the file's storage order (a
// latitude axis may run north->south). Row-major fields are [ny][nx] in that order.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace rf::io {

struct Region {
  double lon0, lon1, lat0, lat1;  // degrees east / north, lon0 < lon1, lat0 < lat1
};
// The Qinghai box of the 0.01-degree product (cell edges).
inline constexpr Region kQinghai{89.5, 103.4, 31.37, 39.87};

struct Grid {
  std::vector<double> lon;  // nx centres, storage order
  std::vector<double> lat;  // ny centres, storage order
  size_t nx() const { return lon.size(); }
  size_t ny() const { return lat.size(); }
  size_t size() const { return nx() * ny(); }
  // Centres first + i*inc, computed in double without accumulation (as CDO does).
  static Grid regular(double lon_first, double lon_inc, size_t nx, double lat_first, double lat_inc, size_t ny);
  // The 0.01-degree Qinghai working grid: 1390 x 850 centres from (89.505, 31.375).
  static Grid qinghai_001();
  bool operator==(const Grid&) const = default;
};

}  // namespace rf::io
