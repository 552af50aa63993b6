// CUDA entry points of window attention (attention.h), fused flash-style: one
// kernel goes from qkv to out (+ lse) per window and head, the 64x64 score
// matrix never leaves the block; backward recomputes P from q, k and lse.
// head_dim (C / heads) must be 8, 16 or 32; win*win <= 1024.
#pragma once

#include "kernels/attention/attention.h"
#include "kernels/common/cuda_stream.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {

void window_attention_forward_cuda(const WindowAttnShape& s, const float* qkv, float* out, float* lse,
                                   cudaStream_t stream);
void window_attention_backward_cuda(const WindowAttnShape& s, const float* qkv, const float* out, const float* lse,
                                    const float* dout, float* dqkv, bool accumulate, cudaStream_t stream);

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
