// Golden tests: the engine's qh-ref, driven only through the interop commands
//   rainfuse model init|forward|grad   (env RAINFUSE_BINARY)
// against the LibTorch twin (twin/qh_ref_twin.h) on the same weights and the
// same random inputs. Forward within 1e-4 relative L2, every parameter
// gradient within 1e-3 (loss = mean over all pixels of (Y - T)^2, dropout off),
// at the `patch` shape and at odd shapes (one exercising the padding rule).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <unistd.h>

#include "qh_ref_twin.h"
#include "twin_checkpoint.h"
#include "tensor_files.h"

namespace fs = std::filesystem;

namespace {

// || a - b || / || b ||, in double.
double rel_l2(const torch::Tensor& a, const torch::Tensor& b) {
  auto ad = a.to(torch::kDouble), bd = b.to(torch::kDouble);
  return (ad - bd).norm().item<double>() / bd.norm().item<double>();
}

class GoldenQhRef : public ::testing::Test {
 protected:
  void SetUp() override {
    at::set_num_threads(2);
    // The environment names the binary under ctest; the build's own is the fallback.
    const char* bin = std::getenv("RAINFUSE_BINARY");
    binary_ = bin ? bin : RAINFUSE_BINARY_DEFAULT;
    ASSERT_TRUE(fs::exists(binary_)) << binary_;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("rainfuse_golden_" + std::to_string(::getpid()) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs `rainfuse <args>`; fails the test with its stderr when it exits non-zero.
  void rainfuse(const std::string& args) {
    const std::string err = path("stderr.txt");
    const std::string cmd = "'" + binary_ + "' " + args + " 2> '" + err + "'";
    const int rc = std::system(cmd.c_str());
    std::ifstream f(err);
    std::stringstream msg;
    msg << f.rdbuf();
    ASSERT_EQ(rc, 0) << cmd << "\n" << msg.str();
  }

  // Weights from `rainfuse model init`, loaded into a fresh twin.
  twin::QhRef twin_from_engine_init(int seed) {
    rainfuse("model init --config qh-ref --seed " + std::to_string(seed) + " --output '" + path("w.safetensors") + "'");
    twin::QhRef model;
    if (!HasFatalFailure()) twin::load_parameters(model, twin::load_safetensors(path("w.safetensors")));
    return model;
  }

  // Forward and gradients of the engine against the twin at [B, 8, 7, H, W];
  // grad_flags go to `rainfuse model grad` (a recompute plan), and the twin
  // runs plain or with its blocks checkpointed (twin::forward_checkpointed).
  void check_forward_and_grad(int64_t B, int64_t H, int64_t W, int seed, const std::string& grad_flags = "",
                              bool twin_checkpointed = false) {
    twin::QhRef model = twin_from_engine_init(seed);
    ASSERT_FALSE(HasFatalFailure());
    torch::manual_seed(seed);
    const auto x = torch::randn({B, 8, 7, H, W});
    const auto t = torch::randn({B, 1, H, W});
    twin::save_npy(path("x.npy"), x);
    twin::save_npy(path("t.npy"), t);

    rainfuse("model forward --weights '" + path("w.safetensors") + "' --input '" + path("x.npy") + "' --output '" +
             path("y.npy") + "'");
    ASSERT_FALSE(HasFatalFailure());
    const auto y_ours = twin::load_npy(path("y.npy"));
    model->eval();
    torch::Tensor y_twin;
    {
      torch::NoGradGuard no_grad;
      y_twin = model->forward(x);
    }
    ASSERT_EQ(y_ours.sizes(), y_twin.sizes());
    const double y_err = rel_l2(y_ours, y_twin);
    EXPECT_LT(y_err, 1e-4) << "forward Y";

    rainfuse("model grad --weights '" + path("w.safetensors") + "' --input '" + path("x.npy") + "' --target '" +
             path("t.npy") + "' --output '" + path("g.safetensors") + "' " + grad_flags);
    ASSERT_FALSE(HasFatalFailure());
    const auto grads = twin::load_safetensors(path("g.safetensors"));
    model->zero_grad();
    const auto loss = torch::mse_loss(twin_checkpointed ? twin::forward_checkpointed(model, x) : model->forward(x), t);
    loss.backward();

    ASSERT_TRUE(grads.count("loss"));
    EXPECT_EQ(grads.at("loss").numel(), 1);
    EXPECT_NEAR(grads.at("loss").item<double>(), loss.item<double>(), 1e-4 * loss.item<double>()) << "loss";
    const auto params = model->named_parameters();
    EXPECT_EQ(grads.size(), params.size() + 1) << "G holds every parameter's gradient plus 'loss'";
    double worst = 0;
    std::string worst_name;
    for (const auto& p : params) {
      auto it = grads.find(p.key());
      ASSERT_NE(it, grads.end()) << "G lacks " << p.key();
      ASSERT_EQ(it->second.sizes(), p.value().sizes()) << p.key();
      const double err = rel_l2(it->second, p.value().grad());
      EXPECT_LT(err, 1e-3) << "gradient of " << p.key();
      if (err > worst) worst = err, worst_name = p.key();
    }
    std::printf("[B=%ld H=%ld W=%ld] forward rel L2 %.2e, worst gradient rel L2 %.2e (%s), loss %.6f\n", long(B),
                long(H), long(W), y_err, worst, worst_name.c_str(), loss.item<double>());
  }

  std::string binary_;
  fs::path dir_;
};

TEST_F(GoldenQhRef, ParameterNamesAndShapesEqualTheTwins) {
  rainfuse("model init --config qh-ref --seed 3 --output '" + path("w.safetensors") + "'");
  ASSERT_FALSE(HasFatalFailure());
  const auto ours = twin::load_safetensors(path("w.safetensors"));
  twin::QhRef model;
  const auto theirs = twin::parameter_map(model);
  ASSERT_EQ(ours.size(), theirs.size());
  int64_t count = 0;
  for (const auto& [name, t] : theirs) {
    auto it = ours.find(name);
    ASSERT_NE(it, ours.end()) << "engine checkpoint lacks " << name;
    EXPECT_EQ(it->second.sizes(), t.sizes()) << name;
    count += it->second.numel();
  }
  EXPECT_EQ(count, 188737);
  // PyTorch-default init: uniform within +-1/sqrt(fan_in), not constant.
  const auto& w = ours.at("lstm_fwd.weight");
  EXPECT_LE(w.abs().max().item<double>(), 1.0 / std::sqrt(576.0) + 1e-6);
  EXPECT_GT(w.std().item<double>(), 0.5 / std::sqrt(3.0 * 576.0));
}

TEST_F(GoldenQhRef, PatchShape) { check_forward_and_grad(16, 32, 32, 11); }

TEST_F(GoldenQhRef, OddShapePaddedToMultiplesOf8) { check_forward_and_grad(3, 20, 36, 12); }

TEST_F(GoldenQhRef, OddShapeRectangular) { check_forward_and_grad(1, 24, 40, 13); }

// Recompute plans against the twin's plain and checkpointed gradients: bands
// of rows (one band's tape at a time) with the layers' regions inside, and a
// budget the planner must meet with bands.
TEST_F(GoldenQhRef, BandsAndRegionsUnderRecompute) { check_forward_and_grad(1, 61, 24, 14, "--recompute bands16+layers+steps1"); }

TEST_F(GoldenQhRef, MemoryBudgetAgainstTheCheckpointedTwin) {
  check_forward_and_grad(2, 40, 16, 15, "--memory-budget 20MiB", /*twin_checkpointed=*/true);
  // The plain step (~22 MiB here) does not fit: the planner chose a recompute plan and said which.
  std::ifstream f(path("stderr.txt"));
  const std::string said((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(said.find("memory budget 20MiB: recompute plan "), std::string::npos) << said;
  EXPECT_EQ(said.find("recompute plan none"), std::string::npos) << said;
}

// The other direction: weights written by the twin (torch default init from
// torch's RNG) read by the engine.
TEST_F(GoldenQhRef, EngineReadsTwinWeights) {
  torch::manual_seed(21);
  twin::QhRef model;
  model->eval();
  twin::save_safetensors(path("twin.safetensors"), twin::parameter_map(model));
  const auto x = torch::randn({2, 8, 7, 16, 24});
  twin::save_npy(path("x.npy"), x);
  rainfuse("model forward --weights '" + path("twin.safetensors") + "' --input '" + path("x.npy") + "' --output '" +
           path("y.npy") + "'");
  ASSERT_FALSE(HasFatalFailure());
  torch::NoGradGuard no_grad;
  EXPECT_LT(rel_l2(twin::load_npy(path("y.npy")), model->forward(x)), 1e-4);
}

}  // namespace
