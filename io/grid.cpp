#include "io/grid.h"

namespace rf::io {

Grid Grid::regular(double lon_first, double lon_inc, size_t nx, double lat_first, double lat_inc, size_t ny) {
  Grid g;
  g.lon.resize(nx);
  g.lat.resize(ny);
  for (size_t i = 0; i < nx; ++i) g.lon[i] = lon_first + double(i) * lon_inc;
  for (size_t j = 0; j < ny; ++j) g.lat[j] = lat_first + double(j) * lat_inc;
  return g;
}

Grid Grid::qinghai_001() { return regular(89.505, 0.01, 1390, 31.375, 0.01, 850); }

}  // namespace rf::io
