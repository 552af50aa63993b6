// Convolution ('same', stride 1) as implicit GEMM (kernels/conv/igemm.cuh): the
// im2col matrix is never built, each tile gathers its operands straight from
// the tensors.
//   forward      : y[m = (b,t,h,w), n = co]  = sum_k x~[m, k = (ci,dt,dh,dw)] w[co, k]
//   backward data: dx[m = (b,t,h,w), n = ci] = sum_k dy~[m, k = (co,dt,dh,dw)] w[co, ci, dt,dh,dw]
//   backward wgt : dw[m = co, n = (ci,dt,dh,dw)] = sum_k dy[b, co, p] x~[p + tap(n)], k = (b, p)
// (x~ / dy~: shifted reads, zero outside the tensor.) The forward epilogue adds
// bias and applies ReLU; the backward ones accumulate. conv_forward_staged_cuda
// gathers conv1's input from the coarse sources (regrid index, log1p, z-score)
// inside the A-operand load, so the working-grid input is never materialised. Every output has one
// owner thread, so results are deterministic. fp32 FMA, or tf32 / bf16 tensor
// cores (igemm.cuh).
#include <stdexcept>
#include <string>

#include "kernels/common/block_reduce.h"
#include "kernels/conv/conv_cuda.h"
#include "kernels/conv/igemm.cuh"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {
namespace {

using igemm::decode_pos;
using igemm::Geom;
using igemm::kThreads;
using igemm::shifted;
using igemm::Tile;

struct ForwardOp {
  Geom g;
  const float *x, *w, *bias;
  float* y;
  bool relu;
  __device__ __forceinline__ int64_t M() const { return int64_t(g.B) * g.P; }
  __device__ __forceinline__ int64_t N() const { return g.Cout; }
  __device__ __forceinline__ int64_t K() const { return int64_t(g.Cin) * g.kvol; }
  __device__ __forceinline__ float a(int64_t m, int64_t k) const {
    return shifted(g, x, g.Cin, decode_pos(g, m), int(k / g.kvol), int(k % g.kvol), 1);
  }
  __device__ __forceinline__ float b(int64_t k, int64_t n) const { return w[n * K() + k]; }
  __device__ __forceinline__ void store(int64_t m, int64_t n, float acc) const {
    float v = acc + (bias ? bias[n] : 0.0f);
    if (relu) v = v > 0.0f ? v : 0.0f;
    y[(m / g.P * g.Cout + n) * g.P + m % g.P] = v;
  }
  __device__ __forceinline__ void epilogue(const Tile* Cs, int64_t m0, int64_t n0) const {
    igemm::store_tile(*this, Cs, m0, n0);
  }
};

// Forward with the input gathered through StagedChannel descriptors.
struct StagedForwardOp {
  Geom g;
  StagedChannel ch[kMaxStagedChannels];
  const float *w, *bias;
  float* y;
  bool relu;
  __device__ __forceinline__ int64_t M() const { return int64_t(g.B) * g.P; }
  __device__ __forceinline__ int64_t N() const { return g.Cout; }
  __device__ __forceinline__ int64_t K() const { return int64_t(g.Cin) * g.kvol; }
  __device__ __forceinline__ float a(int64_t m, int64_t k) const {
    const igemm::Pos q = decode_pos(g, m);
    const int tap = int(k % g.kvol), dw = tap % g.kW, dh = tap / g.kW % g.kH, dt = tap / (g.kW * g.kH);
    const int t = q.t + dt - g.kT / 2, h = q.h + dh - g.kH / 2, w_ = q.w + dw - g.kW / 2;
    if (t < 0 || t >= g.T || h < 0 || h >= g.H || w_ < 0 || w_ >= g.W) return 0.0f;
    const StagedChannel& c = ch[k / g.kvol];
    const int64_t j = c.index ? c.index[q.b * c.index_batch + int64_t(h) * c.index_row + w_]
                              : (c.nsrc == 1 ? 0 : int64_t(h) * g.W + w_);
    if (j < 0) return 0.0f;
    float v = c.src[q.b * c.batch + int64_t(t) * c.time + j];
    if (v != v) return 0.0f;  // NaN: missing
    if (c.log1p) v = log1pf(v);
    return (v - c.mean) * c.inv_std;
  }
  __device__ __forceinline__ float b(int64_t k, int64_t n) const { return w[n * K() + k]; }
  __device__ __forceinline__ void store(int64_t m, int64_t n, float acc) const {
    float v = acc + (bias ? bias[n] : 0.0f);
    if (relu) v = v > 0.0f ? v : 0.0f;
    y[(m / g.P * g.Cout + n) * g.P + m % g.P] = v;
  }
  __device__ __forceinline__ void epilogue(const Tile* Cs, int64_t m0, int64_t n0) const {
    igemm::store_tile(*this, Cs, m0, n0);
  }
};

struct BackwardDataOp {
  Geom g;
  const float *dy, *w;
  float* dx;
  bool accumulate;
  __device__ __forceinline__ int64_t M() const { return int64_t(g.B) * g.P; }
  __device__ __forceinline__ int64_t N() const { return g.Cin; }
  __device__ __forceinline__ int64_t K() const { return int64_t(g.Cout) * g.kvol; }
  __device__ __forceinline__ float a(int64_t m, int64_t k) const {
    return shifted(g, dy, g.Cout, decode_pos(g, m), int(k / g.kvol), int(k % g.kvol), -1);
  }
  __device__ __forceinline__ float b(int64_t k, int64_t n) const {
    return w[((k / g.kvol) * g.Cin + n) * g.kvol + k % g.kvol];
  }
  __device__ __forceinline__ void store(int64_t m, int64_t n, float acc) const {
    float& o = dx[(m / g.P * g.Cin + n) * g.P + m % g.P];
    o = accumulate ? o + acc : acc;
  }
  __device__ __forceinline__ void epilogue(const Tile* Cs, int64_t m0, int64_t n0) const {
    igemm::store_tile(*this, Cs, m0, n0);
  }
};

struct BackwardWeightOp {
  Geom g;
  const float *x, *dy;
  float* dw;
  bool accumulate;
  __device__ __forceinline__ int64_t M() const { return g.Cout; }
  __device__ __forceinline__ int64_t N() const { return int64_t(g.Cin) * g.kvol; }
  __device__ __forceinline__ int64_t K() const { return int64_t(g.B) * g.P; }
  __device__ __forceinline__ float a(int64_t m, int64_t k) const { return dy[(k / g.P * g.Cout + m) * g.P + k % g.P]; }
  __device__ __forceinline__ float b(int64_t k, int64_t n) const {
    return shifted(g, x, g.Cin, decode_pos(g, k), int(n / g.kvol), int(n % g.kvol), 1);
  }
  __device__ __forceinline__ void store(int64_t m, int64_t n, float acc) const {
    float& o = dw[m * N() + n];
    o = accumulate ? o + acc : acc;
  }
  __device__ __forceinline__ void epilogue(const Tile* Cs, int64_t m0, int64_t n0) const {
    igemm::store_tile(*this, Cs, m0, n0);
  }
};

// dbias[co] (+)= sum over (b, p) of dy[b, co, p]; one block per channel.
__global__ void bias_grad_kernel(Geom g, const float* __restrict__ dy, float* __restrict__ dbias, bool accumulate) {
  __shared__ double scratch[32];
  const int co = blockIdx.x;
  double s = 0.0;
  for (int64_t k = threadIdx.x; k < int64_t(g.B) * g.P; k += blockDim.x) s += dy[(k / g.P * g.Cout + co) * g.P + k % g.P];
  s = block_sum(s, scratch);
  if (threadIdx.x == 0) dbias[co] = accumulate ? dbias[co] + float(s) : float(s);
}

Geom geom(const ConvShape& s) {
  return Geom{s.B, s.Cin, s.Cout, s.T, s.H, s.W, s.kT, s.kH, s.kW, int64_t(s.T) * s.H * s.W, s.kT * s.kH * s.kW};
}

}  // namespace

