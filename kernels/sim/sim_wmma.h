// nvcuda::wmma for the simulator: the warp-level matrix API with fp32
// accumulation, tf32 (m16n16k8) and bf16-free subset our kernels use. The
// fragment layout is opaque by contract, so here every lane holds the whole
// tile (num_elements = rows * cols) and elementwise loops over x[] still cover
// the tile. Each call is a warp collective (__syncwarp over the full warp), so
// divergent use is reported like any other collective.
#pragma once
#include <bit>
#include <cstdint>

#include "kernels/sim/sim.h"

namespace nvcuda::wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };
namespace precision {
struct tf32 {};
}  // namespace precision

// float -> tf32 (10-bit mantissa), round to nearest with ties away from zero
// (cvt.rna.tf32.f32); Inf and NaN pass through.
inline float __float_to_tf32(float f) {
  uint32_t u = std::bit_cast<uint32_t>(f);
  if ((u & 0x7f800000u) != 0x7f800000u) u = (u + 0x1000u) & 0xffffe000u;
  return std::bit_cast<float>(u);
}

template <class Use, int M, int N, int K>
struct tile_shape;
template <int M, int N, int K>
struct tile_shape<matrix_a, M, N, K> {
  static constexpr int rows = M, cols = K;
};
template <int M, int N, int K>
struct tile_shape<matrix_b, M, N, K> {
  static constexpr int rows = K, cols = N;
};
template <int M, int N, int K>
struct tile_shape<accumulator, M, N, K> {
  static constexpr int rows = M, cols = N;
};

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
  static constexpr int rows = tile_shape<Use, M, N, K>::rows, cols = tile_shape<Use, M, N, K>::cols;
  static constexpr int num_elements = rows * cols;
  float x[num_elements];  // row-major tile (tf32 values are stored as float)
};

template <class F>
void fill_fragment(F& f, float v) {
  __syncwarp();
  for (float& e : f.x) e = v;
}

// Element (r, c) of a matrix_a / matrix_b tile at ptr, per the fragment's layout.
template <class Use, int M, int N, int K, class T, class L>
void load_matrix_sync(fragment<Use, M, N, K, T, L>& f, const float* ptr, unsigned ldm) {
  __syncwarp();
  using F = fragment<Use, M, N, K, T, L>;
  for (int r = 0; r < F::rows; ++r)
    for (int c = 0; c < F::cols; ++c)
      f.x[r * F::cols + c] = std::is_same_v<L, col_major> ? ptr[size_t(c) * ldm + r] : ptr[size_t(r) * ldm + c];
}

template <int M, int N, int K, class T>
void load_matrix_sync(fragment<accumulator, M, N, K, T>& f, const float* ptr, unsigned ldm, layout_t layout) {
  __syncwarp();
  for (int r = 0; r < M; ++r)
    for (int c = 0; c < N; ++c)
      f.x[r * N + c] = layout == mem_col_major ? ptr[size_t(c) * ldm + r] : ptr[size_t(r) * ldm + c];
}

template <int M, int N, int K, class T>
void store_matrix_sync(float* ptr, const fragment<accumulator, M, N, K, T>& f, unsigned ldm, layout_t layout) {
  __syncwarp();
  for (int r = 0; r < M; ++r)
    for (int c = 0; c < N; ++c) {
      float& dst = layout == mem_col_major ? ptr[size_t(c) * ldm + r] : ptr[size_t(r) * ldm + c];
      dst = f.x[r * N + c];
    }
}

// d = a b + c, fp32 accumulation.
template <int M, int N, int K, class TA, class LA, class LB, class TC>
void mma_sync(fragment<accumulator, M, N, K, TC>& d, const fragment<matrix_a, M, N, K, TA, LA>& a,
              const fragment<matrix_b, M, N, K, TA, LB>& b, const fragment<accumulator, M, N, K, TC>& c) {
  __syncwarp();
  float out[M * N];
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      float acc = c.x[i * N + j];
      for (int k = 0; k < K; ++k) acc = std::fma(a.x[i * K + k], b.x[k * N + j], acc);
      out[i * N + j] = acc;
    }
  for (int e = 0; e < M * N; ++e) d.x[e] = out[e];
}

}  // namespace nvcuda::wmma
