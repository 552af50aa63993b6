// Round trip synth -> io readers -> CMA-day totals, compared cell by cell with
// the totals the twin intended (intended/<product>_YYYY.nc, written by synth on
// the product's native window). Cells are matched by coordinates (longitudes
// normalised to [0, 360)), so the readers' own window choice is free as long as
// it lies inside the twin's window.
#pragma once
#include <gtest/gtest.h>
#include <netcdf.h>

#include <cmath>
#include <string>
#include <vector>

#include "io/aggregate/daily_from_files.h"
#include "io/synth/synth.h"

namespace rf::io::roundtrip {

struct Intended {
  std::vector<double> lat, lon, time;
  std::vector<float> v;  // [nt][nlat][nlon]
};

inline Intended read_intended(const std::string& path) {
  Intended r;
  int nc, d;
  size_t n;
  if (nc_open(path.c_str(), NC_NOWRITE, &nc) != NC_NOERR) throw std::runtime_error(path + ": cannot open");
  auto axis = [&](const char* name, std::vector<double>& out) {
    int v;
    nc_inq_dimid(nc, name, &d);
    nc_inq_dimlen(nc, d, &n);
    out.resize(n);
    nc_inq_varid(nc, name, &v);
    nc_get_var_double(nc, v, out.data());
  };
  axis("lat", r.lat);
  axis("lon", r.lon);
  axis("time", r.time);
  int v;
  nc_inq_varid(nc, "precipitation", &v);
  r.v.resize(r.time.size() * r.lat.size() * r.lon.size());
  nc_get_var_float(nc, v, r.v.data());
  nc_close(nc);
  return r;
}

// Index of the value of ascending `axis` within 1e-4 degree of x (after
// normalising longitudes to [0, 360) when `lon`), or -1. Files may store float
// coordinates, so exact keys would not do.
inline long find_coord(const std::vector<double>& axis, double x, bool lon) {
  auto norm = [&](double v) { return lon ? std::fmod(v + 720.0, 360.0) : v; };
  x = norm(x);
  long best = -1;
  double bd = 1e-4;
  for (size_t i = 0; i < axis.size(); ++i)
    if (std::fabs(norm(axis[i]) - x) < bd) bd = std::fabs(norm(axis[i]) - x), best = long(i);
  return best;
}

// Compares day `day` of a reader cube with the intended field. Returns the
// number of compared cells.
inline long compare_day(const DailyCube& cube, DayNumber day, const Intended& want, double tol) {
  size_t t = 0;
  while (t < cube.days.size() && cube.days[t] != day) ++t;
  EXPECT_LT(t, cube.days.size()) << "day missing from the reader's cube";
  size_t tw = 0;
  while (tw < want.time.size() && want.time[tw] != day) ++tw;
  EXPECT_LT(tw, want.time.size()) << "day missing from the intended file";
  if (t == cube.days.size() || tw == want.time.size()) return 0;
  std::vector<long> wi(cube.grid.nx()), wj(cube.grid.ny());
  for (size_t i = 0; i < wi.size(); ++i) wi[i] = find_coord(want.lon, cube.grid.lon[i], true);
  for (size_t j = 0; j < wj.size(); ++j) wj[j] = find_coord(want.lat, cube.grid.lat[j], false);
  const float* got = cube.day_ptr(t);
  long compared = 0, bad = 0, wet = 0;
  for (size_t j = 0; j < cube.grid.ny(); ++j)
    for (size_t i = 0; i < cube.grid.nx(); ++i) {
      EXPECT_TRUE(wi[i] >= 0 && wj[j] >= 0) << "reader cell outside the twin's window: " << cube.grid.lon[i] << ", "
                                             << cube.grid.lat[j];
      if (wi[i] < 0 || wj[j] < 0) return compared;
      const float w = want.v[(tw * want.lat.size() + size_t(wj[j])) * want.lon.size() + size_t(wi[i])];
      const float g = got[j * cube.grid.nx() + i];
      ++compared;
      if (std::isnan(w) || std::isnan(g)) {
        if (std::isnan(w) != std::isnan(g) && bad++ < 3)
          ADD_FAILURE() << cube.product << " (" << cube.grid.lon[i] << ", " << cube.grid.lat[j] << "): reader " << g
                        << ", intended " << w;
        continue;
      }
      wet += w > 0.1f;
      if (!(std::fabs(g - w) <= tol + 1e-5 * std::fabs(w)) && bad++ < 3)
        ADD_FAILURE() << cube.product << " (" << cube.grid.lon[i] << ", " << cube.grid.lat[j] << "): reader " << g
                      << ", intended " << w;
    }
  EXPECT_EQ(bad, 0) << cube.product;
  EXPECT_GT(wet, compared / 20) << cube.product << ": too few wet cells for a meaningful comparison";
  return compared;
}

}  // namespace rf::io::roundtrip
