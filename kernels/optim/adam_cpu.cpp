// Adam / AdamW step with PyTorch's arithmetic (torch.optim._functional, single-tensor
// path): denom = sqrt(v) / sqrt(1 - b2^t) + eps ; p -= (lr / (1 - b1^t)) * m / denom.
#include "kernels/optim/adam.h"

#include <cmath>

namespace rf::kernels {

void adam_step_cpu(int64_t n, const AdamParams& a, float* param, const float* grad, float* m, float* v) {
  const double t = double(a.step);
  const float bc1 = float(1.0 - std::pow(double(a.beta1), t));
  const float bc2_sqrt = float(std::sqrt(1.0 - std::pow(double(a.beta2), t)));
  const float step_size = a.lr / bc1;
  const float b1 = a.beta1, b2 = a.beta2, eps = a.eps, wd = a.weight_decay;
  const float decay = a.decoupled ? 1.0f - a.lr * wd : 1.0f;  // AdamW: p *= 1 - lr*wd
  const float l2 = a.decoupled ? 0.0f : wd;                    // Adam: g += wd * p
#pragma omp parallel for simd schedule(static) if (n >= (1 << 15))
  for (int64_t i = 0; i < n; ++i) {
    const float p = param[i] * decay;
    const float g = grad[i] + l2 * param[i];
    const float mi = b1 * m[i] + (1.0f - b1) * g;
    const float vi = b2 * v[i] + (1.0f - b2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - step_size * mi / (std::sqrt(vi) / bc2_sqrt + eps);
  }
}

}  // namespace rf::kernels
