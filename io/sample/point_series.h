// Daily series of a gridded CF netCDF variable (time, lat, lon) at points
// (gauges): each point takes the grid cell whose centre is nearest in lon and
// lat (the cell containing it on a regular grid). Used by `rainfuse evaluate`
// to sample products at gauges.
// Reading follows the storage: stations are grouped by the chunk (and, in
// chunks wider than 256 cells, the 256 x 256 tile) holding them, and each group
// is read as one box (time chunk x bounding box of its cells), chunk after
// chunk, so every compressed chunk holding a station is inflated once, and
// chunks without one are never read. (One hyperslab per station would inflate
// each of its time chunks once per station: a 0.01-degree year chunked by day
// costs 365 whole-map inflations per station.)
#pragma once
#include <string>
#include <vector>

#include "io/dates.h"

namespace rf::io {

struct PointRequest {
  std::string id;  // station id, for error messages
  double lon, lat;
};

struct SampledSeries {
  std::vector<DayNumber> days;             // the file's time axis as dates
  std::vector<std::vector<float>> values;  // [point][day], NaN = missing / fill
  std::vector<std::string> outside;        // outside_ok: the points outside the grid (all NaN)
};

// Throws one line naming the file and the problem (missing variable, unknown
// time units, points outside the grid: "f.nc: station 52866 (101.7500E,
// 36.6200N) is outside the grid (lon ..E, lat ..N, cell centres)", or "f.nc: 3
// stations are outside the grid (...): station A (...), station B (...), ...").
// outside_ok (a national gauge file against a regional product): points off
// the grid get NaN and are listed in SampledSeries::outside instead.
SampledSeries sample_points(const std::string& path, const std::string& var, const std::vector<PointRequest>& pts,
                            bool outside_ok = false);

// Parses CF time units "<days|hours|minutes|seconds> since YYYY-MM-DD[ HH:MM:SS]"
// and converts a value to the date it falls on (UTC).
DayNumber cf_time_to_day(double value, const std::string& units);

}  // namespace rf::io
