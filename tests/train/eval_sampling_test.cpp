// Sampling gridded products at gauges (io::sample_points, used by the
// standalone `rainfuse evaluate`) reads storage chunks, not one series per
// station. Checked here against the straightforward reference (one
// (time, 1, 1) hyperslab per station, written below) on every storage layout a
// user's file may have: the CF writer's 5 x 128 x 128 chunks (several chunk rows
// and columns), int16 packing, whole-map chunks per day wider than a 256-cell
// tile, and contiguous netCDF-3; with NaNs, several stations in one cell,
// several files (years) behind a glob, and stations outside the grid.
#include <gtest/gtest.h>
#include <netcdf.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "io/cf/nc_util.h"
#include "io/cf/writer.h"
#include "io/sample/point_series.h"
#include "tests/train/temp_dir.h"
#include "train/pipeline/eval_standalone.h"

using namespace rf::io;

namespace {

// 300 x 150 cells of 0.02 degrees (lon 95.01.., lat 35.01..): 3 x 2 chunks of
// 128 cells in the CF writer's files, 2 tiles of 256 cells in a whole-map chunk.
const Grid kGrid = Grid::regular(95.01, 0.02, 300, 35.01, 0.02, 150);

// Random rain with ~30 % dry cells and ~5 % NaN.
std::vector<float> random_days(size_t nt, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<float> v(nt * kGrid.size());
  for (auto& x : v) {
    const float r = u(rng);
    x = r < 0.05f ? NAN : r < 0.35f ? 0.f : 60.f * u(rng) * u(rng);
  }
  return v;
}

DailyCube cube_of(DayNumber first, size_t nt, uint32_t seed) {
  DailyCube c;
  c.product = "sampling-test";
  c.grid = kGrid;
  for (size_t t = 0; t < nt; ++t) c.days.push_back(first + DayNumber(t));
  c.precip = random_days(nt, seed);
  return c;
}

// The layouts CF writers other than ours produce: time (unlimited) x whole map
// chunks of one day (classic = false), or netCDF-3 classic, contiguous records.
void write_by_hand(const std::string& path, const DailyCube& c, bool classic) {
  nc::File f(path, classic ? NC_CLOBBER : (NC_CLOBBER | NC_NETCDF4), true);
  int dt, dy, dx, vt, vy, vx, vp;
  nc::check(nc_def_dim(f.id, "time", NC_UNLIMITED, &dt), path, "dim");
  nc::check(nc_def_dim(f.id, "lat", kGrid.ny(), &dy), path, "dim");
  nc::check(nc_def_dim(f.id, "lon", kGrid.nx(), &dx), path, "dim");
  nc::check(nc_def_var(f.id, "time", NC_DOUBLE, 1, &dt, &vt), path, "var");
  nc::put_text(f.id, vt, "units", "hours since 1990-01-01 00:00:00", path);
  nc::check(nc_def_var(f.id, "lat", NC_DOUBLE, 1, &dy, &vy), path, "var");
  nc::check(nc_def_var(f.id, "lon", NC_DOUBLE, 1, &dx, &vx), path, "var");
  const int d3[3] = {dt, dy, dx};
  nc::check(nc_def_var(f.id, "rain", NC_FLOAT, 3, d3, &vp), path, "var");
  const float fill = -999.f;
  nc::check(nc_put_att_float(f.id, vp, "_FillValue", NC_FLOAT, 1, &fill), path, "fill");
  if (!classic) {
    const size_t chunks[3] = {1, kGrid.ny(), kGrid.nx()};
    nc::check(nc_def_var_chunking(f.id, vp, NC_CHUNKED, chunks), path, "chunking");
    nc::check(nc_def_var_deflate(f.id, vp, 1, 1, 1), path, "deflate");
  }
  nc::check(nc_enddef(f.id), path, "enddef");
  nc::check(nc_put_var_double(f.id, vy, kGrid.lat.data()), path, "lat");
  nc::check(nc_put_var_double(f.id, vx, kGrid.lon.data()), path, "lon");
  std::vector<float> day(kGrid.size());
  for (size_t t = 0; t < c.nt(); ++t) {
    const double hours = double(c.days[t] - day_from_ymd(1990, 1, 1)) * 24 + 12;  // noon: the same date
    const size_t t1[1] = {t}, one[1] = {1};
    nc::check(nc_put_vara_double(f.id, vt, t1, one, &hours), path, "time");
    for (size_t k = 0; k < day.size(); ++k) day[k] = std::isnan(c.day_ptr(t)[k]) ? fill : c.day_ptr(t)[k];
    const size_t start[3] = {t, 0, 0}, count[3] = {1, kGrid.ny(), kGrid.nx()};
    nc::check(nc_put_vara_float(f.id, vp, start, count, day.data()), path, "rain");
  }
  f.close();
}

// The reference: each station's nearest cell, its whole series in one
// (time, 1, 1) hyperslab, fill and packing decoded.
std::vector<std::vector<float>> reference(const std::string& path, const std::string& var,
                                          const std::vector<PointRequest>& pts) {
  nc::File f(path, NC_NOWRITE);
  int v, vy, vx, dt;
  nc::check(nc_inq_varid(f.id, var.c_str(), &v), path, var);
  nc::check(nc_inq_varid(f.id, "lat", &vy), path, "lat");
  nc::check(nc_inq_varid(f.id, "lon", &vx), path, "lon");
  nc::check(nc_inq_dimid(f.id, "time", &dt), path, "time");
  size_t nt;
  nc::check(nc_inq_dimlen(f.id, dt, &nt), path, "time");
  std::vector<double> lat(kGrid.ny()), lon(kGrid.nx());
  nc_get_var_double(f.id, vy, lat.data());
  nc_get_var_double(f.id, vx, lon.data());
  double fill = NAN, scale = 1, offset = 0;
  nc::get_double_att(f.id, v, "_FillValue", fill);
  nc::get_double_att(f.id, v, "scale_factor", scale);
  nc::get_double_att(f.id, v, "add_offset", offset);
  auto nearest = [](const std::vector<double>& axis, double x) {
    size_t best = 0;
    for (size_t k = 1; k < axis.size(); ++k)
      if (std::fabs(axis[k] - x) < std::fabs(axis[best] - x)) best = k;
    return best;
  };
  std::vector<std::vector<float>> out;
  std::vector<double> buf(nt);
  for (const auto& p : pts) {
    const size_t start[3] = {0, nearest(lat, p.lat), nearest(lon, p.lon)}, count[3] = {nt, 1, 1};
    nc::check(nc_get_vara_double(f.id, v, start, count, buf.data()), path, "series");
    auto& s = out.emplace_back(nt);
    for (size_t t = 0; t < nt; ++t) s[t] = buf[t] == fill ? NAN : float(buf[t] * scale + offset);
  }
  return out;
}

// 40 random stations (not on cell edges), two pairs sharing a cell, one in each grid corner.
std::vector<PointRequest> stations() {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> ci(0, int(kGrid.nx()) - 1), cj(0, int(kGrid.ny()) - 1);
  std::uniform_real_distribution<double> off(-0.009, 0.009);
  std::vector<PointRequest> pts;
  for (int k = 0; k < 40; ++k) {
    std::string id = "s";
    id += std::to_string(k);
    pts.push_back({id, kGrid.lon[size_t(ci(rng))] + off(rng), kGrid.lat[size_t(cj(rng))] + off(rng)});
  }
  pts.push_back({"twin0", pts[0].lon + 0.002, pts[0].lat - 0.002});
  pts.push_back({"twin7", pts[7].lon - 0.002, pts[7].lat + 0.002});
  pts.push_back({"sw", kGrid.lon.front() - 0.009, kGrid.lat.front() - 0.009});
  pts.push_back({"ne", kGrid.lon.back() + 0.009, kGrid.lat.back() + 0.009});
  return pts;
}

// Every station-day equal to the reference (NaN where it is NaN); returns the NaN count.
size_t expect_same(const SampledSeries& s, const std::vector<std::vector<float>>& ref, const std::string& what) {
  size_t nans = 0;
  EXPECT_EQ(s.values.size(), ref.size()) << what;
  for (size_t p = 0; p < ref.size() && p < s.values.size(); ++p) {
    EXPECT_EQ(s.values[p].size(), ref[p].size()) << what;
    if (s.values[p].size() != ref[p].size()) continue;
    for (size_t t = 0; t < ref[p].size(); ++t) {
      if (std::isnan(ref[p][t])) {
        ++nans;
        EXPECT_TRUE(std::isnan(s.values[p][t])) << what << " station " << p << " day " << t;
      } else  // equal up to the rounding of raw * scale + offset (FMA contraction may differ)
        EXPECT_NEAR(s.values[p][t], ref[p][t], 1e-6f * std::max(1.f, std::fabs(ref[p][t])))
            << what << " station " << p << " day " << t;
    }
  }
  return nans;
}

}  // namespace

