// RunConfig: the example loads and describes every key, files round-trip
// through run_config_toml, relative paths resolve against the file's folder,
// every kind of mistake gives one line naming the file and the key, --set
// overrides parse by the key's type, and the prepare fingerprint changes
// exactly with the settings that change prepared data.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "train/cli/args.h"
#include "autograd/backend.h"
#include "train/config/config_args.h"
#include "train/config/run_device.h"
#include "train/config/run_config.h"

namespace rf::pipe {
namespace {

namespace fs = std::filesystem;

class Config : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rf_config_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "sub");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = (dir_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  // The message of load_run_config's error on `text` ("" when it loads).
  std::string load_error(const std::string& text) const {
    const std::string p = write("sub/bad.toml", text);
    try {
      load_run_config(p);
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

// A small valid configuration (two sources, relative paths).
const char* kMinimal = R"(
[run]
out_dir = "out"
[grid]
region = [90.0, 92.0, 32.0, 33.0]
resolution = 0.05
[period]
start = 2020-01-01
end = "2020-12-31"
[[sources]]
name = "era5"
paths = "era5/*.nc"
[[sources]]
name = "gldas"
paths = ["gldas/*/*/*.nc4", "/abs/gldas/*.nc4"]
[gauges]
files = "gauges/daily_*.csv"
[train]
epochs = 4
)";

TEST_F(Config, ExampleLoadsAsTheQinghaiProductionRun) {
  const std::string p = write("sub/rainfuse.toml", example_config());
  const RunConfig c = load_run_config(p);
  EXPECT_EQ(c.config_path, p);
  const io::Grid g = c.working_grid();
  const io::Grid q = io::Grid::qinghai_001();
  ASSERT_EQ(g.nx(), q.nx());
  ASSERT_EQ(g.ny(), q.ny());
  for (size_t i = 0; i < g.nx(); i += 97) EXPECT_NEAR(g.lon[i], q.lon[i], 1e-9) << i;
  for (size_t j = 0; j < g.ny(); j += 53) EXPECT_NEAR(g.lat[j], q.lat[j], 1e-9) << j;
  ASSERT_EQ(c.sources.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.sources[i].name, kSourceNames[i]);
  EXPECT_EQ(c.start, io::parse_date("2001-01-01"));
  EXPECT_EQ(c.end, io::parse_date("2020-12-31"));
  EXPECT_EQ(c.source_sets.size(), 2u);
  EXPECT_EQ(c.model, "qh-fuse");
  EXPECT_EQ(c.prior, "mlp");
  EXPECT_EQ(c.loss_pixels, "anchor");
  EXPECT_EQ(c.activation_storage, "fp32");
  // Relative globs resolve against the file's folder, not the working directory.
  const std::string base = (dir_ / "sub").string();
  EXPECT_EQ(c.sources[1].paths.at(0), base + "/download/imerg/*/*/3B-HHR.MS.MRG.3IMERG.*.HDF5");
  EXPECT_EQ(c.out_dir, base + "/runs/qinghai-001");
  EXPECT_EQ(c.dem, base + "/download/dem/qinghai_dem_001.nc");
}

TEST_F(Config, ExampleDescribesEveryKey) {
  // Every key the serialiser knows (all optional ones set) appears in the
  // example, as a setting or as a commented-out line.
  RunConfig c = load_run_config(write("a.toml", example_config()));
  c.grid_spec = "x";
  c.truth = "t";
  c.fuse_start = c.fuse_end = c.start;
  c.sources[0].ctl = "c";
  c.sources[0].product = "era5";
  c.sources[0].variable = "tp";
  c.sources[2].stamp = "end";
  c.stations = "s";
  const std::string text = run_config_toml(c), ex = example_config();
  std::regex key_line(R"(^([a-z_0-9]+) = )");
  std::set<std::string> keys;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, key_line)) keys.insert(m[1]);
  }
  EXPECT_GE(keys.size(), 40u);
  for (const auto& k : keys)
    EXPECT_TRUE(std::regex_search(ex, std::regex("(^|\\n)(# )?" + k + " = "))) << "example lacks key " << k;
}

TEST_F(Config, SerialisedFormLoadsBackTheSame) {
  const RunConfig a = load_run_config(write("sub/ex.toml", example_config()));
  const std::string text = run_config_toml(a);
  const RunConfig b = load_run_config(write("sub/again.toml", text));
  EXPECT_EQ(run_config_toml(b), text);
  EXPECT_EQ(b.lr, a.lr);
  EXPECT_EQ(b.thresholds, a.thresholds);
  EXPECT_EQ(b.source_sets, a.source_sets);
}

