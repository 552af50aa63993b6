// qh-ref on the simulated CUDA device against the CPU backend: the CUDA
// backend's kernel table, allocator hooks and transfers, with every launch run
// by the kernel simulator. Tiny shape (B=1, T=7, 7x8 px: padded to 8x8, so
// pad/crop run) to keep the simulator at seconds per training step.
#include <gtest/gtest.h>

#include "autograd/backend.h"
#include "autograd/device_options.h"
#include "kernels/common/memory.h"
#include "kernels/sim/sim.h"
#include "tests/sim/device/model_compare.h"
#include "tests/sim/device/sim_device.h"

namespace rf {
namespace {

constexpr int kB = 1, kH = 7, kW = 8;

class SimDevice : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { simdev::use_simulated_device(); }
  void SetUp() override { saved_ = device_options(); }
  void TearDown() override { device_options() = saved_; }
  DeviceOptions saved_;
};

TEST_F(SimDevice, TransfersAndAllocatorBookkeeping) {
  EXPECT_STREQ(backend(Device::CUDA).name, "cuda (simulated)");
  const int64_t live0 = mem_stats(Device::CUDA).live_bytes;
  const Shape s{3, 5, 7};
  const auto v = modeltest::random_values(size_t(s.numel()), 5, -2.0f, 2.0f);
  {
    const Tensor d = Tensor::from_vector(s, v).to(Device::CUDA);
    EXPECT_EQ(d.device(), Device::CUDA);
    EXPECT_EQ(mem_stats(Device::CUDA).live_bytes - live0, s.numel() * 4);
    EXPECT_EQ(d.to_vector(), v);
    const Tensor back = d.to(Device::CPU);
    EXPECT_EQ(back.device(), Device::CPU);
    EXPECT_EQ(back.to_vector(), v);
    const Tensor c = narrow(d, 1, 1, 3);  // strided copy kernel on the device
    const auto cv = c.to_vector();
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 7; ++k) EXPECT_EQ(cv[size_t((i * 3 + j) * 7 + k)], v[size_t((i * 5 + j + 1) * 7 + k)]);
    EXPECT_GE(mem_stats(Device::CUDA).peak_bytes - live0, s.numel() * 4 + 3 * 3 * 7 * 4);
  }
  EXPECT_EQ(mem_stats(Device::CUDA).live_bytes, live0) << "device memory leaked";
  EXPECT_THROW(add(Tensor::zeros(s), Tensor::zeros(s, Device::CUDA)), std::runtime_error);
}

// fp32 GEMMs: the whole step within 1e-4 of the CPU backend; run again under
// another thread order of the simulator, it must be bit-identical (a race
// anywhere in the kernels or their glue changes some bit).
TEST_F(SimDevice, QhRefTrainingStepMatchesCpuFp32AndIsRaceFree) {
  device_options().conv_math = kernels::ConvMath::Fp32;
  const auto ref = modeltest::qh_ref_step(Device::CPU, kB, kH, kW);
  const int64_t live0 = mem_stats(Device::CUDA).live_bytes;
  mem_reset_peak(Device::CUDA);
  sim::set_seed(0x1234u);
  const auto got = modeltest::qh_ref_step(Device::CUDA, kB, kH, kW);
  modeltest::expect_close(got, ref, 1e-4, "fp32");
  EXPECT_EQ(mem_stats(Device::CUDA).live_bytes, live0) << "device memory leaked";
  // Parameters, moments and gradients alone are 4 x 188,737 floats.
  EXPECT_GT(mem_stats(Device::CUDA).peak_bytes - live0, 4 * 188737 * 4);
  sim::set_seed(0xfeedbeefu);
  const auto again = modeltest::qh_ref_step(Device::CUDA, kB, kH, kW);
  sim::set_seed(0);
  EXPECT_EQ(again.y, got.y) << "race: the output depends on the thread order";
  EXPECT_EQ(again.grads, got.grads) << "race: a gradient depends on the thread order";
  EXPECT_EQ(again.update, got.update) << "race: the Adam step depends on the thread order";
}

