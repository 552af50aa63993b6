// CUDA entry points of window attention (attention.h), fused flash-style: one
// kernel goes from qkv to out (+ lse) per window and head, the 64x64 score
// matrix never leaves the block; backward recomputes P from q, k and lse.
// head_dim (C / heads) must be 8, 16 or 32; win*win <= 1024.
// The unfused path (attention_unfused.cu, switch RAINFUSE_UNFUSED=attention)
// computes the same results with separate kernels through global memory: the
// caller provides the N x N matrices (N = win*win) per window, head and frame.
#pragma once
#include <cstdint>

#include "kernels/attention/attention.h"
#include "kernels/common/cuda_stream.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {

void window_attention_forward_cuda(const WindowAttnShape& s, const float* qkv, float* out, float* lse,
                                   cudaStream_t stream);
void window_attention_backward_cuda(const WindowAttnShape& s, const float* qkv, const float* out, const float* lse,
                                    const float* dout, float* dqkv, bool accumulate, cudaStream_t stream);

// Unfused: floats of one [pairs][N][N] matrix buffer, pairs = B*T*windows*heads.
inline int64_t window_attention_unfused_matrix_elems(const WindowAttnShape& s) {
  const int64_t n = int64_t(s.win) * s.win;
  return int64_t(s.B) * s.T * (s.H / s.win) * (s.W / s.win) * s.heads * n * n;
}
// out (+ lse when non-null) as the fused forward; probs: a matrix buffer, left holding P.
void window_attention_forward_unfused_cuda(const WindowAttnShape& s, const float* qkv, float* out, float* lse,
                                           float* probs, cudaStream_t stream);
// dqkv as the fused backward (it needs no `out`); probs and dprobs: two matrix
// buffers (P rebuilt from lse, then dP -> dS).
void window_attention_backward_unfused_cuda(const WindowAttnShape& s, const float* qkv, const float* lse,
                                            const float* dout, float* dqkv, bool accumulate, float* probs,
                                            float* dprobs, cudaStream_t stream);

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
