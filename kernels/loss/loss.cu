// Masked MSE. Forward is one block of 1024 threads: per-thread double partials,
// then a shuffle tree (deterministic, no atomics, no workspace). The loss runs
// over gauge pixels of training patches (small n), so one block is enough.
// Masked-out targets may be NaN: selected away, never multiplied by 0.
#include "kernels/common/block_reduce.h"
#include "kernels/common/launch.h"
#include "kernels/loss/loss_cuda.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {
namespace {

constexpr int kReduceThreads = 1024, kThreads = 256;

__global__ void __launch_bounds__(kReduceThreads)
    mse_forward_kernel(int64_t n, const float* __restrict__ y, const float* __restrict__ t,
                       const float* __restrict__ mask, double* __restrict__ stats) {
  __shared__ double scratch[32];
  double se = 0.0, msum = 0.0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const double m = mask ? double(mask[i]) : 1.0;
    if (m != 0.0) {
      const double e = double(y[i]) - double(t[i]);
      se += m * e * e;
      msum += m;
    }
  }
  se = block_sum(se, scratch);
  msum = block_sum(msum, scratch);
  if (threadIdx.x == 0) {
    stats[0] = se / (msum > 1.0 ? msum : 1.0);
    stats[1] = msum;
  }
}

__global__ void mse_backward_kernel(int64_t n, const float* __restrict__ y, const float* __restrict__ t,
                                    const float* __restrict__ mask, const double* __restrict__ stats,
                                    float grad_loss, float* __restrict__ dy, bool accumulate) {
  const double count = stats[1];
  const float k = float(2.0 * double(grad_loss) / (count > 1.0 ? count : 1.0));
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float m = mask ? mask[i] : 1.0f;
    const float g = m != 0.0f ? k * m * (y[i] - t[i]) : 0.0f;
    dy[i] = accumulate ? dy[i] + g : g;
  }
}

}  // namespace

void masked_mse_forward_cuda(int64_t n, const float* y, const float* t, const float* mask, double* stats,
                             cudaStream_t stream) {
  launch(mse_forward_kernel, 1, kReduceThreads, 0, stream, n, y, t, mask, stats);
}

void masked_mse_backward_cuda(int64_t n, const float* y, const float* t, const float* mask, const double* stats,
                              float grad_loss, float* dy, bool accumulate, cudaStream_t stream) {
  if (n > 0)
    launch(mse_backward_kernel, blocks_for(n, kThreads), kThreads, 0, stream, n, y, t, mask, stats, grad_loss, dy,
           accumulate);
}

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