TEST_F(SimDevice, QhRefTrainingStepMatchesCpuTf32) {
  device_options().conv_math = kernels::ConvMath::Tf32;
  const auto ref = modeltest::qh_ref_step(Device::CPU, kB, kH, kW);
  const auto got = modeltest::qh_ref_step(Device::CUDA, kB, kH, kW);
  modeltest::expect_close(got, ref, 1e-2, "tf32");
}

// Training with the conv epilogue unfused (separate ReLU kernel) agrees with
// the CPU backend as tightly as the fused path.
TEST_F(SimDevice, UnfusedConvEpilogueTrainingStepMatchesCpu) {
  device_options().conv_math = kernels::ConvMath::Fp32;
  set_unfused(device_options(), "conv_epilogue");
  const auto ref = modeltest::qh_ref_step(Device::CPU, kB, kH, kW);
  modeltest::expect_close(modeltest::qh_ref_step(Device::CUDA, kB, kH, kW), ref, 1e-4, "unfused conv_epilogue");
  EXPECT_THROW(set_unfused(device_options(), "conv_epilogue,nonsense"), std::runtime_error);
}

// Training with window attention unfused (S, P, dP/dS as matrices in device
// memory, attention_unfused.cu): as close to the CPU backend as the fused path.
TEST_F(SimDevice, UnfusedAttentionTrainingStepMatchesCpu) {
  device_options().conv_math = kernels::ConvMath::Fp32;
  set_unfused(device_options(), "attention");
  EXPECT_EQ(describe(device_options()), "fp32, unfused: attention");
  const auto ref = modeltest::qh_ref_step(Device::CPU, kB, kH, kW);
  modeltest::expect_close(modeltest::qh_ref_step(Device::CUDA, kB, kH, kW), ref, 1e-4, "unfused attention");
  // With the attention and ConvLSTM regions recomputed in backward, too.
  const auto ref_rc = modeltest::qh_ref_step(Device::CPU, kB, kH, kW, 1);
  modeltest::expect_close(modeltest::qh_ref_step(Device::CUDA, kB, kH, kW, 1), ref_rc, 1e-4,
                          "unfused attention, recompute");
}

// The attention op alone, forward + backward on the device: unfused gives the
// fused gradients, and its peak is higher by at least the two N x N matrix
// buffers of the backward (P and dP/dS of every window, head and frame).
TEST_F(SimDevice, UnfusedAttentionOpMatchesFusedAndHoldsMatricesInDeviceMemory) {
  const Shape qs{2, 3 * 16, 3, 16, 24};  // C 16, 2 heads (head_dim 8), T 3, 6 windows of 8x8
  const auto qv = modeltest::random_values(size_t(qs.numel()), 21, -2.0f, 2.0f);
  const Shape os{2, 16, 3, 16, 24};
  const Tensor target = Tensor::from_vector(os, modeltest::random_values(size_t(os.numel()), 22, -1.0f, 1.0f))
                            .to(Device::CUDA);
  auto run = [&](const char* unfused, int64_t* peak) {
    set_unfused(device_options(), unfused);
    Tensor qkv = Tensor::from_vector(qs, qv).to(Device::CUDA);
    qkv.set_requires_grad(true);
    const int64_t live0 = mem_stats(Device::CUDA).live_bytes;
    mem_reset_peak(Device::CUDA);
    Tensor out = window_attention(qkv, 2, 8);
    backward(mse_loss(out, target));
    *peak = mem_stats(Device::CUDA).peak_bytes - live0;
    std::vector<float> all = out.to_vector();
    const std::vector<float> g = qkv.grad().to_vector();
    all.insert(all.end(), g.begin(), g.end());
    return all;
  };
  int64_t fused_peak = 0, unfused_peak = 0;
  const auto fused = run("", &fused_peak);
  const auto unfused = run("attention", &unfused_peak);
  EXPECT_LT(modeltest::rel_l2(unfused, fused), 1e-6);
  const int64_t matrix_bytes = int64_t(2) * 3 * 6 * 2 * 64 * 64 * 4;  // B T windows heads N N float
  EXPECT_GE(unfused_peak - fused_peak, 2 * matrix_bytes) << "unfused attention holds no P / dS in device memory";
}

