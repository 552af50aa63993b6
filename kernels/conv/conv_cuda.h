// CUDA entry points of the 'same' stride-1 convolution (conv.h) as implicit
// GEMM (tiled, shared memory; fp32 FMA, or tf32 / bf16 tensor cores). Device
// pointers; layouts as conv.h.
#pragma once

#include "kernels/common/cuda_stream.h"
#include "kernels/conv/conv.h"

namespace rf::kernels {

// Arithmetic of the implicit GEMM: fp32 FMA, or tensor cores (sm_80+) with the
// operands rounded while staged to tf32 (10-bit mantissa, round to nearest,
// ties away) or bf16 (7-bit mantissa, round to nearest even) and fp32
// accumulation. Tensors stay fp32 in memory either way.
enum class ConvMath { Fp32, Tf32, Bf16 };

// One input channel of conv1 staged on the fly from its source (no
// materialised working-grid tensor): the value at (b, t, h, w) is
//   j = index ? index[b*index_batch + h*index_row + w] : (nsrc == 1 ? 0 : h*W + w)
//   v = j < 0 ? missing : src[b*batch + t*time + j]
//   x = missing or NaN ? 0 : ((log1p ? log1p(v) : v) - mean) * inv_std
// i.e. the nearest-neighbour regrid gather (io's plan), qh-ref's log1p and
// z-score, and "a missing value is 0 after z-scoring" fused into the A-operand
// gather of the convolution. nsrc == 1 without an index broadcasts one value
// per (b, t) (day-of-year channels).
struct StagedChannel {
  const float* src = nullptr;
  int64_t nsrc = 1, batch = 0, time = 0;
  const int64_t* index = nullptr;
  int64_t index_batch = 0, index_row = 0;
  bool log1p = false;
  float mean = 0.0f, inv_std = 1.0f;
};
inline constexpr int kMaxStagedChannels = 16;

inline namespace RF_CUDA_BACKEND {

// y = act(conv(x, w) + bias), bias nullable.
void conv_forward_cuda(const ConvShape& s, const float* x, const float* w, const float* bias, float* y, Epilogue ep,
                       cudaStream_t stream, ConvMath math = ConvMath::Fp32);
// y = act(conv(x~, w) + bias) where x~ channel ci is staged from channels[ci]
// (host array of s.Cin <= kMaxStagedChannels descriptors; their pointers are device pointers).
void conv_forward_staged_cuda(const ConvShape& s, const StagedChannel* channels, const float* w, const float* bias,
                              float* y, Epilogue ep, cudaStream_t stream, ConvMath math = ConvMath::Fp32);
// dx (+= when accumulate) from dy and w.
void conv_backward_data_cuda(const ConvShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                             cudaStream_t stream, ConvMath math = ConvMath::Fp32);
// dw and dbias (nullable) from x and dy (+= when accumulate).
void conv_backward_weight_cuda(const ConvShape& s, const float* x, const float* dy, float* dw, float* dbias,
                               bool accumulate, cudaStream_t stream, ConvMath math = ConvMath::Fp32);

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
