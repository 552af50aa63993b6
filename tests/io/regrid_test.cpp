// Regrid plans and kernels without external tools: grid descriptions, exact
// reproduction of linear fields, Keys cubic convolution on quadratics, NaN
// propagation, CDO's gradient rules, and nearest == brute-force chord search.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "io/regrid/regrid.h"
#include "kernels/regrid/regrid.h"
#include "tests/io/io_fixture.h"

namespace rf::io {
namespace {

TEST(GridSpec, BoxSpecGivesTheQinghaiWorkingGrid) {
  const Grid g = parse_grid_spec("89.5,103.4,0.01,31.37,39.87,0.01");
  EXPECT_EQ(g, Grid::qinghai_001()) << "centres must be bit-identical to xfirst=89.505 + i*0.01";
}

TEST(GridSpec, CdoGriddesWithValuesCommentsAndContinuationLines) {
  test::ScratchDir dir;
  {
    std::ofstream f(dir / "g.txt");
    f << "# a CDO grid\ngridtype  = lonlat\ngridsize = 6\nxsize = 3\nysize = 2\n"
      << "xname = lon\nxunits = \"degrees_east\"\nxvals = 90.1 90.3\n   90.7  # irregular\n"
      << "yfirst = 36.5\nyinc = -0.25\n";
  }
  const Grid g = parse_grid_spec(dir / "g.txt");
  EXPECT_EQ(g.lon, (std::vector<double>{90.1, 90.3, 90.7}));
  EXPECT_EQ(g.lat, (std::vector<double>{36.5, 36.25}));
  write_cdo_griddes(g, dir / "back.txt");
  EXPECT_EQ(parse_grid_spec(dir / "back.txt"), g);
  const Grid q = Grid::qinghai_001();
  write_cdo_griddes(q, dir / "q.txt");
  std::ifstream in(dir / "q.txt");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find("xfirst = 89.505\nxinc = 0.01"), std::string::npos) << text;
  EXPECT_EQ(parse_grid_spec(dir / "q.txt"), q);
}

TEST(GridSpec, BadInputsNameTheProblem) {
  test::ScratchDir dir;
  { std::ofstream(dir / "c.txt") << "gridtype = curvilinear\nxsize = 2\nysize = 2\n"; }
  { std::ofstream(dir / "m.txt") << "gridtype = lonlat\nxsize = 3\nysize = 2\nxvals = 1 2\nyfirst = 0\nyinc = 1\n"; }
  EXPECT_THROW(parse_grid_spec(dir / "c.txt"), std::runtime_error);
  EXPECT_THROW(parse_grid_spec(dir / "m.txt"), std::runtime_error);
  EXPECT_THROW(parse_grid_spec("90,91,0.3,30,31,0.1"), std::runtime_error);  // not whole steps
  EXPECT_THROW(parse_grid_spec("90,91,0.1,30"), std::runtime_error);
  EXPECT_THROW(parse_grid_spec("/no/such/grid"), std::runtime_error);
  EXPECT_THROW(parse_regrid_method("cubic"), std::runtime_error);
}

// f = a + b*lon + c*lat on a regular grid: bilinear, bicubic (interior) and Keys
// reproduce it to rounding; Keys also reproduces a quadratic in the index.
TEST(RegridPlan, LinearFieldsAreReproduced) {
  const Grid src = Grid::regular(94.0, 0.25, 16, 37.0, -0.25, 12);
  const Grid dst = parse_grid_spec("94.6,97.1,0.05,34.6,36.2,0.05");
  std::vector<float> f(src.size());
  for (size_t j = 0; j < src.ny(); ++j)
    for (size_t i = 0; i < src.nx(); ++i) f[j * src.nx() + i] = float(3.0 + 2.0 * src.lon[i] - 1.5 * src.lat[j]);
  for (RegridMethod m : {RegridMethod::Bilinear, RegridMethod::Bicubic, RegridMethod::KeysCubic}) {
    const RegridPlan plan = make_regrid_plan(src, dst, m);
    std::vector<float> out(dst.size());
    apply_regrid(plan, f.data(), out.data());
    double worst = 0;
    for (size_t j = 0; j < dst.ny(); ++j)
      for (size_t i = 0; i < dst.nx(); ++i)
        worst = std::max(worst, std::fabs(out[j * dst.nx() + i] - (3.0 + 2.0 * dst.lon[i] - 1.5 * dst.lat[j])));
    EXPECT_LT(worst, 2e-4) << regrid_method_name(m);
  }
  std::vector<float> q(src.size());
  for (size_t j = 0; j < src.ny(); ++j)
    for (size_t i = 0; i < src.nx(); ++i) q[j * src.nx() + i] = float(0.1 * double(i * i) + 0.05 * double(j * j));
  const RegridPlan keys = make_regrid_plan(src, dst, RegridMethod::KeysCubic);
  std::vector<float> out(dst.size());
  apply_regrid(keys, q.data(), out.data());
  for (size_t j = 0; j < dst.ny(); ++j)
    for (size_t i = 0; i < dst.nx(); ++i) {
      const double fi = (dst.lon[i] - 94.0) / 0.25, fj = (37.0 - dst.lat[j]) / 0.25;
      EXPECT_NEAR(out[j * dst.nx() + i], 0.1 * fi * fi + 0.05 * fj * fj, 2e-4) << i << "," << j;
    }
}

TEST(RegridPlan, MissingCornerMakesTargetMissing) {
  const Grid src = Grid::regular(94.0, 0.25, 8, 34.0, 0.25, 8);
  const Grid dst = Grid::regular(94.8, 0.01, 30, 34.8, 0.01, 30);  // inside cell (3..4, 3..4)
  std::vector<float> f = test::random_field(src.size(), 4);
  f[3 * 8 + 4] = NAN;  // corner (j=3, i=4)
  for (RegridMethod m : {RegridMethod::Bilinear, RegridMethod::Bicubic, RegridMethod::KeysCubic}) {
    const RegridPlan plan = make_regrid_plan(src, dst, m);
    std::vector<float> out(dst.size());
    apply_regrid(plan, f.data(), out.data());
    size_t nan = 0;
    for (float v : out) nan += std::isnan(v) ? 1 : 0;
    EXPECT_GT(nan, 0u) << regrid_method_name(m);
  }
}

TEST(RegridKernel, HermitePlanesFollowCdoRules) {
  // 3x4 field, one missing: centred i-differences wrap cyclically, j one-sided at edges.
  const int64_t nx = 4, ny = 3;
  const std::vector<float> f = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, NAN};
  std::vector<float> p(4 * nx * ny);
  kernels::regrid_hermite_planes_cpu(f.data(), nx, ny, p.data());
  const float* gi = p.data() + nx * ny;
  const float* gj = p.data() + 2 * nx * ny;
  EXPECT_EQ(gi[0], 0.5f * (2 - 8));     // west neighbour wraps to column 3
  EXPECT_EQ(gi[5], 0.5f * (64 - 16));   // interior
  EXPECT_EQ(gj[5], 0.5f * (512 - 2));   // interior
  EXPECT_EQ(gj[1], 1.0f * (32 - 2));    // first row: one-sided, factor 1
  EXPECT_EQ(gi[10], 1.0f * (1024 - 512));  // east neighbour missing -> centre, factor 1
  EXPECT_EQ(gi[11], 0.0f);              // missing point: gradients 0
}

