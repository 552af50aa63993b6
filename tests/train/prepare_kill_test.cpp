// `rainfuse prepare` killed with SIGKILL at seeded random moments (issue 13,
// "kill at any moment"): after the kills, a run to completion leaves the cache
// (every yearly cube, the DEM, the gauges and the manifest) byte for byte equal
// to an uninterrupted run's, and no temporary file behind. The twin has IMERG,
// so the kills also land while the forked reader child is working.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "io/synth/synth.h"
#include "train/config/run_config.h"

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
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string log = (dir / "prepare.log").string();
    if (!freopen(log.c_str(), "a", stdout) || !freopen(log.c_str(), "a", stderr) || chdir(dir.c_str()) != 0) _exit(127);
    execl(binary(), binary(), "prepare", "--config", "run.toml", (char*)nullptr);
    _exit(127);
  }
  return pid;
}

TEST(PrepareKill, KilledAtRandomMomentsThenRerunGivesTheUninterruptedCache) {
  ASSERT_TRUE(fs::exists(binary())) << "RAINFUSE_BINARY not set or missing";
  rf::testing::TmpDir root("prepare-kill");
  io::synth::SynthOptions o;
  o.out_dir = (root.path / "twin").string();
  o.start = io::parse_date("2019-12-27"), o.end = io::parse_date("2020-01-04");
  o.seed = 4;
  o.products = {io::synth::Product::ERA5, io::synth::Product::IMERG, io::synth::Product::GLDAS};
  io::synth::run_synth(o);
  const std::string twin = o.out_dir;
  auto make_run = [&](const std::string& name) {
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
  };

  const fs::path a = make_run("a");
  const auto t0 = std::chrono::steady_clock::now();
  int st;
  ASSERT_EQ(waitpid(start_prepare(a), &st, 0) > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
  const double whole = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const fs::path b = make_run("b");
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

  const auto want = files_under(a / "run/cache"), got = files_under(b / "run/cache");
  ASSERT_FALSE(want.empty());
  for (const auto& [name, bytes] : want) {
    ASSERT_TRUE(got.count(name)) << name << " missing after the kills";
    EXPECT_TRUE(got.at(name) == bytes) << name << " differs from the uninterrupted run's";
  }
  for (const auto& [name, bytes] : got) EXPECT_TRUE(want.count(name)) << name << " left behind by a killed run";
  RecordProperty("kills_mid_run", killed);
  RecordProperty("uninterrupted_s", int(whole * 1000));
}

}  // namespace
}  // namespace rf::pipe
