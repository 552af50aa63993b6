// Window attention, flash-style. One block per (window, head, frame); one
// thread per token of the window (N = win*win threads, 64 for 8x8).
//
// Forward: thread i holds q_i (scaled) in registers, the block stages K and V of
// the window in shared memory [N][D]; an online softmax over j keeps the running
// max m, the sum l and acc = sum_j e^{s_ij - m} v_j, so P is never stored:
//   out_i = acc / l ; lse_i = m + log l.
// Backward (recomputation): Q, K, V, dO and the per-row terms lse_i and
// Delta_i = sum_d dO_i O_i sit in shared memory; with p_ij = e^{s_ij - lse_i},
// dS_ij = p_ij (dO_i . v_j - Delta_i):
//   pass 1, thread i = query row : dq_i = scale sum_j dS_ij k_j
//   pass 2, thread j = key column: dk_j = scale sum_i dS_ij q_i ; dv_j = sum_i p_ij dO_i
// Every output element is written by one thread: no atomics, deterministic.
#include <stdexcept>
#include <string>

#include "kernels/attention/attention_cuda.h"
#include "kernels/common/launch.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {
namespace {

// Where token n of the window of this block lives in a [*, T, H, W] plane.
struct WindowIndex {
  int64_t plane;  // T*H*W: stride between channels
  int64_t base;   // t*H*W + y0*W + x0 of the window's top-left token
  int W, win;
  __device__ __forceinline__ int64_t token(int n) const { return base + int64_t(n / win) * W + n % win; }
};

__device__ __forceinline__ WindowIndex window_index(int T, int H, int W, int win) {
  const int wins_x = W / win, t = int(blockIdx.z) % T;
  const int y0 = int(blockIdx.x) / wins_x * win, x0 = int(blockIdx.x) % wins_x * win;
  return WindowIndex{int64_t(T) * H * W, int64_t(t) * H * W + int64_t(y0) * W + x0, W, win};
}

template <int D>
__global__ void attn_forward_kernel(int C, int T, int H, int W, int win, float scale, const float* __restrict__ qkv,
                                    float* __restrict__ out, float* __restrict__ lse) {
  const int N = win * win, i = threadIdx.x, head = blockIdx.y, b = int(blockIdx.z) / T;
  const WindowIndex w = window_index(T, H, W, win);
  float* Ks = dyn_shared<float>();  // [N][D]
  float* Vs = Ks + N * D;           // [N][D]
  const float* q_base = qkv + (int64_t(b) * 3 * C + head * D) * w.plane;
  const float* k_base = q_base + int64_t(C) * w.plane;
  const float* v_base = k_base + int64_t(C) * w.plane;
  const int64_t tok = w.token(i);
  float q[D];
  for (int d = 0; d < D; ++d) {
    q[d] = q_base[d * w.plane + tok];
    Ks[i * D + d] = k_base[d * w.plane + tok];
    Vs[i * D + d] = v_base[d * w.plane + tok];
  }
  __syncthreads();
  float m = -INFINITY, l = 0.0f, acc[D];
  for (int d = 0; d < D; ++d) acc[d] = 0.0f;
  for (int j = 0; j < N; ++j) {
    float s = 0.0f;
    for (int d = 0; d < D; ++d) s += q[d] * Ks[j * D + d];
    s *= scale;
    if (s > m) {  // new running max: rescale what was summed so far
      const float corr = expf(m - s);
      l *= corr;
      for (int d = 0; d < D; ++d) acc[d] *= corr;
      m = s;
    }
    const float p = expf(s - m);
    l += p;
    for (int d = 0; d < D; ++d) acc[d] += p * Vs[j * D + d];
  }
  float* o_base = out + (int64_t(b) * C + head * D) * w.plane;
  const float inv_l = 1.0f / l;
  for (int d = 0; d < D; ++d) o_base[d * w.plane + tok] = acc[d] * inv_l;
  if (lse) lse[(int64_t(b) * gridDim.y + head) * w.plane + tok] = m + logf(l);
}

template <int D>
__global__ void attn_backward_kernel(int C, int T, int H, int W, int win, float scale, const float* __restrict__ qkv,
                                     const float* __restrict__ out, const float* __restrict__ lse,
                                     const float* __restrict__ dout, float* __restrict__ dqkv, bool accumulate) {
  const int N = win * win, i = threadIdx.x, head = blockIdx.y, b = int(blockIdx.z) / T;
  const WindowIndex w = window_index(T, H, W, win);
  float* Qs = dyn_shared<float>();  // [N][D] each
  float* Ks = Qs + N * D;
  float* Vs = Ks + N * D;
  float* dOs = Vs + N * D;
  float* lse_s = dOs + N * D;  // [N]
  float* delta_s = lse_s + N;  // [N]
  const int64_t qkv_off = (int64_t(b) * 3 * C + head * D) * w.plane, o_off = (int64_t(b) * C + head * D) * w.plane;
  const int64_t tok = w.token(i);
  float delta = 0.0f;
  for (int d = 0; d < D; ++d) {
    const int64_t at = d * w.plane + tok;
    Qs[i * D + d] = qkv[qkv_off + at];
    Ks[i * D + d] = qkv[qkv_off + int64_t(C) * w.plane + at];
    Vs[i * D + d] = qkv[qkv_off + int64_t(2 * C) * w.plane + at];
    const float g = dout[o_off + at];
    dOs[i * D + d] = g;
    delta += g * out[o_off + at];
  }
  lse_s[i] = lse[(int64_t(b) * gridDim.y + head) * w.plane + tok];
  delta_s[i] = delta;
  __syncthreads();

  // p_ij and dS_ij, recomputed from shared memory.
  auto p_ds = [&](int qi, int kj, float& p, float& ds) {
    float s = 0.0f, dp = 0.0f;
    for (int d = 0; d < D; ++d) {
      s += Qs[qi * D + d] * Ks[kj * D + d];
      dp += dOs[qi * D + d] * Vs[kj * D + d];
    }
    p = expf(s * scale - lse_s[qi]);
    ds = p * (dp - delta_s[qi]);
  };
  auto store = [&](int64_t at, float v) { dqkv[at] = accumulate ? dqkv[at] + v : v; };

  float dq[D], dk[D], dv[D];
  for (int d = 0; d < D; ++d) dq[d] = dk[d] = dv[d] = 0.0f;
  for (int j = 0; j < N; ++j) {  // pass 1: this thread is query row i
    float p, ds;
    p_ds(i, j, p, ds);
    for (int d = 0; d < D; ++d) dq[d] += ds * Ks[j * D + d];
  }
  for (int r = 0; r < N; ++r) {  // pass 2: this thread is key column i
    float p, ds;
    p_ds(r, i, p, ds);
    for (int d = 0; d < D; ++d) {
      dk[d] += ds * Qs[r * D + d];
      dv[d] += p * dOs[r * D + d];
    }
  }
  for (int d = 0; d < D; ++d) {
    const int64_t at = qkv_off + d * w.plane + tok;
    store(at, dq[d] * scale);
    store(at + int64_t(C) * w.plane, dk[d] * scale);
    store(at + int64_t(2 * C) * w.plane, dv[d]);
  }
}

void check_shape(const WindowAttnShape& s) {
  const int D = s.head_dim();
  if (s.heads <= 0 || s.C % s.heads != 0 || (D != 8 && D != 16 && D != 32) || s.win <= 0 ||
      s.win * s.win > 1024 || s.H % s.win != 0 || s.W % s.win != 0) {
    throw std::invalid_argument("window_attention_cuda: unsupported shape (C=" + std::to_string(s.C) +
                                ", heads=" + std::to_string(s.heads) + ", win=" + std::to_string(s.win) +
                                "): head_dim must be 8, 16 or 32, H and W multiples of win, win*win <= 1024");
  }
}

dim3 grid_of(const WindowAttnShape& s) {
  return dim3(unsigned((s.H / s.win) * (s.W / s.win)), unsigned(s.heads), unsigned(s.B * s.T));
}

template <int D>
void forward(const WindowAttnShape& s, const float* qkv, float* out, float* lse, cudaStream_t stream) {
  const int N = s.win * s.win;
  launch(attn_forward_kernel<D>, grid_of(s), unsigned(N), size_t(2) * N * D * sizeof(float), stream, s.C, s.T, s.H,
         s.W, s.win, 1.0f / sqrtf(float(D)), qkv, out, lse);
}

template <int D>
void backward(const WindowAttnShape& s, const float* qkv, const float* out, const float* lse, const float* dout,
              float* dqkv, bool accumulate, cudaStream_t stream) {
  const int N = s.win * s.win;
  launch(attn_backward_kernel<D>, grid_of(s), unsigned(N), (size_t(4) * N * D + 2 * N) * sizeof(float), stream, s.C,
         s.T, s.H, s.W, s.win, 1.0f / sqrtf(float(D)), qkv, out, lse, dout, dqkv, accumulate);
}

}  // namespace

void window_attention_forward_cuda(const WindowAttnShape& s, const float* qkv, float* out, float* lse,
                                   cudaStream_t stream) {
  check_shape(s);
  switch (s.head_dim()) {
    case 8: return forward<8>(s, qkv, out, lse, stream);
    case 16: return forward<16>(s, qkv, out, lse, stream);
    default: return forward<32>(s, qkv, out, lse, stream);
  }
}

void window_attention_backward_cuda(const WindowAttnShape& s, const float* qkv, const float* out, const float* lse,
                                    const float* dout, float* dqkv, bool accumulate, cudaStream_t stream) {
  check_shape(s);
  switch (s.head_dim()) {
    case 8: return backward<8>(s, qkv, out, lse, dout, dqkv, accumulate, stream);
    case 16: return backward<16>(s, qkv, out, lse, dout, dqkv, accumulate, stream);
    default: return backward<32>(s, qkv, out, lse, dout, dqkv, accumulate, stream);
  }
}

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
