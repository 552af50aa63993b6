// The kernel table of the CUDA device, written once for both ways of running
// the .cu kernels: included by autograd/backend_cuda.cpp (nvcc-built kernels,
// namespace rf::kernels::gpu, device memory) and by the simulated device
// (tests/sim/device: the same kernels compiled under RF_SIM, namespace
// rf::kernels::sim, "device" memory = host memory). Which one a translation
// unit gets is fixed by RF_CUDA_BACKEND (kernels/common/cuda_stream.h); the
// including file supplies the host<->device transfers as `Rt`:
//   static void to_host(void* host, const void* dev, size_t bytes);
//   static void from_host(void* dev, const void* host, size_t bytes);
// Everything runs on the default stream (nullptr), in call order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "autograd/backend.h"
#include "autograd/device_options.h"
#include "kernels/attention/attention_cuda.h"
#include "kernels/common/memory.h"
#include "kernels/conv/conv_cuda.h"
#include "kernels/conv/conv_cudnn.h"
#include "kernels/conv/linear_cublas.h"
#include "kernels/convlstm/convlstm_cuda.h"
#include "kernels/dropout/dropout_cuda.h"
#include "kernels/elementwise/copy_cuda.h"
#include "kernels/elementwise/elementwise_cuda.h"
#include "kernels/layernorm/layernorm_cuda.h"
#include "kernels/loss/loss_cuda.h"
#include "kernels/optim/adam_cuda.h"
#include "kernels/pointwise/pointwise_cuda.h"

namespace rf::device_table {

template <class Rt>
struct Ops {
  static constexpr cudaStream_t kStream = nullptr;
  static kernels::ConvMath math() { return device_options().conv_math; }
  // The conv_epilogue switch: unfused, the GEMM writes the pre-activation
  // (bias still in the epilogue) into its own buffer and a ReLU kernel reads it.
  static bool split_relu(kernels::Epilogue ep) {
    return ep == kernels::Epilogue::ReLU && !device_options().fuse_conv_epilogue;
  }

  // The conv_impl / gemm_impl switches: true when cuDNN / cuBLAS run the op,
  // a clear error where this device lacks them. The baselines are compiled
  // into the nvcc build only (cuDNN where libcudnn was found); elsewhere their
  // calls below sit in discarded `if constexpr` branches, never referenced.
#if defined(RF_SIM)
  static constexpr bool kHaveCudnn = false, kHaveCublas = false;
  static constexpr const char* kLacks = "the simulated device has no cuDNN / cuBLAS";
#elif defined(RAINFUSE_HAVE_CUDNN)
  static constexpr bool kHaveCudnn = true, kHaveCublas = true;
  static constexpr const char* kLacks = "";
#else
  static constexpr bool kHaveCudnn = false, kHaveCublas = true;
  static constexpr const char* kLacks = "this build found no libcudnn";
#endif
  static bool use_cudnn() {
    if (device_options().conv_impl != ConvImpl::Cudnn) return false;
    if (!kHaveCudnn) throw std::runtime_error(std::string("RAINFUSE_CONV_IMPL=cudnn: ") + kLacks);
    return true;
  }
  static bool use_cublas() {
    if (device_options().gemm_impl != GemmImpl::Cublas) return false;
    if (!kHaveCublas) throw std::runtime_error(std::string("RAINFUSE_GEMM=cublas: ") + kLacks);
    return true;
  }

