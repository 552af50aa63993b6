// Window attention on the CPU. One work item = one window of one frame (b, t):
// its tokens are gathered once into a channel-major tile g[c][np] (np = win*win
// rounded up to kQ lanes; the win rows of a window are contiguous runs of the
// channels-first input), then each head runs on that tile:
//
//   S^T[j][i] = sum_d K[d][j] Q[d][i]        keys j in rows, queries i in lanes
//   P^T[j][i] = exp(scale S^T[j][i] - lse[i]) softmax down the rows (vertical ops only)
//   O[d][i]   = sum_j V[d][j] P^T[j][i]
//
// With queries in the vector lanes the softmax, QK^T and PV need no horizontal
// reductions; the softmax runs per kQ-query column with max and sum in registers.
// Backward recomputes P^T from lse (no stored P) and forms dV and dK token-major
// ([j][d], d in lanes) from token-major copies of dO and Q:
//   dP^T = V^T dO (outer products) ; dS^T = P^T (dP^T - rowsum(dO O))
//   dQ[d][i] = scale sum_j K[d][j] dS^T[j][i] ; dV[j][:] = sum_i P^T[j][i] dO[i][:]
//   dK[j][:] = scale sum_i dS^T[j][i] Q[i][:]
// Tiles live in per-thread Scratch; windows are split over threads (OpenMP).
#include "kernels/attention/attention.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "kernels/common/memory.h"

#include "kernels/common/cpu_dispatch.h"
#include "kernels/common/vmath.h"

RF_CPU_LEVEL_BEGIN

namespace {

#pragma GCC diagnostic ignored "-Wpsabi"  // 32-byte v8 below AVX (generic): internal calls only
// GCC/Clang vector extensions: vq = kQ query lanes, the level's native width
// (16 on AVX-512, 8 on AVX2, 4 at the baseline: wider vectors than the
// registers are split by GCC into arrays it keeps in memory), v8 = 8 lanes for
// the token-major head-dim vectors. The *u types carry 4-byte alignment for
// loads and stores at any float address.
constexpr int kQ = RF_CPU_LANES;  // query lanes per vector
typedef float vq __attribute__((vector_size(4 * kQ)));
typedef int32_t vqi __attribute__((vector_size(4 * kQ)));
typedef float vqu __attribute__((vector_size(4 * kQ), aligned(4)));
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

inline vq loadq(const float* p) { return *reinterpret_cast<const vqu*>(p); }
inline void storeq(float* p, vq x) { *reinterpret_cast<vqu*>(p) = x; }
// (an explicit list: vq{} + x would cost an add, 0 + x not being x for x = -0)
template <size_t... I>
inline vq splat_lanes(float x, std::index_sequence<I...>) { return vq{((void)I, x)...}; }
inline vq splatq(float x) { return splat_lanes(x, std::make_index_sequence<kQ>{}); }
inline v8 load8(const float* p) { return *reinterpret_cast<const v8u*>(p); }
inline void store8(float* p, v8 x) { *reinterpret_cast<v8u*>(p) = x; }
inline v8 splat8(float x) { return v8{x, x, x, x, x, x, x, x}; }
inline vq maxq(vq a, vq b) { return a > b ? a : b; }

inline int round_up(int n, int k) { return (n + k - 1) / k * k; }

constexpr float kLog2e = 1.44269504088896341f, kLn2 = 0.693147180559945309f;

// 2^y for y <= 0 on kQ lanes, the softmax exponent in base 2 (scores pre-scaled by
// log2 e): no overflow side and no log2e multiply, so about half a general exp.
// y = n + r, |r| <= 1/2, n by the 1.5*2^23 rounding trick; 2^r = e^{r ln2} with the
// Cephes expf polynomial (|r ln2| <= ln2/2 is its design range) expanded in r.
// Relative error ~2e-7; y < -126 saturates at 2^-126 (negligible in a softmax sum >= 1).
inline vq exp2_nonpos(vq y) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23 (bits 0x4B400000)
  constexpr float l2 = kLn2 * kLn2, l3 = l2 * kLn2, l4 = l3 * kLn2, l5 = l4 * kLn2, l6 = l5 * kLn2,
                  l7 = l6 * kLn2;
  const vq lo = splatq(-126.0f);
  y = y < lo ? lo : y;
  const vq t = y + kMagic;
  const vq n = t - kMagic;
  const vq r = y - n;
  vq p = splatq(1.9875691500E-4f * l7);
  p = p * r + 1.3981999507E-3f * l6;
  p = p * r + 8.3334519073E-3f * l5;
  p = p * r + 4.1665795894E-2f * l4;
  p = p * r + 1.6666665459E-1f * l3;
  p = p * r + 5.0000001201E-1f * l2;
  p = p * r + kLn2;
  p = p * r + 1.0f;
  const vqi bits = ((vqi)t - (0x4B400000 - 127)) << 23;  // vector casts reinterpret bits
  return p * (vq)bits;
}

