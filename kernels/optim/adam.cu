// Adam / AdamW step, one thread per parameter (grid-stride). The bias
// corrections are computed once on the host in double, as the CPU backend does:
//   denom = sqrt(v) / sqrt(1 - b2^t) + eps ; p -= (lr / (1 - b1^t)) * m / denom.
#include <cmath>

#include "kernels/common/launch.h"
#include "kernels/optim/adam_cuda.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {
namespace {

constexpr int kThreads = 256;

struct AdamConsts {
  float b1, b2, eps, step_size, bc2_sqrt, decay, l2;
};

__global__ void adam_kernel(int64_t n, AdamConsts k, float* __restrict__ param, const float* __restrict__ grad,
                            float* __restrict__ m, float* __restrict__ v) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float p0 = param[i];
    const float p = p0 * k.decay;
    const float g = grad[i] + k.l2 * p0;
    const float mi = k.b1 * m[i] + (1.0f - k.b1) * g;
    const float vi = k.b2 * v[i] + (1.0f - k.b2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - k.step_size * mi / (sqrtf(vi) / k.bc2_sqrt + k.eps);
  }
}

}  // namespace

void adam_step_cuda(int64_t n, const AdamParams& a, float* param, const float* grad, float* m, float* v,
                    cudaStream_t stream) {
  if (n <= 0) return;
  const double t = double(a.step);
  AdamConsts k;
  k.b1 = a.beta1;
  k.b2 = a.beta2;
  k.eps = a.eps;
  k.step_size = a.lr / float(1.0 - std::pow(double(a.beta1), t));
  k.bc2_sqrt = float(std::sqrt(1.0 - std::pow(double(a.beta2), t)));
  k.decay = a.decoupled ? 1.0f - a.lr * a.weight_decay : 1.0f;
  k.l2 = a.decoupled ? 0.0f : a.weight_decay;
  launch(adam_kernel, blocks_for(n, kThreads), kThreads, 0, stream, n, k, param, grad, m, v);
}

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
