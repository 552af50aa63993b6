// `rainfuse prepare` under faults that are not bad files (issue 13):
// - killed with SIGKILL at seeded random moments: after the kills, a run to
//   completion leaves the cache (every yearly cube, the DEM, the gauges and the
//   manifest) byte for byte equal to an uninterrupted run's, and no temporary
//   file behind. The twin has IMERG, so the kills also land while the forked
//   reader child is working;
// - a cache on a full disk: a clear error naming the file and the cause, what
//   was finished kept, and a rerun after space is freed completes to the same
//   bytes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "io/synth/synth.h"
#include "train/config/run_config.h"

#include "tests/train/fault_util.h"
#include "tests/train/temp_dir.h"

namespace rf::pipe {
namespace {

namespace fs = std::filesystem;

const char* binary() {
  const char* b = std::getenv("RAINFUSE_BINARY");
  return b ? b : "";
}

// Every regular file under dir: relative name -> bytes.
std::map<std::string, std::string> files_under(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream f(e.path(), std::ios::binary);
    out[fs::relative(e.path(), dir).string()] =
        std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  return out;
}

// Starts `rainfuse prepare` in dir (output to dir/prepare.log); returns its pid.
pid_t start_prepare(const fs::path& dir) {
  return rf::testing::spawn_in(dir, "prepare.log", binary(), {"prepare", "--config", "run.toml"});
}

// A 9-day ERA5 + IMERG + GLDAS twin over the turn of 2019/2020 and run
// folders preparing it at 0.05 degrees.
struct PrepareTwin {
  rf::testing::TmpDir root;
  io::synth::SynthOptions o;
  explicit PrepareTwin(const std::string& tag) : root(tag) {
    o.out_dir = (root.path / "twin").string();
    o.start = io::parse_date("2019-12-27"), o.end = io::parse_date("2020-01-04");
    o.seed = 4;
    o.products = {io::synth::Product::ERA5, io::synth::Product::IMERG, io::synth::Product::GLDAS};
    io::synth::run_synth(o);
  }
  fs::path make_run(const std::string& name) const {
    const std::string twin = o.out_dir;
    const fs::path dir = root.path / name;
    fs::create_directories(dir);
    RunConfig c;
    c.out_dir = "run";
    c.resolution = 0.05;
    c.start = o.start, c.end = o.end;
    c.sources = {{"era5", "", {twin + "/era5/era5_tp_*.nc"}, "", ""},
                 {"imerg", "", {twin + "/imerg/*/*/*.HDF5"}, "", ""},
                 {"gldas", "", {twin + "/gldas/*/*/*.nc4"}, "", ""}};
    c.gauge_files = {twin + "/gauges/daily_*.csv"};
    c.stations = twin + "/gauges/stations.csv";
    c.dem = twin + "/dem.nc";
    std::ofstream(dir / "run.toml") << run_config_toml(c);
    return dir;
  }
};

int run_to_end(const fs::path& dir) {
  int st = 0;
  return waitpid(start_prepare(dir), &st, 0) > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// b's cache/ holds exactly a's files, byte for byte.
void expect_same_cache(const fs::path& a, const fs::path& b, const std::string& after) {
  const auto want = files_under(a / "run/cache"), got = files_under(b / "run/cache");
  ASSERT_FALSE(want.empty());
  for (const auto& [name, bytes] : want) {
    ASSERT_TRUE(got.count(name)) << name << " missing after " << after;
    EXPECT_TRUE(got.at(name) == bytes) << name << " differs from the uninterrupted run's after " << after;
  }
  for (const auto& [name, bytes] : got) EXPECT_TRUE(want.count(name)) << name << " left behind by " << after;
}

TEST(PrepareKill, KilledAtRandomMomentsThenRerunGivesTheUninterruptedCache) {
  ASSERT_TRUE(fs::exists(binary())) << "RAINFUSE_BINARY not set or missing";
  const PrepareTwin twin("prepare-kill");
  const fs::path a = twin.make_run("a");
  const auto t0 = std::chrono::steady_clock::now();
  int st;
  ASSERT_EQ(waitpid(start_prepare(a), &st, 0) > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
  const double whole = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const fs::path b = twin.make_run("b");
  std::mt19937 rng(20261204);
  // Early enough that a kill lands while prepare runs even though each rerun
  // has less left to build (what earlier runs finished stays cached).
  std::uniform_real_distribution<double> at(0.05, 0.6);
  int killed = 0;
  for (int k = 0; k < 4; ++k) {
    const pid_t pid = start_prepare(b);
    std::this_thread::sleep_for(std::chrono::duration<double>(at(rng) * whole));
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    killed += WIFSIGNALED(st);
  }
  EXPECT_GE(killed, 1) << "no kill landed while prepare ran (it took " << whole << " s)";
  ASSERT_EQ(waitpid(start_prepare(b), &st, 0) > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0)
      << files_under(b).at("prepare.log");

  expect_same_cache(a, b, "the kills");
  RecordProperty("kills_mid_run", killed);
  RecordProperty("uninterrupted_s", int(whole * 1000));
}

// A full disk: run/cache on a tmpfs with room for all but half of the largest
// cache file. prepare fails with an error naming the cause; every cache file
// it leaves under a final name is one the uninterrupted run wrote (byte for
// byte; the manifest aside, which lists what is done so far); no temporary
// file stays; and after space is freed a rerun completes with the
// uninterrupted bytes, reusing what was done. Needs root (mount).
TEST(PrepareFullDisk, FailsClearlyKeepsWhatWasDoneAndARerunCompletes) {
  ASSERT_TRUE(fs::exists(binary())) << "RAINFUSE_BINARY not set or missing";
  const PrepareTwin twin("prepare-full");
  const fs::path a = twin.make_run("a");
  ASSERT_EQ(run_to_end(a), 0);
  const auto want = files_under(a / "run/cache");
  using rf::testing::tmpfs_pages;
  uintmax_t total = 0, largest = 0;
  for (const auto& [name, bytes] : want)
    total += tmpfs_pages(bytes.size()) + 4096, largest = std::max<uintmax_t>(largest, bytes.size());
  const uintmax_t room = total - tmpfs_pages(largest / 2) - 4096 * want.size() / 2;
  const fs::path d = twin.make_run("d"), cache = d / "run/cache";
  rf::testing::SmallFs disk(cache, room);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (" << disk.why_not() << "): needs root";
  EXPECT_EQ(run_to_end(d), 1);
  const std::string log1 = files_under(d).at("prepare.log");
  EXPECT_NE(log1.find("No space left on device"), std::string::npos) << log1;
  EXPECT_NE(log1.find(cache.string()), std::string::npos) << log1;
  const size_t err_at = log1.find("rainfuse prepare: ");
  if (err_at != std::string::npos) RecordProperty("error", log1.substr(err_at, log1.find('\n', err_at) - err_at));
  int kept = 0;
  for (const auto& [name, bytes] : files_under(cache)) {
    ASSERT_TRUE(want.count(name)) << name << " left in the cache by the failed run";
    if (name == "manifest.txt") continue;
    EXPECT_TRUE(want.at(name) == bytes) << name << " carries a final name but is not the finished file";
    ++kept;
  }
  EXPECT_GE(kept, 1) << "nothing was finished before the disk filled";
  // Space freed: the rerun completes to the uninterrupted bytes.
  ASSERT_EQ(disk.resize(4 * total), "");
  fs::remove(d / "prepare.log");
  ASSERT_EQ(run_to_end(d), 0) << files_under(d).at("prepare.log");
  expect_same_cache(a, d, "a full disk and a rerun");
  RecordProperty("cache_files_kept", kept);
}

}  // namespace
}  // namespace rf::pipe
