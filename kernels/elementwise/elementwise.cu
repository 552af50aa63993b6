// Elementwise ops: grid-stride loops over n floats, 256 threads per block.
// Memory-bound; one pass each.
#include "kernels/common/bf16.h"
#include "kernels/common/block_reduce.h"
#include "kernels/common/launch.h"
#include "kernels/elementwise/elementwise_cuda.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {
namespace {

constexpr int kThreads = 256;

__device__ __forceinline__ int64_t first_index() { return int64_t(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ __forceinline__ int64_t grid_stride() { return int64_t(gridDim.x) * blockDim.x; }

__global__ void relu_forward_kernel(int64_t n, const float* __restrict__ x, float* __restrict__ y) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

__global__ void relu_backward_kernel(int64_t n, const float* __restrict__ y, const float* __restrict__ dy,
                                     float* __restrict__ dx, bool accumulate) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    const float g = y[i] > 0.0f ? dy[i] : 0.0f;
    dx[i] = accumulate ? dx[i] + g : g;
  }
}

__global__ void add_kernel(int64_t n, const float* __restrict__ a, const float* __restrict__ b,
                           float* __restrict__ y) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) y[i] = a[i] + b[i];
}

__global__ void axpy_kernel(int64_t n, float alpha, const float* __restrict__ x, float* __restrict__ y) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) y[i] = fmaf(alpha, x[i], y[i]);
}

__global__ void fill_kernel(int64_t n, float value, float* __restrict__ y) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) y[i] = value;
}

// One block of 1024 threads: per-thread double partials, then a shuffle tree.
__global__ void __launch_bounds__(1024) sum_kernel(int64_t n, const float* __restrict__ x, double* __restrict__ sum) {
  __shared__ double scratch[32];
  double s = 0.0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) s += double(x[i]);
  s = block_sum(s, scratch);
  if (threadIdx.x == 0) *sum = s;
}

__global__ void to_bf16_kernel(int64_t n, const float* __restrict__ x, uint16_t* __restrict__ y) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) y[i] = bf16::from_float(x[i]);
}

__global__ void from_bf16_kernel(int64_t n, const uint16_t* __restrict__ x, float* __restrict__ y) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) y[i] = bf16::to_float(x[i]);
}

}  // namespace

void relu_forward_cuda(int64_t n, const float* x, float* y, cudaStream_t stream) {
  if (n > 0) launch(relu_forward_kernel, blocks_for(n, kThreads), kThreads, 0, stream, n, x, y);
}
void relu_backward_cuda(int64_t n, const float* y, const float* dy, float* dx, bool accumulate, cudaStream_t stream) {
  if (n > 0) launch(relu_backward_kernel, blocks_for(n, kThreads), kThreads, 0, stream, n, y, dy, dx, accumulate);
}
void add_cuda(int64_t n, const float* a, const float* b, float* y, cudaStream_t stream) {
  if (n > 0) launch(add_kernel, blocks_for(n, kThreads), kThreads, 0, stream, n, a, b, y);
}
void axpy_cuda(int64_t n, float alpha, const float* x, float* y, cudaStream_t stream) {
  if (n > 0) launch(axpy_kernel, blocks_for(n, kThreads), kThreads, 0, stream, n, alpha, x, y);
}
void fill_cuda(int64_t n, float value, float* y, cudaStream_t stream) {
  if (n > 0) launch(fill_kernel, blocks_for(n, kThreads), kThreads, 0, stream, n, value, y);
}
void sum_cuda(int64_t n, const float* x, double* sum, cudaStream_t stream) {
  launch(sum_kernel, 1, 1024, 0, stream, n, x, sum);
}

void to_bf16_cuda(int64_t n, const float* x, uint16_t* y, cudaStream_t stream) {
  if (n > 0) launch(to_bf16_kernel, blocks_for(n, kThreads), kThreads, 0, stream, n, x, y);
}
void from_bf16_cuda(int64_t n, const uint16_t* x, float* y, cudaStream_t stream) {
  if (n > 0) launch(from_bf16_kernel, blocks_for(n, kThreads), kThreads, 0, stream, n, x, y);
}

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
