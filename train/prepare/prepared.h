// Prepared data: everything train, fuse, evaluate and the baselines read,
// aligned on the working grid and the period's days.
//
// The sources are kept as daily totals on their NATIVE grids (cut to the region
// plus a halo) together with a regrid plan to the working grid: a 0.01-degree
// year of five sources would be 8.6 GB as floats, the native cubes are a few
// tens of MB, and the gather is done when a patch or tile is assembled (the CUDA
// backend fuses the same gather into conv1's input staging).
//
// `prepare` builds it from a RunConfig and caches it under <out>/cache/ (one
// CF netCDF per source and year, the gauges as a point CSV, the DEM on the
// working grid, a manifest holding prepare_fingerprint + the input files'
// sizes and mtimes). A second run with the same fingerprint only loads.
// The manifest keys each cached file by the settings that determine IT (a
// source-year by its reader, day convention, max_missing_steps, region and
// that year's input files; not by the regrid method, which only changes the
// plan built at load), so a changed setting or input rebuilds only the files
// it affects. A cached file serves any sub-range of the days it holds.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "io/daily.h"
#include "io/regrid/regrid.h"
#include "train/common/log.h"  // ProgressFn
#include "train/config/run_config.h"

namespace rf::pipe {

struct SourceData {
  std::string name;                 // kSourceNames[channel]
  bool configured = false;          // false: the run has no such source (never available)
  io::DailyCube cube;               // native grid, days == Prepared::days (NaN missing)
  io::RegridPlan plan;              // cube.grid -> working grid, RunConfig::regrid_method
  int planes = 1;                   // io::regrid_source_planes(plan)
  // [day][planes][cube.grid.size()] the regrid's source planes per day (the
  // field itself, or value + gradients for bicubic): apply_regrid_span reads them.
  std::vector<float> source_planes;
  std::vector<uint8_t> available;   // [day] 1 when coverage >= min_coverage

  const float* planes_of_day(size_t t) const { return source_planes.data() + t * size_t(planes) * cube.grid.size(); }
  // Working-grid values [r][c0, c0+n) of day t (NaN = missing): the regrid of one row span.
  void row(size_t t, int64_t r, int64_t c0, int64_t n, float* out) const;
};

struct Station {
  std::string id, name;
  double lon = 0, lat = 0, elevation_m = 0;
  int64_t row = 0, col = 0;         // working-grid pixel holding the station
};

// What one prepare() call did (the summary of `rainfuse prepare`, and tests).
struct PrepareStats {
  int rebuilt = 0;                  // cached artifacts (re)built; 0 = everything loaded from the cache
  size_t source_files[5] = {};      // input files matched per source
  double source_seconds[5] = {};    // per source: read/aggregate or load, regrid planes, availability
  double gauge_seconds = 0, dem_seconds = 0, total_seconds = 0;
  std::string cache_dir;            // <out>/cache
};

struct Prepared {
  io::Grid grid;                    // working grid, latitude ascending (row 0 = south)
  std::vector<io::DayNumber> days;  // the period, consecutive
  SourceData sources[5];            // channel order kSourceNames
  std::vector<float> elevation;     // [ny][nx] m on the working grid (0 without a DEM)
  std::vector<Station> stations;    // stations inside the grid with at least one valid day
  std::vector<float> gauge_mm;      // [station][day] mm/day, NaN missing
  PrepareStats stats;

  int64_t ny() const { return int64_t(grid.ny()); }
  int64_t nx() const { return int64_t(grid.nx()); }
  float gauge(size_t s, size_t t) const { return gauge_mm[s * days.size() + t]; }
  int day_index(io::DayNumber d) const;  // -1 outside the period
};

// Builds (or loads from the cache) the prepared data of `cfg` for days
// [first, last] (defaults: cfg.start..cfg.end). Errors name the file and the problem.
Prepared prepare(const RunConfig& cfg, const ProgressFn& progress = {});
Prepared prepare(const RunConfig& cfg, io::DayNumber first, io::DayNumber last, const ProgressFn& progress = {});

}  // namespace rf::pipe
