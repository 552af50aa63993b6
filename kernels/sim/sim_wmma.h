// nvcuda::wmma for the simulator: the warp-level matrix API with fp32
// accumulation, the subset our kernels use: tf32 (m16n16k8, operands stored as
// float) and bf16 (m16n16k16, operands in shared memory as __nv_bfloat16). The
// fragment layout is opaque by contract, so here every lane holds the whole
// tile (num_elements = rows * cols) and elementwise loops over x[] still cover
// the tile. Each call is a warp collective (__syncwarp over the full warp), so
// divergent use is reported like any other collective.
//
// bf16 as the tensor cores do it: an operand is the top 16 bits of a float
// (1 sign, 8 exponent, 7 mantissa bits), produced by the kernel's own
// __float2bfloat16_rn (round to nearest even; <cuda_bf16.h>'s host path) when
// it stages the tile; loading widens it back exactly (bits << 16); a product
// of two bf16 is exact in fp32 (8 x 8 significant bits) and is accumulated in
// fp32.
#pragma once
#include <cuda_bf16.h>

#include <bit>
#include <cstdint>
#include <type_traits>

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

// CUDA's rules for a fragment's memory operand: a 256-bit aligned pointer and
// a leading dimension that is a multiple of 16 bytes.
inline void check_operand(const void* ptr, size_t ld_bytes) {
  if (reinterpret_cast<uintptr_t>(ptr) % 32 != 0) throw rf::sim::SimError("wmma: pointer not 256-bit aligned");
  if (ld_bytes % 16 != 0) throw rf::sim::SimError("wmma: leading dimension not a multiple of 16 bytes");
}

// A bf16 widened to the float it stands for (exact).
inline float bf16_bits_to_float(__nv_bfloat16 h) {
  return std::bit_cast<float>(uint32_t(std::bit_cast<uint16_t>(h)) << 16);
}

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
  float x[num_elements];  // row-major tile (tf32 and bf16 values are stored as float)
};

template <class F>
void fill_fragment(F& f, float v) {
  __syncwarp();
  for (float& e : f.x) e = v;
}

// Element (r, c) of a matrix_a / matrix_b tile at ptr, per the fragment's
// layout. The pointer's type is the fragment's storage type, as in CUDA: float
// for tf32, __nv_bfloat16 for bf16 (ldm a multiple of 8, the 16-byte rule).
template <class Use, int M, int N, int K, class T, class L, class E>
void load_matrix_sync(fragment<Use, M, N, K, T, L>& f, const E* ptr, unsigned ldm) {
  static_assert(std::is_same_v<E, std::conditional_t<std::is_same_v<T, __nv_bfloat16>, __nv_bfloat16, float>>,
                "load_matrix_sync: pointer type does not match the fragment's precision");
  __syncwarp();
  check_operand(ptr, ldm * sizeof(E));
  using F = fragment<Use, M, N, K, T, L>;
  auto widen = [](E v) {
    if constexpr (std::is_same_v<E, __nv_bfloat16>) return bf16_bits_to_float(v);
    else return v;
  };
  for (int r = 0; r < F::rows; ++r)
    for (int c = 0; c < F::cols; ++c)
      f.x[r * F::cols + c] = widen(std::is_same_v<L, col_major> ? ptr[size_t(c) * ldm + r] : ptr[size_t(r) * ldm + c]);
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
  check_operand(ptr, ldm * sizeof(float));
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