  static void conv_forward(const kernels::ConvShape& s, const float* x, const float* w, const float* b, float* y,
                           kernels::Epilogue ep) {
    if (use_cudnn()) {
      if constexpr (kHaveCudnn) return kernels::conv_forward_cudnn(s, x, w, b, y, ep, kStream, math());
    }
    if (!split_relu(ep)) return kernels::conv_forward_cuda(s, x, w, b, y, ep, kStream, math());
    Scratch<float> pre(Device::CUDA, size_t(s.y_size()));
    kernels::conv_forward_cuda(s, x, w, b, pre.data(), kernels::Epilogue::None, kStream, math());
    kernels::relu_forward_cuda(s.y_size(), pre.data(), y, kStream);
  }
  static void conv_backward_data(const kernels::ConvShape& s, const float* dy, const float* w, float* dx, bool acc) {
    if (use_cudnn()) {
      if constexpr (kHaveCudnn) return kernels::conv_backward_data_cudnn(s, dy, w, dx, acc, kStream, math());
    }
    kernels::conv_backward_data_cuda(s, dy, w, dx, acc, kStream, math());
  }
  static void conv_backward_weight(const kernels::ConvShape& s, const float* x, const float* dy, float* dw,
                                   float* db, bool acc) {
    if (use_cudnn()) {
      if constexpr (kHaveCudnn) return kernels::conv_backward_weight_cudnn(s, x, dy, dw, db, acc, kStream, math());
    }
    kernels::conv_backward_weight_cuda(s, x, dy, dw, db, acc, kStream, math());
  }
  static void pointwise_forward(const kernels::PointwiseShape& s, const float* x, const float* w, const float* b,
                                float* y, kernels::Epilogue ep) {
    if (use_cublas()) {
      if constexpr (kHaveCublas) return kernels::pointwise_forward_cublas(s, x, w, b, y, ep, kStream, math());
    }
    if (!split_relu(ep)) return kernels::pointwise_forward_cuda(s, x, w, b, y, ep, kStream, math());
    const int64_t n = int64_t(s.B) * s.Cout * s.S;
    Scratch<float> pre(Device::CUDA, size_t(n));
    kernels::pointwise_forward_cuda(s, x, w, b, pre.data(), kernels::Epilogue::None, kStream, math());
    kernels::relu_forward_cuda(n, pre.data(), y, kStream);
  }
  static void pointwise_backward_data(const kernels::PointwiseShape& s, const float* dy, const float* w, float* dx,
                                      bool acc) {
    if (use_cublas()) {
      if constexpr (kHaveCublas) return kernels::pointwise_backward_data_cublas(s, dy, w, dx, acc, kStream, math());
    }
    kernels::pointwise_backward_data_cuda(s, dy, w, dx, acc, kStream, math());
  }
  static void pointwise_backward_weight(const kernels::PointwiseShape& s, const float* x, const float* dy,
                                        float* dw, float* db, bool acc) {
    if (use_cublas()) {
      if constexpr (kHaveCublas) return kernels::pointwise_backward_weight_cublas(s, x, dy, dw, db, acc, kStream, math());
    }
    kernels::pointwise_backward_weight_cuda(s, x, dy, dw, db, acc, kStream, math());
  }
  static void layernorm_forward(const kernels::LayerNormShape& s, const float* x, const float* g, const float* b,
                                float* y, float* mean, float* rstd) {
    kernels::layernorm_forward_cuda(s, x, g, b, y, mean, rstd, kStream);
  }
  static void layernorm_backward(const kernels::LayerNormShape& s, const float* x, const float* g,
                                 const float* mean, const float* rstd, const float* dy, float* dx, float* dg,
                                 float* db, bool acc) {
    kernels::layernorm_backward_cuda(s, x, g, mean, rstd, dy, dx, dg, db, acc, kStream);
  }
  // The attention switch: unfused, the N x N matrices of every window and head
  // (P; in backward P and dP/dS) are scratch buffers in device memory.
  static void attention_forward(const kernels::WindowAttnShape& s, const float* qkv, float* out, float* lse) {
    if (device_options().fuse_attention) return kernels::window_attention_forward_cuda(s, qkv, out, lse, kStream);
    Scratch<float> probs(Device::CUDA, size_t(kernels::window_attention_unfused_matrix_elems(s)));
    kernels::window_attention_forward_unfused_cuda(s, qkv, out, lse, probs.data(), kStream);
  }
  static void attention_backward(const kernels::WindowAttnShape& s, const float* qkv, const float* out,
                                 const float* lse, const float* dout, float* dqkv, bool acc) {
    if (device_options().fuse_attention)
      return kernels::window_attention_backward_cuda(s, qkv, out, lse, dout, dqkv, acc, kStream);
    const size_t n = size_t(kernels::window_attention_unfused_matrix_elems(s));
    Scratch<float> probs(Device::CUDA, n), dprobs(Device::CUDA, n);
    kernels::window_attention_backward_unfused_cuda(s, qkv, lse, dout, dqkv, acc, probs.data(), dprobs.data(),
                                                    kStream);
  }
  static void lstm_cell_forward(const kernels::ConvLstmShape& s, const float* gates, const float* c_prev, float* c,
                                float* h) {
    kernels::convlstm_cell_forward_cuda(s, gates, c_prev, c, h, kStream);
  }
  static void lstm_cell_backward(const kernels::ConvLstmShape& s, const float* gates, const float* c_prev,
                                 const float* c, const float* dh, const float* dc, float* dgates, float* dc_prev) {
    kernels::convlstm_cell_backward_cuda(s, gates, c_prev, c, dh, dc, dgates, dc_prev, kStream);
  }
  static void relu_forward(int64_t n, const float* x, float* y) { kernels::relu_forward_cuda(n, x, y, kStream); }
  static void relu_backward(int64_t n, const float* y, const float* dy, float* dx, bool acc) {
    kernels::relu_backward_cuda(n, y, dy, dx, acc, kStream);
  }
  static void add(int64_t n, const float* a, const float* b, float* y) { kernels::add_cuda(n, a, b, y, kStream); }
  static void axpy(int64_t n, float alpha, const float* x, float* y) {
    kernels::axpy_cuda(n, alpha, x, y, kStream);
  }
  static void fill(int64_t n, float value, float* y) { kernels::fill_cuda(n, value, y, kStream); }
  static void dropout_forward(int64_t n, const kernels::DropoutParams& d, const float* x, float* y) {
    kernels::dropout_forward_cuda(n, d, x, y, kStream);
  }
  static void dropout_backward(int64_t n, const kernels::DropoutParams& d, const float* dy, float* dx, bool acc) {
    kernels::dropout_backward_cuda(n, d, dy, dx, acc, kStream);
  }
  // The Backend contract returns the loss to the host: one 16-byte read back.
  static double mse_forward(int64_t n, const float* y, const float* t, const float* mask, double* count) {
    Scratch<double> stats(Device::CUDA, 2);
    kernels::masked_mse_forward_cuda(n, y, t, mask, stats.data(), kStream);
    double h[2];
    Rt::to_host(h, stats.data(), sizeof h);
    if (count) *count = h[1];
    return h[0];
  }
  static void mse_backward(int64_t n, const float* y, const float* t, const float* mask, double count,
                           float grad_loss, float* dy, bool acc) {
    Scratch<double> stats(Device::CUDA, 2);
    const double h[2] = {0.0, count};
    Rt::from_host(stats.data(), h, sizeof h);
    kernels::masked_mse_backward_cuda(n, y, t, mask, stats.data(), grad_loss, dy, acc, kStream);
  }
  static void adam_step(int64_t n, const kernels::AdamParams& a, float* p, const float* g, float* m, float* v) {
    kernels::adam_step_cuda(n, a, p, g, m, v, kStream);
  }
  static void to_bf16(int64_t n, const float* x, uint16_t* y) { kernels::to_bf16_cuda(n, x, y, kStream); }
  static void from_bf16(int64_t n, const uint16_t* x, float* y) { kernels::from_bf16_cuda(n, x, y, kStream); }
  static void copy_strided(int64_t planes, int64_t rows, int64_t len, const float* src, int64_t src_plane,
                           int64_t src_row, float* dst, int64_t dst_plane, int64_t dst_row, bool add) {
    kernels::copy_strided_cuda(planes, rows, len, src, src_plane, src_row, dst, dst_plane, dst_row, add, kStream);
  }
  static void lstm_step_forward(const kernels::ConvLstmShape& s, int Cx, int H, int W, kernels::PlaneView x,
                                kernels::PlaneView h_prev, kernels::PlaneView c_prev, const float* w,
                                const float* bias, kernels::PlaneOut h, kernels::PlaneOut c) {
    kernels::convlstm_step_forward_cuda(s, Cx, H, W, x, h_prev, c_prev, w, bias, h, c, nullptr, math(), kStream);
  }
  static void conv_forward_staged(const kernels::ConvShape& s, const kernels::StagedChannel* ch, const float* w,
                                  const float* b, float* y, kernels::Epilogue ep) {
    if (!split_relu(ep)) return kernels::conv_forward_staged_cuda(s, ch, w, b, y, ep, kStream, math());
    Scratch<float> pre(Device::CUDA, size_t(s.y_size()));
    kernels::conv_forward_staged_cuda(s, ch, w, b, pre.data(), kernels::Epilogue::None, kStream, math());
    kernels::relu_forward_cuda(s.y_size(), pre.data(), y, kStream);
  }
  static void to_host(int64_t n, const float* src, float* host_dst) {
    Rt::to_host(host_dst, src, size_t(n) * sizeof(float));
  }
  static void from_host(int64_t n, const float* host_src, float* dst) {
    Rt::from_host(dst, host_src, size_t(n) * sizeof(float));
  }
};

template <class Rt>
Backend make(const char* name) {
  using O = Ops<Rt>;
  Backend b{};
  b.name = name;
#define RF_DEVICE_ENTRY(entry, ...) b.entry = O::entry;
  RF_BACKEND_OPS(RF_DEVICE_ENTRY)
  RF_BACKEND_OPTIONAL_OPS(RF_DEVICE_ENTRY)
#undef RF_DEVICE_ENTRY
  return b;
}

}  // namespace rf::device_table
