// Streaming CF writer: for the same days and options the file is byte for byte
// the one write_cf_daily writes (history without timestamp), for float, int16
// packing and the fast encoder, with a partial last time block and a grid
// stored north->south; per-day flag variables; the temporary file never
// survives an unfinished writer.
#include <gtest/gtest.h>
#include <netcdf.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/cf/stream_writer.h"
#include "io/cf/writer.h"
#include "tests/io/io_fixture.h"

namespace rf::io {
namespace {

std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// 37 days = two full blocks of 16 and a partial one; edge chunks in lat and lon.
DailyCube random_cube(uint32_t seed) {
  DailyCube c;
  c.product = "fused";
  c.grid = Grid::regular(94.005, 0.01, 300, 35.495, -0.01, 140);
  for (int t = 0; t < 37; ++t) c.days.push_back(parse_date("2020-12-10") + t);
  c.precip = test::random_field(c.days.size() * c.grid.size(), seed, 0.05);
  return c;
}

struct Mode {
  bool pack, fast;
};
class CfStreamWriterBytes : public ::testing::TestWithParam<Mode> {};

TEST_P(CfStreamWriterBytes, IdenticalToWriteCfDaily) {
  test::ScratchDir dir;
  const DailyCube cube = random_cube(7);
  CfOptions opt;
  opt.pack_int16 = GetParam().pack;
  opt.fast_deflate = GetParam().fast;
  opt.history = "rainfuse fuse --config run.toml";
  opt.history_timestamp = false;
  opt.write_qinghai_mask = true;
  write_cf_daily(dir / "whole.nc", cube, opt);

  CfStreamWriter w(dir / "stream.nc", cube.grid, cube.days, cube.convention, cube.product, opt);
  for (size_t t = 0; t < cube.nt(); ++t) {
    EXPECT_TRUE(std::filesystem::exists(w.temp_path()));
    w.add_day(cube.day_ptr(t));
  }
  w.finish();
  EXPECT_FALSE(std::filesystem::exists(w.temp_path()));
  const std::string a = file_bytes(dir / "whole.nc"), b = file_bytes(dir / "stream.nc");
  ASSERT_GT(a.size(), 10000u);
  EXPECT_TRUE(a == b) << "sizes " << a.size() << " vs " << b.size();

  // And the values read back (a byte-equal pair could both be wrong).
  const DailyCube back = read_cf_daily(dir / "stream.nc");
  ASSERT_EQ(back.precip.size(), cube.precip.size());
  const size_t ny = cube.grid.ny(), nx = cube.grid.nx();
  size_t bad = 0;
  for (size_t t = 0; t < cube.nt(); ++t)
    for (size_t y = 0; y < ny; ++y)
      for (size_t x = 0; x < nx; ++x) {
        const float u = cube.precip[(t * ny + y) * nx + x], v = back.precip[(t * ny + ny - 1 - y) * nx + x];
        const float tol = opt.pack_int16 ? 0.0051f : 0.0f;
        if (std::isnan(u) != std::isnan(v) || (!std::isnan(u) && std::abs(u - v) > tol)) ++bad;
      }
  EXPECT_EQ(bad, 0u);
}

INSTANTIATE_TEST_SUITE_P(Modes, CfStreamWriterBytes,
                         ::testing::Values(Mode{false, false}, Mode{true, false}, Mode{false, true}),
                         [](const ::testing::TestParamInfo<Mode>& i) {
                           return std::string(i.param.pack ? "int16" : "float") + (i.param.fast ? "_fast" : "");
                         });

TEST(CfStreamWriter, RerunGivesIdenticalBytes) {
  test::ScratchDir dir;
  const DailyCube cube = random_cube(3);
  CfOptions opt;
  opt.history_timestamp = false;
  for (const char* name : {"a.nc", "b.nc"}) {
    CfStreamWriter w(dir / name, cube.grid, cube.days, cube.convention, cube.product, opt);
    for (size_t t = 0; t < cube.nt(); ++t) w.add_day(cube.day_ptr(t));
    w.finish();
  }
  EXPECT_TRUE(file_bytes(dir / "a.nc") == file_bytes(dir / "b.nc"));
}

TEST(CfStreamWriter, DayVariableWithFlags) {
  test::ScratchDir dir;
  const DailyCube cube = random_cube(5);
  CfDayVariable v{"source_set", "sources of the model used on the day", {}, {1, 2, 4}, "era5 imerg gldas"};
  for (size_t t = 0; t < cube.nt(); ++t) v.values.push_back(int(t % 8));
  CfOptions opt;
  CfStreamWriter w(dir / "f.nc", cube.grid, cube.days, cube.convention, cube.product, opt, {v});
  for (size_t t = 0; t < cube.nt(); ++t) w.add_day(cube.day_ptr(t));
  w.finish();

  int ncid, var;
  ASSERT_EQ(nc_open((dir / "f.nc").c_str(), NC_NOWRITE, &ncid), NC_NOERR);
  ASSERT_EQ(nc_inq_varid(ncid, "source_set", &var), NC_NOERR);
  std::vector<int> back(cube.nt()), masks(3);
  ASSERT_EQ(nc_get_var_int(ncid, var, back.data()), NC_NOERR);
  EXPECT_EQ(back, v.values);
  ASSERT_EQ(nc_get_att_int(ncid, var, "flag_masks", masks.data()), NC_NOERR);
  EXPECT_EQ(masks, v.flag_masks);
  size_t len = 0;
  ASSERT_EQ(nc_inq_attlen(ncid, var, "flag_meanings", &len), NC_NOERR);
  std::string meanings(len, '\0');
  nc_get_att_text(ncid, var, "flag_meanings", meanings.data());
  EXPECT_EQ(meanings, "era5 imerg gldas");
  nc_close(ncid);
}

TEST(CfStreamWriter, UnfinishedLeavesNoFile) {
  test::ScratchDir dir;
  const DailyCube cube = random_cube(9);
  std::string tmp;
  {
    CfStreamWriter w(dir / "u.nc", cube.grid, cube.days, cube.convention, cube.product, CfOptions{});
    tmp = w.temp_path();
    for (size_t t = 0; t < 20; ++t) w.add_day(cube.day_ptr(t));
    EXPECT_THROW(w.finish(), std::runtime_error);  // 17 days missing
  }
  EXPECT_FALSE(std::filesystem::exists(tmp));
  EXPECT_FALSE(std::filesystem::exists(dir / "u.nc"));
}

}  // namespace
}  // namespace rf::io
