// `rainfuse synth` on the command line: a one-day GSMaP-only twin, compressed
// and --unpacked, and the one-line errors for bad arguments.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "io/cf/writer.h"
#include "tests/io/roundtrip_common.h"

namespace fs = std::filesystem;

namespace {

// $RAINFUSE_BINARY, else the build tree's rainfuse (tests/io/<exe> -> ../../rainfuse).
std::string binary() {
  if (const char* b = std::getenv("RAINFUSE_BINARY")) return b;
  return (fs::read_symlink("/proc/self/exe").parent_path().parent_path().parent_path() / "rainfuse").string();
}

int run(const std::string& cmd, std::string& out) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  out.clear();
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(SynthCli, OneDayGsmapTwin) {
  ASSERT_TRUE(fs::exists(binary())) << binary();
  const fs::path dir = fs::temp_directory_path() / ("rf_synth_cli_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::string out;
  ASSERT_EQ(run(binary() + " synth --out " + dir.string() +
                    " --start 2012-08-02 --end 2012-08-02 --seed 9 --products gsmap --no-gauges --quiet",
                out),
            0)
      << out;
  int gsmap = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "gsmap")) gsmap += e.is_regular_file();
  EXPECT_EQ(gsmap, 24);
  EXPECT_TRUE(fs::exists(dir / "dem.nc"));
  EXPECT_TRUE(fs::exists(dir / "truth/truth_2012.nc"));
  EXPECT_TRUE(fs::exists(dir / "intended/gsmap_2012.nc"));
  EXPECT_FALSE(fs::exists(dir / "gauges"));
  EXPECT_FALSE(fs::exists(dir / "imerg"));
  for (const auto& e : fs::recursive_directory_iterator(dir)) EXPECT_NE(e.path().extension(), ".part") << e.path();
  fs::remove_all(dir);
}

// --unpacked: GSMaP .dat files (17 MB each, decompressed) that `rainfuse daily`
// reads back to the twin's intended CMA-day totals.
TEST(SynthCli, UnpackedGsmapReadByDaily) {
  ASSERT_TRUE(fs::exists(binary())) << binary();
  const fs::path dir = fs::temp_directory_path() / ("rf_synth_cli_unpacked_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::string out;
  ASSERT_EQ(run(binary() + " synth --out " + dir.string() +
                    " --start 2012-08-02 --end 2012-08-02 --seed 9 --products gsmap --no-gauges --quiet --unpacked",
                out),
            0)
      << out;
  int dat = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "gsmap"))
    if (e.is_regular_file()) {
      EXPECT_EQ(e.path().extension(), ".dat") << e.path();
      EXPECT_EQ(fs::file_size(e.path()), 3600u * 1200u * 4u) << e.path();
      ++dat;
    }
  EXPECT_EQ(dat, 24);
  const std::string daily = (dir / "daily.nc").string();
  ASSERT_EQ(run(binary() + " daily --product gsmap --input '" + (dir / "gsmap/*/*/*/gsmap_gauge.*.dat").string() +
                    "' --start 2012-08-02 --end 2012-08-02 --out " + daily,
                out),
            0)
      << out;
  const auto want = rf::io::roundtrip::read_intended((dir / "intended/gsmap_2012.nc").string());
  EXPECT_GT(rf::io::roundtrip::compare_day(rf::io::read_cf_daily(daily), rf::io::day_from_ymd(2012, 8, 2), want, 1e-4), 100 * 100);
  fs::remove_all(dir);
}

TEST(SynthCli, BadArgumentsAreOneLineErrors) {
  ASSERT_TRUE(fs::exists(binary())) << binary();
  std::string out;
  EXPECT_NE(run(binary() + " synth --out /tmp/rf_never --start 2012-08-02 --end 2012-08-01", out), 0);
  EXPECT_NE(out.find("--end is before --start"), std::string::npos) << out;
  EXPECT_NE(run(binary() + " synth --out /tmp/rf_never --start 2012-08-02 --end 2012-08-02 --grid 0.05", out), 0);
  EXPECT_NE(out.find("--grid"), std::string::npos) << out;
  EXPECT_NE(run(binary() + " synth --out /tmp/rf_never --start 2012-08-02 --end 2012-08-02 --products trmm", out), 0);
  EXPECT_NE(out.find("unknown product 'trmm'"), std::string::npos) << out;
  EXPECT_NE(run(binary() + " synth --start 2012-08-02 --end 2012-08-02", out), 0);
  EXPECT_FALSE(fs::exists("/tmp/rf_never"));
}

}  // namespace