void conv_forward_cuda(const ConvShape& s, const float* x, const float* w, const float* bias, float* y, Epilogue ep,
                       cudaStream_t stream, ConvMath math) {
  const Geom g = geom(s);
  igemm::run(ForwardOp{g, x, w, bias, y, ep == Epilogue::ReLU}, int64_t(s.B) * g.P, s.Cout, math, stream);
}

void conv_forward_staged_cuda(const ConvShape& s, const StagedChannel* channels, const float* w, const float* bias,
                              float* y, Epilogue ep, cudaStream_t stream, ConvMath math) {
  if (s.Cin > kMaxStagedChannels || s.Cin < 1) {
    throw std::invalid_argument("conv_forward_staged_cuda: 1.." + std::to_string(kMaxStagedChannels) +
                                " input channels, got " + std::to_string(s.Cin));
  }
  StagedForwardOp op{geom(s), {}, w, bias, y, ep == Epilogue::ReLU};
  for (int c = 0; c < s.Cin; ++c) op.ch[c] = channels[c];
  igemm::run(op, int64_t(s.B) * op.g.P, s.Cout, math, stream);
}

void conv_backward_data_cuda(const ConvShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                             cudaStream_t stream, ConvMath math) {
  const Geom g = geom(s);
  igemm::run(BackwardDataOp{g, dy, w, dx, accumulate}, int64_t(s.B) * g.P, s.Cin, math, stream);
}

void conv_backward_weight_cuda(const ConvShape& s, const float* x, const float* dy, float* dw, float* dbias,
                               bool accumulate, cudaStream_t stream, ConvMath math) {
  const Geom g = geom(s);
  igemm::run(BackwardWeightOp{g, x, dy, dw, accumulate}, s.Cout, int64_t(s.Cin) * g.kvol, math, stream);
  if (dbias && s.Cout > 0) launch(bias_grad_kernel, unsigned(s.Cout), kThreads, 0, stream, g, dy, dbias, accumulate);
}

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
