// LayerNorm over the channel axis of channels-first data (attn.norm):
//   x [B, C, S] -> y[b,c,s] = (x[b,c,s] - mean_bs) * rstd_bs * gamma[c] + beta[c]
//   mean_bs, rstd_bs = 1/sqrt(var_bs + eps) over the C values at (b, s); biased variance.
// mean and rstd [B, S] are saved by forward for backward (nullable in inference).
#pragma once
#include <cstdint>

namespace rf::kernels {

struct LayerNormShape {
  int B = 1, C = 1;
  int64_t S = 1;
  float eps = 1e-5f;
};

void layernorm_forward_cpu(const LayerNormShape& s, const float* x, const float* gamma, const float* beta,
                           float* y, float* mean, float* rstd);
// dx (+= when accumulate; nullable: only the parameter gradients), dgamma and dbeta (always +=, nullable).
void layernorm_backward_cpu(const LayerNormShape& s, const float* x, const float* gamma, const float* mean,
                            const float* rstd, const float* dy, float* dx, float* dgamma, float* dbeta,
                            bool accumulate);

}  // namespace rf::kernels
