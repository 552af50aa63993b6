// Adam / AdamW update of n parameters (PyTorch semantics, torch.optim.Adam/AdamW):
//   m = b1 m + (1-b1) g ; v = b2 v + (1-b2) g^2
//   m_hat = m / (1 - b1^step) ; v_hat = v / (1 - b2^step)
//   AdamW: p -= lr * wd * p (decoupled) ; Adam: g += wd * p before the moments
//   p -= lr * m_hat / (sqrt(v_hat) + eps)
#pragma once
#include <cstdint>

namespace rf::kernels {

struct AdamParams {
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.0f;
  bool decoupled = true;  // AdamW when true
  int64_t step = 1;       // 1-based step count after increment
};

void adam_step_cpu(int64_t n, const AdamParams& a, float* param, const float* grad, float* m, float* v);

}  // namespace rf::kernels
