// `rainfuse daily --product era5` (RAINFUSE_BINARY) on ERA5 as today's CDS
// delivers it, written here from the documented layouts: zip archives of
// accum/instant members, GRIB files with one message per hour, and ERA5-Land
// accumulations from 00 UTC split over two files at 00 UTC (the hour ending
// 00 UTC joins the fields of both files). Daily totals are compared with sums
// of the hourly amounts the files were made from; a missing previous file is
// refused with the reason.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "io/cf/writer.h"
#include "tests/io/era5_fixture.h"
#include "tests/io/io_fixture.h"
#include "tests/io/readers_fixture.h"

namespace rf::io::test {
namespace {

const DayNumber kD = day_from_ymd(2020, 7, 2);

// Hours ending 2020-07-01 01:00 … 07-04 00:00 on a (inc)-degree grid from 88 E, 41 N (N->S), metres.
struct Hours {
  double inc;
  size_t nx, ny;
  std::vector<double> lon, lat;
  std::vector<UnixSeconds> stamps;
  std::vector<float> m;
  Hours(double inc_, size_t nx_, size_t ny_) : inc(inc_), nx(nx_), ny(ny_), lon(axis(88.0, inc, nx)), lat(axis(41.0, -inc, ny)) {
    for (int h = 1; h <= 72; ++h) stamps.push_back(day_start(kD - 1) + h * 3600);
    m = rain(72 * nx * ny, 21, 0.002f);
  }
  size_t n() const { return nx * ny; }
  // mm over hours ending in (first, last] at cell (j, i).
  double sum(UnixSeconds first, UnixSeconds last, size_t j, size_t i) const {
    double s = 0;
    for (size_t t = 0; t < stamps.size(); ++t)
      if (stamps[t] > first && stamps[t] <= last) s += double(m[t * n() + j * nx + i]) * 1000.0;
    return s;
  }
  // Runs daily over CMA days 07-02 .. 07-03 on `pattern` and compares every cell.
  void expect_daily(const ScratchDir& d, const std::string& pattern, double tol) const {
    const std::string out = d / "daily.nc";
    std::string log;
    ASSERT_EQ(run(bin() + " daily --product era5 --input '" + pattern + "' --start 2020-07-02 --end 2020-07-03 --out " + out, &log), 0)
        << log;
    const DailyCube c = read_cf_daily(out);
    ASSERT_EQ(c.nt(), 2u);
    for (size_t t = 0; t < 2; ++t) {
      const UnixSeconds w0 = day_start(kD + DayNumber(t)) - 12 * 3600;
      for (size_t j = 0; j < c.grid.ny(); ++j)
        for (size_t i = 0; i < c.grid.nx(); ++i) {
          const size_t sj = size_t(std::lround((41.0 - c.grid.lat[j]) / inc)), si = size_t(std::lround((c.grid.lon[i] - 88.0) / inc));
          ASSERT_NEAR(c.day_ptr(t)[j * c.grid.nx() + i], sum(w0, w0 + 86400, sj, si), tol) << t << " " << j << " " << i;
        }
    }
  }
  std::vector<float> slice(const std::vector<float>& v, size_t t0, size_t t1) const {
    return {v.begin() + long(t0 * n()), v.begin() + long(t1 * n())};
  }
};

TEST(DailyEra5, CdsZipArchives) {
  ScratchDir d;
  Hours h(0.25, 66, 42);
  Grid g{h.lon, h.lat};
  for (int f = 0; f < 2; ++f) {
    const size_t t0 = f ? 40 : 0, t1 = f ? 72 : 40;
    const std::string a = d / ("accum" + std::to_string(f) + ".nc"), i = d / ("instant" + std::to_string(f) + ".nc");
    write_era5(a, false, h.lon, h.lat, {h.stamps.begin() + long(t0), h.stamps.begin() + long(t1)}, h.slice(h.m, t0, t1));
    write_test_nc(i, g, t1 - t0, std::vector<float>((t1 - t0) * g.size(), 290.f), "t2m", "K");
    write_zip(d / ("era5_" + std::to_string(f) + ".zip"),
              {{"data_stream-oper_stepType-instant.nc", i}, {"data_stream-oper_stepType-accum.nc", a}});
  }
  h.expect_daily(d, d / "era5_*.zip", 1e-3);
}

TEST(DailyEra5, GribOneMessagePerHour) {
  ScratchDir d;
  Hours h(0.25, 66, 42);
  for (int f = 0; f < 2; ++f) {
    std::vector<GribField> msgs;
    for (size_t t = f ? 40 : 0; t < (f ? 72u : 40u); ++t) {
      GribField g;
      g.lon1 = h.lon.front(), g.lon2 = h.lon.back(), g.lat1 = h.lat.front(), g.lat2 = h.lat.back();
      g.ni = long(h.nx), g.nj = long(h.ny);
      grib_date_time(h.stamps[t] - 3600, g.date, g.time);  // "0-1" from the hour's start
      g.step_range = "0-1";
      const auto v = h.slice(h.m, t, t + 1);
      g.m.assign(v.begin(), v.end());
      msgs.push_back(g);
    }
    write_grib_file(d / ("era5_" + std::to_string(f) + ".grib"), msgs);
  }
  h.expect_daily(d, d / "era5_*.grib", 24 * 0.002 * 1000 / 65536 + 1e-3);
}

// ERA5-Land at 0.1 degree, as monthly-style files that start at 00 UTC: file A
// holds the fields of 07-01 01:00 … 07-02 23:00, file B those of 07-03 00:00 …
// 07-04 00:00; B's first field is the whole of 07-02, whose last hour needs A's.
TEST(DailyEra5, LandAccumulationsAcrossTwoFiles) {
  ScratchDir d;
  Hours h(0.1, 165, 105);
  const auto acc = land_accumulate(h.stamps, h.m, h.n());
  write_era5(d / "land_a.nc", false, h.lon, h.lat, {h.stamps.begin(), h.stamps.begin() + 47}, h.slice(acc, 0, 47));
  write_era5(d / "land_b.nc", false, h.lon, h.lat, {h.stamps.begin() + 47, h.stamps.end()}, h.slice(acc, 47, 72));
  h.expect_daily(d, d / "land_*.nc", 1e-3);
  // Without file A the hour ending 07-03 00:00 cannot be de-accumulated: refused, saying why.
  std::filesystem::remove(d / "land_a.nc");
  std::string log;
  EXPECT_EQ(run(bin() + " daily --product era5 --input '" + (d / "land_*.nc") + "' --start 2020-07-03 --end 2020-07-03 --out " +
                    (d / "o.nc"), &log), 1);
  EXPECT_NE(log.find(d / "land_b.nc" + ": tp at 2020-07-03 00:00 UTC is accumulated since 2020-07-02 00:00 UTC (ERA5-Land); "
                              "the field of 2020-07-02 23:00 UTC is in no input file"),
            std::string::npos)
      << log;
}

}  // namespace
}  // namespace rf::io::test