TEST(EvalSampling, ChunkedReadsEqualOneSeriesPerStation) {
  rf::testing::TmpDir dir("eval-sampling");
  const auto pts = stations();
  const DailyCube c = cube_of(day_from_ymd(2020, 3, 1), 23, 17);  // 23 days: 5 time chunks, the last partial
  const std::string cf = (dir.path / "cf.nc").string(), packed = (dir.path / "packed.nc").string();
  CfOptions o;
  o.write_valid_steps = false;
  o.time_chunk = 5;
  write_cf_daily(cf, c, o);
  o.pack_int16 = true;
  write_cf_daily(packed, c, o);
  const std::string by_day = (dir.path / "by_day.nc").string(), classic = (dir.path / "classic.nc").string();
  write_by_hand(by_day, c, false);
  write_by_hand(classic, c, true);
  for (const auto& [path, var] : std::vector<std::pair<std::string, std::string>>{
           {cf, "precipitation"}, {packed, "precipitation"}, {by_day, "rain"}, {classic, "rain"}}) {
    const SampledSeries s = sample_points(path, var, pts);
    ASSERT_EQ(s.days.size(), c.nt()) << path;
    EXPECT_EQ(s.days.front(), c.days.front()) << path;
    EXPECT_EQ(s.days.back(), c.days.back()) << path;
    const auto ref = reference(path, var, pts);
    EXPECT_GT(expect_same(s, ref, path), 0u) << "the fixture must hold NaNs at stations";
    // the corner stations read the cube's own corner cells (not only agreement with the reference)
    for (size_t t = 0; t < c.nt(); ++t) {
      const float want_sw = c.day_ptr(t)[0], got_sw = s.values[pts.size() - 2][t];
      if (std::isnan(want_sw)) EXPECT_TRUE(std::isnan(got_sw)) << path;
      else EXPECT_NEAR(got_sw, want_sw, path == packed ? 0.0051f : 0.f) << path << " day " << t;
      const float want_ne = c.day_ptr(t)[kGrid.size() - 1], got_ne = s.values[pts.size() - 1][t];
      if (std::isnan(want_ne)) EXPECT_TRUE(std::isnan(got_ne)) << path;
      else EXPECT_NEAR(got_ne, want_ne, path == packed ? 0.0051f : 0.f) << path << " day " << t;
    }
  }
}

