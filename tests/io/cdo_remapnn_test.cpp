// rainfuse nearest neighbour == Debian's real `cdo remapnn`, value for value,
// and its index map == the `cdo gennn` SCRIP addresses, on the products' grids
// (ERA5 points at multiples of 0.25 stored N->S, with ties every 25 target
// cells; IMERG 0.1 centres; GLDAS 0.25 centres; CMORPH 8 km; a target reaching
// beyond the source = CDO's extrapolation path) onto a 0.01-degree target.
#include <gtest/gtest.h>
#include <netcdf.h>

#include <cmath>
#include <string>
#include <vector>

#include "io/cf/writer.h"
#include "io/regrid/regrid.h"
#include "tests/io/io_fixture.h"

namespace rf::io {
namespace {

using test::run;

// dst -> src map from a SCRIP weights file (1-based addresses), -1 = no link.
std::vector<int64_t> read_gennn_map(const std::string& path, size_t ndst) {
  int ncid, vs, vd, dim;
  size_t nlinks;
  test::nc_ok(nc_open(path.c_str(), NC_NOWRITE, &ncid), "open weights");
  test::nc_ok(nc_inq_varid(ncid, "src_address", &vs), "src_address");
  test::nc_ok(nc_inq_varid(ncid, "dst_address", &vd), "dst_address");
  test::nc_ok(nc_inq_vardimid(ncid, vs, &dim), "dim");
  test::nc_ok(nc_inq_dimlen(ncid, dim, &nlinks), "len");
  std::vector<long long> s(nlinks), d(nlinks);
  if (nlinks) {
    test::nc_ok(nc_get_var_longlong(ncid, vs, s.data()), "read");
    test::nc_ok(nc_get_var_longlong(ncid, vd, d.data()), "read");
  }
  nc_close(ncid);
  std::vector<int64_t> map(ndst, -1);
  for (size_t k = 0; k < nlinks; ++k) map[size_t(d[k] - 1)] = s[k] - 1;
  return map;
}

// Runs remapnn and gennn on `src` -> `dst` and compares both with our plan.
void expect_same_as_cdo(const Grid& src, const Grid& dst, uint32_t seed, double nan_fraction = 0.06, size_t nt = 3) {
  if (!test::cdo_available()) GTEST_SKIP() << "cdo not installed";
  test::ScratchDir dir;
  const auto field = test::random_field(nt * src.size(), seed, nan_fraction);
  test::write_test_nc(dir / "src.nc", src, nt, field);
  write_cdo_griddes(dst, dir / "grid.txt");
  ASSERT_EQ(parse_grid_spec(dir / "grid.txt"), dst) << "grid description does not round-trip";

  std::string out;
  ASSERT_EQ(run("cdo -s -f nc4 remapnn," + dir / "grid.txt" + " " + dir / "src.nc" + " " + dir / "nn.nc", &out), 0)
      << out;
  ASSERT_EQ(run("cdo -s gennn," + dir / "grid.txt" + " " + dir / "src.nc" + " " + dir / "w.nc", &out), 0) << out;

  const RegridPlan plan = make_regrid_plan(src, dst, RegridMethod::Nearest);
  const auto cdo_map = read_gennn_map(dir / "w.nc", dst.size());
  // gennn builds its weights with the first field's missing-value mask: a
  // target whose neighbour is missing there has no link (remapnn: missing).
  size_t map_diff = 0, first = 0, masked = 0;
  for (size_t d = 0; d < dst.size(); ++d) {
    int64_t expect = plan.src_index[d];
    if (expect >= 0 && std::isnan(field[size_t(expect)])) expect = -1, ++masked;
    if (cdo_map[d] != expect && map_diff++ == 0) first = d;
  }
  if (nan_fraction > 0) {
    EXPECT_GT(masked, 0u);
  }
  EXPECT_EQ(map_diff, 0u) << "index maps differ at " << map_diff << " targets; first: target " << first << " (lon "
                          << dst.lon[first % dst.nx()] << ", lat " << dst.lat[first / dst.nx()] << ") cdo "
                          << cdo_map[first] << " ours " << plan.src_index[first];

  std::vector<float> ours(nt * dst.size());
  apply_regrid(plan, field.data(), ours.data(), int64_t(nt));
  const DailyCube cdo = read_cf_daily(dir / "nn.nc", "pr");
  ASSERT_EQ(cdo.grid, dst);
  ASSERT_EQ(cdo.precip.size(), ours.size());
  size_t value_diff = 0, nan_count = 0;
  for (size_t k = 0; k < ours.size(); ++k) {
    const bool both_nan = std::isnan(ours[k]) && std::isnan(cdo.precip[k]);
    nan_count += std::isnan(ours[k]) ? 1 : 0;
    if (!both_nan && ours[k] != cdo.precip[k]) ++value_diff;
  }
  EXPECT_EQ(value_diff, 0u) << "values differ from cdo remapnn";
  if (nan_fraction > 0) {
    EXPECT_GT(nan_count, 0u) << "test field should exercise missing values";
  }
}

// The 0.01-degree target: a 2 x 1.5 degree box of cell centres (x.xx5).
Grid target_box(double lon0, double lat0) {
  return parse_grid_spec(std::to_string(lon0) + "," + std::to_string(lon0 + 2.0) + ",0.01," + std::to_string(lat0) +
                         "," + std::to_string(lat0 + 1.5) + ",0.01");
}

TEST(CdoRemapnn, Era5PointsNorthToSouthWithTies) {
  // Points at multiples of 0.25 with latitude stored N->S: targets at x.125/x.375/...
  // are exactly equidistant from two or four source points.
  const Grid src = Grid::regular(93.75, 0.25, 15, 36.5, -0.25, 14);
  const Grid dst = target_box(94.5, 34.0);
  size_t ties = 0;
  for (double x : dst.lon) ties += std::fabs(std::fmod(x - 0.125, 0.25)) < 1e-9;
  ASSERT_GT(ties, 5u);
  expect_same_as_cdo(src, dst, 11);
}

TEST(CdoRemapnn, ImergCentresSouthToNorth) {
  expect_same_as_cdo(Grid::regular(94.25, 0.1, 28, 33.75, 0.1, 21), target_box(94.5, 34.0), 12);
}

TEST(CdoRemapnn, GldasQuarterDegreeCentres) {
  expect_same_as_cdo(Grid::regular(93.875, 0.25, 14, 33.625, 0.25, 10), target_box(94.5, 34.0), 13);
}

TEST(CdoRemapnn, Cmorph8kmWithIrregularLatitudes) {
  // CMORPH's 8 km step (360/4948 degrees) and rectilinear latitudes with jitter.
  const double dx = 360.0 / 4948.0;
  Grid src = Grid::regular(94.0 + 0.5 * dx, dx, 36, 33.8, dx, 30);
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> jitter(-0.01, 0.01);
  for (size_t j = 1; j + 1 < src.ny(); ++j) src.lat[j] += jitter(rng);
  expect_same_as_cdo(src, target_box(94.5, 34.0), 14);
}

TEST(CdoRemapnn, Era5OntoTheFullQinghaiGrid) {
  // The production pair: 1390 x 850 centres generated as 89.505 + i*0.01 (one
  // ulp matters for the ties far from the first column) from ERA5 points N->S.
  expect_same_as_cdo(Grid::regular(89.0, 0.25, 60, 40.5, -0.25, 38), Grid::qinghai_001(), 16, 0.01, 1);
}

TEST(CdoRemapnn, TargetBeyondSourceUsesExtrapolation) {
  // Source covers only part of the target: outer targets take CDO's edge scan.
  expect_same_as_cdo(Grid::regular(95.0, 0.25, 5, 35.25, -0.25, 4), target_box(94.5, 34.0), 15, 0.0);
}

}  // namespace
}  // namespace rf::io