// Inference (no grad) with every fusion on, and with each one off: all agree
// with the CPU backend; switching a fusion off never lowers the peak.
TEST_F(SimDevice, InferenceFusedAndUnfusedMatchCpu) {
  device_options().conv_math = kernels::ConvMath::Fp32;
  nn::QhRef cpu(nn::QhRefConfig(), Device::CPU), dev(nn::QhRefConfig(), Device::CUDA);
  cpu.init(4);
  dev.init(4);
  const Shape xs{1, 8, 7, 9, 16};  // padded to 16x16: 4 windows
  const Tensor x = Tensor::from_vector(xs, modeltest::random_values(size_t(xs.numel()), 8, -1.0f, 1.0f));
  const Tensor xd = x.to(Device::CUDA);
  NoGradGuard no_grad;
  const auto want = cpu.forward(x, false).to_vector();
  auto run = [&](const char* unfused, int64_t* peak) {
    set_unfused(device_options(), unfused);
    const int64_t live0 = mem_stats(Device::CUDA).live_bytes;
    mem_reset_peak(Device::CUDA);
    const auto y = dev.forward(xd, false).to_vector();
    *peak = mem_stats(Device::CUDA).peak_bytes - live0;
    return y;
  };
  int64_t fused_peak = 0, peak = 0;
  const auto fused = run("", &fused_peak);
  EXPECT_LT(modeltest::rel_l2(fused, want), 1e-4) << "all fused";
  for (const char* name : {"conv_epilogue", "convlstm", "attention"}) {
    EXPECT_LT(modeltest::rel_l2(run(name, &peak), want), 1e-4) << name;
    EXPECT_GE(peak, fused_peak) << name;
  }
}

// The ConvLSTM layer alone in inference: the fused step (gate conv + cell
// update in one kernel, gates never written) against the CPU backend and
// against the unfused device path, and strictly less memory than the latter.
TEST_F(SimDevice, FusedConvLstmInferenceMatchesCpuAndSavesMemory) {
  device_options().conv_math = kernels::ConvMath::Fp32;
  nn::ConvLSTM cpu(32, 32, 3, Device::CPU), dev(32, 32, 3, Device::CUDA);
  cpu.init(6);
  dev.init(6);
  const Shape xs{2, 32, 5, 9, 11};
  const Tensor x = Tensor::from_vector(xs, modeltest::random_values(size_t(xs.numel()), 12, -1.0f, 1.0f));
  const Tensor xd = x.to(Device::CUDA);
  NoGradGuard no_grad;
  const auto want = cpu.run(x, 4, 1).to_vector();
  int64_t peak[2];
  std::vector<float> got[2];
  for (int unfused = 0; unfused < 2; ++unfused) {
    set_unfused(device_options(), unfused ? "convlstm" : "");
    const int64_t live0 = mem_stats(Device::CUDA).live_bytes;
    mem_reset_peak(Device::CUDA);
    got[unfused] = dev.run(xd, 4, 1).to_vector();
    peak[unfused] = mem_stats(Device::CUDA).peak_bytes - live0;
    EXPECT_LT(modeltest::rel_l2(got[unfused], want), 1e-5) << (unfused ? "unfused" : "fused");
  }
  EXPECT_LT(peak[0], peak[1]) << "the fused ConvLSTM step saves no memory";
}

}  // namespace
}  // namespace rf
