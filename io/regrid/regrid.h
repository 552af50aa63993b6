// Regridding between rectilinear lon/lat grids, value-for-value like CDO
// (see shared products-and-metrics.md §F): nearest neighbour = `cdo remapnn`
// (ties included), bilinear = `cdo remapbil`, bicubic = `cdo remapbic` (SCRIP
// Hermite), plus Keys cubic convolution under its own name.
//
// A plan is computed once per (source grid, target grid, method) and applied to
// any number of fields by a kernel. Fields are row-major [ny][nx] in each grid's
// storage order; NaN marks a missing value (in and out).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/grid.h"

namespace rf::io {

enum class RegridMethod { Nearest, Bilinear, Bicubic, KeysCubic };
RegridMethod parse_regrid_method(const std::string& name);  // "nearest"|"bilinear"|"bicubic"|"keys"
const char* regrid_method_name(RegridMethod m);

struct RegridPlan {
  RegridMethod method = RegridMethod::Nearest;
  Grid src, dst;
  // Nearest: src_index[d] = linear source index (or -1: outside / no source).
  std::vector<int64_t> src_index;
  // Bilinear / bicubic / keys: per target point a fixed number of (index, weight) terms.
  int terms = 1;
  std::vector<int64_t> term_index;  // [dst.size()][terms], -1 = unused
  std::vector<double> term_weight;  // [dst.size()][terms]
};

RegridPlan make_regrid_plan(const Grid& src, const Grid& dst, RegridMethod method);

// dst[nfields][dst.size()] from src[nfields][src.size()].
void apply_regrid(const RegridPlan& plan, const float* src, float* dst, int64_t nfields = 1);

// The serial span form used inside parallel writers: targets [d0, d0 + n) of one
// field. `src` is the field, or for bicubic its planes from regrid_source_planes.
void apply_regrid_span(const RegridPlan& plan, const float* src, int64_t d0, int64_t n, float* dst);
// What apply_regrid_span reads for one field: the field itself (1 plane) or,
// for bicubic, value + the 3 CDO gradients (4 planes of src.size()).
int regrid_source_planes(const RegridPlan& plan);
void make_regrid_source(const RegridPlan& plan, const float* field, float* planes);

// A target grid from a CDO grid-description file (gridtype=lonlat, xsize, ysize,
// xfirst, xinc, yfirst, yinc or xvals/yvals) or the string
// "lon0,lon1,dlon,lat0,lat1,dlat" (cell EDGES of the box; centres at lon0+dlon/2 ...).
Grid parse_grid_spec(const std::string& file_or_spec);
// Writes a CDO grid-description file for a regular grid.
void write_cdo_griddes(const Grid& g, const std::string& path);

}  // namespace rf::io
