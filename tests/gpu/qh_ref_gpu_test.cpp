// The whole qh-ref model on a real CUDA device against the CPU backend: one
// training step (forward with dropout, masked MSE, backward, AdamW) compared
// output by output, gradient by gradient, in fp32 and tf32 arithmetic, with
// every fusion on and off; and the exact tiled inference on the device.
// Skipped without a device (CI runs the same on the simulated device:
// tests/sim/device).
#include "autograd/device_options.h"
#include "kernels/common/memory.h"
#include "tests/gpu/gpu_harness.h"
#include "tests/sim/device/model_compare.h"

namespace rf {
namespace {

// Odd extents (padded to 48 x 40: 30 attention windows), B = 2 for the batch loops.
constexpr int kB = 2, kH = 41, kW = 37;

class GpuModel : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = device_options(); }
  void TearDown() override { device_options() = saved_; }
  DeviceOptions saved_;
};

// Tolerances: fp32 on the GPU differs from the CPU by summation order and the
// fast-math exp/tanh of attention and the LSTM cell (~1e-6 relative per op,
// amplified through 4 recurrent steps and backward); tf32 rounds GEMM inputs
// to 10 mantissa bits.
TEST_F(GpuModel, TrainingStepMatchesCpuFp32) {
  RF_REQUIRE_GPU();
  device_options().conv_math = kernels::ConvMath::Fp32;
  const auto ref = modeltest::qh_ref_step(Device::CPU, kB, kH, kW);
  const int64_t live0 = mem_stats(Device::CUDA).live_bytes;
  const auto got = modeltest::qh_ref_step(Device::CUDA, kB, kH, kW);
  modeltest::expect_close(got, ref, 1e-3, "fp32");
  EXPECT_EQ(mem_stats(Device::CUDA).live_bytes, live0) << "device memory leaked";
}

TEST_F(GpuModel, TrainingStepMatchesCpuTf32) {
  RF_REQUIRE_GPU();
  device_options().conv_math = kernels::ConvMath::Tf32;
  const auto ref = modeltest::qh_ref_step(Device::CPU, kB, kH, kW);
  const auto got = modeltest::qh_ref_step(Device::CUDA, kB, kH, kW);
  modeltest::expect_close(got, ref, 2e-2, "tf32");
}

// bf16 tensor cores (operands rounded to 8 significant bits): output within
// 1e-2, gradients within 4e-2 of the fp32 CPU (as on the simulated device).
TEST_F(GpuModel, TrainingStepMatchesCpuBf16) {
  RF_REQUIRE_GPU();
  device_options().conv_math = kernels::ConvMath::Bf16;
  const auto ref = modeltest::qh_ref_step(Device::CPU, kB, kH, kW);
  const auto got = modeltest::qh_ref_step(Device::CUDA, kB, kH, kW);
  EXPECT_LT(modeltest::rel_l2(got.y, ref.y), 1e-2) << "output";
  modeltest::expect_close(got, ref, 4e-2, "bf16");
}

TEST_F(GpuModel, UnfusedPathsAgreeWithFused) {
  RF_REQUIRE_GPU();
  device_options().conv_math = kernels::ConvMath::Fp32;
  const auto fused = modeltest::qh_ref_step(Device::CUDA, kB, kH, kW);
  for (const char* name : {"conv_epilogue", "attention"}) {
    set_unfused(device_options(), name);
    modeltest::expect_close(modeltest::qh_ref_step(Device::CUDA, kB, kH, kW), fused, 1e-5, name);
    set_unfused(device_options(), "");
  }
}

TEST_F(GpuModel, TiledInferenceMatchesCpu) {
  RF_REQUIRE_GPU();
  device_options().conv_math = kernels::ConvMath::Fp32;
  nn::QhRef cpu(nn::QhRefConfig(), Device::CPU), gpu(nn::QhRefConfig(), Device::CUDA);
  cpu.init(3);
  gpu.init(3);
  const Shape xs{1, 8, 7, 90, 75};
  const Tensor x = Tensor::from_vector(xs, modeltest::random_values(size_t(xs.numel()), 9, -1.0f, 1.0f));
  NoGradGuard no_grad;
  const auto want = cpu.forward_tiled(x, 32, 16).to_vector();
  const auto got = gpu.forward_tiled(x.to(Device::CUDA), 32, 16).to_vector();
  EXPECT_LT(modeltest::rel_l2(got, want), 1e-3);
  // Whole-grid pass on the device equals its own tiled pass (exact tiling rule).
  const auto whole = gpu.forward(x.to(Device::CUDA), false).to_vector();
  EXPECT_LT(modeltest::rel_l2(whole, got), 1e-5);
}

}  // namespace
}  // namespace rf