TEST(EvalSampling, StationsOutsideTheGridAreAllNamed) {
  rf::testing::TmpDir dir("eval-sampling");
  const std::string path = (dir.path / "f.nc").string();
  write_by_hand(path, cube_of(day_from_ymd(2020, 1, 1), 2, 3), false);
  auto pts = stations();
  pts.push_back({"west", 94.5, 36.0});
  pts.push_back({"north", 96.0, 38.5});
  try {
    sample_points(path, "rain", pts);
    FAIL() << "stations outside the grid accepted";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    for (const char* part : {"2 stations are outside the grid", "station west (94.5000E, 36.0000N)",
                             "station north (96.0000E, 38.5000N)", "lon 95.0100..100.9900E"})
      EXPECT_NE(m.find(part), std::string::npos) << "'" << part << "' not in: " << m;
    EXPECT_EQ(m.rfind(path, 0), 0u) << m;
    EXPECT_EQ(m.find("station s1 "), std::string::npos) << "inside stations are not listed: " << m;
  }
}

// A glob of one file per year: load_product takes every day of every file.
TEST(EvalSampling, GlobOfYearFilesThroughLoadProduct) {
  rf::testing::TmpDir dir("eval-sampling");
  const auto pts = stations();
  const DailyCube y2019 = cube_of(day_from_ymd(2019, 12, 20), 12, 21), y2020 = cube_of(day_from_ymd(2020, 1, 1), 9, 22);
  CfOptions o;
  o.write_valid_steps = false;
  o.time_chunk = 4;
  write_cf_daily((dir.path / "p_2019.nc").string(), y2019, o);
  write_cf_daily((dir.path / "p_2020.nc").string(), y2020, o);
  const std::string stations_csv = (dir.path / "stations.csv").string();
  {
    std::FILE* f = std::fopen(stations_csv.c_str(), "w");
    std::fprintf(f, "station_id,name,lat,lon,elevation_m\n");
    for (const auto& p : pts) std::fprintf(f, "%s,x,%.6f,%.6f,3000\n", p.id.c_str(), p.lat, p.lon);
    std::fclose(f);
  }
  rf::pipe::StandaloneGauges gauges;
  for (const auto& p : pts) gauges.values[{p.id, day_from_ymd(2020, 1, 1)}] = 1.0;
  gauges.stations = rf::io::read_gauge_stations(stations_csv);
  gauges.stations_from = stations_csv;
  const auto got = rf::pipe::load_product({"p", (dir.path / "p_20*.nc").string()}, gauges, "");
  EXPECT_EQ(got.size(), pts.size() * 21);
  size_t checked = 0;
  for (const auto& [path, cube] : {std::pair{dir.path / "p_2019.nc", &y2019}, std::pair{dir.path / "p_2020.nc", &y2020}}) {
    const auto ref = reference(path.string(), "precipitation", pts);
    for (size_t p = 0; p < pts.size(); ++p)
      for (size_t t = 0; t < cube->nt(); ++t) {
        const auto it = got.find({pts[p].id, cube->days[t]});
        ASSERT_NE(it, got.end()) << pts[p].id << " " << format_date(cube->days[t]);
        if (std::isnan(ref[p][t])) EXPECT_TRUE(std::isnan(it->second));
        else EXPECT_EQ(it->second, double(ref[p][t])) << pts[p].id << " " << format_date(cube->days[t]);
        ++checked;
      }
  }
  EXPECT_EQ(checked, pts.size() * 21);
}
