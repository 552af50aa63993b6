// `rainfuse fuse` with [fuse] pack_int16 = true when the model produces values
// beyond the int16 packing range (645.34 mm/day): the year is written, not
// failed; those values read back as 645.34, every other value within half a
// packing step of the float run; the count of clipped values is logged (one
// line per year) and stored in precipitation:rainfuse_clipped_values, and it
// equals the number of float values above the range. Also what the example
// config says of qinghai_mask: a mask(lat, lon) variable, precipitation fused
// (not NaN) outside the province.
#include <gtest/gtest.h>
#include <netcdf.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/cf/writer.h"
#include "io/synth/synth.h"
#include "nn/qh_ref.h"
#include "train/config/run_config.h"
#include "train/data/model_input.h"

#include "tests/train/temp_dir.h"

namespace rf::pipe {
namespace {

namespace fs = std::filesystem;

// Runs a shell command; returns (exit status, stdout + stderr).
std::pair<int, std::string> sh(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

// A run folder on an ERA5 + GLDAS twin (0.1 degrees, 3 fused days in June) and a
// model of era5+gldas with output head bias `bias` (mm/day = expm1(y), y = the
// head's output).
fs::path make_run(const fs::path& root, const std::string& name, bool pack, float bias) {
  const fs::path dir = root / name;
  const std::string twin = (root / "twin").string();
  fs::create_directories(dir / "run/models");
  RunConfig c;
  c.out_dir = "run";
  c.resolution = 0.1;
  c.start = io::parse_date("2020-06-04"), c.end = io::parse_date("2020-06-10");
  c.fuse_start = io::parse_date("2020-06-06"), c.fuse_end = io::parse_date("2020-06-08");
  c.sources = {{"era5", "", {twin + "/era5/era5_tp_*.nc"}, "", ""}, {"gldas", "", {twin + "/gldas/*/*/*.nc4"}, "", ""}};
  c.gauge_files = {twin + "/gauges/daily_*.csv"};
  c.stations = twin + "/gauges/stations.csv";
  c.dem = twin + "/dem.nc";
  c.source_sets = {{"era5", "gldas"}};
  c.pack_int16 = pack;
  c.qinghai_mask = true;
  std::ofstream(dir / "run.toml") << run_config_toml(c);

  nn::QhRef net(nn::QhRefConfig::by_name("qh-ref"));
  net.init(21);
  net.parameter("head.fc2.bias").data()[0] = bias;
  net.save((dir / "run/models/era5+gldas.safetensors").string());
  NormStats ns;
  ns.mean[0] = 0.3f, ns.std[0] = 0.7f, ns.mean[2] = 0.2f, ns.std[2] = 0.5f;
  ns.elev_mean = 3800, ns.elev_std = 900;
  ns.save((dir / "run/models/era5+gldas.norm.txt").string());
  return dir;
}

long long clipped_attribute(const std::string& path) {
  int ncid, v;
  long long n = -1;
  if (nc_open(path.c_str(), NC_NOWRITE, &ncid) != NC_NOERR) return -2;
  if (nc_inq_varid(ncid, "precipitation", &v) != NC_NOERR || nc_get_att_longlong(ncid, v, "rainfuse_clipped_values", &n))
    n = -3;
  nc_close(ncid);
  return n;
}

TEST(FusePack, ValuesBeyondTheInt16RangeAreClippedCountedAndLogged) {
  const char* bin = std::getenv("RAINFUSE_BINARY");
  ASSERT_TRUE(bin && fs::exists(bin)) << "RAINFUSE_BINARY not set or missing";
  rf::testing::TmpDir root("fuse-pack");
  io::synth::SynthOptions o;
  o.out_dir = (root.path / "twin").string();
  o.start = io::parse_date("2020-06-04"), o.end = io::parse_date("2020-06-10");
  o.seed = 5;
  o.products = {io::synth::Product::ERA5, io::synth::Product::GLDAS};
  io::synth::run_synth(o);

  auto fuse = [&](const fs::path& run) {
    const auto [rc, log] = sh("cd " + run.string() + " && " + bin + " fuse --config run.toml");
    EXPECT_EQ(rc, 0) << log;
    return log;
  };
  // The untrained model's field is nearly flat: a first run finds its median,
  // and the head bias is shifted so that the median lands on the packed maximum
  // (about half the values beyond it).
  const float bias0 = 6.0f;
  const fs::path calib = make_run(root.path, "calib", false, bias0);
  fuse(calib);
  std::vector<float> v0 = io::read_cf_daily((calib / "run/fused/rainfuse_2020.nc").string()).precip;
  v0.erase(std::remove_if(v0.begin(), v0.end(), [](float x) { return std::isnan(x); }), v0.end());
  ASSERT_FALSE(v0.empty());
  std::nth_element(v0.begin(), v0.begin() + long(v0.size() / 2), v0.end());
  const float bias = bias0 + float(std::log1p(645.34) - std::log1p(double(v0[v0.size() / 2])));

  const fs::path flt = make_run(root.path, "float", false, bias), packed = make_run(root.path, "packed", true, bias);
  const std::string log1 = fuse(flt), log2 = fuse(packed);
  const io::DailyCube f = io::read_cf_daily((flt / "run/fused/rainfuse_2020.nc").string());
  const std::string packed_nc = (packed / "run/fused/rainfuse_2020.nc").string();
  const io::DailyCube p = io::read_cf_daily(packed_nc);
  ASSERT_EQ(f.precip.size(), p.precip.size());
  ASSERT_EQ(f.nt(), 3u);
  long long above = 0, within = 0, nan_diff = 0;
  double worst = 0;
  for (size_t k = 0; k < f.precip.size(); ++k) {
    const float a = f.precip[k], b = p.precip[k];
    if (std::isnan(a) || std::isnan(b)) {
      nan_diff += std::isnan(a) != std::isnan(b);
      continue;
    }
    if (a > 645.34f) {
      ++above;
      EXPECT_NEAR(b, 645.34f, 1e-3f) << k;
    } else {
      ++within;
      worst = std::max(worst, std::fabs(double(a) - double(b)));
    }
  }
  EXPECT_EQ(nan_diff, 0);
  ASSERT_GT(above, 0) << "the fixture must exceed the packed range somewhere ";
  ASSERT_GT(within, 0) << "the fixture must also stay within the range somewhere";
  EXPECT_LE(worst, 0.005 + 1e-4);
  EXPECT_EQ(clipped_attribute(packed_nc), above);
  const std::string line = "fuse 2020: " + std::to_string(above) + " value(s) outside the int16 packing range";
  EXPECT_NE(log2.find(line), std::string::npos) << line << "\n" << log2;
  EXPECT_EQ(log1.find("int16 packing range"), std::string::npos) << "no packing line without pack_int16";

  // qinghai_mask = true: a mask variable; the field outside the province is fused, not NaN.
  int ncid, v;
  ASSERT_EQ(nc_open(packed_nc.c_str(), NC_NOWRITE, &ncid), NC_NOERR);
  ASSERT_EQ(nc_inq_varid(ncid, "mask", &v), NC_NOERR);
  std::vector<signed char> mask(f.grid.size());
  ASSERT_EQ(nc_get_var_schar(ncid, v, mask.data()), NC_NOERR);
  nc_close(ncid);
  size_t outside = 0, outside_finite = 0, inside = 0;
  for (size_t q = 0; q < mask.size(); ++q) {  // the file's rows are south -> north, as read_cf_daily's
    inside += mask[q] == 1;
    if (mask[q] == 0) ++outside, outside_finite += std::isfinite(p.precip[q]);
  }
  EXPECT_GT(inside, 0u);
  EXPECT_GT(outside, 0u);
  EXPECT_EQ(outside_finite, outside);
  EXPECT_NE(std::string(example_config()).find("never set to NaN outside"), std::string::npos);
}

}  // namespace
}  // namespace rf::pipe
