// Implicit GEMM on gathered operands (device header for .cu files): the shared
// machinery of the convolutions (conv.cu) and the fused ConvLSTM step
// (convlstm.cu). An Op describes one GEMM C[M, N] = A[M, K] B[K, N]:
//   M(), N(), K()            extents
//   a(m, k), b(k, n)         gathers of the operands (zero outside the tensors)
//   epilogue(Cs, m0, n0)     consumes the block's 64x64 result tile Cs[n][m]
// A block of 256 threads computes one 64x64 tile, K in steps of 16 staged in
// shared memory, with one of three arithmetics (ConvMath):
//   fp32: thread (tx, ty) accumulates rows tx + 16 i, columns ty + 16 j (FMA);
//   tf32: operands rounded to tf32 while staged (float tiles); warp w owns rows
//         16 (w % 4) and columns 32 (w / 4) .. +31 as two WMMA m16n16k8
//         accumulators, two k-steps of 8 per staged tile;
//   bf16: operands rounded to bf16 (round to nearest even) while staged
//         (__nv_bfloat16 tiles, half the shared memory); same warp tiling with
//         m16n16k16 fragments, one k-step per staged tile; fp32 accumulation.
// The tile then goes through shared memory (column-major, Cs[n][m]) so the
// epilogue can store coalesced along m and see every column of a row (fused
// epilogues such as the LSTM cell need all four gates of a channel).
#pragma once
#include <cstdint>
#include <type_traits>

