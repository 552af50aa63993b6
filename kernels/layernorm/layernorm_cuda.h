// CUDA entry points of LayerNorm over the channel axis of x [B, C, S]
// (layernorm.h). Device pointers, asynchronous on `stream`.
#pragma once

#include "kernels/common/cuda_stream.h"
#include "kernels/layernorm/layernorm.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {

void layernorm_forward_cuda(const LayerNormShape& s, const float* x, const float* gamma, const float* beta, float* y,
                            float* mean, float* rstd, cudaStream_t stream);
// dx (+= when accumulate; nullable: only the parameter gradients), dgamma and dbeta
// (always +=, nullable); needs mean and rstd.
void layernorm_backward_cuda(const LayerNormShape& s, const float* x, const float* gamma, const float* mean,
                             const float* rstd, const float* dy, float* dx, float* dgamma, float* dbeta,
                             bool accumulate, cudaStream_t stream);

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