// Control characters in strings were written raw, which TOML forbids: the
// serialised form did not load (fuzz: run_config regress-control-char).
TEST_F(Config, SerialisedFormEscapesControlCharacters) {
  const RunConfig a = load_run_config_unchecked(write("sub/ctl.toml", "[dem]\nvariable = \"a\\u0001b\\u007F\\tc\"\n"));
  EXPECT_EQ(a.dem_var, "a\x01" "b\x7f\tc");
  const RunConfig b = load_run_config_unchecked(write("sub/ctl2.toml", run_config_toml(a)));
  EXPECT_EQ(b.dem_var, a.dem_var);
}

TEST_F(Config, MinimalFileKeepsDefaultsAndResolvesPaths) {
  const RunConfig c = load_run_config(write("sub/m.toml", kMinimal));
  EXPECT_EQ(c.epochs, 4);
  EXPECT_EQ(c.patience, RunConfig{}.patience);
  EXPECT_EQ(c.end, io::parse_date("2020-12-31"));
  EXPECT_EQ(c.working_grid().nx(), 40u);
  EXPECT_EQ(c.working_grid().ny(), 20u);
  EXPECT_NEAR(c.working_grid().lon[0], 90.025, 1e-12);
  EXPECT_EQ(c.sources[1].paths[1], "/abs/gldas/*.nc4");
  EXPECT_EQ(c.gauge_files.at(0), (dir_ / "sub/gauges/daily_*.csv").string());
  EXPECT_EQ(c.path("cache"), (dir_ / "sub/out").string() + "/cache");
}

TEST_F(Config, ErrorsNameTheFileAndTheKeyOnOneLine) {
  const std::string m = kMinimal;
  auto with = [&](const std::string& from, const std::string& to) {
    const size_t at = m.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return m.substr(0, at) + to + m.substr(at + from.size());
  };
  struct Case {
    std::string text, key, problem;
  };
  const Case cases[] = {
      {with("epochs = 4", "epoch = 4"), "train.epoch", "unknown key"},
      {with("epochs = 4", "epochs = \"4\""), "train.epochs", "expected an integer"},
      {with("epochs = 4", "patch = 20"), "train.patch", "multiple of 8"},
      {with("epochs = 4", "lr = -1.0"), "train.lr", "positive"},
      {with("epochs = 4", "lr_schedule = \"step\""), "train.lr_schedule", "\"constant\" or \"cosine\""},
      {with("epochs = 4", "folds = 2"), "train.folds", "[3, 100]"},
      {with("epochs = 4", "fold_mode = \"spatial\""), "train.fold_mode", "random|blocked"},
      {with("epochs = 4", "prior = \"kriging\""), "train.prior", "mlp|linear"},
      {with("epochs = 4", "loss_pixels = \"all\""), "train.loss_pixels", "patch|anchor"},
      {with("epochs = 4", "memory_budget = \"lots\""), "train.memory_budget", "'lots' is not a number"},
      {with("epochs = 4", "memory_budget = \"4 parsecs\""), "train.memory_budget", "not understood"},
      {with("epochs = 4", "memory_budget = \"4GiB\"\nrecompute = 2"), "train.memory_budget", "not both"},
      {with("epochs = 4", "activation_storage = \"fp16\""), "train.activation_storage", "fp32|bf16"},
      {with("epochs = 4", "source_sets = [[\"era5\", \"cmorph\"]]"), "train.source_sets", "'cmorph' is not a configured"},
      {with("epochs = 4", "source_sets = [[\"trmm\"]]"), "train.source_sets", "unknown source 'trmm'"},
      {with("end = \"2020-12-31\"", "end = \"2020-02-30\""), "period.end", "bad date"},
      {with("end = \"2020-12-31\"", "end = 2019-12-31"), "period.end", "before period.start"},
      {with("end = \"2020-12-31\"", ""), "period.end", "missing"},
      {with("name = \"gldas\"", "name = \"trmm\""), "sources[1].name", "unknown source 'trmm'"},
      {with("name = \"gldas\"", "name = \"era5\""), "sources", "configured twice"},
      {with("name = \"gldas\"", "name = \"gldas\"\nstamp = \"middle\""), "sources[1].stamp", "not one of start|end"},
      {with("name = \"era5\"", "name = \"era5\"\nstamp = \"end\""), "sources.era5.stamp", "GLDAS source only"},
      {with("resolution = 0.05", "resolution = \"fine\""), "grid.resolution", "expected a number"},
      {with("resolution = 0.05", "method = \"spline\""), "grid.method", "unknown method"},
      {with("region = [90.0, 92.0, 32.0, 33.0]", "region = [92.0, 90.0, 32.0, 33.0]"), "grid.region", "lon0 < lon1"},
      {with("[run]", "[runs]"), "runs", "unknown section"},
      {with("out_dir = \"out\"", "device = \"gpu\""), "run.device", "auto|cpu|cuda"},
      {with("out_dir = \"out\"", "device = 1"), "run.device", "expected a string"},
      {with("files = \"gauges/daily_*.csv\"", "format = \"monthly\""), "gauges.format", "daily|hourly"},
  };
  for (const auto& c : cases) {
    const std::string e = load_error(c.text);
    SCOPED_TRACE(c.key + " -> " + e);
    EXPECT_EQ(e.rfind((dir_ / "sub/bad.toml").string() + ": key '" + c.key + "': ", 0), 0u);
    EXPECT_NE(e.find(c.problem), std::string::npos);
    EXPECT_EQ(e.find('\n'), std::string::npos);
  }
  // A TOML syntax error gives file:line.
  const std::string e = load_error(with("epochs = 4", "epochs = = 4"));
  EXPECT_EQ(e.rfind((dir_ / "sub/bad.toml").string() + ":", 0), 0u) << e;
  EXPECT_NE(e.find(":", (dir_ / "sub/bad.toml").string().size() + 1), std::string::npos) << e;
  EXPECT_EQ(load_error(m), "");
}

