// The tp fields of one ERA5 / ERA5-Land file before de-accumulation, from each
// encoding (internal to io/readers/era5.cpp). `path` is opened, `shown` names
// the file in errors (a zip member is "archive.zip:member"). Only the fields
// the kept hours need are read: a field ending at T when [T - 1 h, T + 1 h)
// meets [keep_from, keep_to) (its own hour, or the hour after it, which is
// de-accumulated with it).
#pragma once
#include <string>
#include <vector>

#include "io/readers/products.h"

namespace rf::io {

struct Era5Fields {
  Grid grid;
  std::vector<Accumulation> fields;  // mm over [start, end) on the window
};

// netCDF-3/4: the interval is not stored; ERA5-Land is recognised (era5_nc.cpp).
Era5Fields read_era5_nc(const std::string& path, const std::string& shown, const ReaderOptions& opt);
bool nc_has_tp(const std::string& path);
// GRIB 1/2 through ecCodes: the interval comes from each message's step range.
Era5Fields read_era5_grib(const std::string& path, const std::string& shown, const ReaderOptions& opt);
bool grib_has_tp(const std::string& path);

inline bool era5_field_needed(UnixSeconds end, const ReaderOptions& opt) {
  return end - 3600 < opt.keep_to && end + 3600 > opt.keep_from;
}

}  // namespace rf::io
