// The CF output opened by the real clients of the field: xarray (Debian's
// /usr/bin/python3, not a pyenv one), cdo (sinfon + values), ncdump -h and
// gdalinfo. Values must be identical to what we wrote.
#include <gtest/gtest.h>
#include <netcdf.h>

#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "io/cf/writer.h"
#include "tests/io/io_fixture.h"

namespace rf::io {
namespace {

using test::run;

struct Written {
  test::ScratchDir dir;
  DailyCube cube;
  std::string path;
  double sum = 0;
  size_t valid = 0;
  explicit Written(bool packed, bool fast = false) {
    cube.product = "clients";
    cube.grid = Grid::regular(100.005, 0.01, 150, 36.395, -0.01, 140);  // N->S in memory
    for (int t = 0; t < 20; ++t) cube.days.push_back(parse_date("2020-02-20") + t);  // across 29 Feb
    cube.precip = test::random_field(cube.days.size() * cube.grid.size(), packed ? 8 : 7, 0.02);
    if (packed)
      for (float& v : cube.precip)
        if (!std::isnan(v)) v = float(std::lround(double(v) * 100.0) / 100.0);
    cube.valid_steps.assign(cube.precip.size(), 24);
    cube.steps_per_day = 24;
    for (float v : cube.precip)
      if (!std::isnan(v)) sum += v, ++valid;
    CfOptions opt;
    opt.pack_int16 = packed;
    opt.fast_deflate = fast;
    opt.write_qinghai_mask = true;
    path = dir / "daily.nc";
    write_cf_daily(path, cube, opt);
  }
};

TEST(Clients, XarrayReadsIdenticalValuesAndDates) {
  if (run("/usr/bin/python3 -c 'import xarray, netCDF4'") != 0) GTEST_SKIP() << "python3-xarray missing";
  for (int variant = 0; variant < 3; ++variant) {  // float, int16, float with row_deflate
    const bool packed = variant == 1;
    Written w(packed, variant == 2);
    std::string out;
    const std::string py =
        "import xarray as xr, numpy as np\n"
        "ds = xr.open_dataset('" + w.path + "')\n"
        "p = ds['precipitation']\n"
        "print(p.dims, str(ds.time.values[0])[:10], str(ds.time.values[9])[:10],"
        " float(ds.lat[0]) < float(ds.lat[-1]))\n"
        "print('%.6f %d' % (float(np.nansum(p.values.astype('f8'))), int(np.isfinite(p.values).sum())))\n"
        "print('%.9g' % float(p.values[3, 0, 5]))\n"
        "print(int(ds['mask'].sum()) > 0, ds.crs.attrs['grid_mapping_name'])\n";
    ASSERT_EQ(run("/usr/bin/python3 -c \"" + py + "\"", &out), 0) << out;
    std::istringstream s(out);
    std::string line;
    std::getline(s, line);
    EXPECT_EQ(line, "('time', 'lat', 'lon') 2020-02-20 2020-02-29 True") << out;
    double sum;
    size_t valid;
    s >> sum >> valid;
    EXPECT_EQ(valid, w.valid);
    EXPECT_NEAR(sum, w.sum, 1e-6 * w.sum);
    double v;
    s >> v;
    // file row 0 = southernmost = last in-memory row
    const size_t nx = w.cube.grid.nx(), ny = w.cube.grid.ny();
    const float want = w.cube.precip[(3 * ny + (ny - 1)) * nx + 5];
    if (packed) EXPECT_NEAR(v, want, 1e-4);
    else EXPECT_EQ(float(v), want);
    std::getline(s, line);
    std::getline(s, line);
    EXPECT_EQ(line, "True latitude_longitude") << "the box at 100-101.5E, 35-36.4N lies in Qinghai" << out;
  }
}

class ClientsCdo : public ::testing::TestWithParam<bool> {};

TEST_P(ClientsCdo, SinfonAndValues) {
  if (!test::cdo_available()) GTEST_SKIP() << "cdo not installed";
  Written w(false, GetParam());
  std::string out;
  ASSERT_EQ(run("cdo -s sinfon " + w.path, &out), 0) << out;
  EXPECT_NE(out.find("precipitation"), std::string::npos) << out;
  EXPECT_NE(out.find("lonlat"), std::string::npos) << out;
  EXPECT_NE(out.find("2020-02-29"), std::string::npos) << out;
  // CDO's own decode of the hand-compressed chunks: every value of step 12.
  ASSERT_EQ(run("cdo -s outputf,%.9g,1 -seltimestep,12 -selname,precipitation " + w.path, &out), 0) << out;
  std::istringstream s(out);
  const size_t nx = w.cube.grid.nx(), ny = w.cube.grid.ny();
  size_t diff = 0, n = 0;
  for (size_t y = 0; y < ny; ++y)
    for (size_t x = 0; x < nx; ++x, ++n) {
      double v;
      if (!(s >> v)) FAIL() << "cdo printed only " << n << " values";
      const float want = w.cube.precip[(11 * ny + (ny - 1 - y)) * nx + x];
      const bool ok = std::isnan(want) ? std::fabs(v - double(NC_FILL_FLOAT)) < 1e30 : float(v) == want;
      diff += ok ? 0 : 1;
    }
  EXPECT_EQ(diff, 0u);
}

INSTANTIATE_TEST_SUITE_P(LibdeflateAndRowDeflate, ClientsCdo, ::testing::Values(false, true));

TEST(Clients, NcdumpHeader) {
  Written w(true);
  std::string out;
  ASSERT_EQ(run("ncdump -hs " + w.path, &out), 0) << out;
  for (const char* want : {"precipitation:standard_name = \"lwe_thickness_of_precipitation_amount\"",
                           "precipitation:cell_methods = \"time: sum\"", "precipitation:_Shuffle = \"true\"",
                           "precipitation:_DeflateLevel = 4", "precipitation:scale_factor", "lat:bounds = \"lat_bnds\"",
                           "crs:grid_mapping_name = \"latitude_longitude\"", "time:calendar = \"proleptic_gregorian\"",
                           ":Conventions = \"CF-1.8\"", "mask:flag_meanings", "short precipitation(time, lat, lon)"})
    EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;
}

TEST(Clients, GdalinfoSeesGeoreferencedGrid) {
  if (run("gdalinfo --version") != 0) GTEST_SKIP() << "gdal-bin missing";
  Written w(false);
  std::string out;
  ASSERT_EQ(run("gdalinfo NETCDF:\"" + w.path + "\":precipitation", &out), 0) << out;
  EXPECT_NE(out.find("Size is 150, 140"), std::string::npos) << out;
  EXPECT_NE(out.find("WGS 84"), std::string::npos) << out;
  EXPECT_NE(out.find("Origin = (100.0000"), std::string::npos) << out;
}

}  // namespace
}  // namespace rf::io
