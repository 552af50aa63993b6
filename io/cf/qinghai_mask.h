// Province masks from Debian's gmt-dcw (Digital Chart of the World for GMT):
// polygons stored as unsigned 16-bit offsets, lon = min + v / scale (likewise
// lat), 65535 starting a new segment (GMT's gmt_dcw.c). Rasterised on a grid by
// an even-odd scanline rule at the cell centres; cached per grid in memory.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/grid.h"

namespace rf::io {

// The gmt-dcw file: $RAINFUSE_DCW_FILE or /usr/share/gmt-dcw/dcw-gmt.nc.
std::string dcw_file();

// Rings (closed polygons) of a DCW item, e.g. "CN.QH" (variables CNQH_lon/lat).
std::vector<std::vector<std::pair<double, double>>> dcw_polygon(const std::string& file, const std::string& code);

// 1 where the cell centre lies inside the rings (even-odd), 0 outside;
// [ny][nx] in the grid's storage order.
std::vector<uint8_t> rasterize_polygon(const Grid& g, const std::vector<std::vector<std::pair<double, double>>>& rings);

// The Qinghai province mask (CN.QH) on `g`, computed once per grid.
const std::vector<uint8_t>& qinghai_mask(const Grid& g);

}  // namespace rf::io
