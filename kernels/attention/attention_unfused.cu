// Window attention, unfused: the textbook path of separate kernels that meet
// in global memory, for ablating the flash-style kernels of attention.cu
// (RAINFUSE_UNFUSED=attention). Per (window, head, frame) "pair" the N x N
// matrices (N = win*win) live in caller buffers laid out [pairs][N][N], pair =
// (frame * heads + head) * windows + window; a[i] below is token i of the
// window (row-major), gathered from a [*, T, H, W] channel block.
//
// Forward (scale = 1/sqrt(D)):
//   abt      P = scale * Q K^T                 -> probs
//   softmax  P = softmax_rows(P) in place, lse_i = m_i + log l_i (when wanted)
//   rows_mm  out = P V
// Backward (P rebuilt from the saved lse, as the fused backward does, but
// written out; dP and dS get their own matrix):
//   abt      P  = exp(scale * Q K^T - lse)     -> probs
//   abt      dP = dO V^T                       -> dprobs
//   grad     dS = P * (dP - rowsum(dP * P))    in place in dprobs
//   rows_mm  dQ = scale dS K ; dK = scale dS^T Q ; dV = P^T dO
// Every output element is written by one thread: no atomics, deterministic.
#include <stdexcept>
#include <string>

#include "kernels/attention/attention_cuda.h"
#include "kernels/common/launch.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {
namespace {

// Token n of this block's window in a [*, T, H, W] plane, and the block's pair.
struct Window {
  int64_t plane;  // T*H*W: stride between channels
  int64_t base;   // t*H*W + y0*W + x0 of the window's top-left token
  int W, win, N;
  int64_t pair;
  __device__ __forceinline__ int64_t token(int n) const { return base + int64_t(n / win) * W + n % win; }
};

__device__ __forceinline__ Window window_of(int T, int H, int W, int win) {
  const int wins_x = W / win, t = int(blockIdx.z) % T;
  const int y0 = int(blockIdx.x) / wins_x * win, x0 = int(blockIdx.x) % wins_x * win;
  const int64_t pair = (int64_t(blockIdx.z) * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
  return Window{int64_t(T) * H * W, int64_t(t) * H * W + int64_t(y0) * W + x0, W, win, win * win, pair};
}

// Channel block of head `head` in sample b of a tensor with `channels`
// channels, starting at channel `first` (Q = 0, K = C, V = 2C in qkv).
struct Operand {
  const float* p;
  int channels, first;
  __device__ __forceinline__ const float* at(int b, int head, int D, int64_t plane) const {
    return p + (int64_t(b) * channels + first + head * D) * plane;
  }
};

// c[i][j] = alpha * a_i . b_j, or exp(alpha * a_i . b_j - lse_i) when lse is
// given. Thread j holds b_j; A is staged in shared memory [N][D]; row i of c is
// written by consecutive threads (coalesced).
template <int D>
__global__ void window_abt_kernel(int T, int H, int W, int win, int heads, Operand a, Operand bm, float alpha,
                                  const float* __restrict__ lse, float* __restrict__ c) {
  const Window w = window_of(T, H, W, win);
  const int j = threadIdx.x, head = blockIdx.y, b = int(blockIdx.z) / T;
  float* As = dyn_shared<float>();  // [N][D]
  float* lse_s = As + w.N * D;      // [N]
  const float* a_base = a.at(b, head, D, w.plane);
  const float* b_base = bm.at(b, head, D, w.plane);
  const int64_t tok = w.token(j);
  float bj[D];
  for (int d = 0; d < D; ++d) {
    As[j * D + d] = a_base[d * w.plane + tok];
    bj[d] = b_base[d * w.plane + tok];
  }
  if (lse) lse_s[j] = lse[(int64_t(b) * heads + head) * w.plane + tok];
  __syncthreads();
  float* c_pair = c + w.pair * w.N * w.N;
  for (int i = 0; i < w.N; ++i) {
    float s = 0.0f;
    for (int d = 0; d < D; ++d) s += As[i * D + d] * bj[d];
    s *= alpha;
    c_pair[int64_t(i) * w.N + j] = lse ? expf(s - lse_s[i]) : s;
  }
}

// Stable softmax of row i (thread i) in place; lse_i = max + log(sum) if wanted.
__global__ void window_softmax_kernel(int T, int H, int W, int win, int heads, float* __restrict__ p,
                                      float* __restrict__ lse) {
  const Window w = window_of(T, H, W, win);
  const int i = threadIdx.x;
  float* row = p + (w.pair * w.N + i) * w.N;
  float m = -INFINITY;
  for (int j = 0; j < w.N; ++j) m = fmaxf(m, row[j]);
  float l = 0.0f;
  for (int j = 0; j < w.N; ++j) l += expf(row[j] - m);
  const float inv_l = 1.0f / l;
  for (int j = 0; j < w.N; ++j) row[j] = expf(row[j] - m) * inv_l;
  if (lse) lse[(int64_t(int(blockIdx.z) / T) * heads + blockIdx.y) * w.plane + w.token(i)] = m + logf(l);
}

// dS_ij = P_ij (dP_ij - sum_k dP_ik P_ik), row i by thread i, in place in dp.
__global__ void window_softmax_grad_kernel(int T, int H, int W, int win, const float* __restrict__ p,
                                           float* __restrict__ dp) {
  const Window w = window_of(T, H, W, win);
  const int64_t row = (w.pair * w.N + threadIdx.x) * w.N;
  float r = 0.0f;
  for (int j = 0; j < w.N; ++j) r += dp[row + j] * p[row + j];
  for (int j = 0; j < w.N; ++j) dp[row + j] = p[row + j] * (dp[row + j] - r);
}

// y_i = alpha * sum_j M_ij x_j (M^T when transpose), thread i; x staged in
// shared memory [N][D]; y is the [*, T, H, W] channel block `y_first` of a
// tensor with y_channels channels, written or accumulated.
template <int D>
__global__ void window_rows_mm_kernel(int T, int H, int W, int win, const float* __restrict__ m, bool transpose,
                                      Operand x, float alpha, float* __restrict__ y, int y_channels, int y_first,
                                      bool accumulate) {
  const Window w = window_of(T, H, W, win);
  const int i = threadIdx.x, head = blockIdx.y, b = int(blockIdx.z) / T;
  float* Xs = dyn_shared<float>();  // [N][D]
  const float* x_base = x.at(b, head, D, w.plane);
  const int64_t tok = w.token(i);
  for (int d = 0; d < D; ++d) Xs[i * D + d] = x_base[d * w.plane + tok];
  __syncthreads();
  const float* m_pair = m + w.pair * w.N * w.N;
  const int64_t row_stride = transpose ? 1 : w.N, col_stride = transpose ? w.N : 1;
  float acc[D];
  for (int d = 0; d < D; ++d) acc[d] = 0.0f;
  for (int j = 0; j < w.N; ++j) {
    const float mij = m_pair[i * row_stride + j * col_stride];
    for (int d = 0; d < D; ++d) acc[d] += mij * Xs[j * D + d];
  }
  float* y_base = y + (int64_t(b) * y_channels + y_first + head * D) * w.plane;
  for (int d = 0; d < D; ++d) {
    float& o = y_base[d * w.plane + tok];
    o = accumulate ? o + alpha * acc[d] : alpha * acc[d];
  }
}

void check_shape(const WindowAttnShape& s) {
  const int D = s.head_dim();
  if (s.heads <= 0 || s.C % s.heads != 0 || (D != 8 && D != 16 && D != 32) || s.win <= 0 ||
      s.win * s.win > 1024 || s.H % s.win != 0 || s.W % s.win != 0) {
    throw std::invalid_argument("window_attention_unfused_cuda: unsupported shape (C=" + std::to_string(s.C) +
                                ", heads=" + std::to_string(s.heads) + ", win=" + std::to_string(s.win) +
                                "): head_dim must be 8, 16 or 32, H and W multiples of win, win*win <= 1024");
  }
}

dim3 grid_of(const WindowAttnShape& s) {
  return dim3(unsigned((s.H / s.win) * (s.W / s.win)), unsigned(s.heads), unsigned(s.B * s.T));
}

template <int D>
void forward(const WindowAttnShape& s, const float* qkv, float* out, float* lse, float* probs, cudaStream_t stream) {
  const unsigned N = unsigned(s.win * s.win);
  const dim3 g = grid_of(s);
  const float scale = 1.0f / sqrtf(float(D));
  const Operand q{qkv, 3 * s.C, 0}, k{qkv, 3 * s.C, s.C}, v{qkv, 3 * s.C, 2 * s.C};
  launch(window_abt_kernel<D>, g, N, (size_t(N) * D + N) * sizeof(float), stream, s.T, s.H, s.W, s.win, s.heads, q,
         k, scale, static_cast<const float*>(nullptr), probs);
  launch(window_softmax_kernel, g, N, size_t(0), stream, s.T, s.H, s.W, s.win, s.heads, probs, lse);
  launch(window_rows_mm_kernel<D>, g, N, size_t(N) * D * sizeof(float), stream, s.T, s.H, s.W, s.win,
         static_cast<const float*>(probs), false, v, 1.0f, out, s.C, 0, false);
}

template <int D>
void backward(const WindowAttnShape& s, const float* qkv, const float* lse, const float* dout, float* dqkv,
              bool accumulate, float* probs, float* dprobs, cudaStream_t stream) {
  const unsigned N = unsigned(s.win * s.win);
  const dim3 g = grid_of(s);
  const float scale = 1.0f / sqrtf(float(D));
  const Operand q{qkv, 3 * s.C, 0}, k{qkv, 3 * s.C, s.C}, v{qkv, 3 * s.C, 2 * s.C}, dO{dout, s.C, 0};
  const size_t abt_smem = (size_t(N) * D + N) * sizeof(float), mm_smem = size_t(N) * D * sizeof(float);
  launch(window_abt_kernel<D>, g, N, abt_smem, stream, s.T, s.H, s.W, s.win, s.heads, q, k, scale, lse, probs);
  launch(window_abt_kernel<D>, g, N, abt_smem, stream, s.T, s.H, s.W, s.win, s.heads, dO, v, 1.0f,
         static_cast<const float*>(nullptr), dprobs);
  launch(window_softmax_grad_kernel, g, N, size_t(0), stream, s.T, s.H, s.W, s.win,
         static_cast<const float*>(probs), dprobs);
  const int C3 = 3 * s.C;
  launch(window_rows_mm_kernel<D>, g, N, mm_smem, stream, s.T, s.H, s.W, s.win, static_cast<const float*>(dprobs),
         false, k, scale, dqkv, C3, 0, accumulate);
  launch(window_rows_mm_kernel<D>, g, N, mm_smem, stream, s.T, s.H, s.W, s.win, static_cast<const float*>(dprobs),
         true, q, scale, dqkv, C3, s.C, accumulate);
  launch(window_rows_mm_kernel<D>, g, N, mm_smem, stream, s.T, s.H, s.W, s.win, static_cast<const float*>(probs),
         true, dO, 1.0f, dqkv, C3, 2 * s.C, accumulate);
}

}  // namespace

void window_attention_forward_unfused_cuda(const WindowAttnShape& s, const float* qkv, float* out, float* lse,
                                           float* probs, cudaStream_t stream) {
  check_shape(s);
  switch (s.head_dim()) {
    case 8: return forward<8>(s, qkv, out, lse, probs, stream);
    case 16: return forward<16>(s, qkv, out, lse, probs, stream);
    default: return forward<32>(s, qkv, out, lse, probs, stream);
  }
}

void window_attention_backward_unfused_cuda(const WindowAttnShape& s, const float* qkv, const float* lse,
                                            const float* dout, float* dqkv, bool accumulate, float* probs,
                                            float* dprobs, cudaStream_t stream) {
  check_shape(s);
  switch (s.head_dim()) {
    case 8: return backward<8>(s, qkv, lse, dout, dqkv, accumulate, probs, dprobs, stream);
    case 16: return backward<16>(s, qkv, lse, dout, dqkv, accumulate, probs, dprobs, stream);
    default: return backward<32>(s, qkv, lse, dout, dqkv, accumulate, probs, dprobs, stream);
  }
}

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
