// CUDA entry points of the masked MSE (loss.h). The loss stays on the device:
// forward writes stats[0] = loss, stats[1] = sum of the mask (doubles, device
// memory); backward reads the count from stats[1], so no host sync is needed.
#pragma once
#include <cstdint>

#include "kernels/common/cuda_stream.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {

void masked_mse_forward_cuda(int64_t n, const float* y, const float* t, const float* mask, double* stats,
                             cudaStream_t stream);
void masked_mse_backward_cuda(int64_t n, const float* y, const float* t, const float* mask, const double* stats,
                              float grad_loss, float* dy, bool accumulate, cudaStream_t stream);

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
