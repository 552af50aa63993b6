// Tape semantics: no-grad, accumulation, freeing, recompute regions, views,
// and the device dispatch.
#include <gtest/gtest.h>

#include <omp.h>

#include <stdexcept>

#include "autograd/backend.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "kernels/common/memory.h"
#include "tests/autograd/testing.h"

namespace rf {
namespace {

using testutil::random_tensor;

int64_t live() { return mem_stats(Device::CPU).live_bytes; }

TEST(Tape, NoGradRecordsNothing) {
  Tensor x = random_tensor({1, 2, 3, 4, 4}, 1);
  Tensor w = random_tensor({3, 2, 3, 3, 3}, 2).set_requires_grad(true);
  {
    NoGradGuard g;
    EXPECT_FALSE(grad_enabled());
    Tensor y = relu(conv3d(x, w, Tensor(), true));
    EXPECT_EQ(tape_size(), 0u);
    EXPECT_FALSE(y.requires_grad());
  }
  EXPECT_TRUE(grad_enabled());
  Tensor y = conv3d(x, w, Tensor(), true);
  EXPECT_EQ(tape_size(), 1u);
  EXPECT_TRUE(y.requires_grad());
  tape_clear();
  // No input requires grad: nothing is recorded either.
  conv3d(x, w.detach(), Tensor());
  EXPECT_EQ(tape_size(), 0u);
}

TEST(Tape, GradientsAccumulateUntilZeroGrad) {
  Tensor x = random_tensor({2, 3, 4, 5}, 3);
  Tensor w = random_tensor({4, 3, 3, 3}, 4).set_requires_grad(true);
  Tensor t = random_tensor({2, 4, 4, 5}, 5);
  backward(mse_loss(conv2d(x, w, Tensor()), t));
  const auto once = w.grad().to_vector();
  backward(mse_loss(conv2d(x, w, Tensor()), t));
  const auto twice = w.grad().to_vector();
  for (size_t i = 0; i < once.size(); ++i) EXPECT_NEAR(twice[i], 2 * once[i], 1e-5f * (1 + std::abs(once[i])));
  w.zero_grad();
  EXPECT_FALSE(w.grad().defined());
  backward(mse_loss(conv2d(x, w, Tensor()), t));
  const auto again = w.grad().to_vector();
  for (size_t i = 0; i < once.size(); ++i) EXPECT_NEAR(again[i], once[i], 1e-6f * (1 + std::abs(once[i])));
}

TEST(Tape, IntermediatesAreFreedByBackward) {
  Tensor x = random_tensor({2, 4, 3, 8, 8}, 6);
  Tensor w = random_tensor({4, 4, 3, 3, 3}, 7, -0.2f, 0.2f).set_requires_grad(true);
  Tensor t = random_tensor({2, 4, 3, 8, 8}, 8);
  backward(mse_loss(conv3d(conv3d(x, w, Tensor(), true), w, Tensor(), true), t));  // grad of w allocated once
  const int64_t base = live();
  {
    Tensor loss = mse_loss(conv3d(conv3d(x, w, Tensor(), true), w, Tensor(), true), t);
    EXPECT_GT(live(), base + x.numel() * 4);  // activations held by the tape
    backward(loss);
  }
  EXPECT_EQ(tape_size(), 0u);
  EXPECT_EQ(live(), base);
}

// conv -> relu chain of `depth` layers on one input.
std::vector<Tensor> chain(const std::vector<Tensor>& in, const Tensor& w, const Tensor& b, int depth) {
  Tensor a = in[0];
  for (int i = 0; i < depth; ++i) a = conv3d(a, w, b, true);
  return {a};
}

// 16 conv layers, plain or as 4 recompute regions of 4: the regions keep only
// their inputs through the forward and rerun one at a time in backward.
// Activations (2 MiB each) dominate the kernels' scratch (<= 4 MiB a thread).
TEST(Tape, CheckpointGivesSameGradientsWithLowerPeak) {
  omp_set_num_threads(2);
  Tensor x0 = random_tensor({2, 8, 8, 64, 64}, 9);
  Tensor w = random_tensor({8, 8, 3, 3, 3}, 10, -0.12f, 0.12f).set_requires_grad(true);
  Tensor b = random_tensor({8}, 11, -0.1f, 0.1f).set_requires_grad(true);
  Tensor t = random_tensor({2, 8, 8, 64, 64}, 12);
  auto run = [&](bool ckpt, std::vector<float>& gw, std::vector<float>& gx) {
    w.zero_grad();
    b.zero_grad();
    Tensor x = x0.clone().set_requires_grad(true);
    const int64_t base = live();
    mem_reset_peak(Device::CPU);
    auto region = [&](const std::vector<Tensor>& in) { return chain(in, w, b, 4); };
    Tensor y = x;
    for (int r = 0; r < 4; ++r) y = ckpt ? checkpoint(region, {y})[0] : region({y})[0];
    backward(mse_loss(y, t));
    gw = w.grad().to_vector();
    gx = x.grad().to_vector();
    return mem_stats(Device::CPU).peak_bytes - base;
  };
  std::vector<float> gw_plain, gx_plain, gw_ckpt, gx_ckpt;
  const int64_t peak_plain = run(false, gw_plain, gx_plain);
  const int64_t peak_ckpt = run(true, gw_ckpt, gx_ckpt);
  EXPECT_LT(testutil::rel_l2(gw_ckpt, gw_plain), 1e-6);
  EXPECT_LT(testutil::rel_l2(gx_ckpt, gx_plain), 1e-6);
  EXPECT_LT(peak_ckpt, peak_plain * 3 / 4) << peak_ckpt << " vs " << peak_plain;
}

TEST(Tape, CheckpointReplaysDropout) {
  Tensor x0 = random_tensor({3, 40}, 13);
  auto region = [](const std::vector<Tensor>& in) { return std::vector<Tensor>{relu(dropout(in[0], 0.5f, true))}; };
  rng_state() = RngState{7, 0};
  Tensor x = x0.clone().set_requires_grad(true);
  backward(sum(region({x})[0]));
  const auto plain = x.grad().to_vector();
  rng_state() = RngState{7, 0};
  Tensor xc = x0.clone().set_requires_grad(true);
  backward(sum(checkpoint(region, {xc})[0]));
  EXPECT_EQ(xc.grad().to_vector(), plain);
}

TEST(Tensor, ViewsShareStorage) {
  Tensor x = random_tensor({4, 3, 5}, 14);
  const int64_t allocs = mem_stats(Device::CPU).total_allocs;
  Tensor r = x.reshape({12, 5});
  Tensor n = x.narrow0(1, 2);
  Tensor s = x.select0(3);
  EXPECT_EQ(mem_stats(Device::CPU).total_allocs, allocs);
  EXPECT_TRUE(r.same_storage(x) && n.same_storage(x) && s.same_storage(x));
  EXPECT_EQ(n.shape(), Shape({2, 3, 5}));
  EXPECT_EQ(s.shape(), Shape({3, 5}));
  EXPECT_EQ(n.data(), x.data() + 15);
  EXPECT_EQ(s.data(), x.data() + 45);
  // A view of a tensor that requires grad is still a view, and carries the gradient back.
  Tensor p = x.clone().set_requires_grad(true);
  Tensor v = p.narrow0(2, 1);
  EXPECT_TRUE(v.same_storage(p));
  backward(sum(v));
  const auto g = p.grad().to_vector();
  for (size_t i = 0; i < g.size(); ++i) EXPECT_EQ(g[i], (i >= 30 && i < 45) ? 1.0f : 0.0f);
}

TEST(Tensor, FactoriesAndErrors) {
  Tensor z = Tensor::zeros({2, 3});
  for (float v : z.to_vector()) EXPECT_EQ(v, 0.0f);
  Tensor f = Tensor::full({5}, 2.5f);
  for (float v : f.to_vector()) EXPECT_EQ(v, 2.5f);
  EXPECT_THROW(Tensor::from_vector({2, 2}, {1, 2, 3}), std::runtime_error);
  EXPECT_THROW(Shape({1, 2, 3, 4, 5, 6}), std::runtime_error);
  EXPECT_THROW(conv3d(Tensor::zeros({1, 2, 3, 4}), Tensor::zeros({1, 2, 3, 3, 3}), Tensor()), std::runtime_error);
  EXPECT_THROW(window_attention(Tensor::zeros({1, 24, 1, 6, 8}), 2, 4), std::runtime_error);
  EXPECT_EQ(Shape({2, 8, 7, 32, 32}).str(), "[2, 8, 7, 32, 32]");
}

// CUDA builds install the CUDA backend's table (autograd/backend_cuda.cpp);
// without CUDA every entry throws (until a simulated device registers one).
TEST(Backend, CudaEntriesThrowUntilRegistered) {
#ifdef RAINFUSE_HAVE_CUDA
  EXPECT_STREQ(backend(Device::CUDA).name, "cuda");
  EXPECT_NE(backend(Device::CUDA).lstm_step_forward, nullptr);
  EXPECT_EQ(backend(Device::CPU).lstm_step_forward, nullptr);
  GTEST_SKIP() << "CUDA build: the CUDA table is registered";
#endif
  const Backend& cuda = backend(Device::CUDA);
  float v = 0;
  try {
    cuda.fill(1, 1.0f, &v);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA"), std::string::npos);
  }
  EXPECT_STREQ(backend(Device::CPU).name, "cpu");
}

}  // namespace
}  // namespace rf
