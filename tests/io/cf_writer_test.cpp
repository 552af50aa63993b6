// CF writer: round trip through netCDF-C (which decodes our hand-compressed
// chunks with HDF5's own shuffle + deflate filters), lat flipped to ascending,
// int16 packing, CF metadata, chunking, and no partial file on error.
#include <gtest/gtest.h>
#include <netcdf.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <filesystem>
#include <string>
#include <vector>

#include "io/cf/chunk_writer.h"
#include "io/cf/qinghai_mask.h"
#include "io/cf/writer.h"
#include "tests/io/io_fixture.h"

namespace rf::io {
namespace {

DailyCube random_cube(size_t nt, const Grid& g, uint32_t seed) {
  DailyCube c;
  c.product = "test";
  c.grid = g;
  c.convention = DayConvention::CMA;
  for (size_t t = 0; t < nt; ++t) c.days.push_back(parse_date("2021-12-25") + DayNumber(t));
  c.precip = test::random_field(nt * g.size(), seed, 0.03);
  c.valid_steps.resize(c.precip.size());
  for (size_t k = 0; k < c.valid_steps.size(); ++k) c.valid_steps[k] = std::isnan(c.precip[k]) ? 0 : uint16_t(k % 25);
  c.steps_per_day = 24;
  return c;
}

std::string text_att(int ncid, int varid, const char* name) {
  size_t len = 0;
  if (nc_inq_attlen(ncid, varid, name, &len) != NC_NOERR) return "";
  std::string s(len, '\0');
  nc_get_att_text(ncid, varid, name, s.data());
  return s;
}

// Grid stored N->S with edge chunks in both directions and two time blocks.
const Grid kGrid = Grid::regular(94.005, 0.01, 300, 35.495, -0.01, 140);

class CfWriterRoundTrip : public ::testing::TestWithParam<bool> {};

TEST_P(CfWriterRoundTrip, ValuesMetadataAndChunks) {
  const bool fast = GetParam();
  test::ScratchDir dir;
  DailyCube cube = random_cube(20, kGrid, 1);
  // Some repeated rows and unchanged days, the redundancy row_deflate encodes.
  const size_t plane = kGrid.size(), nx = kGrid.nx();
  for (size_t y = 1; y < kGrid.ny(); y += 3) std::copy_n(&cube.precip[(y - 1) * nx], nx, &cube.precip[y * nx]);
  std::copy_n(&cube.precip[4 * plane], plane, &cube.precip[5 * plane]);
  CfOptions opt;
  opt.fast_deflate = fast;
  opt.history = "cf_writer_test";
  const std::string path = dir / "out.nc";
  write_cf_daily(path, cube, opt);

  const DailyCube back = read_cf_daily(path);
  ASSERT_EQ(back.nt(), cube.nt());
  EXPECT_EQ(back.days, cube.days);
  EXPECT_EQ(back.convention, DayConvention::CMA);
  ASSERT_EQ(back.grid.nx(), kGrid.nx());
  ASSERT_EQ(back.grid.ny(), kGrid.ny());
  EXPECT_LT(back.grid.lat.front(), back.grid.lat.back()) << "latitude must be written ascending";
  const size_t ny = kGrid.ny();
  size_t diff = 0, steps_diff = 0;
  for (size_t t = 0; t < cube.nt(); ++t)
    for (size_t y = 0; y < ny; ++y)
      for (size_t x = 0; x < nx; ++x) {
        const size_t a = (t * ny + y) * nx + x, b = (t * ny + (ny - 1 - y)) * nx + x;
        const float u = cube.precip[a], v = back.precip[b];
        if (!(std::isnan(u) && std::isnan(v)) && u != v) ++diff;
        if (cube.valid_steps[a] != back.valid_steps[b]) ++steps_diff;
      }
  EXPECT_EQ(diff, 0u);
  EXPECT_EQ(steps_diff, 0u);
  EXPECT_EQ(back.steps_per_day, 24);

  int ncid, v, vt, vtb;
  ASSERT_EQ(nc_open(path.c_str(), NC_NOWRITE, &ncid), NC_NOERR);
  ASSERT_EQ(nc_inq_varid(ncid, "precipitation", &v), NC_NOERR);
  EXPECT_EQ(text_att(ncid, v, "units"), "mm day-1");
  EXPECT_EQ(text_att(ncid, v, "standard_name"), "lwe_thickness_of_precipitation_amount");
  EXPECT_EQ(text_att(ncid, v, "cell_methods"), "time: sum");
  EXPECT_EQ(text_att(ncid, v, "grid_mapping"), "crs");
  EXPECT_EQ(text_att(ncid, NC_GLOBAL, "Conventions"), "CF-1.8");
  int shuffle, deflate, level, storage;
  size_t chunks[3];
  nc_inq_var_deflate(ncid, v, &shuffle, &deflate, &level);
  nc_inq_var_chunking(ncid, v, &storage, chunks);
  EXPECT_TRUE(shuffle && deflate);
  EXPECT_EQ(level, fast ? 1 : 4);
  EXPECT_EQ(storage, NC_CHUNKED);
  EXPECT_EQ(chunks[0], 16u);
  EXPECT_EQ(chunks[1], 128u);
  EXPECT_EQ(chunks[2], 128u);
  // CMA day: (D-1 12:00 UTC, D 12:00 UTC], stamped at D.
  ASSERT_EQ(nc_inq_varid(ncid, "time", &vt), NC_NOERR);
  ASSERT_EQ(nc_inq_varid(ncid, "time_bnds", &vtb), NC_NOERR);
  double t0, tb[2];
  const size_t zero[2] = {0, 0}, one[2] = {1, 2};
  nc_get_var1_double(ncid, vt, zero, &t0);
  nc_get_vara_double(ncid, vtb, zero, one, tb);
  EXPECT_EQ(t0, double(cube.days[0]));
  EXPECT_EQ(tb[0], t0 - 0.5);
  EXPECT_EQ(tb[1], t0 + 0.5);
  nc_close(ncid);
  EXPECT_FALSE(std::filesystem::exists(path + ".part-" + std::to_string(getpid())));
}

INSTANTIATE_TEST_SUITE_P(LibdeflateAndRowDeflate, CfWriterRoundTrip, ::testing::Values(false, true));

TEST(CfWriter, RegriddedWriteEqualsRegridThenWrite) {
  // write_cf_regridded fuses the regrid into the chunk fill: same file content.
  test::ScratchDir dir;
  DailyCube src = random_cube(5, Grid::regular(93.95, 0.1, 40, 36.05, -0.1, 25), 4);
  const Grid dst = Grid::regular(94.005, 0.01, 300, 33.705, 0.01, 140);
  for (RegridMethod m : {RegridMethod::Nearest, RegridMethod::Bicubic}) {
    const RegridPlan plan = make_regrid_plan(src.grid, dst, m);
    DailyCube full = src;
    full.grid = dst;
    full.precip.resize(src.nt() * dst.size());
    apply_regrid(plan, src.precip.data(), full.precip.data(), int64_t(src.nt()));
    full.valid_steps.clear();
    CfOptions opt;
    opt.write_valid_steps = false;
    write_cf_regridded(dir / "fused.nc", src, plan, opt);
    const DailyCube a = read_cf_daily(dir / "fused.nc");
    ASSERT_EQ(a.precip.size(), full.precip.size());
    size_t diff = 0;
    for (size_t k = 0; k < a.precip.size(); ++k)
      diff += !(std::isnan(a.precip[k]) && std::isnan(full.precip[k])) && a.precip[k] != full.precip[k];
    EXPECT_EQ(diff, 0u) << regrid_method_name(m);
  }
}

TEST(CfWriter, Int16PackingWithinHalfAStep) {
  test::ScratchDir dir;
  const DailyCube cube = random_cube(3, kGrid, 2);
  CfOptions opt;
  opt.pack_int16 = true;
  opt.write_valid_steps = false;
  write_cf_daily(dir / "p.nc", cube, opt);
  const DailyCube back = read_cf_daily(dir / "p.nc");
  const size_t nx = kGrid.nx(), ny = kGrid.ny();
  double worst = 0;
  size_t nan_diff = 0;
  for (size_t t = 0; t < cube.nt(); ++t)
    for (size_t y = 0; y < ny; ++y)
      for (size_t x = 0; x < nx; ++x) {
        const float u = cube.precip[(t * ny + y) * nx + x], v = back.precip[(t * ny + ny - 1 - y) * nx + x];
        if (std::isnan(u) || std::isnan(v)) {
          nan_diff += std::isnan(u) != std::isnan(v);
          continue;
        }
        worst = std::max(worst, std::fabs(double(u) - double(v)));
      }
  EXPECT_EQ(nan_diff, 0u);
  EXPECT_LE(worst, 0.005 + 1e-4);
  EXPECT_GT(worst, 0.0) << "packing should quantise";
}

TEST(CfWriter, ErrorLeavesNoPartialFile) {
  test::ScratchDir dir;
  DailyCube cube = random_cube(2, kGrid, 3);
  cube.precip[5] = 1000.0f;  // beyond the int16 packing range
  CfOptions opt;
  opt.pack_int16 = true;
  EXPECT_THROW(write_cf_daily(dir / "bad.nc", cube, opt), std::runtime_error);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path)) << "no partial output may remain";
  cube.precip.pop_back();
  EXPECT_THROW(write_cf_daily(dir / "bad.nc", cube, CfOptions{}), std::runtime_error);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path));
  // A failure after the whole file was written (the final rename onto a
  // non-empty directory) must remove the temporary file too.
  cube.precip.push_back(1.0f);
  cube.precip[5] = 1.0f;
  std::filesystem::create_directories(dir.path / "taken" / "x");
  EXPECT_THROW(write_cf_daily(dir / "taken", cube, CfOptions{}), std::runtime_error);
  const auto entries = std::distance(std::filesystem::directory_iterator(dir.path), {});
  EXPECT_EQ(entries, 1) << "only the pre-existing directory may remain";
}

