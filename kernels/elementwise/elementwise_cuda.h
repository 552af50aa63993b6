// CUDA entry points of the elementwise ops (device pointers, asynchronous on
// `stream`); same semantics as elementwise.h.
#pragma once
#include <cstdint>

#include "kernels/common/cuda_stream.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {

void relu_forward_cuda(int64_t n, const float* x, float* y, cudaStream_t stream);
void relu_backward_cuda(int64_t n, const float* y, const float* dy, float* dx, bool accumulate, cudaStream_t stream);
void add_cuda(int64_t n, const float* a, const float* b, float* y, cudaStream_t stream);
void axpy_cuda(int64_t n, float alpha, const float* x, float* y, cudaStream_t stream);
void fill_cuda(int64_t n, float value, float* y, cudaStream_t stream);
// *sum (device double) = sum of x, accumulated in double (one block: deterministic).
void sum_cuda(int64_t n, const float* x, double* sum, cudaStream_t stream);
// float32 <-> bf16 storage (round to nearest even; kernels/common/bf16.h).
void to_bf16_cuda(int64_t n, const float* x, uint16_t* y, cudaStream_t stream);
void from_bf16_cuda(int64_t n, const uint16_t* x, float* y, cudaStream_t stream);

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
