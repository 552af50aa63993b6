// synth -> CMORPH reader (multi-stream .bz2, built-in GrADS descriptor) ->
// CMA-day totals. Slow-ish: 24 global files of 65 MB each are decompressed.
#include <filesystem>

#include "tests/io/roundtrip_common.h"

namespace fs = std::filesystem;
using namespace rf::io;
namespace syn = rf::io::synth;

TEST(RoundTripCmorph, MultiStreamBz2HalfHours) {
  const std::string dir = (fs::temp_directory_path() / ("rf_roundtrip_cmorph_" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  syn::SynthOptions o;
  o.out_dir = dir;
  o.start = day_from_ymd(2016, 7, 14);
  o.end = day_from_ymd(2016, 7, 15);
  o.seed = 31;
  o.products = {syn::Product::CMORPH};
  o.gauges = false;
  syn::run_synth(o);
  const DayNumber day = o.end;
  const auto cube = daily_from_files(Product::CMORPH, ReaderOptions{}, glob_files(dir + "/cmorph/*/*/CMORPH_V1.0_ADJ_*.bz2"),
                                     day, day, DayOptions{});
  const auto want = roundtrip::read_intended(dir + "/intended/cmorph_2016.nc");
  EXPECT_GT(roundtrip::compare_day(cube, day, want, 1e-4), 150 * 100);
  fs::remove_all(dir);
}

TEST(RoundTripCmorph, CdrNetcdfHalfHours) {
  const std::string dir = (fs::temp_directory_path() / ("rf_roundtrip_cmorph_nc_" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  syn::SynthOptions o;
  o.out_dir = dir;
  o.start = day_from_ymd(2016, 7, 14);
  o.end = day_from_ymd(2016, 7, 15);
  o.seed = 31;
  o.products = {syn::Product::CMORPH};
  o.cmorph_format = "nc";
  o.gauges = false;
  syn::run_synth(o);
  const DayNumber day = o.end;
  const auto cube = daily_from_files(Product::CMORPH, ReaderOptions{},
                                     glob_files(dir + "/cmorph/*/*/*/CMORPH_V1.0_ADJ_8km-30min_*.nc"), day, day, DayOptions{});
  const auto want = roundtrip::read_intended(dir + "/intended/cmorph_2016.nc");
  EXPECT_GT(roundtrip::compare_day(cube, day, want, 1e-4), 150 * 100);
  fs::remove_all(dir);
}
