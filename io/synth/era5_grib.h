// The twin's ERA5 / ERA5-Land tp as GRIB 1 (as the CDS delivers GRIB): one
// message per hour, paramId 228 (tp, m), regular_ll, latitude north->south,
// longitude 0-360, 16-bit simple packing, missing points in a bitmap.
// ERA5: the hour ending at `stamp`, from the 06 or 18 UTC forecast before it
// (dataTime 0600/1800, stepRange "h-1"-"h"). ERA5-Land: accumulated since
// 00 UTC of the stamp's day (dataTime 0000, stepRange "0-h", h = 1..24).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/grid.h"

namespace rf::io::synth {

// metres: [stamps][ny][nx] in the grid's storage order.
void write_era5_grib(const std::string& path, const Grid& g, const std::vector<int64_t>& stamps,
                     const std::vector<float>& metres, bool land);

}  // namespace rf::io::synth