TEST_F(Config, OverridesParseByTheKeysType) {
  RunConfig c = load_run_config(write("sub/m.toml", kMinimal));
  apply_override(c, "train.epochs=3");
  apply_override(c, "train.lr=2e-4");
  apply_override(c, "train.seed=42");
  apply_override(c, "period.start=2020-03-01");
  apply_override(c, "period.end=\"2020-06-30\"");
  apply_override(c, "fuse.pack_int16=true");
  apply_override(c, "grid.region=[90, 91, 32, 33.5]");
  apply_override(c, "evaluate.baselines=mean,idw");
  apply_override(c, "evaluate.thresholds=[0.5, 5]");
  apply_override(c, "sources.era5.paths=/data/era5/*.nc");
  apply_override(c, "sources.cmorph.paths=[\"/a/*.bz2\", \"/b/*.bz2\"]");
  apply_override(c, "train.source_sets=[[\"era5\", \"gldas\"], [\"era5\"]]");
  apply_override(c, "run.out_dir=/tmp/x y");
  apply_override(c, "train.prior=mlp");
  apply_override(c, "train.loss_pixels=anchor");
  apply_override(c, "train.memory_budget=1.5GiB");
  EXPECT_EQ(c.memory_budget, "1.5GiB");
  EXPECT_EQ(c.epochs, 3);
  EXPECT_DOUBLE_EQ(c.lr, 2e-4);
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.start, io::parse_date("2020-03-01"));
  EXPECT_EQ(c.end, io::parse_date("2020-06-30"));
  EXPECT_TRUE(c.pack_int16);
  EXPECT_DOUBLE_EQ(c.region.lat1, 33.5);
  EXPECT_EQ(c.baselines, (std::vector<std::string>{"mean", "idw"}));
  EXPECT_EQ(c.thresholds, (std::vector<double>{0.5, 5.0}));
  EXPECT_EQ(c.sources[0].paths, std::vector<std::string>{"/data/era5/*.nc"});
  ASSERT_EQ(c.sources.size(), 3u);
  EXPECT_EQ(c.sources[2].name, "cmorph");
  EXPECT_EQ(c.sources[2].paths.size(), 2u);
  EXPECT_EQ(c.source_sets.size(), 2u);
  EXPECT_EQ(c.prior, "mlp");
  EXPECT_EQ(c.loss_pixels, "anchor");
  EXPECT_EQ(c.out_dir, "/tmp/x y");
  validate_run_config(c);

  auto error = [&](const std::string& kv) -> std::string {
    RunConfig d = c;
    try {
      apply_override(d, kv);
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(error("train.epochs=abc").rfind("--set: key 'train.epochs': expected an integer", 0), 0u);
  EXPECT_NE(error("train.patch=12").find("multiple of 8"), std::string::npos);
  EXPECT_NE(error("period.start=2020-13-01").find("bad date"), std::string::npos);
  EXPECT_NE(error("train.nosuch=1").find("unknown key"), std::string::npos);
  EXPECT_NE(error("nosuch.key=1").find("unknown section"), std::string::npos);
  EXPECT_NE(error("sources.trmm.paths=/x").find("unknown source 'trmm'"), std::string::npos);
  EXPECT_NE(error("epochs").find("expected KEY=VALUE"), std::string::npos);
  EXPECT_NE(error("fuse.qinghai_mask=yes").find("true or false"), std::string::npos);
}

TEST_F(Config, CommandLineFlagsOverrideTheFile) {
  const std::string p = write("sub/m.toml", kMinimal);
  cli::Args a({"--config", p, "--start", "2020-02-01", "--end=2020-02-29", "--set", "train.epochs=7", "--set",
               "train.batch=4", "--out", "elsewhere"},
              pipeline_flags());
  const RunConfig c = run_config_from_args(a);
  EXPECT_EQ(c.start, io::parse_date("2020-02-01"));
  EXPECT_EQ(c.end, io::parse_date("2020-02-29"));
  EXPECT_EQ(c.epochs, 7);
  EXPECT_EQ(c.batch, 4);
  EXPECT_EQ(c.out_dir, "elsewhere");  // a flag's path is relative to the working directory

  // Overrides are applied before the checks between keys: moving the period
  // forward with --start and --end together is fine, an inverted one is not.
  cli::Args later({"--config", p, "--start", "2021-01-01", "--end", "2021-03-01"}, pipeline_flags());
  EXPECT_EQ(run_config_from_args(later).end, io::parse_date("2021-03-01"));
  cli::Args bad({"--config", p, "--start", "2021-01-01"}, pipeline_flags());
  try {
    run_config_from_args(bad);
    FAIL() << "end < start accepted";
  } catch (const std::exception& e) {
    EXPECT_EQ(std::string(e.what()).rfind(p + ": key 'period.end': ", 0), 0u) << e.what();
  }
  cli::Args bad_date({"--config", p, "--start", "2021-1-1x"}, pipeline_flags());
  EXPECT_THROW(
      {
        try {
          run_config_from_args(bad_date);
        } catch (const std::exception& e) {
          EXPECT_EQ(std::string(e.what()).rfind("--start: key 'period.start'", 0), 0u) << e.what();
          throw;
        }
      },
      std::runtime_error);
}

// [run] device: "auto" by default, set by the file or --set, round-trips, and
// resolves to the CPU, or to CUDA only where this process has a CUDA device
// ("cuda" without one is a one-line error naming the key).
TEST_F(Config, RunDeviceKey) {
  RunConfig c = load_run_config(write("sub/m.toml", kMinimal));
  EXPECT_EQ(c.device, "auto");
  apply_override(c, "run.device=cuda");
  EXPECT_EQ(c.device, "cuda");
  EXPECT_EQ(load_run_config(write("sub/rt.toml", run_config_toml(c))).device, "cuda");
  apply_override(c, "run.device=cpu");
  EXPECT_EQ(c.device, "cpu");
  EXPECT_THROW(apply_override(c, "run.device=tpu"), std::runtime_error);
  EXPECT_EQ(load_run_config(write("sub/ex.toml", example_config())).device, "auto");

  EXPECT_EQ(resolve_device("cpu"), Device::CPU);
  if (device_available(Device::CUDA)) {
    EXPECT_EQ(resolve_device("cuda"), Device::CUDA);
    EXPECT_EQ(resolve_device("auto"), Device::CUDA);
  } else {
    EXPECT_EQ(resolve_device("auto"), Device::CPU);
    try {
      resolve_device("cuda");
      ADD_FAILURE() << "run.device = cuda without a CUDA device did not throw";
    } catch (const std::runtime_error& e) {
      const std::string m = e.what();
      EXPECT_EQ(m.rfind("run.device = \"cuda\": ", 0), 0u) << m;
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
  }
}

TEST_F(Config, PrepareFingerprintFollowsThePreparedDataSettings) {
  const RunConfig base = load_run_config(write("sub/m.toml", kMinimal));
  const std::string f0 = prepare_fingerprint(base);
  // Settings that do not change prepared data leave it unchanged.
  for (const char* kv : {"train.epochs=9", "period.start=2020-02-01", "period.end=2020-05-01", "train.patch=16",
                         "fuse.tile=128", "evaluate.plots=false", "run.out_dir=/elsewhere"}) {
    RunConfig c = base;
    apply_override(c, kv);
    EXPECT_EQ(prepare_fingerprint(c), f0) << kv;
  }
  // Source order does not matter (channels are fixed).
  RunConfig swapped = base;
  std::swap(swapped.sources[0], swapped.sources[1]);
  EXPECT_EQ(prepare_fingerprint(swapped), f0);
  // Everything that does, changes it.
  std::set<std::string> seen{f0};
  for (const char* kv : {"grid.method=bilinear", "grid.resolution=0.1", "grid.region=[90, 92, 32, 33.5]",
                         "period.day=utc", "period.max_missing_steps=2", "period.min_coverage=0.8",
                         "sources.era5.paths=/other/*.nc", "sources.era5.variable=tp2", "sources.imerg.paths=/i/*.HDF5",
                         "sources.gldas.stamp=end",
                         "gauges.files=/g/*.csv", "gauges.format=hourly", "gauges.stations=/s.csv", "gauges.scale=0.1",
                         "dem.path=/dem.nc", "dem.variable=z"}) {
    RunConfig c = base;
    apply_override(c, kv);
    EXPECT_TRUE(seen.insert(prepare_fingerprint(c)).second) << kv;
  }
}

}  // namespace
}  // namespace rf::pipe
