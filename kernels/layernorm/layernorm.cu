// LayerNorm over the strided channel axis of x [B, C, S]: the C values of one
// column (b, s) are S apart, so one thread owns one column and steps through c,
// and the 32 threads of a warp read 32 consecutive s of each channel (coalesced).
//   forward : mean, then the centred variance (two passes, as the CPU backend)
//   backward: xhat = (x - mean) rstd, g = dy gamma,
//             dx = rstd (g - (sum_c g + xhat sum_c g xhat) / C)
//             dgamma[c] += sum_{b,s} dy xhat, dbeta[c] += sum_{b,s} dy: one block
//             per channel, double partials, shuffle tree (deterministic).
#include "kernels/common/block_reduce.h"
#include "kernels/common/launch.h"
#include "kernels/layernorm/layernorm_cuda.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {
namespace {

constexpr int kThreads = 256;

__global__ void ln_forward_kernel(int B, int C, int64_t S, float eps, const float* __restrict__ x,
                                  const float* __restrict__ gamma, const float* __restrict__ beta,
                                  float* __restrict__ y, float* __restrict__ mean, float* __restrict__ rstd) {
  const float inv_c = 1.0f / float(C);
  for (int64_t col = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; col < int64_t(B) * S;
       col += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = col / S, s = col % S;
    const float* xc = x + b * C * S + s;
    float mu = 0.0f;
    for (int c = 0; c < C; ++c) mu += xc[int64_t(c) * S];
    mu *= inv_c;
    float var = 0.0f;
    for (int c = 0; c < C; ++c) {
      const float d = xc[int64_t(c) * S] - mu;
      var += d * d;
    }
    const float rs = 1.0f / sqrtf(var * inv_c + eps);
    float* yc = y + b * C * S + s;
    for (int c = 0; c < C; ++c) {
      const float gc = gamma ? gamma[c] : 1.0f, bc = beta ? beta[c] : 0.0f;
      yc[int64_t(c) * S] = (xc[int64_t(c) * S] - mu) * rs * gc + bc;
    }
    if (mean) mean[col] = mu;
    if (rstd) rstd[col] = rs;
  }
}

__global__ void ln_backward_dx_kernel(int B, int C, int64_t S, const float* __restrict__ x,
                                      const float* __restrict__ gamma, const float* __restrict__ mean,
                                      const float* __restrict__ rstd, const float* __restrict__ dy,
                                      float* __restrict__ dx, bool accumulate) {
  const float inv_c = 1.0f / float(C);
  for (int64_t col = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; col < int64_t(B) * S;
       col += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = col / S, s = col % S, off = b * C * S + s;
    const float mu = mean[col], rs = rstd[col];
    float sum_g = 0.0f, sum_gx = 0.0f;
    for (int c = 0; c < C; ++c) {
      const float g = dy[off + int64_t(c) * S] * (gamma ? gamma[c] : 1.0f);
      sum_g += g;
      sum_gx += g * (x[off + int64_t(c) * S] - mu) * rs;
    }
    for (int c = 0; c < C; ++c) {
      const int64_t i = off + int64_t(c) * S;
      const float xh = (x[i] - mu) * rs;
      const float v = rs * (dy[i] * (gamma ? gamma[c] : 1.0f) - inv_c * (sum_g + xh * sum_gx));
      dx[i] = accumulate ? dx[i] + v : v;
    }
  }
}

// Block c: dgamma[c] += sum dy xhat, dbeta[c] += sum dy over all (b, s).
__global__ void ln_backward_affine_kernel(int B, int C, int64_t S, const float* __restrict__ x,
                                          const float* __restrict__ mean, const float* __restrict__ rstd,
                                          const float* __restrict__ dy, float* __restrict__ dgamma,
                                          float* __restrict__ dbeta) {
  __shared__ double scratch[32];
  const int c = blockIdx.x;
  double sg = 0.0, sb = 0.0;
  for (int64_t col = threadIdx.x; col < int64_t(B) * S; col += blockDim.x) {
    const int64_t b = col / S, s = col % S, i = (b * C + c) * S + s;
    const float d = dy[i];
    sg += double(d * ((x[i] - mean[col]) * rstd[col]));
    sb += double(d);
  }
  sg = block_sum(sg, scratch);
  sb = block_sum(sb, scratch);
  if (threadIdx.x == 0) {
    if (dgamma) dgamma[c] += float(sg);
    if (dbeta) dbeta[c] += float(sb);
  }
}

}  // namespace

void layernorm_forward_cuda(const LayerNormShape& s, const float* x, const float* gamma, const float* beta, float* y,
                            float* mean, float* rstd, cudaStream_t stream) {
  const int64_t cols = int64_t(s.B) * s.S;
  if (cols > 0)
    launch(ln_forward_kernel, blocks_for(cols, kThreads), kThreads, 0, stream, s.B, s.C, s.S, s.eps, x, gamma, beta,
           y, mean, rstd);
}

void layernorm_backward_cuda(const LayerNormShape& s, const float* x, const float* gamma, const float* mean,
                             const float* rstd, const float* dy, float* dx, float* dgamma, float* dbeta,
                             bool accumulate, cudaStream_t stream) {
  const int64_t cols = int64_t(s.B) * s.S;
  if (cols <= 0) return;
  if (dx)
    launch(ln_backward_dx_kernel, blocks_for(cols, kThreads), kThreads, 0, stream, s.B, s.C, s.S, x, gamma, mean,
           rstd, dy, dx, accumulate);
  if (dgamma || dbeta)
    launch(ln_backward_affine_kernel, unsigned(s.C), kThreads, 0, stream, s.B, s.C, s.S, x, mean, rstd, dy, dgamma,
           dbeta);
}

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
