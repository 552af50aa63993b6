// `rainfuse regrid` end to end against `cdo remapnn` / `cdo remapbil` on the
// same files, plus its bad-input cases (one-line errors, exit codes, no output).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "io/cf/writer.h"
#include "io/regrid/regrid.h"
#include "tests/io/io_fixture.h"
#include "tests/io/readers_fixture.h"

namespace rf::io {
namespace {

using test::run;

// $RAINFUSE_BINARY, else the build tree's rainfuse next to tests/io/ (ctest's
// ENVIRONMENT list from rf_test reaches the tests with its first entry only).
std::string binary() {
  if (const char* b = std::getenv("RAINFUSE_BINARY")) return b;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe");
  return (exe.parent_path().parent_path().parent_path() / "rainfuse").string();
}

struct Case {
  test::ScratchDir dir;
  Grid src = Grid::regular(94.25, 0.25, 11, 35.75, -0.25, 9);  // ERA5-like, N->S
  Case() { test::write_test_nc(dir / "in.nc", src, 4, test::random_field(4 * src.size(), 31, 0.05), "tp_daily"); }
};

void expect_same(const std::string& ours, const std::string& cdo, double rel_tol) {
  const DailyCube a = read_cf_daily(ours, "tp_daily"), b = read_cf_daily(cdo, "tp_daily");
  ASSERT_EQ(a.precip.size(), b.precip.size());
  ASSERT_EQ(a.days, b.days);
  // Ours is written south->north; cdo keeps the target's (ascending) order too.
  ASSERT_EQ(a.grid, b.grid);
  size_t diff = 0;
  for (size_t k = 0; k < a.precip.size(); ++k) {
    const float x = a.precip[k], y = b.precip[k];
    if (std::isnan(x) || std::isnan(y)) {
      diff += std::isnan(x) != std::isnan(y);
      continue;
    }
    diff += std::fabs(double(x) - double(y)) > rel_tol * std::max(std::fabs(double(y)), 1e-3);
  }
  EXPECT_EQ(diff, 0u);
}

TEST(CliRegrid, NearestAndBilinearMatchCdo) {
  if (!test::cdo_available()) GTEST_SKIP() << "cdo not installed";
  Case c;
  const std::string spec = "94.5,96.5,0.01,34,35.5,0.01";
  write_cdo_griddes(parse_grid_spec(spec), c.dir / "grid.txt");
  std::string out;
  for (const char* method : {"nearest", "bilinear"}) {
    const std::string ours = c.dir / (std::string(method) + ".nc");
    ASSERT_EQ(run(binary() + " regrid --method " + method + " --grid " + spec + " --var tp_daily --mask " +
                  c.dir / "in.nc" + " " + ours, &out), 0) << out;
    const std::string op = std::string(method) == "nearest" ? "remapnn" : "remapbil";
    ASSERT_EQ(run("cdo -s -f nc4 " + op + "," + c.dir / "grid.txt" + " " + c.dir / "in.nc" + " " + c.dir / "cdo.nc",
                  &out), 0) << out;
    expect_same(ours, c.dir / "cdo.nc", std::string(method) == "nearest" ? 0.0 : 1e-5);
  }
  // The grid-description file form and the fast encoder give the same values.
  ASSERT_EQ(run(binary() + " regrid --method nearest --fast-deflate --grid " + c.dir / "grid.txt" +
                " --var tp_daily " + c.dir / "in.nc" + " " + c.dir / "fast.nc", &out), 0) << out;
  expect_same(c.dir / "fast.nc", c.dir / "nearest.nc", 0.0);
  EXPECT_EQ(read_cf_var_info(c.dir / "fast.nc", "tp_daily").units, "mm day-1");
}

// An hourly file (ERA5 as the CDS sends it: valid_time in seconds since 1970,
// 24 steps in one day, no bounds) regrids like cdo remapnn: the values match
// cdo's, the time axis is the input's, value for value.
TEST(CliRegrid, AnyTimeAxisIsKeptAsInTheInput) {
  test::ScratchDir d;
  const std::vector<double> lon = test::axis(94.0, 0.25, 12), lat = test::axis(37.0, -0.25, 10);
  std::vector<UnixSeconds> stamps;
  for (int h = 1; h <= 24; ++h) stamps.push_back(day_start(day_from_ymd(2020, 7, 1)) + h * 3600);
  test::write_era5(d / "hourly.nc", false, lon, lat, stamps, test::rain(24 * 12 * 10, 5, 0.003f));
  const std::string spec = "94.5,96.5,0.05,35,36.5,0.05";
  std::string out;
  ASSERT_EQ(run(binary() + " regrid --method nearest --grid " + spec + " --var tp --no-valid-steps " + d / "hourly.nc" +
                    " " + d / "ours.nc", &out), 0) << out;
  const CfTimeAxis in = read_cf_time_axis(d / "hourly.nc", "tp"), got = read_cf_time_axis(d / "ours.nc", "tp");
  EXPECT_EQ(got.values, in.values);
  EXPECT_EQ(got.units, "seconds since 1970-01-01");
  EXPECT_TRUE(got.bounds.empty());
  EXPECT_EQ(read_cf_var_info(d / "ours.nc", "tp").units, "m");
  const DailyCube ours = read_cf_daily(d / "ours.nc", "tp"), src = read_cf_daily(d / "hourly.nc", "tp");
  ASSERT_EQ(ours.nt(), 24u);
  // Nearest neighbour by hand at one target cell: (94.525E, 35.025N) -> source (94.5, 35.0).
  const size_t si = 2, sj = 8;  // lon 94 + 2*0.25, lat 37 - 8*0.25
  for (size_t t = 0; t < 24; ++t) EXPECT_EQ(ours.day_ptr(t)[0], src.day_ptr(t)[sj * 12 + si]) << t;
  if (!test::cdo_available()) GTEST_SKIP() << "cdo not installed: values checked by hand only";
  write_cdo_griddes(parse_grid_spec(spec), d / "grid.txt");
  ASSERT_EQ(run("cdo -s -f nc4 remapnn," + d / "grid.txt" + " " + d / "hourly.nc" + " " + d / "cdo.nc", &out), 0) << out;
  const DailyCube c = read_cf_daily(d / "cdo.nc", "tp");
  ASSERT_EQ(c.precip.size(), ours.precip.size());
  for (size_t k = 0; k < c.precip.size(); ++k) ASSERT_EQ(ours.precip[k], c.precip[k]) << k;
  EXPECT_EQ(read_cf_time_axis(d / "cdo.nc", "tp").values, in.values);
}

TEST(CliRegrid, BadInputsFailWithOneLineAndNoOutput) {
  Case c;
  std::string out;
  const std::string in = c.dir / "in.nc", dst = c.dir / "never.nc";
  const std::string base = binary() + " regrid --method nearest --grid 94.5,96.5,0.01,34,35.5,0.01 ";
  EXPECT_EQ(run(base + "--var nosuch " + in + " " + dst, &out), 1) << out;
  EXPECT_NE(out.find("nosuch"), std::string::npos) << out;
  EXPECT_EQ(run(base + "--var tp_daily " + c.dir / "missing.nc" + " " + dst, &out), 1) << out;
  EXPECT_NE(out.find("missing.nc"), std::string::npos) << out;
  EXPECT_EQ(run(binary() + " regrid --method cubic --grid 94.5,96.5,0.01,34,35.5,0.01 --var tp_daily " + in + " " +
                dst, &out), 1) << out;
  EXPECT_EQ(run(binary() + " regrid --method nearest --grid 94.5,96.5,0.3,34,35.5,0.01 --var tp_daily " + in + " " +
                dst, &out), 1) << out;
  EXPECT_EQ(run(base + "--var tp_daily " + in, &out), 2) << out;  // usage error
  EXPECT_FALSE(std::filesystem::exists(dst));
  EXPECT_EQ(run(binary() + " regrid --help", &out), 0) << out;
  EXPECT_NE(out.find("cdo remapnn"), std::string::npos);
}

}  // namespace
}  // namespace rf::io
