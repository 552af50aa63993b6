// DEM of prepare(): elevation on the working grid (cache/dem.nc). A DEM finer
// than the working grid is averaged over each working cell (the mean of the DEM
// cells centred inside it); otherwise, and for working cells holding no DEM
// centre, it is interpolated bilinearly (CDO remapbil, io/regrid).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "io/cf/writer.h"
#include "io/regrid/regrid.h"
#include "train/common/log.h"
#include "train/prepare/prepare_steps.h"

namespace rf::pipe::prep {
namespace {

double mean_step(const std::vector<double>& c) {
  return c.size() > 1 ? std::fabs(c.back() - c.front()) / double(c.size() - 1) : 0.0;
}

std::vector<float> dem_on_grid(const io::DailyCube& dem, const io::Grid& working, const std::string& path) {
  const io::Grid& src = dem.grid;
  const io::Region box = grid_box(working);
  auto covers = [](const std::vector<double>& c, double a, double b) {
    const auto [lo, hi] = std::minmax_element(c.begin(), c.end());
    return !c.empty() && *lo <= a && *hi >= b;
  };
  if (!covers(src.lon, working.lon.front(), working.lon.back()) ||
      !covers(src.lat, working.lat.front(), working.lat.back()))
    throw std::runtime_error(path + ": the DEM does not cover the working grid (" + std::to_string(box.lon0) + "-" +
                             std::to_string(box.lon1) + " E, " + std::to_string(box.lat0) + "-" +
                             std::to_string(box.lat1) + " N)");
  const size_t nx = working.nx(), ny = working.ny();
  std::vector<float> out(nx * ny);
  io::apply_regrid(io::make_regrid_plan(src, working, io::RegridMethod::Bilinear), dem.precip.data(), out.data());
  const bool finer = mean_step(src.lon) < 0.75 * mean_step(working.lon) &&
                     mean_step(src.lat) < 0.75 * mean_step(working.lat);
  if (!finer) return out;
  // Block mean: each DEM cell adds to the working cell holding its centre.
  std::vector<int64_t> col(src.nx()), row(src.ny());
  for (size_t i = 0; i < src.nx(); ++i) col[i] = cell_of(working.lon, src.lon[i]);
  for (size_t j = 0; j < src.ny(); ++j) row[j] = cell_of(working.lat, src.lat[j]);
  std::vector<double> sum(nx * ny, 0.0);
  std::vector<int> count(nx * ny, 0);
  for (size_t j = 0; j < src.ny(); ++j) {
    if (row[j] < 0) continue;
    const float* f = dem.precip.data() + j * src.nx();
    for (size_t i = 0; i < src.nx(); ++i)
      if (col[i] >= 0 && !std::isnan(f[i])) {
        const size_t k = size_t(row[j]) * nx + size_t(col[i]);
        sum[k] += f[i], ++count[k];
      }
  }
  for (size_t k = 0; k < out.size(); ++k)
    if (count[k]) out[k] = float(sum[k] / count[k]);
  return out;
}

}  // namespace

std::vector<float> prepare_dem(const RunConfig& cfg, const io::Grid& working, Manifest& manifest) {
  if (cfg.dem.empty()) {
    log("prepare: no DEM configured: elevation is 0 (channel 5 carries nothing)");
    return std::vector<float>(working.size(), 0.0f);
  }
  if (!std::filesystem::exists(cfg.dem)) throw std::runtime_error(cfg.dem + ": DEM file not found (dem.path)");
  char grid[200];
  std::snprintf(grid, sizeof grid, "grid %zu %zu %.10g %.10g %.10g %.10g\n", working.nx(), working.ny(),
                working.lon.front(), working.lon.back(), working.lat.front(), working.lat.back());
  const std::string key = "dem variable " + cfg.dem_var + "\n" + grid + stamp_files({cfg.dem});
  const std::string path = cfg.path("cache/dem.nc");
  io::DayNumber bf, bl;
  if (!cache_serves(manifest.block("dem.nc"), key, 0, 0, bf, bl) || !cache_file_intact(manifest.block("dem.nc"), path)) {
    const io::DailyCube src = io::read_cf_daily(cfg.dem, cfg.dem_var);
    io::DailyCube c;
    c.product = "dem";
    c.grid = working;
    c.days = {0};
    c.precip = dem_on_grid(src, working, cfg.dem);
    io::CfOptions opt;
    opt.title = "rainfuse prepare cache: elevation on the working grid";
    opt.source = cfg.dem;
    opt.model = "none";
    opt.history = "rainfuse prepare";
    opt.history_timestamp = false;  // the same inputs give the same bytes (a killed run's rebuild too)
    opt.write_valid_steps = false;
    opt.var_name = "elevation";
    opt.units = std::string(1, 'm');  // (a one-char literal trips GCC 12's -Wrestrict false positive)
    opt.standard_name = "surface_altitude";
    opt.long_name = "surface elevation";
    opt.cell_methods = "area: mean";
    io::write_cf_daily(path, c, opt);
    manifest.set("dem.nc", cache_block(key, 0, 0) + content_line(path));
    ++manifest.rebuilt;
  }
  io::DailyCube c = io::read_cf_daily(path, "elevation");
  if (!(c.grid.nx() == working.nx() && c.grid.ny() == working.ny()))
    throw std::runtime_error(path + ": cached DEM is not on the working grid");
  return std::move(c.precip);
}

}  // namespace rf::pipe::prep
