// The pipeline on the simulated CUDA device against the CPU (run.device):
//  - a tiny fit (one job, 2 steps of 2 patches of 8x8 px): same losses, and the
//    trained safetensors (device-independent) give the same model;
//  - Fuser days on 7x30 and 30x7 px grids in 24 px tiles with 16 px halos: the staged path
//    (conv1 gathers from the native 0.25-degree sources and the nearest plans)
//    and the unfused one (materialised input) both equal the CPU whole-grid
//    pass, on a day with every source and on one that falls back to a smaller
//    set (a source outside the set, another unavailable).
// fp32 conv math: agreement far under 1e-3. The simulator is slow: grids are small.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "autograd/backend.h"
#include "autograd/device_options.h"
#include "autograd/tape.h"
#include "kernels/common/memory.h"
#include "nn/qh_ref.h"
#include "tests/sim/device/model_compare.h"
#include "tests/sim/device/sim_device.h"
#include "tests/train/synthetic_prepared.h"
#include "tests/train/temp_dir.h"
#include "train/config/run_device.h"
#include "train/fit/fit_model.h"
#include "train/fit/trainer.h"
#include "train/fuse/fuse.h"
#include "train/fuse/staged_input.h"

namespace rf::pipe {
namespace {

namespace fs = std::filesystem;

constexpr SourceSet kAll = 31, kEra5Gldas = 1 | 4;
constexpr int kDays = 12, kImergMissingDay = 6;

// A working grid of ny x nx px at 0.05 degrees, five sources on a coarser
// 0.25-degree native grid (nearest plans), rain with dry and missing pixels,
// random elevation, and gauges at a few pixels.
Prepared make_prepared(int64_t ny, int64_t nx, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  Prepared p = rf::testing::synthetic_prepared(ny, nx, kDays, rng);
  p.sources[1].available[kImergMissingDay] = 0;
  for (int s = 0; s < 6; ++s) {
    Station st;
    st.id = std::string("S").append(std::to_string(s));  // (not "S" + ...: GCC 12 -Wrestrict false positive)
    st.row = 1 + (s * 5) % (ny - 2);
    st.col = 1 + (s * 7) % (nx - 2);
    p.stations.push_back(st);
    for (int t = 0; t < kDays; ++t) {
      const float a = u(rng);
      p.gauge_mm.push_back(a < 0.1f ? NAN : 20.0f * a * a);
    }
  }
  return p;
}

class PipelineSimDevice : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { simdev::use_simulated_device(); }
  void SetUp() override {
    saved_ = device_options();
    device_options().conv_math = kernels::ConvMath::Fp32;
  }
  void TearDown() override { device_options() = saved_; }
  DeviceOptions saved_;
  rf::testing::TmpDir dir{"simdev-pipeline"};
};

TEST_F(PipelineSimDevice, DeviceSettingResolves) {
  EXPECT_EQ(resolve_device("cpu"), Device::CPU);
  EXPECT_EQ(resolve_device("cuda"), Device::CUDA);  // the simulated device is registered
  EXPECT_EQ(resolve_device("auto"), Device::CUDA);
  EXPECT_EQ(device_label(Device::CUDA), "cuda (simulated)");
  EXPECT_THROW(resolve_device("gpu"), std::runtime_error);
}

// One fit job per device; everything random comes from the seed, dropout from
// the same Philox stream on both backends.
TEST_F(PipelineSimDevice, FitOnDeviceMatchesCpu) {
  const Prepared p = make_prepared(16, 16, 3);
  RunConfig cfg;
  cfg.patch = 8;
  cfg.batch = 2;
  cfg.steps_per_epoch = 2;
  FitJob job;
  job.set = kAll;
  job.train_use.assign(p.stations.size(), 1);
  job.max_epochs = 1;
  job.seed = 5;
  TrainState st[2];
  for (int d = 0; d < 2; ++d) {
    cfg.device = d ? "cuda" : "cpu";
    job.dir = (dir.path / cfg.device).string();
    job.label = cfg.device;
    const int64_t live0 = mem_stats(Device::CUDA).live_bytes;
    st[d] = fit_model(cfg, p, job, false);
    EXPECT_EQ(mem_stats(Device::CUDA).live_bytes, live0) << "device memory leaked";
  }
  ASSERT_EQ(st[0].history.size(), 1u);
  ASSERT_EQ(st[1].history.size(), 1u);
  const double loss = st[0].history[0].train_loss;
  EXPECT_GT(loss, 0.0);
  EXPECT_NEAR(st[1].history[0].train_loss, loss, 1e-4 * loss);

  // Both checkpoints load into a CPU model and onto the device; the trained
  // models agree on a random input. (Compared as functions, not parameter by
  // parameter: a first Adam step moves a parameter whose exact gradient is 0,
  // such as the attention's key bias, by lr times a rounding-noise sign.)
  const Shape xs{1, 8, 7, 8, 8};
  const Tensor x = Tensor::from_vector(xs, modeltest::random_values(size_t(xs.numel()), 9, -1.0f, 1.0f));
  NoGradGuard no_grad;
  std::vector<float> y[2];
  for (int d = 0; d < 2; ++d) {
    nn::QhRef net(nn::QhRefConfig(), Device::CPU);
    net.load((dir.path / (d ? "cuda" : "cpu") / "best.safetensors").string());
    y[d] = net.forward(x, false).to_vector();
  }
  EXPECT_LT(modeltest::rel_l2(y[1], y[0]), 1e-4) << "the device-trained model differs";
  nn::QhRef on_device(nn::QhRefConfig(), Device::CUDA);
  on_device.load((dir.path / "cpu" / "best.safetensors").string());
  EXPECT_LT(modeltest::rel_l2(on_device.forward(x.to(Device::CUDA), false).to_vector(), y[0]), 1e-4)
      << "the CPU-trained checkpoint on the device";
}

// A "trained" model of `set`: random init (head bias raised so the output is
// mostly wet) and random normalisation statistics.
void write_model(const RunConfig& cfg, SourceSet set, uint64_t seed) {
  fs::create_directories(cfg.path("models"));
  nn::QhRef net(nn::QhRefConfig::by_name(cfg.model));
  net.init(seed);
  net.parameter("head.fc2.bias").data()[0] = 1.0f;
  const std::string stem = cfg.path("models/" + source_set_name(set));
  net.save(stem + ".safetensors");
  NormStats ns;
  std::mt19937 rng{uint32_t(seed)};
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  for (int k = 0; k < 5; ++k) ns.mean[k] = u(rng) - 0.5f, ns.std[k] = u(rng);
  ns.elev_mean = 3500, ns.elev_std = 800;
  ns.save(stem + ".norm.txt");
}

double max_rel_diff(const std::vector<float>& got, const std::vector<float>& want) {
  double m = 0;
  for (size_t q = 0; q < want.size(); ++q)
    m = std::max(m, std::abs(double(got[q]) - want[q]) / (1e-3 + std::abs(want[q])));
  return m;
}

// Fuser days on the simulated device (staged, then unfused) against the CPU
// Fuser's whole-grid pass (tile 256), with device tiles of 24 px + 16 px halos.
// The staging buffers persist in the Fuser and a model stays loaded per set;
// nothing else may stay on the device after a day. Days in `days` after the
// first must use the all-sources set, or a set not used before.
void expect_days_match_cpu(const Prepared& p, const std::string& out_dir, const std::vector<int>& days,
                           bool unfused_too) {
  RunConfig cfg;
  cfg.out_dir = out_dir;
  const auto models = find_trained_models(cfg);
  cfg.device = "cpu";
  const Fuser cpu(cfg, models);
  cfg.device = "cuda";
  cfg.tile = 24;
  const Fuser dev(cfg, models);
  ASSERT_EQ(dev.device(), Device::CUDA);
  auto live = [] { return mem_stats(Device::CUDA).live_bytes; };
  int64_t kept = -1;  // live device bytes after the previous day
  for (const int day : days) {
    std::vector<float> want(p.grid.size()), staged(p.grid.size()), unfused(p.grid.size());
    const SourceSet set = cpu.day(p, day, want.data());
    ASSERT_EQ(set, day == kImergMissingDay ? kEra5Gldas : kAll);
    size_t wet = 0;
    for (float v : want) wet += v > 0;
    EXPECT_GT(wet, want.size() / 20) << "the test field is trivially dry";
    set_unfused(device_options(), "");
    ASSERT_EQ(dev.day(p, day, staged.data()), set);
    EXPECT_LT(max_rel_diff(staged, want), 1e-4) << "staged, day " << day;
    // From the second day on, the only new device memory is a newly used
    // set's model (its parameters).
    if (kept >= 0) {
      EXPECT_EQ(live() - kept, set == kAll ? 0 : nn::QhRef().num_parameters() * 4) << "day " << day;
    }
    kept = live();
    if (!unfused_too) continue;
    set_unfused(device_options(), "regrid_staging");
    ASSERT_EQ(dev.day(p, day, unfused.data()), set);
    EXPECT_EQ(live(), kept) << "device memory kept after an unfused day";
    EXPECT_LT(max_rel_diff(unfused, want), 1e-4) << "unfused, day " << day;
  }
}

// A 7 x 30 px strip (padded 8 x 32: tiles start at columns 0 and 24, the
// second reads from column 8 on) on a day with every source and on one that
// falls back to era5+gldas (imerg unavailable, three sources outside the set);
// a 30 x 7 px strip has the tiles stacked (rows from 8 on). Small, as the
// simulator runs every thread of every block on the CPU.
TEST_F(PipelineSimDevice, FuseDayStagedAndUnfusedMatchCpu) {
  RunConfig cfg;
  cfg.out_dir = dir.path.string();
  write_model(cfg, kAll, 11);
  write_model(cfg, kEra5Gldas, 12);
  const Prepared wide = make_prepared(7, 30, 7), tall = make_prepared(30, 7, 8);
  EXPECT_TRUE(StagedInput::supported(wide));
  expect_days_match_cpu(wide, cfg.out_dir, {4, kImergMissingDay}, true);
  expect_days_match_cpu(tall, cfg.out_dir, {5}, false);
  // Bilinear plans are no gather: the staged path declines them.
  Prepared bil = make_prepared(7, 30, 7);
  for (SourceData& s : bil.sources) s.plan = io::make_regrid_plan(s.cube.grid, bil.grid, io::RegridMethod::Bilinear);
  EXPECT_FALSE(StagedInput::supported(bil));
}

}  // namespace
}  // namespace rf::pipe