#include "kernels/common/launch.h"
#include "kernels/common/wmma.h"
#include "kernels/conv/conv_cuda.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {
namespace igemm {

constexpr int kBM = 64, kBN = 64, kBK = 16, kThreads = 256;
// Leading dimension of the shared tiles: a multiple of 4 floats (WMMA), and
// 8-row / 16-column offsets keep fragment pointers 32-byte aligned.
constexpr int kLd = 68;

// Operand staging per arithmetic: the shared-tile element type, its leading
// dimension (WMMA wants a multiple of 16 bytes: 4 floats, 8 bf16), the
// rounding applied while staging, and the WMMA k of one mma.
template <ConvMath kMath>
struct Staging {  // fp32 and tf32: float tiles
  using T = float;
  static constexpr int ld = kLd, wmma_k = 8;
  static __device__ __forceinline__ float round(float v) {
    return kMath == ConvMath::Tf32 ? nvcuda::wmma::__float_to_tf32(v) : v;
  }
};
template <>
struct Staging<ConvMath::Bf16> {
  using T = __nv_bfloat16;
  static constexpr int ld = 72, wmma_k = 16;  // 144-byte rows: 16-byte multiple, fragment bases 32-byte aligned
  static __device__ __forceinline__ __nv_bfloat16 round(float v) { return __float2bfloat16_rn(v); }
};

struct Geom {
  int B, Cin, Cout, T, H, W, kT, kH, kW;
  int64_t P;  // T*H*W positions per sample
  int kvol;   // kT*kH*kW taps
};

struct Pos {  // a position (b, t, h, w)
  int64_t b;
  int t, h, w;
};
__device__ __forceinline__ Pos decode_pos(const Geom& g, int64_t m) {
  const int64_t b = m / g.P, p = m % g.P;
  const int hw = int(p % (int64_t(g.H) * g.W));
  return Pos{b, int(p / (int64_t(g.H) * g.W)), hw / g.W, hw % g.W};
}
// Element (b, c, t + dt - kT/2, h + dh - kH/2, w + dw - kW/2) of a [B, C, T, H, W]
// tensor for tap = (dt, dh, dw); sign = -1 mirrors the offsets (backward data).
__device__ __forceinline__ float shifted(const Geom& g, const float* v, int C, const Pos& q, int c, int tap,
                                         int sign) {
  const int dw = tap % g.kW, dh = tap / g.kW % g.kH, dt = tap / (g.kW * g.kH);
  const int t = q.t + sign * (dt - g.kT / 2), h = q.h + sign * (dh - g.kH / 2), w = q.w + sign * (dw - g.kW / 2);
  if (t < 0 || t >= g.T || h < 0 || h >= g.H || w < 0 || w >= g.W) return 0.0f;
  return v[((q.b * C + c) * g.T + t) * int64_t(g.H) * g.W + int64_t(h) * g.W + w];
}

using Tile = float[kLd];  // one column of the result tile: Cs[n][m]

// Plain epilogue: op.store(m, n, v) for every in-range element, m fastest.
template <class Op>
__device__ __forceinline__ void store_tile(const Op& op, const Tile* Cs, int64_t m0, int64_t n0) {
  const int64_t M = op.M(), N = op.N();
  for (int e = threadIdx.x; e < kBM * kBN; e += kThreads) {
    const int mi = e % kBM, ni = e / kBM;
    if (m0 + mi < M && n0 + ni < N) op.store(m0 + mi, n0 + ni, Cs[ni][mi]);
  }
}

template <class Op, ConvMath kMath>
__global__ void __launch_bounds__(kThreads) igemm_kernel(Op op) {
  namespace wmma = nvcuda::wmma;
  using S = Staging<kMath>;
  using E = typename S::T;
  constexpr bool kTensorCores = kMath != ConvMath::Fp32;
  constexpr int kK = S::wmma_k;
  using Precision = std::conditional_t<kMath == ConvMath::Bf16, __nv_bfloat16, wmma::precision::tf32>;
  __shared__ __align__(32) E As[kBK][S::ld];      // As[k][m]
  __shared__ __align__(32) E Bs[kBK][S::ld];      // Bs[k][n]
  __shared__ __align__(32) float Cs[kBN][kLd];  // Cs[n][m]
  const int tid = threadIdx.x;
  const int64_t m0 = int64_t(blockIdx.x) * kBM, n0 = int64_t(blockIdx.y) * kBN;
  const int64_t M = op.M(), N = op.N(), K = op.K();
  // fp32 state
  const int tx = tid % 16, ty = tid / 16;
  float acc[4][4] = {};
  // tensor-core state
  const int warp = tid / 32, wm = warp % 4, wn = warp / 4;
  wmma::fragment<wmma::accumulator, 16, 16, kK, float> frag[2];
  if constexpr (kTensorCores) {
    wmma::fill_fragment(frag[0], 0.0f);
    wmma::fill_fragment(frag[1], 0.0f);
  }
  for (int64_t k0 = 0; k0 < K; k0 += kBK) {
    for (int e = tid; e < kBM * kBK; e += kThreads) {  // A tile, m fastest
      const int mi = e % kBM, ki = e / kBM;
      const int64_t m = m0 + mi, k = k0 + ki;
      As[ki][mi] = S::round((m < M && k < K) ? op.a(m, k) : 0.0f);
    }
    for (int e = tid; e < kBN * kBK; e += kThreads) {  // B tile, k fastest
      const int ki = e % kBK, ni = e / kBK;
      const int64_t k = k0 + ki, n = n0 + ni;
      Bs[ki][ni] = S::round((k < K && n < N) ? op.b(k, n) : 0.0f);
    }
    __syncthreads();
    if constexpr (kTensorCores) {
      for (int kk = 0; kk < kBK; kk += kK) {
        wmma::fragment<wmma::matrix_a, 16, 16, kK, Precision, wmma::col_major> a;
        wmma::load_matrix_sync(a, &As[kk][16 * wm], S::ld);
        for (int j = 0; j < 2; ++j) {
          wmma::fragment<wmma::matrix_b, 16, 16, kK, Precision, wmma::row_major> b;
          wmma::load_matrix_sync(b, &Bs[kk][32 * wn + 16 * j], S::ld);
          wmma::mma_sync(frag[j], a, b, frag[j]);
        }
      }
    } else {
      for (int k = 0; k < kBK; ++k) {
        float av[4], bv[4];
        for (int i = 0; i < 4; ++i) av[i] = As[k][tx + 16 * i];
        for (int j = 0; j < 4; ++j) bv[j] = Bs[k][ty + 16 * j];
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
      }
    }
    __syncthreads();
  }
  if constexpr (kTensorCores) {
    for (int j = 0; j < 2; ++j)
      wmma::store_matrix_sync(&Cs[32 * wn + 16 * j][16 * wm], frag[j], kLd, wmma::mem_col_major);
  } else {
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) Cs[ty + 16 * j][tx + 16 * i] = acc[i][j];
  }
  __syncthreads();
  op.epilogue(Cs, m0, n0);
}

template <class Op>
void run(const Op& op, int64_t M, int64_t N, ConvMath math, cudaStream_t stream) {
  if (M <= 0 || N <= 0) return;
  const dim3 grid(unsigned((M + kBM - 1) / kBM), unsigned((N + kBN - 1) / kBN));
  switch (math) {
    case ConvMath::Fp32: return launch(igemm_kernel<Op, ConvMath::Fp32>, grid, kThreads, 0, stream, op);
    case ConvMath::Tf32: return launch(igemm_kernel<Op, ConvMath::Tf32>, grid, kThreads, 0, stream, op);
    case ConvMath::Bf16: return launch(igemm_kernel<Op, ConvMath::Bf16>, grid, kThreads, 0, stream, op);
  }
}

}  // namespace igemm
}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
