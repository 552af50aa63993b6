// Daily series of a gridded CF netCDF variable (time, lat, lon) at points
// (gauges): each point takes the grid cell whose centre is nearest in lon and
// lat (the cell containing it on a regular grid). Reads one hyperslab per point,
// never the whole cube. Used by `rainfuse evaluate` to sample products at gauges.
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
};

// Throws one line naming the file and the problem (missing variable, unknown
// time units, a point outside the grid: "station 52866 (101.75E, 36.62N) is
// outside the grid of f.nc").
SampledSeries sample_points(const std::string& path, const std::string& var, const std::vector<PointRequest>& pts);

// Parses CF time units "<days|hours|minutes|seconds> since YYYY-MM-DD[ HH:MM:SS]"
// and converts a value to the date it falls on (UTC).
DayNumber cf_time_to_day(double value, const std::string& units);

}  // namespace rf::io
