// CUDA entry points of dropout (dropout.h): the same Philox stream as the CPU
// backend, so masks are bit-identical. Device pointers, asynchronous on `stream`.
#pragma once
#include <cstdint>

#include "kernels/common/cuda_stream.h"
#include "kernels/dropout/dropout.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {

void dropout_forward_cuda(int64_t n, const DropoutParams& d, const float* x, float* y, cudaStream_t stream);
void dropout_backward_cuda(int64_t n, const DropoutParams& d, const float* dy, float* dx, bool accumulate,
                           cudaStream_t stream);

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
