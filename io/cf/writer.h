// CF-1.8 netCDF-4 writer for daily precipitation: one file per year,
// precipitation(time, lat, lon) in mm day-1 (standard_name
// lwe_thickness_of_precipitation_amount, cell_methods "time: sum"), lat/lon with
// bounds, a WGS84 crs variable, deflate + shuffle, chunking for maps and series,
// optional int16 packing, an optional Qinghai mask, global attributes. Written
// under a temporary name and renamed when complete.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "io/daily.h"
#include "io/regrid/regrid.h"

namespace rf::io {

// A file's own time coordinate, kept as it is by `rainfuse regrid` (any step:
// hourly, half-hourly, daily), like cdo: values, bounds (2 per step, empty when
// the file has none), units, calendar, and the day_convention attribute when
// the file has one.
struct CfTimeAxis {
  std::vector<double> values, bounds;
  std::string units, calendar = "standard", day_convention;
};

struct CfOptions {
  std::string title = "rainfuse daily precipitation";
  std::string source;           // products used, e.g. "ERA5 hourly tp (reanalysis-era5-single-levels)"
  std::string model;            // e.g. "qh-ref" or "none"
  std::string history;          // the command line
  // history = "<UTC time>: <history>"; false writes `history` alone, so that
  // rerunning the same command gives a byte-identical file (rainfuse fuse).
  bool history_timestamp = true;
  bool pack_int16 = false;      // scale 0.01 mm/day, _FillValue -32768
  // With pack_int16: values outside the packed range [-10, 645.34] mm/day are
  // clipped to it and their number is stored in the variable attribute
  // rainfuse_clipped_values (int64, 0 when none) instead of failing the write.
  bool clip_int16 = false;
  int deflate_level = 4;        // 0 = no compression
  // Encode chunks with the row-repeat deflate encoder (io/cf/row_deflate.h):
  // ~5x faster than level 4 on regridded fields, ~30 % larger files; any
  // reader inflates it. The variable is then declared with deflate level 1.
  bool fast_deflate = false;
  bool write_valid_steps = true;   // adds valid_steps(time, lat, lon)
  bool write_qinghai_mask = false; // adds mask(lat, lon) from gmt-dcw CN.QH
  std::string institution = "rainfuse";
  std::string references = "https://github.com/rainfuse (CF-1.8; CDO-compatible regridding)";
  // The data variable. Defaults: daily precipitation; `rainfuse regrid` copies
  // name and metadata of the variable it regrids (see read_cf_var_info).
  std::string var_name = "precipitation";
  std::string units = "mm day-1";
  std::string standard_name = "lwe_thickness_of_precipitation_amount";
  std::string long_name = "daily precipitation amount";
  std::string cell_methods = "time: sum";
  // Chunks are time_chunk x 128 x 128 (clipped to the grid): one chunk is 1 MiB
  // of float, a map reads ~1 chunk row per 16 days, a series ~nt/16 chunks.
  int time_chunk = 16;
  // Written instead of the daily axis (days since 1970 with CMA/UTC bounds).
  std::optional<CfTimeAxis> time_axis;
};

// Metadata of a variable in any netCDF file (empty strings when absent).
struct CfVarInfo {
  std::string units, standard_name, long_name, cell_methods;
};
CfVarInfo read_cf_var_info(const std::string& path, const std::string& var);
// The time coordinate of `var` (its first dimension).
CfTimeAxis read_cf_time_axis(const std::string& path, const std::string& var);

// Writes `cube` (days of any span; the caller splits years) to `path`.
// Latitude is written ascending (south->north) whatever the cube's order.
void write_cf_daily(const std::string& path, const DailyCube& cube, const CfOptions& opt);

// Regrids `src` with `plan` (plan.src == src.grid) and writes the result like
// write_cf_daily, without materialising the target cube: every chunk is
// regridded while it is compressed. valid_steps follow the nearest neighbour
// (written for the nearest method only).
void write_cf_regridded(const std::string& path, const DailyCube& src, const RegridPlan& plan, const CfOptions& opt);

// Reads back a variable written by write_cf_daily or any CF file with
// (time, lat, lon) precipitation: used by `rainfuse regrid`, evaluate, tests.
DailyCube read_cf_daily(const std::string& path, const std::string& var = "precipitation");

}  // namespace rf::io
