// CDO's Reg2D point searches (internal to io/regrid): bracket search on the 1-D
// centre arrays, the remapnn candidate block, the extrapolation scan, and the
// bilinear Newton iteration. Coordinates in radians, prepared exactly as CDO
// prepares them (degrees * (pi/180), target longitudes folded into [0, 2pi],
// source longitudes unwrapped to ascending, cos/sin of source longitudes taken
// after folding into [0, 2pi]).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "io/grid.h"

namespace rf::io::detail {

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kPi2 = 2.0 * kPi;
inline constexpr double kDeg2Rad = kPi / 180.0;

// Target points of a rectilinear grid, separable in lon and lat.
struct TargetPoints {
  explicit TargetPoints(const Grid& g);
  std::vector<double> lon, lat;  // radians: lon folded into [0, 2pi], lat clamped to +-pi/2
  size_t size() const { return lon.size() * lat.size(); }
};

// The four corners of the enclosing source cell (CDO order: 0 = (j0, i0),
// 1 = (j0, i0+1), 2 = (j0+1, i0+1), 3 = (j0+1, i0) in bracket indices).
struct Square {
  int64_t index[4] = {0, 0, 0, 0};
  double lons[4] = {0, 0, 0, 0}, lats[4] = {0, 0, 0, 0};
  double idw[4] = {0, 0, 0, 0};  // extrapolation: normalised inverse-distance weights
  size_t i0 = 0, j0 = 0;         // lower bracket indices
};

class SourceSearch {
 public:
  // nearest: CDO remapnn (extrapolation on); otherwise bil/bic (extrapolation only
  // when the source is global in longitude).
  SourceSearch(const Grid& src, bool nearest);

  // Linear source index of the nearest neighbour of target (plon, plat), or -1.
  int64_t nearest(double plon, double plat) const;
  // 1: inside (corners + bracket), -1: extrapolated (idw), 0: not found.
  int square(double plon, double plat, Square& sq) const;

  size_t nx = 0, ny = 0;
  bool cyclic = false, extrapolate = false;

 private:
  bool bracket(double plon, double plat, size_t& ii, size_t& jj) const;
  double fold(double plon) const;  // CDO: +-2pi into [lons[0], lons[nxm-1]]
  int nearest_edges(double plon, double plat, int64_t (&idx)[4], double (&dist)[4]) const;

  std::vector<double> lons_;  // nxm = nx (+1 if cyclic) unwrapped centre longitudes
  std::vector<double> lats_;  // ny centre latitudes, storage order
  std::vector<double> cos_lon_, sin_lon_, cos_lat_, sin_lat_;
};

// CDO remap_find_weights: (xfrac, yfrac) of (plon, plat) in the square by Newton
// iteration; (-1, -1) when it does not converge.
std::pair<double, double> find_weights(double plon, double plat, const Square& sq);

}  // namespace rf::io::detail