TEST(RegridKernel, WeightedGatherPropagatesNaNAndUnusedSlots) {
  const std::vector<float> src = {1, 2, NAN, 4};
  const std::vector<int64_t> idx = {0, 1, 0, 2, -1, -1, 3, -1};
  const std::vector<double> w = {0.25, 0.75, 1.0, 0.0, 0.0, 0.0, 2.0, 0.0};
  std::vector<float> dst(4);
  kernels::regrid_weighted_cpu(src.data(), 4, 1, idx.data(), w.data(), 2, 4, dst.data(), 1);
  EXPECT_EQ(dst[0], 1.75f);
  EXPECT_TRUE(std::isnan(dst[1])) << "a NaN term with weight 0 still makes the target missing";
  EXPECT_TRUE(std::isnan(dst[2])) << "no used term";
  EXPECT_EQ(dst[3], 8.0f);
}

TEST(RegridPlan, NearestMatchesBruteForceChordSearch) {
  std::mt19937 rng(9);
  const Grid src = Grid::regular(88.0, 0.1, 170, 40.5, -0.1, 110);
  Grid dst = Grid::regular(89.503, 0.0137, 900, 31.371, 0.0173, 480);  // no exact ties
  const RegridPlan plan = make_regrid_plan(src, dst, RegridMethod::Nearest);
  std::uniform_int_distribution<size_t> pick(0, dst.size() - 1);
  const double k = M_PI / 180.0;
  for (int s = 0; s < 2000; ++s) {
    const size_t d = pick(rng);
    const double tl = dst.lon[d % dst.nx()] * k, tp = dst.lat[d / dst.nx()] * k;
    double best = 1e9;
    int64_t arg = -1;
    for (size_t j = 0; j < src.ny(); ++j)
      for (size_t i = 0; i < src.nx(); ++i) {
        const double sl = src.lon[i] * k, sp = src.lat[j] * k;
        const double dx = std::cos(tp) * std::cos(tl) - std::cos(sp) * std::cos(sl);
        const double dy = std::cos(tp) * std::sin(tl) - std::cos(sp) * std::sin(sl);
        const double dz = std::sin(tp) - std::sin(sp);
        const double dd = dx * dx + dy * dy + dz * dz;
        if (dd < best) best = dd, arg = int64_t(j * src.nx() + i);
      }
    ASSERT_EQ(plan.src_index[d], arg) << "target " << d;
  }
  std::vector<float> f = test::random_field(2 * src.size(), 3, 0.1), out(2 * dst.size());
  apply_regrid(plan, f.data(), out.data(), 2);
  for (size_t d = 0; d < dst.size(); ++d) {
    const float want = f[src.size() + size_t(plan.src_index[d])];
    ASSERT_TRUE(std::isnan(want) ? std::isnan(out[dst.size() + d]) : out[dst.size() + d] == want);
  }
}

}  // namespace
}  // namespace rf::io
