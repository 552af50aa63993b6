// GSMaP hourly netCDF: `hourlyPrecipRateGC` (mm/hr) on Latitude x Longitude in
// the two namings (JAXA gsmap_gauge.YYYYMMDD.HH00.*.nc, G-Portal
// GPMMRG_MAP_YYMMDDHH00_H_*.nc), either axis order and direction, with or
// without a time axis; the satellite-only rate refused; `rainfuse daily` over a
// CMA day of such files against sums of the written rates. The files are
// regional cuts (the reader needs only the window).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "io/cf/writer.h"
#include "io/readers/products.h"
#include "tests/io/io_fixture.h"
#include "tests/io/readers_fixture.h"

namespace rf::io::test {
namespace {

struct Layout {
  bool lat_first = true;      // (Latitude, Longitude) else (Longitude, Latitude)
  bool north_first = true;    // Latitude N->S
  bool time_axis = true;      // a leading time=1 axis
  bool calibrated = true;     // hourlyPrecipRateGC present (else only hourlyPrecipRate)
};

const size_t kNx = 170, kNy = 110;
double lon_of(size_t c) { return 88.05 + 0.1 * double(c); }
double lat_of(size_t r) { return 29.05 + 0.1 * double(r); }  // r = 0 south
float rate(size_t r, size_t c, int h) { return (r == 50 && c == 60) ? -4.f : float((r * 3 + c * 5 + size_t(h)) % 11) * 0.3f; }

void write(const std::string& path, const Layout& l, int h) {
  int nc, dt = -1, dy, dx, vy, vx, vt = -1, vp, vm;
  ok(nc_create(path.c_str(), NC_CLOBBER | NC_NETCDF4, &nc), "create");
  if (l.time_axis) ok(nc_def_dim(nc, "time", 1, &dt), "dim");
  ok(nc_def_dim(nc, "Latitude", kNy, &dy), "dim");
  ok(nc_def_dim(nc, "Longitude", kNx, &dx), "dim");
  ok(nc_def_var(nc, "Latitude", NC_FLOAT, 1, &dy, &vy), "var");
  ok(nc_def_var(nc, "Longitude", NC_FLOAT, 1, &dx, &vx), "var");
  att(nc, vy, "units", "degrees_north");
  att(nc, vx, "units", "degrees_east");
  if (l.time_axis) {
    ok(nc_def_var(nc, "time", NC_DOUBLE, 1, &dt, &vt), "var");
    att(nc, vt, "units", "hours since 1970-01-01 00:00:00");
  }
  std::vector<int> dims;
  if (l.time_axis) dims.push_back(dt);
  dims.push_back(l.lat_first ? dy : dx);
  dims.push_back(l.lat_first ? dx : dy);
  const float fill = -999.9f;
  ok(nc_def_var(nc, "hourlyPrecipRate", NC_FLOAT, int(dims.size()), dims.data(), &vm), "var");
  att(nc, vm, "units", "mm/hr");
  ok(nc_def_var_fill(nc, vm, 0, &fill), "fill");
  if (l.calibrated) {
    ok(nc_def_var(nc, "hourlyPrecipRateGC", NC_FLOAT, int(dims.size()), dims.data(), &vp), "var");
    att(nc, vp, "units", "mm/hr");
    ok(nc_def_var_fill(nc, vp, 0, &fill), "fill");
  }
  ok(nc_enddef(nc), "enddef");
  std::vector<double> la(kNy), lo(kNx);
  for (size_t r = 0; r < kNy; ++r) la[r] = lat_of(l.north_first ? kNy - 1 - r : r);
  for (size_t c = 0; c < kNx; ++c) lo[c] = lon_of(c);
  ok(nc_put_var_double(nc, vy, la.data()), "lat");
  ok(nc_put_var_double(nc, vx, lo.data()), "lon");
  if (l.time_axis) {
    const double t = 0;
    const size_t z = 0;
    ok(nc_put_var1_double(nc, vt, &z, &t), "time");
  }
  std::vector<float> v(kNx * kNy);
  for (size_t a = 0; a < kNy; ++a)
    for (size_t c = 0; c < kNx; ++c) {
      const size_t r = l.north_first ? kNy - 1 - a : a;
      v[l.lat_first ? a * kNx + c : c * kNy + a] = rate(r, c, h);
    }
  ok(nc_put_var_float(nc, vm, v.data()), "rate");
  if (l.calibrated) ok(nc_put_var_float(nc, vp, v.data()), "rate");
  ok(nc_close(nc), "close");
}

double mm_at(double lat, double lon, int h) {
  const float v = rate(size_t(std::lround((lat - 29.05) / 0.1)), size_t(std::lround((lon - 88.05) / 0.1)), h);
  return v < 0 ? NAN : double(v);
}

TEST(GsmapNc, BothNamingsAndLayouts) {
  ScratchDir d;
  const ProductReader reader(Product::GSMaP, {});
  const UnixSeconds t = day_start(day_from_ymd(2020, 7, 1)) + 9 * 3600;
  struct Case {
    const char* name;
    Layout l;
  };
  const Case cases[] = {{"gsmap_gauge.20200701.0900.v8.0000.1.nc", {}},
                        {"GPMMRG_MAP_2007010900_H_L3S_MCN_05A.nc", {false, false, false}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string p = d / c.name;
    write(p, c.l, 4);
    EXPECT_FALSE(reader.thread_safe(p));  // netCDF-C
    EXPECT_EQ(reader.span_from_name(p), std::make_pair(t, t + 3600));
    const FileSteps fs = reader.read(p);
    ASSERT_EQ(fs.steps.size(), 1u);
    EXPECT_EQ(fs.steps[0].start, t);
    EXPECT_EQ(fs.steps[0].seconds, 3600);
    size_t nan = 0;
    for (size_t j = 0; j < fs.grid.ny(); ++j)
      for (size_t i = 0; i < fs.grid.nx(); ++i) {
        const double want = mm_at(fs.grid.lat[j], fs.grid.lon[i], 4);
        const float got = fs.steps[0].mm[j * fs.grid.nx() + i];
        if (std::isnan(want)) {
          ++nan;
          EXPECT_TRUE(std::isnan(got));
        } else {
          ASSERT_NEAR(got, want, 1e-5) << j << " " << i;
        }
      }
    EXPECT_EQ(nan, 1u);
  }
  const std::string mvk = d / "gsmap_gauge.20200701.0900.v8.0000.0.nc";
  write(mvk, {true, true, true, false}, 4);
  try {
    reader.read(mvk);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(mvk + ": variable 'hourlyPrecipRate': satellite-only", 0), 0u) << e.what();
  }
  const std::string odd = d / "gsmap_2020070109.nc";
  write(odd, {}, 4);
  try {
    reader.read(odd);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a GSMaP hourly netCDF name"), std::string::npos) << e.what();
  }
}

TEST(GsmapNc, DailyCliCmaDay) {
  ScratchDir d;
  const UnixSeconds w0 = day_start(day_from_ymd(2020, 7, 1)) + 12 * 3600;
  for (int h = 0; h < 24; ++h) {
    const UnixSeconds t = w0 + h * 3600;
    int y, m, dd;
    ymd_from_day(DayNumber(t / 86400), y, m, dd);
    char name[80];
    std::snprintf(name, sizeof name, "gsmap_gauge.%04d%02d%02d.%02d00.v8.0000.1.nc", y, m, dd, int(t % 86400 / 3600));
    write(d / name, {}, h);
  }
  const std::string out = d / "g.nc";
  std::string log;
  ASSERT_EQ(run(bin() + " daily --product gsmap --input '" + (d / "gsmap_gauge.*.nc") + "' --start 2020-07-02 --end 2020-07-02 --out " +
                    out, &log), 0) << log;
  const DailyCube c = read_cf_daily(out);
  ASSERT_EQ(c.nt(), 1u);
  for (size_t j = 0; j < c.grid.ny(); j += 9)
    for (size_t i = 0; i < c.grid.nx(); i += 11) {
      double want = 0;
      for (int h = 0; h < 24; ++h) want += mm_at(c.grid.lat[j], c.grid.lon[i], h);
      if (!std::isnan(want)) {
        ASSERT_NEAR(c.precip[j * c.grid.nx() + i], want, 1e-3) << j << " " << i;
      }
    }
}

}  // namespace
}  // namespace rf::io::test
