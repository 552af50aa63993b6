// rainfuse bilinear / bicubic == Debian's real `cdo remapbil` / `cdo remapbic`
// within 1e-5 relative, missing values included (a missing corner makes the
// target missing; bicubic gradients substitute missing neighbours as CDO does,
// and wrap cyclically in i even on a regional source).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "io/cf/writer.h"
#include "io/regrid/regrid.h"
#include "tests/io/io_fixture.h"

namespace rf::io {
namespace {

void expect_close_to_cdo(const Grid& src, const Grid& dst, RegridMethod method, const char* op, uint32_t seed) {
  if (!test::cdo_available()) GTEST_SKIP() << "cdo not installed";
  test::ScratchDir dir;
  const size_t nt = 2;
  const auto field = test::random_field(nt * src.size(), seed, 0.05);
  test::write_test_nc(dir / "src.nc", src, nt, field);
  write_cdo_griddes(dst, dir / "grid.txt");
  std::string out;
  ASSERT_EQ(test::run(std::string("cdo -s -f nc4 ") + op + "," + dir / "grid.txt" + " " + dir / "src.nc" + " " +
                          dir / "out.nc",
                      &out),
            0)
      << out;
  const DailyCube cdo = read_cf_daily(dir / "out.nc", "pr");
  const RegridPlan plan = make_regrid_plan(src, dst, method);
  std::vector<float> ours(nt * dst.size());
  apply_regrid(plan, field.data(), ours.data(), int64_t(nt));
  ASSERT_EQ(cdo.precip.size(), ours.size());
  size_t missing_diff = 0, value_diff = 0, missing = 0, valid = 0;
  double worst = 0;
  for (size_t k = 0; k < ours.size(); ++k) {
    const float a = ours[k], b = cdo.precip[k];
    if (std::isnan(a) || std::isnan(b)) {
      missing_diff += std::isnan(a) != std::isnan(b);
      missing += std::isnan(b) ? 1 : 0;
      continue;
    }
    ++valid;
    const double rel = std::fabs(double(a) - double(b)) / std::max(std::fabs(double(b)), 1e-3);
    worst = std::max(worst, rel);
    value_diff += rel > 1e-5;
  }
  EXPECT_EQ(missing_diff, 0u) << "missing pattern differs from cdo " << op;
  EXPECT_EQ(value_diff, 0u) << "values differ from cdo " << op << " (worst relative " << worst << ")";
  EXPECT_GT(missing, 0u);
  EXPECT_GT(valid, dst.size());
}

Grid target() { return parse_grid_spec("94.5,96.5,0.01,34,35.5,0.01"); }

// ERA5-like points N->S whose first column lies just west of the target box:
// bicubic gradients there use the opposite edge column (CDO's cyclic i quirk).
const Grid kEra5 = Grid::regular(94.25, 0.25, 11, 35.75, -0.25, 9);
const Grid kImerg = Grid::regular(94.45, 0.1, 22, 33.95, 0.1, 17);

TEST(CdoRemapbil, Era5NorthToSouth) { expect_close_to_cdo(kEra5, target(), RegridMethod::Bilinear, "remapbil", 21); }
TEST(CdoRemapbil, ImergSouthToNorth) { expect_close_to_cdo(kImerg, target(), RegridMethod::Bilinear, "remapbil", 22); }
TEST(CdoRemapbic, Era5NorthToSouth) { expect_close_to_cdo(kEra5, target(), RegridMethod::Bicubic, "remapbic", 23); }
TEST(CdoRemapbic, ImergSouthToNorth) { expect_close_to_cdo(kImerg, target(), RegridMethod::Bicubic, "remapbic", 24); }

}  // namespace
}  // namespace rf::io
