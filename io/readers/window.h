// Locating the region window in a product's coordinate axes: any storage
// direction (lat N->S or S->N), longitudes in -180..180 or 0..360, global or
// regional subsets. Only the window (+ halo) is ever read.
#pragma once
#include <string>
#include <vector>

#include "io/grid.h"
#include "io/readers/step.h"

namespace rf::io {

// Indices [k0, k0+n) of the centres of a monotonic axis that lie in [lo, hi],
// widened by `halo` cells each side and clipped. Throws (naming `what`) when the
// axis does not overlap [lo, hi] or is not monotonic.
void axis_window(const std::vector<double>& axis, double lo, double hi, int halo, size_t& k0, size_t& n,
                 const std::string& what);

// The window of `region` in (lon, lat) axes. Longitudes of the region are moved
// into the axis' convention (0..360 vs -180..180); a window that would wrap the
// axis' seam is rejected (not needed for Qinghai).
IndexWindow region_window(const std::vector<double>& lon, const std::vector<double>& lat, const Region& region,
                          int halo, const std::string& what);

// The window's grid (centres in storage order).
Grid window_grid(const std::vector<double>& lon, const std::vector<double>& lat, const IndexWindow& w);

}  // namespace rf::io