struct Geom {
  int B, C, T, H, W, heads, win, D;
  int n, np, Dp;          // tokens per window, tokens padded to kQ, head dim padded to 8
  int nwx, nwin;          // windows per row, per frame
  int64_t HW, plane;      // H*W, T*H*W (stride between channels of one batch item)
  explicit Geom(const WindowAttnShape& s)
      : B(s.B), C(s.C), T(s.T), H(s.H), W(s.W), heads(s.heads), win(s.win), D(s.head_dim()),
        n(s.win * s.win), np(round_up(s.win * s.win, kQ)), Dp(round_up(s.head_dim(), 8)),
        nwx(s.W / s.win), nwin((s.H / s.win) * (s.W / s.win)), HW(int64_t(s.H) * s.W),
        plane(int64_t(s.T) * s.H * s.W) {
    if (s.heads <= 0 || s.C % s.heads != 0 || s.win <= 0 || s.H % s.win != 0 || s.W % s.win != 0)
      throw std::runtime_error("window attention: C must divide by heads and H, W by win");
  }
  int64_t tasks() const { return int64_t(B) * T * nwin; }
  // Offset of pixel (window origin) of frame (b, t), channel 0 of a tensor with nch channels.
  int64_t origin(int64_t task, int nch) const {
    const int64_t w = task % nwin, bt = task / nwin, t = bt % T, b = bt / T;
    const int64_t y0 = (w / nwx) * win, x0 = (w % nwx) * win;
    return b * nch * plane + t * HW + y0 * W + x0;
  }
};

// dst[c][r*win + x] = src[c*plane + r*W + x]: nc channels of one window
// (one 8-lane move per row for qh-ref's win = 8).
void gather(const Geom& g, const float* src, int nc, float* dst) {
  const int win = g.win, np = g.np;
  const int64_t plane = g.plane, W = g.W;
  for (int c = 0; c < nc; ++c, src += plane, dst += np) {
    if (win == 8)
      for (int r = 0; r < 8; ++r) store8(dst + 8 * r, load8(src + r * W));
    else
      for (int r = 0; r < win; ++r) std::memcpy(dst + r * win, src + r * W, sizeof(float) * win);
  }
}

// Inverse of gather: dst (=, or += when accumulate) from the tile.
void scatter(const Geom& g, const float* src, int nc, float* dst, bool accumulate) {
  const int win = g.win, np = g.np;
  const int64_t plane = g.plane, W = g.W;
  for (int c = 0; c < nc; ++c, src += np, dst += plane) {
    if (win == 8) {
      if (accumulate)
        for (int r = 0; r < 8; ++r) store8(dst + r * W, load8(dst + r * W) + load8(src + 8 * r));
      else
        for (int r = 0; r < 8; ++r) store8(dst + r * W, load8(src + 8 * r));
    } else {
      for (int r = 0; r < win; ++r)
        for (int x = 0; x < win; ++x) dst[r * W + x] = (accumulate ? dst[r * W + x] : 0.0f) + src[r * win + x];
    }
  }
}