TEST(CfWriter, ShuffleMatchesHdf5Layout) {
  // 3 floats -> bytes grouped by significance, tail bytes copied.
  const uint8_t in[14] = {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 99, 98};
  uint8_t out[14];
  hdf5_shuffle(in, out, 14, 4);
  const uint8_t want[14] = {0, 10, 20, 1, 11, 21, 2, 12, 22, 3, 13, 23, 99, 98};
  for (int k = 0; k < 14; ++k) EXPECT_EQ(out[k], want[k]) << k;
}

TEST(QinghaiMask, ProvinceOutlineFromGmtDcw) {
  if (!std::filesystem::exists(dcw_file())) GTEST_SKIP() << "gmt-dcw not installed";
  const Grid g = Grid::regular(89.55, 0.1, 139, 31.42, 0.1, 85);
  const auto& m = qinghai_mask(g);
  auto at = [&](double lon, double lat) {
    const size_t i = size_t(std::lround((lon - 89.55) / 0.1)), j = size_t(std::lround((lat - 31.42) / 0.1));
    return int(m[j * g.nx() + i]);
  };
  EXPECT_EQ(at(101.78, 36.62), 1) << "Xining";
  EXPECT_EQ(at(94.90, 36.40), 1) << "Golmud";
  EXPECT_EQ(at(97.37, 37.37), 1) << "Delingha";
  EXPECT_EQ(at(90.50, 39.50), 0) << "Xinjiang";
  EXPECT_EQ(at(103.20, 39.50), 0) << "Gansu / Inner Mongolia";
  EXPECT_EQ(at(91.10, 31.80), 0) << "Tibet";
  size_t inside = 0;
  for (auto v : m) inside += v;
  const double frac = double(inside) / double(m.size());
  EXPECT_GT(frac, 0.45);
  EXPECT_LT(frac, 0.75);
  EXPECT_EQ(&qinghai_mask(g), &m) << "cached per grid";
}

}  // namespace
}  // namespace rf::io
