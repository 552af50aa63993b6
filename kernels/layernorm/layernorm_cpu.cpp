// LayerNorm over the strided channel axis of x [B, C, S]. The C values of one
// (b, s) are S apart, so every loop runs over a block of consecutive s (vector
// lanes) and steps through c; a block of kBlock columns x C channels stays in L1/L2.
//   forward : mean, rstd per column (two passes: exact mean, then centred variance)
//   backward: xhat = (x - mean) rstd, g = dy gamma,
//             dx = rstd (g - mean_c(g) - xhat mean_c(g xhat)),
//             dgamma[c] += sum dy xhat, dbeta[c] += sum dy  (per-thread partials, double)
#include "kernels/layernorm/layernorm.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "kernels/common/memory.h"

#include "kernels/common/cpu_dispatch.h"

RF_CPU_LEVEL_BEGIN

namespace {
constexpr int64_t kBlock = 256;  // columns per work item
}

void layernorm_forward_cpu(const LayerNormShape& s, const float* x, const float* gamma, const float* beta,
                           float* y, float* mean, float* rstd) {
  const int C = s.C;
  const int64_t S = s.S, nblk = (S + kBlock - 1) / kBlock;
  const float inv_c = 1.0f / float(C);
#pragma omp parallel for schedule(static) if (int64_t(s.B) * S * C >= (1 << 14))
  for (int64_t task = 0; task < int64_t(s.B) * nblk; ++task) {
    const int64_t b = task / nblk, s0 = (task % nblk) * kBlock, n = std::min(kBlock, S - s0);
    const float* xb = x + b * C * S + s0;
    float* yb = y + b * C * S + s0;
    float mu[kBlock], rs[kBlock];
    for (int64_t j = 0; j < n; ++j) mu[j] = 0.0f, rs[j] = 0.0f;
    for (int c = 0; c < C; ++c) {
      const float* xc = xb + int64_t(c) * S;
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) mu[j] += xc[j];
    }
    for (int64_t j = 0; j < n; ++j) mu[j] *= inv_c;
    for (int c = 0; c < C; ++c) {
      const float* xc = xb + int64_t(c) * S;
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) {
        const float d = xc[j] - mu[j];
        rs[j] += d * d;
      }
    }
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) rs[j] = 1.0f / std::sqrt(rs[j] * inv_c + s.eps);
    for (int c = 0; c < C; ++c) {
      const float* xc = xb + int64_t(c) * S;
      float* yc = yb + int64_t(c) * S;
      const float gc = gamma ? gamma[c] : 1.0f, bc = beta ? beta[c] : 0.0f;
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) yc[j] = (xc[j] - mu[j]) * rs[j] * gc + bc;
    }
    if (mean)
      for (int64_t j = 0; j < n; ++j) mean[b * S + s0 + j] = mu[j];
    if (rstd)
      for (int64_t j = 0; j < n; ++j) rstd[b * S + s0 + j] = rs[j];
  }
}

void layernorm_backward_cpu(const LayerNormShape& s, const float* x, const float* gamma, const float* mean,
                            const float* rstd, const float* dy, float* dx, float* dgamma, float* dbeta,
                            bool accumulate) {
  const int C = s.C;
  const int64_t S = s.S, nblk = (S + kBlock - 1) / kBlock, ntask = int64_t(s.B) * nblk;
  const float inv_c = 1.0f / float(C);
  const bool par = int64_t(s.B) * S * C >= (1 << 14);
  const int nthreads = par ? omp_get_max_threads() : 1;
  // per-thread partial sums of dgamma (first C) and dbeta (next C)
  Scratch<double> partial(Device::CPU, size_t(nthreads) * 2 * C);
  std::fill(partial.data(), partial.data() + partial.size(), 0.0);
#pragma omp parallel num_threads(nthreads) if (par)
  {
    double* pg = partial.data() + size_t(omp_get_thread_num()) * 2 * C;
    double* pb = pg + C;
#pragma omp for schedule(static)
    for (int64_t task = 0; task < ntask; ++task) {
      const int64_t b = task / nblk, s0 = (task % nblk) * kBlock, n = std::min(kBlock, S - s0);
      const int64_t off = b * C * S + s0;
      const float* mu = mean + b * S + s0;
      const float* rs = rstd + b * S + s0;
      float sum_g[kBlock], sum_gx[kBlock];
      for (int64_t j = 0; j < n; ++j) sum_g[j] = 0.0f, sum_gx[j] = 0.0f;
      for (int c = 0; c < C; ++c) {
        const float* xc = x + off + int64_t(c) * S;
        const float* dyc = dy + off + int64_t(c) * S;
        const float gc = gamma ? gamma[c] : 1.0f;
        float acc_g = 0.0f, acc_b = 0.0f;
#pragma omp simd reduction(+ : acc_g, acc_b)
        for (int64_t j = 0; j < n; ++j) {
          const float xh = (xc[j] - mu[j]) * rs[j];
          const float g = dyc[j] * gc;
          sum_g[j] += g;
          sum_gx[j] += g * xh;
          acc_g += dyc[j] * xh;
          acc_b += dyc[j];
        }
        pg[c] += acc_g;
        pb[c] += acc_b;
      }
      for (int c = 0; dx && c < C; ++c) {
        const float* xc = x + off + int64_t(c) * S;
        const float* dyc = dy + off + int64_t(c) * S;
        float* dxc = dx + off + int64_t(c) * S;
        const float gc = gamma ? gamma[c] : 1.0f;
#pragma omp simd
        for (int64_t j = 0; j < n; ++j) {
          const float xh = (xc[j] - mu[j]) * rs[j];
          const float v = rs[j] * (dyc[j] * gc - inv_c * (sum_g[j] + xh * sum_gx[j]));
          if (accumulate) dxc[j] += v; else dxc[j] = v;
        }
      }
    }
  }
  for (int c = 0; c < C; ++c) {
    double g = 0.0, bsum = 0.0;
    for (int t = 0; t < nthreads; ++t) {
      g += partial[size_t(t) * 2 * C + c];
      bsum += partial[size_t(t) * 2 * C + C + c];
    }
    if (dgamma) dgamma[c] += float(g);
    if (dbeta) dbeta[c] += float(bsum);
  }
}

RF_CPU_LEVEL_END

#if RF_CPU_DISPATCHER
namespace rf::kernels {

RF_CPU_LEVELS(layernorm_forward_cpu)
void layernorm_forward_cpu(const LayerNormShape& s, const float* x, const float* gamma, const float* beta,
    float* y, float* mean, float* rstd) {
  RF_CPU_PICK(layernorm_forward_cpu)(s, x, gamma, beta, y, mean, rstd);
}

RF_CPU_LEVELS(layernorm_backward_cpu)
void layernorm_backward_cpu(const LayerNormShape& s, const float* x, const float* gamma, const float* mean,
    const float* rstd, const float* dy, float* dx, float* dgamma, float* dbeta, bool accumulate) {
  RF_CPU_PICK(layernorm_backward_cpu)(s, x, gamma, mean, rstd, dy, dx, dgamma, dbeta, accumulate);
}

}  // namespace rf::kernels
#endif
