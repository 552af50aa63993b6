// The CPU kernel table, and the CUDA table: the CUDA backend's launchers
// (autograd/backend_cuda.cpp) in CUDA builds, placeholders that throw otherwise
// (until a simulated device registers its table, tests/sim/device).
#include "autograd/backend.h"

#include <cstring>
#include <stdexcept>

#include "kernels/elementwise/elementwise.h"
#ifdef RAINFUSE_HAVE_CUDA
#include "kernels/common/device_copy.h"
#endif
#include "kernels/loss/loss.h"

namespace rf {
namespace {

void copy_strided_cpu(int64_t planes, int64_t rows, int64_t len, const float* src, int64_t src_plane,
                      int64_t src_row, float* dst, int64_t dst_plane, int64_t dst_row, bool add) {
  const int64_t n = planes * rows;
  const bool big = n * len >= (int64_t(1) << 16);
#pragma omp parallel for schedule(static) if (big)
  for (int64_t k = 0; k < n; ++k) {
    const int64_t p = k / rows, r = k % rows;
    const float* s = src + p * src_plane + r * src_row;
    float* d = dst + p * dst_plane + r * dst_row;
    if (add) {
#pragma omp simd
      for (int64_t i = 0; i < len; ++i) d[i] += s[i];
    } else {
      std::memcpy(d, s, size_t(len) * sizeof(float));
    }
  }
}

void memcpy_floats(int64_t n, const float* src, float* dst) { std::memcpy(dst, src, size_t(n) * sizeof(float)); }

Backend make_cpu() {
  using namespace kernels;
  Backend b{};
  b.name = "cpu";
  b.conv_forward = conv_forward_cpu;
  b.conv_backward_data = conv_backward_data_cpu;
  b.conv_backward_weight = conv_backward_weight_cpu;
  b.pointwise_forward = pointwise_forward_cpu;
  b.pointwise_backward_data = pointwise_backward_data_cpu;
  b.pointwise_backward_weight = pointwise_backward_weight_cpu;
  b.layernorm_forward = layernorm_forward_cpu;
  b.layernorm_backward = layernorm_backward_cpu;
  b.attention_forward = window_attention_forward_cpu;
  b.attention_backward = window_attention_backward_cpu;
  b.lstm_cell_forward = convlstm_cell_forward_cpu;
  b.lstm_cell_backward = convlstm_cell_backward_cpu;
  b.relu_forward = relu_forward_cpu;
  b.relu_backward = relu_backward_cpu;
  b.add = add_cpu;
  b.axpy = axpy_cpu;
  b.fill = fill_cpu;
  b.dropout_forward = dropout_forward_cpu;
  b.dropout_backward = dropout_backward_cpu;
  b.mse_forward = masked_mse_forward_cpu;
  b.mse_backward = masked_mse_backward_cpu;
  b.adam_step = adam_step_cpu;
  b.to_bf16 = to_bf16_cpu;
  b.from_bf16 = from_bf16_cpu;
  b.copy_strided = copy_strided_cpu;
  b.to_host = memcpy_floats;
  b.from_host = memcpy_floats;
  return b;
}

#ifndef RAINFUSE_HAVE_CUDA
// An entry of any signature that throws: the CUDA table until it is registered.
template <class F>
struct Missing;
template <class R, class... A>
struct Missing<R (*)(A...)> {
  static R call(A...) {
    throw std::runtime_error("tensor on the CUDA device, but no CUDA backend is registered in this build");
  }
};

Backend make_missing_cuda() {
  Backend b{};
  b.name = "cuda (not available)";
#define RF_MISSING(f) b.f = &Missing<decltype(b.f)>::call
  RF_MISSING(conv_forward);
  RF_MISSING(conv_backward_data);
  RF_MISSING(conv_backward_weight);
  RF_MISSING(pointwise_forward);
  RF_MISSING(pointwise_backward_data);
  RF_MISSING(pointwise_backward_weight);
  RF_MISSING(layernorm_forward);
  RF_MISSING(layernorm_backward);
  RF_MISSING(attention_forward);
  RF_MISSING(attention_backward);
  RF_MISSING(lstm_cell_forward);
  RF_MISSING(lstm_cell_backward);
  RF_MISSING(relu_forward);
  RF_MISSING(relu_backward);
  RF_MISSING(add);
  RF_MISSING(axpy);
  RF_MISSING(fill);
  RF_MISSING(dropout_forward);
  RF_MISSING(dropout_backward);
  RF_MISSING(mse_forward);
  RF_MISSING(mse_backward);
  RF_MISSING(adam_step);
  RF_MISSING(to_bf16);
  RF_MISSING(from_bf16);
  RF_MISSING(copy_strided);
  RF_MISSING(to_host);
  RF_MISSING(from_host);
#undef RF_MISSING
  return b;
}
#endif

#ifdef RAINFUSE_HAVE_CUDA
}  // namespace
Backend make_cuda_backend();  // autograd/backend_cuda.cpp
namespace {
Backend g_tables[kNumDevices] = {make_cpu(), make_cuda_backend()};
#else
Backend g_tables[kNumDevices] = {make_cpu(), make_missing_cuda()};
#endif
bool g_registered[kNumDevices] = {true, false};

}  // namespace

const Backend& backend(Device d) { return g_tables[static_cast<int>(d)]; }

void register_backend(Device d, const Backend& table) {
  g_tables[static_cast<int>(d)] = table;
  g_registered[static_cast<int>(d)] = true;
}

bool device_available(Device d) {
  if (g_registered[static_cast<int>(d)]) return true;
#ifdef RAINFUSE_HAVE_CUDA
  if (d == Device::CUDA) return cuda_rt::device_present();
#endif
  return false;
}

}  // namespace rf
