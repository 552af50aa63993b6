// `rainfuse model init | forward | grad` end to end (RAINFUSE_BINARY), checked
// against the same computation in-process, plus the error paths.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "nn/npy.h"
#include "nn/qh_ref.h"
#include "nn/safetensors.h"
#include "tests/autograd/testing.h"

namespace rf::nn {
namespace {

namespace fs = std::filesystem;
using rf::testutil::random_tensor;
using rf::testutil::rel_l2;

class ModelCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("RAINFUSE_BINARY");
    ASSERT_NE(bin, nullptr) << "RAINFUSE_BINARY not set";
    bin_ = bin;
    dir_ = fs::temp_directory_path() / ("rf_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& n) const { return (dir_ / n).string(); }
  // Runs `rainfuse model <args>`; returns the exit code, stderr in err_, stdout in out_.
  int run(const std::string& args) {
    const std::string cmd =
        bin_ + " model " + args + " >" + path("stdout.txt") + " 2>" + path("stderr.txt");
    const int st = std::system(cmd.c_str());
    std::ifstream e(path("stderr.txt")), o(path("stdout.txt"));
    err_.assign(std::istreambuf_iterator<char>(e), {});
    out_.assign(std::istreambuf_iterator<char>(o), {});
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  // A failing run: exit 1 and one line on stderr that mentions `needle`.
  void expect_error(const std::string& args, const std::string& needle) {
    EXPECT_EQ(run(args), 1) << args;
    EXPECT_EQ(std::count(err_.begin(), err_.end(), '\n'), 1) << err_;
    EXPECT_NE(err_.find(needle), std::string::npos) << err_;
  }

  std::string bin_, err_, out_;
  fs::path dir_;
};

TEST_F(ModelCli, InitForwardGradMatchTheLibrary) {
  ASSERT_EQ(run("init --config qh-ref --seed 17 --output " + path("w.safetensors")), 0) << err_;
  QhRef model;
  model.init(17);
  QhRef loaded;
  loaded.load(path("w.safetensors"));
  for (const auto& [name, t] : model.named_parameters()) ASSERT_EQ(t.to_vector(), loaded.parameter(name).to_vector());

  // An odd grid (padded to 16 x 24 inside) and B = 2.
  Tensor x = random_tensor({2, 8, 7, 13, 21}, 1);
  Tensor t = random_tensor({2, 1, 13, 21}, 2);
  save_npy(path("x.npy"), x);
  save_npy(path("t.npy"), t);

  ASSERT_EQ(run("forward --weights " + path("w.safetensors") + " --input " + path("x.npy") + " --output " +
                path("y.npy")),
            0)
      << err_;
  Tensor y_cli = load_npy(path("y.npy"));
  Tensor y_ref;
  {
    NoGradGuard no_grad;
    y_ref = model.forward(x, false);
  }
  ASSERT_EQ(y_cli.shape(), Shape({2, 1, 13, 21}));
  EXPECT_LT(rel_l2(y_cli.to_vector(), y_ref.to_vector()), 1e-6);

  ASSERT_EQ(run("grad --weights " + path("w.safetensors") + " --input " + path("x.npy") + " --target " +
                path("t.npy") + " --output " + path("g.safetensors")),
            0)
      << err_;
  Tensor loss = mse_loss(model.forward(x, false), t);
  backward(loss);
  const auto grads = load_safetensors(path("g.safetensors"));
  const auto params = model.named_parameters();
  ASSERT_EQ(grads.size(), params.size() + 1);
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(grads[i].name, params[i].name);
    ASSERT_EQ(grads[i].tensor.shape(), params[i].tensor.shape());
    EXPECT_LT(rel_l2(grads[i].tensor.to_vector(), params[i].tensor.grad().to_vector()), 1e-5) << params[i].name;
  }
  EXPECT_EQ(grads.back().name, "loss");
  ASSERT_EQ(grads.back().tensor.numel(), 1);
  // loss = mean over all pixels of (Y - T)^2
  const auto yv = y_ref.to_vector(), tv = t.to_vector();
  double mse = 0;
  for (size_t i = 0; i < yv.size(); ++i) mse += (double(yv[i]) - tv[i]) * (double(yv[i]) - tv[i]);
  EXPECT_NEAR(grads.back().tensor.to_vector()[0], mse / yv.size(), 1e-5 * (1 + mse / yv.size()));
}

TEST_F(ModelCli, HelpAndErrors) {
  for (const char* sub : {"init", "forward", "grad"}) {
    EXPECT_EQ(run(std::string(sub) + " --help"), 0);
    EXPECT_NE(out_.find("usage: rainfuse model " + std::string(sub)), std::string::npos) << out_;
  }
  EXPECT_EQ(run("--help"), 0);
  EXPECT_EQ(run("frobnicate"), 2);

  expect_error("init --config qh-huge --seed 1 --output " + path("w.safetensors"), "qh-huge");
  ASSERT_EQ(run("init --config qh-ref --seed 1 --output " + path("w.safetensors")), 0);
  save_npy(path("x.npy"), random_tensor({1, 8, 7, 8, 8}, 3));
  save_npy(path("x6.npy"), random_tensor({1, 6, 7, 8, 8}, 4));
  save_npy(path("t_bad.npy"), random_tensor({1, 8, 8}, 5));
  save_npy(path("t.npy"), random_tensor({1, 1, 8, 8}, 6));
  const std::string w = " --weights " + path("w.safetensors");
  expect_error("forward" + w + " --input " + path("x6.npy") + " --output " + path("y.npy"), "x6.npy");
  expect_error("forward --weights " + path("none.safetensors") + " --input " + path("x.npy") + " --output " +
                   path("y.npy"),
               "none.safetensors");
  expect_error("grad" + w + " --input " + path("x.npy") + " --target " + path("t_bad.npy") + " --output " +
                   path("g.safetensors"),
               "t_bad.npy");
  // Weights with a wrong shape: the file and the tensor are named.
  auto ps = QhRef().named_parameters();
  ps[0].tensor = Tensor::zeros({32, 8, 3, 3});
  save_safetensors(path("bad.safetensors"), ps);
  expect_error("forward --weights " + path("bad.safetensors") + " --input " + path("x.npy") + " --output " +
                   path("y.npy"),
               "conv1.weight");
  EXPECT_NE(err_.find("bad.safetensors"), std::string::npos);
  EXPECT_EQ(run("forward" + w + " --input " + path("x.npy")), 2);  // missing --output: usage error
}

}  // namespace
}  // namespace rf::nn
