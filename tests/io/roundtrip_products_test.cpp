// synth -> readers -> CMA-day totals for ERA5 (both layouts), IMERG (V07B and
// V06B), GLDAS (2.0 end-stamped and 2.1 start-stamped) and GSMaP (gzip).
// CMORPH (65 MB per hour decompressed) has its own executable.
#include <filesystem>

#include "tests/io/roundtrip_common.h"

namespace fs = std::filesystem;
using namespace rf::io;
namespace syn = rf::io::synth;

namespace {

// Each test writes its own two-day twin with only its product (ctest runs each
// test in its own process).
class RoundTrip : public ::testing::Test {
 protected:
  // June 2000: IMERG V07B before 2000-06-01 00:00 UTC, V06B after. New year
  // 2000: GLDAS-2.0 (end stamps) then 2.1 (start stamps); ERA5 December 1999 in
  // the new CDS layout (odd year), January 2000 in the legacy one.
  void make_twin(syn::Product p, bool new_year) {
    dir_ = (fs::temp_directory_path() / ("rf_roundtrip_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
    syn::SynthOptions o;
    o.out_dir = dir_;
    o.start = new_year ? day_from_ymd(1999, 12, 31) : day_from_ymd(2000, 5, 31);
    o.end = o.start + 1;
    o.seed = 21;
    o.products = {p};
    o.gauges = false;
    syn::run_synth(o);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static DailyCube daily(Product p, const std::string& pattern, DayNumber day) {
    return daily_from_files(p, ReaderOptions{}, glob_files(pattern), day, day, DayOptions{});
  }
  std::string dir_;
};

TEST_F(RoundTrip, ImergV07AndV06HalfHours) {
  make_twin(syn::Product::IMERG, false);
  const DayNumber day = day_from_ymd(2000, 6, 1);
  const auto cube = daily(Product::IMERG, dir_ + "/imerg/*/*/3B-HHR*.HDF5", day);
  const auto want = roundtrip::read_intended(dir_ + "/intended/imerg_2000.nc");
  EXPECT_GT(roundtrip::compare_day(cube, day, want, 2e-4), 100 * 60);
}

TEST_F(RoundTrip, GsmapGzipHours) {
  make_twin(syn::Product::GSMAP, false);
  const DayNumber day = day_from_ymd(2000, 6, 1);
  const auto cube = daily(Product::GSMaP, dir_ + "/gsmap/*/*/*/gsmap_gauge.*.dat.gz", day);
  const auto want = roundtrip::read_intended(dir_ + "/intended/gsmap_2000.nc");
  EXPECT_GT(roundtrip::compare_day(cube, day, want, 1e-4), 100 * 60);
}

TEST_F(RoundTrip, Era5LegacyPackedLayout) {
  make_twin(syn::Product::ERA5, false);
  const DayNumber day = day_from_ymd(2000, 6, 1);
  const auto cube = daily(Product::ERA5, dir_ + "/era5/era5_tp_*.nc", day);
  const auto want = roundtrip::read_intended(dir_ + "/intended/era5_2000.nc");
  EXPECT_GT(roundtrip::compare_day(cube, day, want, 0.05), 50 * 30);  // int16 packing: ~1e-3 mm per hour
}

TEST_F(RoundTrip, Era5CdsAndLegacyLayoutsInOneDay) {
  make_twin(syn::Product::ERA5, true);
  const DayNumber day = day_from_ymd(2000, 1, 1);  // 13-23 UTC from the Dec 1999 CDS file, 00-12 from the Jan 2000 legacy file
  const auto cube = daily(Product::ERA5, dir_ + "/era5/era5_tp_*.nc", day);
  const auto want = roundtrip::read_intended(dir_ + "/intended/era5_2000.nc");
  EXPECT_GT(roundtrip::compare_day(cube, day, want, 0.05), 50 * 30);
}

TEST_F(RoundTrip, GldasEndStampedV20AndStartStampedV21) {
  make_twin(syn::Product::GLDAS, true);
  const DayNumber day = day_from_ymd(2000, 1, 1);
  const auto cube = daily(Product::GLDAS, dir_ + "/gldas/*/*/GLDAS_NOAH025_3H.*.nc4", day);
  const auto want = roundtrip::read_intended(dir_ + "/intended/gldas_2000.nc");
  EXPECT_GT(roundtrip::compare_day(cube, day, want, 2e-4), 50 * 30);
}

}  // namespace
