// The cuDNN / cuBLAS baselines selectable inside the engine (RAINFUSE_CONV_IMPL=
// cudnn, RAINFUSE_GEMM=cublas) on a real device: each op against the CPU backend
// and against our kernels (same shapes, epilogues and accumulate semantics),
// then the whole qh-ref training step on them against the CPU. Skipped without
// a device (the simulated device refuses both switches:
// tests/sim/device/qh_ref_bf16_sim_device_test.cpp).
#include <cmath>

#include "autograd/device_options.h"
#include "kernels/common/memory.h"
#include "kernels/conv/conv.h"
#include "kernels/conv/conv_cuda.h"
#include "kernels/conv/conv_cudnn.h"
#include "kernels/conv/linear_cublas.h"
#include "kernels/pointwise/pointwise.h"
#include "kernels/pointwise/pointwise_cuda.h"
#include "tests/gpu/gpu_harness.h"
#include "tests/sim/device/model_compare.h"

namespace {

namespace k = rf::kernels;
using rf::gputest::DevBuf;
using rf::simtest::expect_close;
using rf::simtest::random_vec;
using V = std::vector<float>;

double rel_l2(const V& a, const V& b) { return rf::modeltest::rel_l2(a, b); }

// Relative L2 error allowed per math: fp32 leaves summation order and cuDNN's
// transform algorithms (FFT, Winograd: ~1e-5); tf32 / bf16 round each operand
// to 2^-11 / 2^-9. Tight enough that a wrong layout, a dropped bias or a
// missed accumulate (errors of order 1) fails.
double tolerance(k::ConvMath m) { return m == k::ConvMath::Fp32 ? 1e-4 : m == k::ConvMath::Tf32 ? 2e-3 : 1e-2; }

#if defined(RAINFUSE_HAVE_CUDNN)
class GpuCudnnConv : public ::testing::TestWithParam<k::ConvMath> {};

// Forward (bias + ReLU), backward data and backward weight + bias, accumulating
// into random buffers: cuDNN vs the CPU backend and vs our implicit GEMM.
void compare_conv(const k::ConvShape& s, k::ConvMath math) {
  const V x = random_vec(size_t(s.x_size()), 31), w = random_vec(size_t(s.w_size()), 32, -0.2f, 0.2f),
          b = random_vec(size_t(s.Cout), 33), dy = random_vec(size_t(s.y_size()), 34),
          dx0 = random_vec(size_t(s.x_size()), 35), dw0 = random_vec(size_t(s.w_size()), 36),
          db0 = random_vec(size_t(s.Cout), 37);
  V cy(size_t(s.y_size())), cdx = dx0, cdw = dw0, cdb = db0;
  k::conv_forward_cpu(s, x.data(), w.data(), b.data(), cy.data(), k::Epilogue::ReLU);
  k::conv_backward_data_cpu(s, dy.data(), w.data(), cdx.data(), true);
  k::conv_backward_weight_cpu(s, x.data(), dy.data(), cdw.data(), cdb.data(), true);
  const DevBuf<float> gx(x), gw(w), gb(b), gdy(dy);
  for (int cudnn = 0; cudnn < 2; ++cudnn) {
    DevBuf<float> gy(size_t(s.y_size())), gdx(dx0), gdw(dw0), gdb(db0);
    if (cudnn) {
      k::conv_forward_cudnn(s, gx.get(), gw.get(), gb.get(), gy.get(), k::Epilogue::ReLU, nullptr, math);
      k::conv_backward_data_cudnn(s, gdy.get(), gw.get(), gdx.get(), true, nullptr, math);
      k::conv_backward_weight_cudnn(s, gx.get(), gdy.get(), gdw.get(), gdb.get(), true, nullptr, math);
    } else {
      k::conv_forward_cuda(s, gx.get(), gw.get(), gb.get(), gy.get(), k::Epilogue::ReLU, nullptr, math);
      k::conv_backward_data_cuda(s, gdy.get(), gw.get(), gdx.get(), true, nullptr, math);
      k::conv_backward_weight_cuda(s, gx.get(), gdy.get(), gdw.get(), gdb.get(), true, nullptr, math);
    }
    const char* who = cudnn ? "cudnn" : "ours";
    const double tol = tolerance(math);
    EXPECT_LT(rel_l2(gy.host(), cy), tol) << who << " forward";
    EXPECT_LT(rel_l2(gdx.host(), cdx), tol) << who << " backward data";
    EXPECT_LT(rel_l2(gdw.host(), cdw), tol) << who << " backward weight";
    expect_close(gdb.host(), cdb, 1e-5, 1.0, std::string(who) + " bias grad");
  }
}

TEST_P(GpuCudnnConv, Conv3dMatchesCpuAndOurs) {
  RF_REQUIRE_GPU();
  k::ConvShape s;  // conv2-like with odd tails
  s.B = 2, s.Cin = 32, s.Cout = 32, s.T = 7, s.H = 37, s.W = 41, s.kT = 3;
  compare_conv(s, GetParam());
}

TEST_P(GpuCudnnConv, Conv2dGateConvMatchesCpuAndOurs) {
  RF_REQUIRE_GPU();
  k::ConvShape s;  // ConvLSTM gate conv: [x ; h] -> 4 gates, 3x3
  s.B = 2, s.Cin = 64, s.Cout = 128, s.T = 1, s.H = 33, s.W = 29, s.kT = 1;
  compare_conv(s, GetParam());
}

TEST(GpuCudnnConvRefuses, Bf16) {
  RF_REQUIRE_GPU();
  k::ConvShape s;
  DevBuf<float> x(size_t(s.x_size())), w(size_t(s.w_size())), y(size_t(s.y_size()));
  EXPECT_THROW(k::conv_forward_cudnn(s, x.get(), w.get(), nullptr, y.get(), k::Epilogue::None, nullptr,
                                     k::ConvMath::Bf16),
               std::runtime_error);
}

INSTANTIATE_TEST_SUITE_P(Math, GpuCudnnConv, ::testing::Values(k::ConvMath::Fp32, k::ConvMath::Tf32),
                         [](const auto& info) { return info.param == k::ConvMath::Tf32 ? "Tf32" : "Fp32"; });
#endif  // RAINFUSE_HAVE_CUDNN

class GpuCublasLinear : public ::testing::TestWithParam<k::ConvMath> {};

// The per-position linear layer: cuBLAS vs the CPU backend, forward with bias
// + ReLU and without, backward data and weight + bias accumulating.
TEST_P(GpuCublasLinear, MatchesCpu) {
  RF_REQUIRE_GPU();
  const k::ConvMath math = GetParam();
  k::PointwiseShape s;
  s.B = 3, s.Cin = 96, s.Cout = 67, s.S = 4097;
  const int64_t nx = s.B * s.Cin * s.S, ny = s.B * s.Cout * s.S;
  const V x = random_vec(size_t(nx), 41), w = random_vec(size_t(s.Cout * s.Cin), 42, -0.2f, 0.2f),
          b = random_vec(size_t(s.Cout), 43), dy = random_vec(size_t(ny), 44), dx0 = random_vec(size_t(nx), 45),
          dw0 = random_vec(size_t(s.Cout * s.Cin), 46), db0 = random_vec(size_t(s.Cout), 47);
  V cy(static_cast<size_t>(ny)), cy_plain(static_cast<size_t>(ny)), cdx = dx0, cdw = dw0, cdb = db0;
  k::pointwise_forward_cpu(s, x.data(), w.data(), b.data(), cy.data(), k::Epilogue::ReLU);
  k::pointwise_forward_cpu(s, x.data(), w.data(), nullptr, cy_plain.data(), k::Epilogue::None);
  k::pointwise_backward_data_cpu(s, dy.data(), w.data(), cdx.data(), true);
  k::pointwise_backward_weight_cpu(s, x.data(), dy.data(), cdw.data(), cdb.data(), true);
  const DevBuf<float> gx(x), gw(w), gb(b), gdy(dy);
  DevBuf<float> gy(static_cast<size_t>(ny)), gy_plain(static_cast<size_t>(ny)), gdx(dx0), gdw(dw0), gdb(db0);
  k::pointwise_forward_cublas(s, gx.get(), gw.get(), gb.get(), gy.get(), k::Epilogue::ReLU, nullptr, math);
  k::pointwise_forward_cublas(s, gx.get(), gw.get(), nullptr, gy_plain.get(), k::Epilogue::None, nullptr, math);
  k::pointwise_backward_data_cublas(s, gdy.get(), gw.get(), gdx.get(), true, nullptr, math);
  k::pointwise_backward_weight_cublas(s, gx.get(), gdy.get(), gdw.get(), gdb.get(), true, nullptr, math);
  const double tol = tolerance(math);
  EXPECT_LT(rel_l2(gy.host(), cy), tol) << "forward";
  EXPECT_LT(rel_l2(gy_plain.host(), cy_plain), tol) << "forward, no bias";
  EXPECT_LT(rel_l2(gdx.host(), cdx), tol) << "backward data";
  EXPECT_LT(rel_l2(gdw.host(), cdw), tol) << "backward weight";
  expect_close(gdb.host(), cdb, 1e-5, 1.0, "bias grad");
  // Same GEMM, ours: the two agree as closely as each does with the CPU.
  DevBuf<float> oy(static_cast<size_t>(ny));
  k::pointwise_forward_cuda(s, gx.get(), gw.get(), gb.get(), oy.get(), k::Epilogue::ReLU, nullptr, math);
  EXPECT_LT(rel_l2(oy.host(), gy.host()), 2 * tol) << "ours vs cublas";
}

INSTANTIATE_TEST_SUITE_P(Math, GpuCublasLinear,
                         ::testing::Values(k::ConvMath::Fp32, k::ConvMath::Tf32, k::ConvMath::Bf16),
                         [](const auto& info) {
                           return info.param == k::ConvMath::Bf16   ? "Bf16"
                                  : info.param == k::ConvMath::Tf32 ? "Tf32"
                                                                    : "Fp32";
                         });

// The whole qh-ref training step with every conv on cuDNN and every linear
// layer on cuBLAS (fp32 math), against the CPU backend at the fp32 GPU
// tolerance, and against our kernels on the device.
TEST(GpuBaselinesModel, TrainingStepOnCudnnAndCublasMatchesCpu) {
  RF_REQUIRE_GPU();
#if !defined(RAINFUSE_HAVE_CUDNN)
  GTEST_SKIP() << "built without libcudnn";
#endif
  using namespace rf;
  const DeviceOptions saved = device_options();
  constexpr int kB = 2, kH = 41, kW = 37;
  device_options().conv_math = k::ConvMath::Fp32;
  const auto ref = modeltest::qh_ref_step(Device::CPU, kB, kH, kW);
  const auto ours = modeltest::qh_ref_step(Device::CUDA, kB, kH, kW);
  device_options().conv_impl = ConvImpl::Cudnn;
  device_options().gemm_impl = GemmImpl::Cublas;
  const int64_t live0 = mem_stats(Device::CUDA).live_bytes;
  const auto base = modeltest::qh_ref_step(Device::CUDA, kB, kH, kW);
  EXPECT_EQ(mem_stats(Device::CUDA).live_bytes, live0) << "cuDNN workspace or descriptors leaked device memory";
  device_options() = saved;
  modeltest::expect_close(base, ref, 1e-3, "cudnn + cublas vs CPU");
  modeltest::expect_close(base, ours, 1e-3, "cudnn + cublas vs ours");
}

}  // namespace