// Prefetches the window rows of nc channels. The rows of one window are 3C * win
// short runs, one per cache line, spread over the planes: too many streams for the
// hardware prefetcher, so each work item prefetches the next one's lines.
void prefetch(const Geom& g, const float* src, int nc, bool for_write) {
  for (int c = 0; c < nc; ++c)
    for (int r = 0; r < g.win; ++r) {
      const float* p = src + c * g.plane + int64_t(r) * g.W;
      if (for_write) __builtin_prefetch(p, 1);
      else __builtin_prefetch(p, 0);
    }
}

// Token-major copy (padding d >= D stays zero): dst[j][d] = src[d][j].
// 8 x 8 transpose in registers: three rounds of two-source shuffles (one vpermt2ps
// each with AVX-512VL), row k of the result = column k of the input.
inline void transpose8(v8 r[8]) {
  v8 u[8], v[8];
  for (int i = 0; i < 8; i += 2) {
    u[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 2, 10, 4, 12, 6, 14);
    u[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 1, 9, 3, 11, 5, 13, 7, 15);
  }
  for (int i = 0; i < 8; i += 4)
    for (int k = 0; k < 2; ++k) {
      v[i + k] = __builtin_shufflevector(u[i + k], u[i + k + 2], 0, 1, 8, 9, 4, 5, 12, 13);
      v[i + k + 2] = __builtin_shufflevector(u[i + k], u[i + k + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    }
  for (int k = 0; k < 4; ++k) {
    r[k] = __builtin_shufflevector(v[k], v[k + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    r[k + 4] = __builtin_shufflevector(v[k], v[k + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

// Channel-major [D][np] <-> token-major [n][Dp] (padding d >= D stays zero).
// 8 x 8 register blocks when D = 8 and n is a multiple of 8.
void to_token_major(const Geom& g, const float* src, float* dst) {
  if (g.D == 8 && g.n % 8 == 0) {
    for (int j0 = 0; j0 < g.n; j0 += 8) {
      v8 r[8];
      for (int d = 0; d < 8; ++d) r[d] = load8(src + d * g.np + j0);
      transpose8(r);
      for (int k = 0; k < 8; ++k) store8(dst + (j0 + k) * 8, r[k]);
    }
    return;
  }
  for (int d = 0; d < g.D; ++d)
    for (int j = 0; j < g.n; ++j) dst[j * g.Dp + d] = src[d * g.np + j];
}
void to_channel_major(const Geom& g, const float* src, float* dst) {
  if (g.D == 8 && g.n % 8 == 0) {
    for (int j0 = 0; j0 < g.n; j0 += 8) {
      v8 r[8];
      for (int k = 0; k < 8; ++k) r[k] = load8(src + (j0 + k) * 8);
      transpose8(r);
      for (int d = 0; d < 8; ++d) store8(dst + d * g.np + j0, r[d]);
    }
    return;
  }
  for (int d = 0; d < g.D; ++d)
    for (int j = 0; j < g.n; ++j) dst[d * g.np + j] = src[j * g.Dp + d];
}

// out[j][i] = sum_d a[d][j] b[d][i], j < n, i in the NV query vectors from i0 (row stride np).
template <int NV, int DT>
void outer_tile(const Geom& g, const float* a, const float* b, float* out, int i0) {
  const int D = DT ? DT : g.D, np = g.np;
  for (int j = 0; j < g.n; ++j) {
    vq acc[NV] = {};
    for (int d = 0; d < D; ++d) {
      const vq s = splatq(a[d * np + j]);
      for (int v = 0; v < NV; ++v) acc[v] += s * loadq(b + d * np + i0 + kQ * v);
    }
    for (int v = 0; v < NV; ++v) storeq(out + j * np + i0 + kQ * v, acc[v]);
  }
}

// out[d][i] = post_s * post[i] * sum_{j<n} a[d][j] m[j][i]  (post nullable = 1).
template <int NV, int DT>
void reduce_tile(const Geom& g, const float* a, const float* m, const float* post, float post_s, float* out,
                 int i0) {
  const int D = DT ? DT : g.D, np = g.np;
  for (int d = 0; d < D; ++d) {
    vq acc[NV] = {};
    for (int j = 0; j < g.n; ++j) {
      const vq s = splatq(a[d * np + j]);
      for (int v = 0; v < NV; ++v) acc[v] += s * loadq(m + j * np + i0 + kQ * v);
    }
    for (int v = 0; v < NV; ++v) {
      const vq k = post ? loadq(post + i0 + kQ * v) * post_s : splatq(post_s);
      storeq(out + d * np + i0 + kQ * v, acc[v] * k);
    }
  }
}

// Runs a tile kernel over all query vectors of a window, 4 vectors (64 queries) at a time.
template <template <int, int> class K, int DT, class... Args>
void over_queries(const Geom& g, Args... args) {
  int i0 = 0;
  for (; i0 + 4 * kQ <= g.np; i0 += 4 * kQ) K<4, DT>::run(g, args..., i0);
  switch ((g.np - i0) / kQ) {
    case 3: K<3, DT>::run(g, args..., i0); break;
    case 2: K<2, DT>::run(g, args..., i0); break;
    case 1: K<1, DT>::run(g, args..., i0); break;
    default: break;
  }
}
template <int NV, int DT>
struct Outer {
  static void run(const Geom& g, const float* a, const float* b, float* out, int i0) {
    outer_tile<NV, DT>(g, a, b, out, i0);
  }
};
template <int NV, int DT>
struct Reduce {
  static void run(const Geom& g, const float* a, const float* m, const float* post, float post_s, float* out,
                  int i0) {
    reduce_tile<NV, DT>(g, a, m, post, post_s, out, i0);
  }
};

// out[j][:] = s * sum_{i<n} m[j][i] x[i][:], token-major (row stride Dp), JB rows j at once
// so each x[i] vector load feeds JB FMAs. DVT = Dp / 8 (0 = runtime).
template <int JB, int DVT>
void token_reduce_rows(const Geom& g, const float* m, const float* x, float s, float* out, int j0) {
  constexpr int kMaxDV = 4;
  const int DV = DVT ? DVT : g.Dp / 8, np = g.np;
  for (int dv0 = 0; dv0 < DV; dv0 += kMaxDV) {
    const int ndv = std::min(kMaxDV, DV - dv0);
    v8 acc[JB][DVT ? DVT : kMaxDV] = {};
    for (int i = 0; i < g.n; ++i) {
      for (int jb = 0; jb < JB; ++jb) {
        const v8 p = splat8(m[(j0 + jb) * np + i]);
        for (int v = 0; v < (DVT ? DVT : ndv); ++v) acc[jb][v] += p * load8(x + i * g.Dp + 8 * (dv0 + v));
      }
    }
    for (int jb = 0; jb < JB; ++jb)
      for (int v = 0; v < (DVT ? DVT : ndv); ++v) store8(out + (j0 + jb) * g.Dp + 8 * (dv0 + v), acc[jb][v] * s);
  }
}
template <int DVT>
void token_reduce(const Geom& g, const float* m, const float* x, float s, float* out) {
  constexpr int JB = DVT == 1 ? 8 : 4;
  int j = 0;
  for (; j + JB <= g.n; j += JB) token_reduce_rows<JB, DVT>(g, m, x, s, out, j);
  for (; j < g.n; ++j) token_reduce_rows<1, DVT>(g, m, x, s, out, j);
}

// Natural log of kQ positive normal floats (the softmax sums, >= 1): x = 2^e m with
// m in [sqrt(1/2), sqrt(2)), log m by the Cephes logf polynomial (~1 ulp).
inline vq log_pos(vq x) {
  const vqi bits = (vqi)x;
  vqi e = (bits >> 23) - 127;
  vq m = (vq)((bits & 0x007FFFFF) | 0x3F800000);  // [1, 2)
  const vqi big = m > 1.41421356f;                  // -1 where m > sqrt 2
  m = big ? m * 0.5f : m;
  e -= big;
  const vq f = m - 1.0f, z = f * f, ef = __builtin_convertvector(e, vq);
  vq p = splatq(vmath::kLogPoly[0]);
  for (int k = 1; k < 9; ++k) p = p * f + vmath::kLogPoly[k];
  vq y = f * z * p + ef * -2.12194440e-4f - 0.5f * z;
  return f + y + ef * 0.693359375f;
}

// Stable softmax down the rows of S^T (n x np) for NV kQ-query columns from c0, max
// and sum in registers (NV independent chains): S^T <- exp(scale (S^T - max));
// lse[i] = scale max + log(sum), inv[i] = 1 / sum.
template <int NV>
void softmax_tile(const Geom& g, float scale, float* s, float* lse, float* inv, int c0) {
  const int n = g.n, np = g.np;
  const float scale2 = scale * kLog2e;  // base 2
  float* col = s + c0;
  vq m[NV], m2[NV], l[NV] = {};
  for (int v = 0; v < NV; ++v) m[v] = loadq(col + kQ * v);
  for (int j = 1; j < n; ++j)
    for (int v = 0; v < NV; ++v) m[v] = maxq(m[v], loadq(col + j * np + kQ * v));
  for (int v = 0; v < NV; ++v) m2[v] = m[v] * scale2;
  for (int j = 0; j < n; ++j)
    for (int v = 0; v < NV; ++v) {
      const vq e = exp2_nonpos(loadq(col + j * np + kQ * v) * scale2 - m2[v]);
      storeq(col + j * np + kQ * v, e);
      l[v] += e;
    }
  for (int v = 0; v < NV; ++v) {
    storeq(inv + c0 + kQ * v, 1.0f / l[v]);
    storeq(lse + c0 + kQ * v, m[v] * scale + log_pos(l[v]));
  }
}
void softmax_columns(const Geom& g, float scale, float* s, float* lse, float* inv) {
  int c = 0;
  for (; c + 4 * kQ <= g.np; c += 4 * kQ) softmax_tile<4>(g, scale, s, lse, inv, c);
  switch ((g.np - c) / kQ) {
    case 3: softmax_tile<3>(g, scale, s, lse, inv, c); break;
    case 2: softmax_tile<2>(g, scale, s, lse, inv, c); break;
    case 1: softmax_tile<1>(g, scale, s, lse, inv, c); break;
    default: break;
  }
}

// Per-thread scratch layout (floats), carved from one counted allocation.
struct FwdTile {
  float *qkv, *s, *lse, *inv, *o;
  static size_t size(const Geom& g) { return size_t(3 * g.C + g.D + 2) * g.np + size_t(g.n) * g.np; }
  FwdTile(const Geom& g, float* base)
      : qkv(base), s(qkv + 3 * g.C * g.np), lse(s + g.n * g.np), inv(lse + g.np), o(inv + g.np) {}
};

struct BwdTile {
  float *qkv, *o, *dout, *lse, *p, *ds, *dq, *dk, *dv, *q_tm, *do_tm, *dk_tm, *dv_tm;
  static size_t size(const Geom& g) {
    return size_t(5 * g.C + g.heads + 3 * g.D) * g.np + 2 * size_t(g.n) * g.np + 2 * size_t(g.np) * g.Dp +
           2 * size_t(g.n) * g.Dp;
  }
  BwdTile(const Geom& g, float* base)
      : qkv(base), o(qkv + 3 * g.C * g.np), dout(o + g.C * g.np), lse(dout + g.C * g.np),
        p(lse + g.heads * g.np), ds(p + g.n * g.np), dq(ds + g.n * g.np),
        dk(dq + g.D * g.np), dv(dk + g.D * g.np), q_tm(dv + g.D * g.np), do_tm(q_tm + g.np * g.Dp),
        dk_tm(do_tm + g.np * g.Dp), dv_tm(dk_tm + g.n * g.Dp) {}
};

template <int DT>
void forward_window(const Geom& g, const FwdTile& w, int64_t task, const float* qkv, float* out, float* lse) {
  const int np = g.np, D = DT ? DT : g.D;
  const float scale = 1.0f / std::sqrt(float(D));
  gather(g, qkv + g.origin(task, 3 * g.C), 3 * g.C, w.qkv);
  if (task + 1 < g.tasks()) {
    prefetch(g, qkv + g.origin(task + 1, 3 * g.C), 3 * g.C, false);
    prefetch(g, out + g.origin(task + 1, g.C), g.C, true);
  }
  for (int h = 0; h < g.heads; ++h) {
    const float* q = w.qkv + (h * D) * np;
    const float* k = w.qkv + (g.C + h * D) * np;
    const float* v = w.qkv + (2 * g.C + h * D) * np;
    over_queries<Outer, DT>(g, k, q, w.s);
    softmax_columns(g, scale, w.s, w.lse, w.inv);
    over_queries<Reduce, DT>(g, v, static_cast<const float*>(w.s), static_cast<const float*>(w.inv), 1.0f, w.o);
    scatter(g, w.o, D, out + g.origin(task, g.C) + int64_t(h * D) * g.plane, false);
    if (lse) scatter(g, w.lse, 1, lse + g.origin(task, g.heads) + int64_t(h) * g.plane, false);
  }
}

template <int DT>
void backward_window(const Geom& g, const BwdTile& w, int64_t task, const float* qkv, const float* out,
                     const float* lse, const float* dout, float* dqkv, bool accumulate) {
  const int n = g.n, np = g.np, D = DT ? DT : g.D;
  const float scale = 1.0f / std::sqrt(float(D)), scale2 = scale * kLog2e;
  const int64_t org3 = g.origin(task, 3 * g.C), org1 = g.origin(task, g.C);
  gather(g, qkv + org3, 3 * g.C, w.qkv);
  gather(g, out + org1, g.C, w.o);
  gather(g, dout + org1, g.C, w.dout);
  gather(g, lse + g.origin(task, g.heads), g.heads, w.lse);
  if (task + 1 < g.tasks()) {
    const int64_t next3 = g.origin(task + 1, 3 * g.C), next1 = g.origin(task + 1, g.C);
    prefetch(g, qkv + next3, 3 * g.C, false);
    prefetch(g, out + next1, g.C, false);
    prefetch(g, dout + next1, g.C, false);
    prefetch(g, lse + g.origin(task + 1, g.heads), g.heads, false);
    prefetch(g, dqkv + next3, 3 * g.C, true);
  }
  for (int h = 0; h < g.heads; ++h) {
    const float* q = w.qkv + (h * D) * np;
    const float* k = w.qkv + (g.C + h * D) * np;
    const float* v = w.qkv + (2 * g.C + h * D) * np;
    const float* o = w.o + (h * D) * np;
    const float* dO = w.dout + (h * D) * np;
    const float* lse_h = w.lse + h * np;
    over_queries<Outer, DT>(g, k, q, w.p);
    over_queries<Outer, DT>(g, v, dO, w.ds);
    for (int c = 0; c < np; c += kQ) {
      // P^T = exp(scale S^T - lse) = 2^(scale log2e S^T - log2e lse)
      const vq lse2 = loadq(lse_h + c) * kLog2e;
      // delta[i] = sum_d dO[d][i] O[d][i]
      vq delta = {};
      for (int d = 0; d < D; ++d) delta += loadq(dO + d * np + c) * loadq(o + d * np + c);
      // dS^T = P^T (V^T dO - delta)
      for (int j = 0; j < n; ++j) {
        const vq p = exp2_nonpos(loadq(w.p + j * np + c) * scale2 - lse2);
        storeq(w.p + j * np + c, p);
        storeq(w.ds + j * np + c, p * (loadq(w.ds + j * np + c) - delta));
      }
    }
    over_queries<Reduce, DT>(g, k, static_cast<const float*>(w.ds), static_cast<const float*>(nullptr), scale,
                             w.dq);
    to_token_major(g, dO, w.do_tm);
    to_token_major(g, q, w.q_tm);
    if (g.Dp == 8) {
      token_reduce<1>(g, w.p, w.do_tm, 1.0f, w.dv_tm);
      token_reduce<1>(g, w.ds, w.q_tm, scale, w.dk_tm);
    } else {
      token_reduce<0>(g, w.p, w.do_tm, 1.0f, w.dv_tm);
      token_reduce<0>(g, w.ds, w.q_tm, scale, w.dk_tm);
    }
    to_channel_major(g, w.dk_tm, w.dk);
    to_channel_major(g, w.dv_tm, w.dv);
    scatter(g, w.dq, D, dqkv + org3 + int64_t(h * D) * g.plane, accumulate);
    scatter(g, w.dk, D, dqkv + org3 + int64_t(g.C + h * D) * g.plane, accumulate);
    scatter(g, w.dv, D, dqkv + org3 + int64_t(2 * g.C + h * D) * g.plane, accumulate);
  }
}

// Runs body(tile_base, task) over all windows with per-thread zeroed tiles of tile_floats.
template <class Body>
void for_each_window(const Geom& g, size_t tile_floats, Body body) {
  const int64_t ntask = g.tasks();
  const int nthreads = int(std::min<int64_t>(omp_get_max_threads(), std::max<int64_t>(ntask, 1)));
  tile_floats = (tile_floats + 15) / 16 * 16;  // 64-byte aligned tiles
  Scratch<float> scratch(Device::CPU, tile_floats * nthreads);
  std::fill(scratch.data(), scratch.data() + scratch.size(), 0.0f);  // padding lanes stay zero
#pragma omp parallel num_threads(nthreads)
  {
    float* base = scratch.data() + tile_floats * omp_get_thread_num();
#pragma omp for schedule(static)
    for (int64_t task = 0; task < ntask; ++task) body(base, task);
  }
}

}  // namespace

void window_attention_forward_cpu(const WindowAttnShape& s, const float* qkv, float* out, float* lse) {
  const Geom g(s);
  for_each_window(g, FwdTile::size(g), [&](float* base, int64_t task) {
    const FwdTile w(g, base);
    if (g.D == 8) forward_window<8>(g, w, task, qkv, out, lse);
    else forward_window<0>(g, w, task, qkv, out, lse);
  });
}

void window_attention_backward_cpu(const WindowAttnShape& s, const float* qkv, const float* out,
                                   const float* lse, const float* dout, float* dqkv, bool accumulate) {
  const Geom g(s);
  for_each_window(g, BwdTile::size(g), [&](float* base, int64_t task) {
    const BwdTile w(g, base);
    if (g.D == 8) backward_window<8>(g, w, task, qkv, out, lse, dout, dqkv, accumulate);
    else backward_window<0>(g, w, task, qkv, out, lse, dout, dqkv, accumulate);
  });
}

RF_CPU_LEVEL_END

#if RF_CPU_DISPATCHER
namespace rf::kernels {

RF_CPU_LEVELS(window_attention_forward_cpu)
void window_attention_forward_cpu(const WindowAttnShape& s, const float* qkv, float* out, float* lse) {
  RF_CPU_PICK(window_attention_forward_cpu)(s, qkv, out, lse);
}

RF_CPU_LEVELS(window_attention_backward_cpu)
void window_attention_backward_cpu(const WindowAttnShape& s, const float* qkv, const float* out, const float* lse,
    const float* dout, float* dqkv, bool accumulate) {
  RF_CPU_PICK(window_attention_backward_cpu)(s, qkv, out, lse, dout, dqkv, accumulate);
}

}  // namespace rf::kernels
#endif
