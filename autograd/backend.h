// Per-device kernel table: the one place where ops pick an implementation.
// Every op calls backend(t.device()).<entry>(...). The CPU table points at the
// *_cpu kernels. The CUDA table is autograd/backend_cuda.cpp's launchers in a
// build with RAINFUSE_HAVE_CUDA, otherwise entries that throw a clear error;
// the kernel simulator's tests replace it with register_backend(Device::CUDA,
// table) (tests/sim/device). Signatures mirror the kernel headers.
#pragma once
#include <cstdint>

#include "kernels/attention/attention.h"
#include "kernels/common/device.h"
#include "kernels/conv/conv.h"
#include "kernels/conv/conv_cuda.h"  // StagedChannel (no CUDA headers)
#include "kernels/convlstm/convlstm.h"
#include "kernels/convlstm/convlstm_cuda.h"  // PlaneView / PlaneOut (no CUDA headers)
#include "kernels/dropout/dropout.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/layernorm/layernorm.h"
#include "kernels/optim/adam.h"
#include "kernels/pointwise/pointwise.h"

namespace rf {

struct Backend {
  const char* name;
  void (*conv_forward)(const kernels::ConvShape&, const float* x, const float* w, const float* bias, float* y,
                       kernels::Epilogue);
  void (*conv_backward_data)(const kernels::ConvShape&, const float* dy, const float* w, float* dx, bool acc);
  void (*conv_backward_weight)(const kernels::ConvShape&, const float* x, const float* dy, float* dw, float* db,
                               bool acc);
  void (*pointwise_forward)(const kernels::PointwiseShape&, const float* x, const float* w, const float* bias,
                            float* y, kernels::Epilogue);
  void (*pointwise_backward_data)(const kernels::PointwiseShape&, const float* dy, const float* w, float* dx,
                                  bool acc);
  void (*pointwise_backward_weight)(const kernels::PointwiseShape&, const float* x, const float* dy, float* dw,
                                    float* db, bool acc);
  void (*layernorm_forward)(const kernels::LayerNormShape&, const float* x, const float* g, const float* b,
                            float* y, float* mean, float* rstd);
  void (*layernorm_backward)(const kernels::LayerNormShape&, const float* x, const float* g, const float* mean,
                             const float* rstd, const float* dy, float* dx, float* dg, float* db, bool acc);
  void (*attention_forward)(const kernels::WindowAttnShape&, const float* qkv, float* out, float* lse);
  void (*attention_backward)(const kernels::WindowAttnShape&, const float* qkv, const float* out, const float* lse,
                             const float* dout, float* dqkv, bool acc);
  void (*lstm_cell_forward)(const kernels::ConvLstmShape&, const float* gates, const float* c_prev, float* c,
                            float* h);
  void (*lstm_cell_backward)(const kernels::ConvLstmShape&, const float* gates, const float* c_prev,
                             const float* c, const float* dh, const float* dc, float* dgates, float* dc_prev);
  void (*relu_forward)(int64_t n, const float* x, float* y);
  void (*relu_backward)(int64_t n, const float* y, const float* dy, float* dx, bool acc);
  void (*add)(int64_t n, const float* a, const float* b, float* y);
  void (*axpy)(int64_t n, float alpha, const float* x, float* y);
  void (*fill)(int64_t n, float value, float* y);
  void (*dropout_forward)(int64_t n, const kernels::DropoutParams&, const float* x, float* y);
  void (*dropout_backward)(int64_t n, const kernels::DropoutParams&, const float* dy, float* dx, bool acc);
  double (*mse_forward)(int64_t n, const float* y, const float* t, const float* mask, double* count);
  void (*mse_backward)(int64_t n, const float* y, const float* t, const float* mask, double count,
                       float grad_loss, float* dy, bool acc);
  void (*adam_step)(int64_t n, const kernels::AdamParams&, float* p, const float* g, float* m, float* v);
  // Saved activations kept in bf16 (autograd/saved.h): n floats to n bf16
  // (round to nearest even) and back.
  void (*to_bf16)(int64_t n, const float* x, uint16_t* y);
  void (*from_bf16)(int64_t n, const uint16_t* x, float* y);
  // Strided block copy: planes x rows rows of `len` floats; row (p, r) starts
  // at src + p*src_plane + r*src_row and dst + p*dst_plane + r*dst_row.
  // add = true adds into dst. (Channel concat, narrow, pad/crop of H and W.)
  void (*copy_strided)(int64_t planes, int64_t rows, int64_t len, const float* src, int64_t src_plane,
                       int64_t src_row, float* dst, int64_t dst_plane, int64_t dst_row, bool add);
  // Host <-> device transfers of n floats (memcpy on the CPU).
  void (*to_host)(int64_t n, const float* src, float* host_dst);
  void (*from_host)(int64_t n, const float* host_src, float* dst);
  // Optional (nullptr when the backend has none): one ConvLSTM step with the
  // gate convolution and the cell update fused, gates never written
  // (kernels/convlstm/convlstm_cuda.h, convlstm_step_forward_cuda; Ch % 16 == 0;
  // no gradient). nn::ConvLSTM uses it for inference when the `convlstm`
  // fusion is on (autograd/device_options.h).
  void (*lstm_step_forward)(const kernels::ConvLstmShape&, int Cx, int H, int W, kernels::PlaneView x,
                            kernels::PlaneView h_prev, kernels::PlaneView c_prev, const float* w,
                            const float* bias, kernels::PlaneOut h, kernels::PlaneOut c);
  // Optional (nullptr when the backend has none): conv forward whose input
  // channels are staged on the fly from their sources (kernels/conv/conv_cuda.h,
  // conv_forward_staged_cuda; s.Cin descriptors, device pointers; no gradient).
  // qh-ref's conv1 in fuse: the regrid gather, log1p and z-score of the coarse
  // sources happen in the GEMM's input gather (op conv_staged, autograd/ops.h).
  void (*conv_forward_staged)(const kernels::ConvShape&, const kernels::StagedChannel* channels, const float* w,
                              const float* bias, float* y, kernels::Epilogue);
};

// Every entry of Backend, listed once: X(entry, its CPU kernel) for the
// entries each table fills, RF_BACKEND_OPTIONAL_OPS for those only a device
// may have (nullptr elsewhere). The CPU table, the throwing CUDA placeholders
// (autograd/backend.cpp) and the CUDA tables (autograd/device_table.h) are
// generated from these lists, and the static_assert below fails when Backend
// gains an entry the lists lack: adding an op is one line here, the struct
// member and its kernels. (The CPU names resolve in backend.cpp, inside
// rf::kernels.)
#define RF_BACKEND_OPS(X)                                    \
  X(conv_forward, conv_forward_cpu)                          \
  X(conv_backward_data, conv_backward_data_cpu)              \
  X(conv_backward_weight, conv_backward_weight_cpu)          \
  X(pointwise_forward, pointwise_forward_cpu)                \
  X(pointwise_backward_data, pointwise_backward_data_cpu)    \
  X(pointwise_backward_weight, pointwise_backward_weight_cpu) \
  X(layernorm_forward, layernorm_forward_cpu)                \
  X(layernorm_backward, layernorm_backward_cpu)              \
  X(attention_forward, window_attention_forward_cpu)         \
  X(attention_backward, window_attention_backward_cpu)       \
  X(lstm_cell_forward, convlstm_cell_forward_cpu)            \
  X(lstm_cell_backward, convlstm_cell_backward_cpu)          \
  X(relu_forward, relu_forward_cpu)                          \
  X(relu_backward, relu_backward_cpu)                        \
  X(add, add_cpu)                                            \
  X(axpy, axpy_cpu)                                          \
  X(fill, fill_cpu)                                          \
  X(dropout_forward, dropout_forward_cpu)                    \
  X(dropout_backward, dropout_backward_cpu)                  \
  X(mse_forward, masked_mse_forward_cpu)                     \
  X(mse_backward, masked_mse_backward_cpu)                   \
  X(adam_step, adam_step_cpu)                                \
  X(to_bf16, to_bf16_cpu)                                    \
  X(from_bf16, from_bf16_cpu)                                \
  X(copy_strided, copy_strided_cpu)                          \
  X(to_host, memcpy_floats)                                  \
  X(from_host, memcpy_floats)
#define RF_BACKEND_OPTIONAL_OPS(X) X(lstm_step_forward) X(conv_forward_staged)

namespace detail {
#define RF_BACKEND_COUNT(...) +1
inline constexpr int kBackendEntries = 0 RF_BACKEND_OPS(RF_BACKEND_COUNT) RF_BACKEND_OPTIONAL_OPS(RF_BACKEND_COUNT);
#undef RF_BACKEND_COUNT
}  // namespace detail
// `name` and one function pointer per listed entry, nothing else.
static_assert(sizeof(Backend) == sizeof(const char*) + detail::kBackendEntries * sizeof(void (*)()),
              "Backend has an entry that RF_BACKEND_OPS / RF_BACKEND_OPTIONAL_OPS do not list");

const Backend& backend(Device d);
void register_backend(Device d, const Backend& table);
// Whether tensors may live on `d` in this process: the CPU always; CUDA once a
// table was registered for it (the simulated device), or in a CUDA build when
// the runtime finds a GPU.
bool device_available(Device d);

}  // namespace rf
