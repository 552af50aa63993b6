// CUDA entry point of the Adam / AdamW step (adam.h), PyTorch's arithmetic.
#pragma once
#include <cstdint>

#include "kernels/common/cuda_stream.h"
#include "kernels/optim/adam.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {

void adam_step_cuda(int64_t n, const AdamParams& a, float* param, const float* grad, float* m, float* v,
                    cudaStream_t stream);

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
