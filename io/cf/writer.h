// CF-1.8 netCDF-4 writer for daily precipitation: one file per year,
// precipitation(time, lat, lon) in mm day-1 (standard_name
// lwe_thickness_of_precipitation_amount, cell_methods "time: sum"), lat/lon with
// bounds, a WGS84 crs variable, deflate + shuffle, chunking for maps and series,
// optional int16 packing, an optional Qinghai mask, global attributes. Written
// under a temporary name and renamed when complete.
#pragma once
#include <string>
#include <vector>

#include "io/daily.h"

namespace rf::io {

struct CfOptions {
  std::string title = "rainfuse daily precipitation";
  std::string source;           // products used, e.g. "ERA5 hourly tp (reanalysis-era5-single-levels)"
  std::string model;            // e.g. "qh-ref" or "none"
  std::string history;          // the command line
  bool pack_int16 = false;      // scale 0.01 mm/day, _FillValue -32768
  int deflate_level = 4;        // 0 = no compression
  bool write_valid_steps = true;   // adds valid_steps(time, lat, lon)
  bool write_qinghai_mask = false; // adds mask(lat, lon) from gmt-dcw CN.QH
};

// Writes `cube` (days of any span; the caller splits years) to `path`.
// Latitude is written ascending (south->north) whatever the cube's order.
void write_cf_daily(const std::string& path, const DailyCube& cube, const CfOptions& opt);

// Reads back a variable written by write_cf_daily or any CF file with
// (time, lat, lon) precipitation: used by `rainfuse regrid`, evaluate, tests.
DailyCube read_cf_daily(const std::string& path, const std::string& var = "precipitation");

}  // namespace rf::io
