// Product readers on small files in each product's exact layout: values,
// window location (0-360 lon, N->S lat, (lon, lat) order), packing, fills,
// time stamps, and one-line errors for bad inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "io/readers/products.h"
#include "tests/io/io_fixture.h"
#include "tests/io/readers_fixture.h"

namespace rf::io::test {
namespace {

const UnixSeconds kT0 = day_start(day_from_ymd(2020, 7, 1)) + 13 * 3600;

// ERA5-like 0.25 points over 85..110 E (0-360 convention) and 45..25 N, N->S.
struct Era5Case {
  std::vector<double> lon = axis(85.0, 0.25, 101), lat = axis(45.0, -0.25, 81);
  std::vector<UnixSeconds> stamps{kT0, kT0 + 3600, kT0 + 7200};
  std::vector<float> m = rain(3 * 101 * 81, 11, 0.005f);
};

void expect_era5(const FileSteps& fs, const Era5Case& c, double tol) {
  // Window: Qinghai box 89.5..103.4 / 31.37..39.87 plus 2 points each side.
  ASSERT_EQ(fs.grid.lon.front(), 89.0);
  ASSERT_EQ(fs.grid.lon.back(), 103.75);
  ASSERT_EQ(fs.grid.lat.front(), 40.25);  // storage order kept: N->S
  ASSERT_EQ(fs.grid.lat.back(), 31.0);
  ASSERT_EQ(fs.steps.size(), 3u);
  const size_t i0 = 16, j0 = 19;  // 89.0 = 85 + 16*0.25; 40.25 = 45 - 19*0.25
  for (size_t t = 0; t < 3; ++t) {
    EXPECT_EQ(fs.steps[t].start, c.stamps[t] - 3600);  // hour ENDING at the stamp
    EXPECT_EQ(fs.steps[t].seconds, 3600);
    for (size_t j = 0; j < fs.grid.ny(); ++j)
      for (size_t i = 0; i < fs.grid.nx(); ++i) {
        const float want = c.m[t * 101 * 81 + (j0 + j) * 101 + i0 + i] * 1000.f;
        const float got = fs.steps[t].mm[j * fs.grid.nx() + i];
        if (std::isnan(want)) EXPECT_TRUE(std::isnan(got));
        else ASSERT_NEAR(got, std::max(want, 0.f), tol) << t << " " << j << " " << i;
      }
  }
}

TEST(ReadersNc, Era5LegacyPackedNetcdf3) {
  ScratchDir d;
  Era5Case c;
  c.m[25 * 101 + 30] = NAN;           // fill
  c.m[26 * 101 + 31] = -0.5e-7f;      // packing noise below zero -> 0
  const std::string p = d / "era5_legacy.nc";
  write_era5(p, true, c.lon, c.lat, c.stamps, c.m);
  const FileSteps fs = ProductReader(Product::ERA5, {}).read(p);
  expect_era5(fs, c, 1e-7 * 1000 * 0.51 + 1e-5);
  EXPECT_TRUE(std::isnan(fs.steps[0].mm[(25 - 19) * fs.grid.nx() + 30 - 16]));
  EXPECT_EQ(fs.steps[0].mm[(26 - 19) * fs.grid.nx() + 31 - 16], 0.f);
}

TEST(ReadersNc, Era5NewCdsNetcdf4ValidTime) {
  ScratchDir d;
  Era5Case c;
  c.m[101 * 81 + 25 * 101 + 30] = NAN;
  const std::string p = d / "era5_new.nc";
  write_era5(p, false, c.lon, c.lat, c.stamps, c.m);
  expect_era5(ProductReader(Product::ERA5, {}).read(p), c, 1e-6);
}

TEST(ReadersNc, Era5KeepsOnlyRequestedSteps) {
  ScratchDir d;
  Era5Case c;
  const std::string p = d / "e.nc";
  write_era5(p, false, c.lon, c.lat, c.stamps, c.m);
  ReaderOptions o;
  o.keep_from = kT0;  // the first step is (kT0-1h, kT0]
  const FileSteps fs = ProductReader(Product::ERA5, o).read(p);
  ASSERT_EQ(fs.steps.size(), 2u);
  EXPECT_EQ(fs.steps[0].start, kT0);
}

TEST(ReadersNc, Era5Minus180LongitudesAndSouthToNorth) {
  ScratchDir d;
  const auto lon = axis(-180.0, 0.25, 1440), lat = axis(20.0, 0.25, 101);  // global lon, S->N
  const auto m = rain(1440 * 101, 5, 0.004f);
  const std::string p = d / "e.nc";
  write_era5(p, false, lon, lat, {kT0}, m);
  const FileSteps fs = ProductReader(Product::ERA5, {}).read(p);
  EXPECT_EQ(fs.grid.lon.front(), 89.0);
  EXPECT_EQ(fs.grid.lat.front(), 31.0);
  EXPECT_EQ(fs.grid.lat.back(), 40.25);
  const size_t i = (89.0 + 180) / 0.25, j = (31.0 - 20) / 0.25;
  EXPECT_FLOAT_EQ(fs.steps[0].mm[0], m[j * 1440 + i] * 1000.f);
}

TEST(ReadersNc, ImergV06AndV07HalfHourFromFileName) {
  ScratchDir d;
  const auto lon = axis(80.05, 0.1, 300), lat = axis(25.05, 0.1, 200);
  const auto r = rain(300 * 200, 7, 8.f);
  for (int v : {6, 7}) {
    const std::string p = d / ("3B-HHR.MS.MRG.3IMERG.20200701-S123000-E125959.0750.V0" + std::to_string(v) + "B.HDF5");
    auto rr = r;
    rr[70 * 300 + 100] = -9999.9f;  // fill
    write_imerg(p, v, lon, lat, rr);
    const FileSteps fs = ProductReader(Product::IMERG, {}).read(p);
    ASSERT_EQ(fs.steps.size(), 1u);
    EXPECT_EQ(fs.steps[0].start, day_start(day_from_ymd(2020, 7, 1)) + 12 * 3600 + 1800);
    EXPECT_EQ(fs.steps[0].seconds, 1800);
    EXPECT_NEAR(fs.grid.lon.front(), 89.35, 1e-5);  // first centre >= 89.5 is 89.55, minus 2 cells
    EXPECT_NEAR(fs.grid.lat.front(), 31.25, 1e-5);
    const size_t i0 = 93, j0 = 62;  // 80.05 + 93*0.1 = 89.35; 25.05 + 62*0.1 = 31.25
    for (size_t j = 0; j < fs.grid.ny(); j += 7)
      for (size_t i = 0; i < fs.grid.nx(); i += 5) {
        const float want = rr[(j0 + j) * 300 + i0 + i];
        const float got = fs.steps[0].mm[j * fs.grid.nx() + i];
        if (want < 0) EXPECT_TRUE(std::isnan(got));
        else ASSERT_NEAR(got, want * 0.5f, 1e-5);  // mm/hr over half an hour
      }
    EXPECT_TRUE(std::isnan(fs.steps[0].mm[(70 - j0) * fs.grid.nx() + 100 - i0]));
  }
}

TEST(ReadersNc, GldasStampFromTimeBoundsOrOption) {
  ScratchDir d;
  const auto lon = axis(-179.875, 0.25, 1440), lat = axis(20.125, 0.25, 100);
  const auto r = rain(1440 * 100, 9, 1e-4f);
  const UnixSeconds s = day_start(day_from_ymd(2020, 7, 1)) + 9 * 3600;
  for (bool start : {true, false}) {
    const std::string p = d / (start ? "GLDAS_NOAH025_3H.A20200701.0900.021.nc4" : "GLDAS_NOAH025_3H.A20200701.1200.020.nc4");
    write_gldas(p, lon, lat, s, start, true, r);
    const FileSteps fs = ProductReader(Product::GLDAS, {}).read(p);
    ASSERT_EQ(fs.steps.size(), 1u);
    EXPECT_EQ(fs.steps[0].start, s);
    EXPECT_EQ(fs.steps[0].seconds, 10800);
    const size_t i0 = size_t((89.625 - -179.875) / 0.25 + 0.5) - 2, j0 = size_t((31.375 - 20.125) / 0.25 + 0.5) - 2;
    EXPECT_NEAR(fs.steps[0].mm[0], r[j0 * 1440 + i0] * 10800.f, 1e-4);
  }
  const std::string bare = d / "GLDAS_NOAH025_3H.A20200701.0900.021.nc4";
  write_gldas(bare, lon, lat, s, true, false, r);
  try {
    ProductReader(Product::GLDAS, {}).read(bare);
    FAIL() << "an unsettled stamp convention must be an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("unsettled"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(bare), std::string::npos);
  }
  ReaderOptions o;
  o.gldas_stamp = StampConvention::End;
  EXPECT_EQ(ProductReader(Product::GLDAS, o).read(bare).steps[0].start, s - 10800);
}

TEST(ReadersNc, ImergDailyIsOneUtcDayStep) {
  ScratchDir d;
  const auto lon = axis(80.05, 0.1, 300), lat = axis(25.05, 0.1, 200);
  const auto r = rain(300 * 200, 8, 30.f);
  const std::string p = d / "3B-DAY.MS.MRG.3IMERG.20200701-S000000-E235959.V06.nc4";
  write_imerg(p, 6, lon, lat, r, "mm");
  const FileSteps fs = ProductReader(Product::IMERG, {}).read(p);
  ASSERT_EQ(fs.steps.size(), 1u);
  EXPECT_EQ(fs.steps[0].start, day_start(day_from_ymd(2020, 7, 1)));
  EXPECT_EQ(fs.steps[0].seconds, 86400);
  EXPECT_FLOAT_EQ(fs.steps[0].mm[0], r[62 * 300 + 93]);  // an amount, not a rate
}

TEST(ReadersNc, CmorphNetcdfTwoHalfHoursNegativeMissing) {
  ScratchDir d;
  const auto lon = axis(0.036378335 + 1200 * 0.072756669, 0.072756669, 260), lat = axis(-59.963614 + 1230 * 0.072771377, 0.072771377, 170);
  auto r = rain(2 * 260 * 170, 4, 9.f);
  r[260 * 170 + 100 * 260 + 100] = -999.f;
  const std::string p = d / "CMORPH_V1.0_ADJ_8km-30min_2020070112.nc";
  int nc, dt, dy, dx, vt, vy, vx, vp;
  ok(nc_create(p.c_str(), NC_CLOBBER | NC_NETCDF4, &nc), "create");
  ok(nc_def_dim(nc, "time", 2, &dt), "dim");
  ok(nc_def_dim(nc, "lat", lat.size(), &dy), "dim");
  ok(nc_def_dim(nc, "lon", lon.size(), &dx), "dim");
  ok(nc_def_var(nc, "time", NC_DOUBLE, 1, &dt, &vt), "var");
  att(nc, vt, "units", "seconds since 1970-01-01 00:00:00");
  ok(nc_def_var(nc, "lat", NC_FLOAT, 1, &dy, &vy), "var");
  ok(nc_def_var(nc, "lon", NC_FLOAT, 1, &dx, &vx), "var");
  const int d3[3] = {dt, dy, dx};
  ok(nc_def_var(nc, "cmorph", NC_FLOAT, 3, d3, &vp), "var");
  att(nc, vp, "units", "mm/hr");
  ok(nc_enddef(nc), "enddef");
  const UnixSeconds h = day_start(day_from_ymd(2020, 7, 1)) + 12 * 3600;
  const double tv[2] = {double(h), double(h + 1800)};
  ok(nc_put_var_double(nc, vt, tv), "t");
  ok(nc_put_var_double(nc, vy, lat.data()), "lat");
  ok(nc_put_var_double(nc, vx, lon.data()), "lon");
  ok(nc_put_var_float(nc, vp, r.data()), "cmorph");
  ok(nc_close(nc), "close");
  const FileSteps fs = ProductReader(Product::CMORPH, {}).read(p);
  ASSERT_EQ(fs.steps.size(), 2u);
  EXPECT_EQ(fs.steps[1].start, h + 1800);
  EXPECT_EQ(fs.steps[1].seconds, 1800);
  size_t i0 = 0, j0 = 0;
  while (float(lon[i0]) != float(fs.grid.lon[0])) ++i0;
  while (float(lat[j0]) != float(fs.grid.lat[0])) ++j0;
  EXPECT_NEAR(fs.grid.lon[0], 89.5, 0.2);
  for (size_t t = 0; t < 2; ++t)
    for (size_t j = 0; j < fs.grid.ny(); j += 5)
      for (size_t i = 0; i < fs.grid.nx(); i += 5) {
        const float want = r[t * 260 * 170 + (j0 + j) * 260 + i0 + i], got = fs.steps[t].mm[j * fs.grid.nx() + i];
        if (want < 0) EXPECT_TRUE(std::isnan(got));
        else ASSERT_NEAR(got, want * 0.5f, 1e-5);
      }
  EXPECT_TRUE(std::isnan(fs.steps[1].mm[(100 - j0) * fs.grid.nx() + 100 - i0]));
}

TEST(ReadersNc, Era5LegacyExpverAxisMergesFinalAndPreliminary) {
  ScratchDir d;
  const std::string p = d / "era5_expver.nc";
  const auto lon = axis(88.0, 1.0, 18), lat = axis(42.0, -1.0, 14);
  int nc, dt, de, dy, dx, vt, vy, vx, vp;
  ok(nc_create(p.c_str(), NC_CLOBBER | NC_64BIT_OFFSET, &nc), "create");
  ok(nc_def_dim(nc, "time", 2, &dt), "dim");
  ok(nc_def_dim(nc, "expver", 2, &de), "dim");
  ok(nc_def_dim(nc, "latitude", lat.size(), &dy), "dim");
  ok(nc_def_dim(nc, "longitude", lon.size(), &dx), "dim");
  ok(nc_def_var(nc, "time", NC_INT, 1, &dt, &vt), "var");
  att(nc, vt, "units", "hours since 1900-01-01 00:00:00.0");
  ok(nc_def_var(nc, "latitude", NC_FLOAT, 1, &dy, &vy), "var");
  ok(nc_def_var(nc, "longitude", NC_FLOAT, 1, &dx, &vx), "var");
  const int d4[4] = {dt, de, dy, dx};
  ok(nc_def_var(nc, "tp", NC_SHORT, 4, d4, &vp), "var");
  att(nc, vp, "units", "m");
  const double sf = 1e-6, ao = 0.01;
  const short fill = -32767;
  ok(nc_put_att_double(nc, vp, "scale_factor", NC_DOUBLE, 1, &sf), "sf");
  ok(nc_put_att_double(nc, vp, "add_offset", NC_DOUBLE, 1, &ao), "ao");
  ok(nc_put_att_short(nc, vp, "_FillValue", NC_SHORT, 1, &fill), "fill");
  ok(nc_enddef(nc), "enddef");
  const int hours[2] = {1057212, 1057213};
  ok(nc_put_var_int(nc, vt, hours), "t");
  ok(nc_put_var_double(nc, vy, lat.data()), "lat");
  ok(nc_put_var_double(nc, vx, lon.data()), "lon");
  const size_t n = lon.size() * lat.size();
  std::vector<short> v(4 * n);
  for (size_t t = 0; t < 2; ++t)
    for (size_t e = 0; e < 2; ++e)
      for (size_t k = 0; k < n; ++k) v[(t * 2 + e) * n + k] = t == e ? short(-9000 + int(t * 1000 + k)) : fill;
  ok(nc_put_var_short(nc, vp, v.data()), "tp");
  ok(nc_close(nc), "close");
  const FileSteps fs = ProductReader(Product::ERA5, {}).read(p);
  ASSERT_EQ(fs.steps.size(), 2u);
  const size_t k = 1 * 18 + 0;  // window (2-point halo) starts at lon 88 (i=0), lat 41 (j=1)
  EXPECT_NEAR(fs.steps[0].mm[0], ((-9000 + int(k)) * sf + ao) * 1000, 1e-4);
  EXPECT_NEAR(fs.steps[1].mm[0], ((-8000 + int(k)) * sf + ao) * 1000, 1e-4);
}

std::string error_of(Product p, const std::string& path, ReaderOptions o = {}) {
  try {
    ProductReader(p, o).read(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(ReadersNc, BadInputsFailWithOneLineNamingFileAndVariable) {
  ScratchDir d;
  Era5Case c;
  const std::string units = d / "units.nc";
  write_era5(units, false, c.lon, c.lat, c.stamps, c.m);
  {  // units mm instead of m
    int nc, v;
    ok(nc_open(units.c_str(), NC_WRITE, &nc), "open");
    ok(nc_inq_varid(nc, "tp", &v), "varid");
    ok(nc_redef(nc), "redef");
    att(nc, v, "units", "mm");
    ok(nc_close(nc), "close");
  }
  std::string e = error_of(Product::ERA5, units);
  EXPECT_NE(e.find(units), std::string::npos);
  EXPECT_NE(e.find("'tp'"), std::string::npos);
  EXPECT_NE(e.find("units 'mm'"), std::string::npos) << e;

  const std::string imerg = d / "3B-HHR.MS.MRG.3IMERG.20200701-S000000-E002959.0000.V07B.HDF5";
  auto r = rain(300 * 200, 3, 5.f);
  write_imerg(imerg, 7, axis(80.05, 0.1, 300), axis(25.05, 0.1, 200), r, "mm");
  e = error_of(Product::IMERG, imerg);
  EXPECT_NE(e.find("units 'mm' are not the expected 'mm/hr'"), std::string::npos) << e;

  r[65 * 300 + 100] = NAN;  // NaN while the fill value is -9999.9
  write_imerg(imerg, 7, axis(80.05, 0.1, 300), axis(25.05, 0.1, 200), r);
  e = error_of(Product::IMERG, imerg);
  EXPECT_NE(e.find("NaN"), std::string::npos) << e;
  EXPECT_NE(e.find("/Grid/precipitation"), std::string::npos) << e;

  e = error_of(Product::GLDAS, units);  // no Rainf_f_tavg in an ERA5 file
  EXPECT_NE(e.find("'Rainf_f_tavg': variable not found"), std::string::npos) << e;

  const std::string cut = d / "cut.nc";
  write_era5(cut, false, c.lon, c.lat, c.stamps, c.m);
  std::filesystem::resize_file(cut, std::filesystem::file_size(cut) / 2);
  e = error_of(Product::ERA5, cut);
  EXPECT_NE(e.find(cut), std::string::npos);
  EXPECT_NE(e.find("'tp'"), std::string::npos) << e;

  const std::string garbage = d / "garbage.nc";
  std::ofstream(garbage) << "not a netCDF file at all";
  e = error_of(Product::ERA5, garbage);  // ERA5 tells formats by their first bytes
  EXPECT_NE(e.find(garbage + ": neither netCDF, GRIB nor zip"), std::string::npos) << e;
  e = error_of(Product::GLDAS, garbage);
  EXPECT_NE(e.find("cannot open"), std::string::npos) << e;

  const std::string away = d / "away.nc";  // a regional file that misses Qinghai
  write_era5(away, false, axis(0, 0.25, 40), axis(10, -0.25, 20), {kT0}, rain(800, 1, 0.001f));
  e = error_of(Product::ERA5, away);
  EXPECT_NE(e.find("outside the file's axis"), std::string::npos) << e;
  for (const auto& s : {units, imerg, cut, garbage, away}) (void)s;
  EXPECT_EQ(e.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace rf::io::test
