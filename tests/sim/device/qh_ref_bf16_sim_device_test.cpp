// qh-ref on the simulated CUDA device with bf16 tensor-core GEMMs
// (RAINFUSE_CONV_MATH=bf16: every conv, linear and fused ConvLSTM step rounds
// its operands to bf16, accumulates in fp32) against the fp32 CPU backend; and
// the cuDNN / cuBLAS switches, which the simulated device must refuse by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "autograd/backend.h"
#include "autograd/device_options.h"
#include "tests/sim/device/model_compare.h"
#include "tests/sim/device/sim_device.h"

namespace rf {
namespace {

class SimDeviceBf16 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { simdev::use_simulated_device(); }
  void SetUp() override { saved_ = device_options(); }
  void TearDown() override { device_options() = saved_; }
  DeviceOptions saved_;
};

// Whole-model inference (4 attention windows, every fusion on): bf16 keeps 8
// significant bits per GEMM operand (relative 2^-9), so the output is within
// 1e-2 of the fp32 CPU output; and it really is the bf16 path: farther from the
// CPU than the device's fp32 path, by more than fp32 noise.
TEST_F(SimDeviceBf16, InferenceMatchesCpuAtBf16Tolerance) {
  nn::QhRef cpu(nn::QhRefConfig(), Device::CPU), dev(nn::QhRefConfig(), Device::CUDA);
  cpu.init(4);
  dev.init(4);
  const Shape xs{1, 8, 7, 9, 16};
  const Tensor x = Tensor::from_vector(xs, modeltest::random_values(size_t(xs.numel()), 8, -1.0f, 1.0f));
  const Tensor xd = x.to(Device::CUDA);
  NoGradGuard no_grad;
  const auto want = cpu.forward(x, false).to_vector();
  device_options().conv_math = kernels::ConvMath::Bf16;
  EXPECT_EQ(describe(device_options()), "bf16, all fused");
  const auto bf16 = dev.forward(xd, false).to_vector();
  device_options().conv_math = kernels::ConvMath::Fp32;
  const auto fp32 = dev.forward(xd, false).to_vector();
  const double err_bf16 = modeltest::rel_l2(bf16, want), err_fp32 = modeltest::rel_l2(fp32, want);
  EXPECT_LT(err_bf16, 1e-2);
  EXPECT_LT(err_fp32, 1e-4);
  EXPECT_GT(err_bf16, 10 * err_fp32) << "bf16 output as close as fp32: operands not rounded";
}

// One training step (forward with dropout, masked MSE, backward through every
// bf16 GEMM, AdamW) against the fp32 CPU. Output and loss keep bf16 accuracy
// (1e-2); a typical gradient too (median over the 18 tensors: measured ~5e-3,
// tf32 ~4e-4). conv1's weight gradient is the end of the backward chain: dy
// has passed every rounded GEMM and the ReLU masks that flip where a rounded
// pre-activation changes sign, and its sum over all positions of mean-zero
// terms cancels, so its relative error is the largest (measured 0.086; tf32
// 0.0009): every gradient within 0.15.
TEST_F(SimDeviceBf16, TrainingStepMatchesCpuAtBf16Tolerance) {
  constexpr int kB = 1, kH = 7, kW = 8;
  device_options().conv_math = kernels::ConvMath::Bf16;
  const auto ref = modeltest::qh_ref_step(Device::CPU, kB, kH, kW);
  const auto got = modeltest::qh_ref_step(Device::CUDA, kB, kH, kW);
  EXPECT_LT(modeltest::rel_l2(got.y, ref.y), 1e-2) << "output";
  EXPECT_NEAR(got.loss, ref.loss, 1e-2 * std::abs(ref.loss)) << "loss";
  modeltest::expect_close(got, ref, 0.15, "bf16");
  std::vector<double> errors;
  for (size_t i = 0; i < ref.grads.size() && i < got.grads.size(); ++i)
    errors.push_back(modeltest::rel_l2(got.grads[i], ref.grads[i]));
  ASSERT_FALSE(errors.empty());
  std::nth_element(errors.begin(), errors.begin() + errors.size() / 2, errors.end());
  EXPECT_LT(errors[errors.size() / 2], 1e-2) << "median gradient error";
}

// Asking the simulated device for cuDNN convolutions or cuBLAS GEMMs is an
// error naming the switch, at the first op that would use them, not a silent
// fallback to our kernels.
TEST_F(SimDeviceBf16, CudnnAndCublasAreRefusedByName) {
  nn::QhRef dev(nn::QhRefConfig(), Device::CUDA);
  dev.init(5);
  const Shape xs{1, 8, 7, 8, 8};
  const Tensor xd =
      Tensor::from_vector(xs, modeltest::random_values(size_t(xs.numel()), 9, -1.0f, 1.0f)).to(Device::CUDA);
  NoGradGuard no_grad;
  auto message = [&] {
    try {
      dev.forward(xd, false);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  device_options().conv_math = kernels::ConvMath::Tf32;
  device_options().conv_impl = ConvImpl::Cudnn;
  EXPECT_EQ(describe(device_options()), "tf32 cudnn, all fused");
  EXPECT_NE(message().find("RAINFUSE_CONV_IMPL=cudnn: the simulated device has no cuDNN"), std::string::npos)
      << message();
  device_options().conv_impl = ConvImpl::Ours;
  device_options().gemm_impl = GemmImpl::Cublas;
  EXPECT_NE(message().find("RAINFUSE_GEMM=cublas: the simulated device has no"), std::string::npos) << message();
  device_options().gemm_impl = GemmImpl::Ours;
  EXPECT_EQ(message(), "no error");
}

}  // namespace
}  // namespace rf
