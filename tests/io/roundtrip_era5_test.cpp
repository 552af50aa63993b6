// synth -> ERA5 reader -> CMA-day totals for the twin's zip and GRIB layouts
// and its ERA5-Land accumulations (netCDF, zip, GRIB), over the new year so the
// day 2000-01-01 takes hours from the December and the January file; ERA5-Land's
// hour ending 01-01 00:00 joins the fields of both. Plus `rainfuse synth
// --era5-layout grib --era5-land` and `rainfuse daily` end to end.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "io/cf/writer.h"
#include "tests/io/io_fixture.h"
#include "tests/io/roundtrip_common.h"

namespace fs = std::filesystem;
using namespace rf::io;
namespace syn = rf::io::synth;

namespace {

class RoundTripEra5 : public ::testing::Test {
 protected:
  void make_twin(const std::string& layout, bool land) {
    dir_ = (fs::temp_directory_path() / ("rf_roundtrip_era5_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
    syn::SynthOptions o;
    o.out_dir = dir_;
    o.start = day_from_ymd(1999, 12, 31);
    o.end = o.start + 1;
    o.seed = 21;
    o.products = {syn::Product::ERA5};
    o.gauges = false;
    o.era5_layout = layout;
    o.era5_land = land;
    syn::run_synth(o);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Both CMA days against the intended totals; tol covers 16-bit GRIB / int16 packing.
  void expect_days(const std::string& ext, double tol) const {
    const auto want99 = roundtrip::read_intended(dir_ + "/intended/era5_1999.nc");
    const auto want00 = roundtrip::read_intended(dir_ + "/intended/era5_2000.nc");
    const auto files = glob_files(dir_ + "/era5/era5_tp_*." + ext);
    ASSERT_EQ(files.size(), 2u);
    const DayNumber d0 = day_from_ymd(1999, 12, 31), d1 = d0 + 1;
    const auto cube = daily_from_files(Product::ERA5, ReaderOptions{}, files, d0, d1, DayOptions{});
    EXPECT_GT(roundtrip::compare_day(cube, d0, want99, tol), 50 * 30);
    EXPECT_GT(roundtrip::compare_day(cube, d1, want00, tol), 50 * 30);
  }
  std::string dir_;
};

TEST_F(RoundTripEra5, CdsZip) {
  make_twin("zip", false);
  expect_days("zip", 1e-3);
}

TEST_F(RoundTripEra5, Grib) {
  make_twin("grib", false);
  expect_days("grib", 0.05);
}

TEST_F(RoundTripEra5, LandNetcdfLegacyAndCds) {
  make_twin("nc", true);  // December 1999 CDS netCDF-4, January 2000 legacy int16
  expect_days("nc", 0.05);
}

TEST_F(RoundTripEra5, LandZip) {
  make_twin("zip", true);
  expect_days("zip", 1e-3);
}

TEST_F(RoundTripEra5, LandGrib) {
  make_twin("grib", true);
  expect_days("grib", 0.05);
}

TEST_F(RoundTripEra5, CliSynthGribLandThenDaily) {
  const std::string bin = rf::io::test::bin();
  dir_ = (fs::temp_directory_path() / ("rf_roundtrip_era5_cli_" + std::to_string(::getpid()))).string();
  std::string log;
  ASSERT_EQ(rf::io::test::run(bin + " synth --out " + dir_ + " --start 2000-03-01 --end 2000-03-02 --products era5 --no-gauges" +
                                  " --era5-layout grib --era5-land --quiet", &log), 0) << log;
  ASSERT_EQ(rf::io::test::run(bin + " daily --product era5 --input '" + dir_ + "/era5/*.grib' --start 2000-03-01 --end 2000-03-02" +
                                  " --out " + dir_ + "/daily.nc", &log), 0) << log;
  const DailyCube c = read_cf_daily(dir_ + "/daily.nc");
  const auto want = roundtrip::read_intended(dir_ + "/intended/era5_2000.nc");
  EXPECT_GT(roundtrip::compare_day(c, day_from_ymd(2000, 3, 2), want, 0.05), 50 * 30);
}

}  // namespace
