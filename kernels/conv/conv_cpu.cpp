// Stride-1 'same' convolution on the CPU as chunked implicit GEMM with packed
// operands and register-tiled micro-kernels, one copy per CPU level
// (kernels/common/cpu_dispatch.h): AVX-512 and AVX2 intrinsics, 128-bit GCC
// vector extensions for the baseline.
//
// For one batch item, with P = T*H*W output positions and K = Cin*kT*kH*kW:
//   forward          Y[Cout, P] = W[Cout, K] * col[K, P]
//   backward data    same, with the kernel transposed and flipped (stride 1 and
//                    symmetric padding k/2 make dx a 'same' conv of dy):
//                    dx = conv(dy, w'),  w'[ci, co, dt, dh, dw] = w[co, ci, kT-1-dt, kH-1-dh, kW-1-dw]
//   backward weight  dW^T[K, Cout] += col[K, P] * dY^T[P, Cout]
// col (im2col) is never built whole: positions are cut into chunks whose packed
// panels take about kPanelBytes (L2-sized), so scratch per thread is bounded
// whatever the tensor size. Threads take (b, chunk) items dynamically.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "kernels/common/memory.h"
#include "kernels/conv/conv.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "kernels/common/cpu_dispatch.h"

RF_CPU_LEVEL_BEGIN
namespace {

// ---- float vectors of the level: kL lanes -------------------------------------
// Register tiles follow the level's register file: AVX-512 has 32 vector
// registers, AVX2 and SSE2 have 16 (tile sizes below).
#if RF_CPU_LEVEL == 2
constexpr int kL = 16;
using vf = __m512;
using lanes = __mmask16;
inline vf vzero() { return _mm512_setzero_ps(); }
inline vf vload(const float* p) { return _mm512_load_ps(p); }  // 64-byte aligned
inline void vstore(float* p, vf v) { _mm512_store_ps(p, v); }
inline vf vloadu(const float* p) { return _mm512_loadu_ps(p); }
inline void vstoreu(float* p, vf v) { _mm512_storeu_ps(p, v); }
inline vf vbroadcast(float x) { return _mm512_set1_ps(x); }
inline vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
inline vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
// (not _mm512_max_ps: GCC 12 reports a false -Wmaybe-uninitialized inside it)
inline vf vrelu(vf a) { return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_GT_OQ), a); }
// Masked-off lanes are neither read nor written (no fault past the array ends).
inline vf vload_masked(lanes m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
inline void vstore_masked(float* p, lanes m, vf v) { _mm512_mask_storeu_ps(p, m, v); }
#elif RF_CPU_LEVEL == 1
constexpr int kL = 8;
using vf = __m256;
using lanes = unsigned;
inline vf vzero() { return _mm256_setzero_ps(); }
inline vf vload(const float* p) { return _mm256_load_ps(p); }  // 32-byte aligned
inline void vstore(float* p, vf v) { _mm256_store_ps(p, v); }
inline vf vloadu(const float* p) { return _mm256_loadu_ps(p); }
inline void vstoreu(float* p, vf v) { _mm256_storeu_ps(p, v); }
inline vf vbroadcast(float x) { return _mm256_set1_ps(x); }
inline vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
inline vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
inline vf vrelu(vf a) { return _mm256_max_ps(a, _mm256_setzero_ps()); }
// Lane l of the result is all ones where bit l of m is set.
inline __m256i vmask(lanes m) {
  const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(int(m)), bit), bit);
}
// vmaskmov: masked-off lanes are not read and do not fault. Stores go through
// a full store where all lanes are on (vmaskmov stores are slow on AMD).
inline vf vload_masked(lanes m, const float* p) { return m == 0xFFu ? vloadu(p) : _mm256_maskload_ps(p, vmask(m)); }
inline void vstore_masked(float* p, lanes m, vf v) {
  if (m == 0xFFu) vstoreu(p, v);
  else _mm256_maskstore_ps(p, vmask(m), v);
}
#else
constexpr int kL = RF_CPU_LANES;  // the baseline's 128-bit vectors
typedef float vf __attribute__((vector_size(4 * kL)));
typedef float vfu __attribute__((vector_size(4 * kL), aligned(4)));
using lanes = unsigned;
inline vf vzero() { return vf{}; }
inline vf vload(const float* p) { return *reinterpret_cast<const vf*>(p); }
inline void vstore(float* p, vf v) { *reinterpret_cast<vf*>(p) = v; }
inline vf vloadu(const float* p) { return *reinterpret_cast<const vfu*>(p); }
inline void vstoreu(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }
inline vf vbroadcast(float x) { return vf{} + x; }
inline vf vfma(vf a, vf b, vf c) { return a * b + c; }
inline vf vadd(vf a, vf b) { return a + b; }
inline vf vrelu(vf a) { return a > 0.0f ? a : vf{}; }
inline vf vload_masked(lanes m, const float* p) {
  if (m == (1u << kL) - 1) return vloadu(p);
  vf v{};
  for (int l = 0; l < kL; ++l)
    if (m >> l & 1u) v[l] = p[l];
  return v;
}
inline void vstore_masked(float* p, lanes m, vf v) {
  if (m == (1u << kL) - 1) return vstoreu(p, v);
  for (int l = 0; l < kL; ++l)
    if (m >> l & 1u) p[l] = v[l];
}
#endif

// Lanes [lo, hi) of kL, clamped.
inline lanes lane_mask(int lo, int hi) {
  lo = std::clamp(lo, 0, kL), hi = std::clamp(hi, lo, kL);
  return lanes(((1u << hi) - 1) & ~((1u << lo) - 1));
}

// ---- chunks and packed im2col panels ------------------------------------------
//
// colp[j/kNR][k][j%kNR] = x_b[ci, t+dt-pT, h+dh-pH, w+dw-pW]  (0 outside the image and
// past the chunk's n positions), chunk position j = (t, h, w), k = ((ci*kT+dt)*kH+dh)*kW+dw.
constexpr int kNR = 3 * kL;                           // positions per panel (3 vectors: 48, 24, 12)
constexpr int kMaxKW = 15;                            // widest kernel row im2col_panels takes
constexpr int64_t kPanelBytes = int64_t(512) << 10;  // panels of one chunk

struct Chunking {
  int64_t P, len, per_b, items;
  // Chunk length: a multiple of kNR near the panel budget, evened out over P.
  Chunking(const ConvShape& s, int64_t K) {
    if (s.kW > kMaxKW) throw std::invalid_argument("conv (CPU): kW > 15 is not supported");
    P = int64_t(s.T) * s.H * s.W;
    const int64_t cap = std::max<int64_t>(1, kPanelBytes / (4 * K * kNR)) * kNR;
    const int64_t n = (P + cap - 1) / cap;
    len = std::min(P, ((P + n - 1) / n + kNR - 1) / kNR * kNR);
    per_b = (P + len - 1) / len;
    items = int64_t(s.B) * per_b;
  }
  int64_t padded() const { return (len + kNR - 1) / kNR * kNR; }
};

// A run of chunk positions inside one image row and one panel: positions
// j .. j+len-1 are (t, h, w0 .. w0+len-1); t < 0 marks the zero padding after
// the last position.
struct Run {
  int64_t dst;  // offset of the run in panel layout at k = 0: (j/kNR)*K*kNR + j%kNR
  int len, t, h, w0;
};

// Cuts positions p0 .. p0+n-1 (then the padding up to a multiple of kNR) into runs.
int64_t chunk_runs(const ConvShape& s, int64_t K, int64_t p0, int64_t n, Run* runs) {
  const int64_t HW = int64_t(s.H) * s.W, npad = (n + kNR - 1) / kNR * kNR;
  int64_t count = 0;
  for (int64_t j = 0; j < npad;) {
    const int64_t p = p0 + j, o = j % kNR;
    Run r{(j / kNR) * K * kNR + o, int(kNR - o), -1, 0, 0};
    if (j < n) {
      r.t = int(p / HW), r.h = int((p / s.W) % s.H), r.w0 = int(p % s.W);
      r.len = int(std::min<int64_t>({int64_t(r.len), s.W - r.w0, n - j}));
    } else {
      r.len = int(npad - j);
    }
    runs[count++] = r;
    j += r.len;
  }
  return count;
}

// Fills the panels of one chunk; row shifts by dw are masked vector loads.
// The lane masks of a (run, dw) pair do not depend on the channel and the
// (dt, dh) offsets, so they are worked out once per run; the kW shifted copies
// of one source row are then written together while the row is in L1.
void im2col_panels(const ConvShape& s, int Cin, const float* xb, const Run* runs, int64_t nruns, float* colp) {
  const int pT = s.kT / 2, pH = s.kH / 2, pW = s.kW / 2;
  struct Move {
    int v, w;            // offset in the run; source column of its first lane
    lanes load, store;   // lanes read from the source row, lanes written
  };
  Move moves[kMaxKW][kNR / kL];
  for (int64_t i = 0; i < nruns; ++i) {
    const Run& r = runs[i];
    int nm = 0;
    for (int dw = 0; dw < s.kW; ++dw) {
      const int w = r.w0 + dw - pW;  // source column of the run's first lane
      nm = 0;
      for (int v = 0; v < r.len; v += kL, ++nm) {
        const lanes store = lane_mask(0, r.len - v);
        moves[dw][nm] = {v, w + v, lanes(lane_mask(-(w + v), s.W - (w + v)) & store), store};
      }
    }
    float* d = colp + r.dst;
    for (int ci = 0; ci < Cin; ++ci)
      for (int dt = 0; dt < s.kT; ++dt)
        for (int dh = 0; dh < s.kH; ++dh) {
          const int ts = r.t + dt - pT, hs = r.h + dh - pH;
          const bool inside = r.t >= 0 && ts >= 0 && ts < s.T && hs >= 0 && hs < s.H;
          const float* src = inside ? xb + ((int64_t(ci) * s.T + ts) * s.H + hs) * s.W : nullptr;
          for (int dw = 0; dw < s.kW; ++dw, d += kNR)
            for (int m = 0; m < nm; ++m) {
              const Move& mv = moves[dw][m];
              vstore_masked(d + mv.v, mv.store, inside ? vload_masked(mv.load, src + mv.w) : vzero());
            }
        }
  }
}

// ---- forward / backward data: C[M, n] = A[M, K] * colp -------------------------
//
// kMR x kNR output tiles in 3 kMR vector accumulators; each k-step loads the 3
// vectors of the panel and broadcasts kMR weights from ap[M/kMR][K][kMR] (rows
// past M are zero). AVX-512: 8 x 48 (24 of 32 registers); AVX2 and SSE2:
// 4 x 24 / 4 x 12 (12 + 3 + 1 = all 16 registers).
constexpr int kMR = RF_CPU_LEVEL == 2 ? 8 : 4;

void pack_rows(const float* a, int M, int64_t K, float* ap) {
  for (int mb = 0; mb < (M + kMR - 1) / kMR; ++mb)
    for (int64_t k = 0; k < K; ++k)
      for (int r = 0; r < kMR; ++r) {
        const int m = mb * kMR + r;
        ap[(mb * K + k) * kMR + r] = m < M ? a[m * K + k] : 0.0f;
      }
}

struct Epi {
  const float* bias;  // of this tile's first row, or null
  bool relu, accumulate;
};

// c[r, j] (= | +=) sum_k a[k][r] * b[k][j] (+ bias[r], ReLU) for r < rows, j < cols;
// c's row stride is ldc.
void gemm_tile(int64_t K, const float* a, const float* b, float* c, int64_t ldc, int rows, int cols, const Epi& e) {
  vf acc[kMR][3];
#pragma GCC unroll 8
  for (int r = 0; r < kMR; ++r)
#pragma GCC unroll 3
    for (int v = 0; v < 3; ++v) acc[r][v] = vzero();
  for (int64_t k = 0; k < K; ++k, a += kMR, b += kNR) {
    const vf b0 = vload(b), b1 = vload(b + kL), b2 = vload(b + 2 * kL);
#pragma GCC unroll 8
    for (int r = 0; r < kMR; ++r) {
      const vf ar = vbroadcast(a[r]);
      acc[r][0] = vfma(ar, b0, acc[r][0]);
      acc[r][1] = vfma(ar, b1, acc[r][1]);
      acc[r][2] = vfma(ar, b2, acc[r][2]);
    }
  }
  const lanes mask[3] = {lane_mask(0, cols), lane_mask(0, cols - kL), lane_mask(0, cols - 2 * kL)};
#pragma GCC unroll 8
  for (int r = 0; r < kMR; ++r) {
    if (r >= rows) break;
    float* row = c + r * ldc;
    const vf bv = vbroadcast(e.bias ? e.bias[r] : 0.0f);
#pragma GCC unroll 3
    for (int v = 0; v < 3; ++v) {
      vf val = vadd(acc[r][v], bv);
      if (e.accumulate) val = vadd(val, vload_masked(mask[v], row + kL * v));
      if (e.relu) val = vrelu(val);
      vstore_masked(row + kL * v, mask[v], val);
    }
  }
}

// out_b[M, P] (= | +=) A[M, K] * col_b[K, P] (+ bias, act) for every b; `in` has
// Cin channels, `out` has M.
void conv_gemm(const ConvShape& s, int Cin, int M, const float* in, const float* amat, const float* bias,
               float* out, Epilogue ep, bool accumulate) {
  const int64_t K = int64_t(Cin) * s.kT * s.kH * s.kW;
  const Chunking ch(s, K);
  const int64_t P = ch.P;
  const int mblocks = (M + kMR - 1) / kMR;
  Scratch<float> ap(Device::CPU, size_t(mblocks) * kMR * K);
  pack_rows(amat, M, K, ap.data());
#pragma omp parallel
  {
    Scratch<float> colp(Device::CPU, size_t(K * ch.padded()));
    Scratch<Run> runs(Device::CPU, size_t(ch.padded() + 1));
#pragma omp for schedule(dynamic, 1)
    for (int64_t it = 0; it < ch.items; ++it) {
      const int64_t b = it / ch.per_b, p0 = (it % ch.per_b) * ch.len, n = std::min(ch.len, P - p0);
      const int64_t nruns = chunk_runs(s, K, p0, n, runs.data());
      im2col_panels(s, Cin, in + b * Cin * P, runs.data(), nruns, colp.data());
      float* ob = out + b * M * P + p0;
      for (int64_t q = 0; q * kNR < n; ++q) {
        const int cols = int(std::min<int64_t>(kNR, n - q * kNR));
        for (int mb = 0; mb < mblocks; ++mb) {
          const Epi e{bias ? bias + mb * kMR : nullptr, ep == Epilogue::ReLU, accumulate};
          gemm_tile(K, ap.data() + mb * K * kMR, colp.data() + q * K * kNR, ob + mb * kMR * P + q * kNR, P,
                    std::min(kMR, M - mb * kMR), cols, e);
        }
      }
    }
  }
}

// ---- backward weight: dWt[K, Cpad] += colp * dyp ------------------------------
//
// dyp[j][Cpad] is the chunk's dy transposed (channels padded to kCR with zeros).
// KR x (kL·CV) tiles of dWt stay in KR·CV vector accumulators over the whole
// chunk (no horizontal sums); each position loads CV vectors of dyp and
// broadcasts KR panel values. AVX-512: 12 x 32 tiles, or 6 x 64 when Cout
// allows (24 accumulators); AVX2 and SSE2: 6 x 2kL (12 accumulators).
constexpr int kCR = RF_CPU_LEVEL == 2 ? 32 : 2 * kL;

// dwt[k0 + r][c0 .. c0+kL·CV) += sum_j colp(k0 + r, j) * dyp[j][c0 ..], r < rows.
template <int KR, int CV>
void weight_tile(int64_t K, int64_t n, const float* colp, int64_t k0, int rows, const float* dyp, int64_t cpad,
                 int64_t c0, float* dwt) {
  vf acc[KR][CV];
#pragma GCC unroll 12
  for (int r = 0; r < KR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < CV; ++v) acc[r][v] = vzero();
  // Rows past K repeat the last row; their sums are dropped below.
  int64_t off[KR];
  for (int r = 0; r < KR; ++r) off[r] = std::min<int64_t>(k0 + r, K - 1) * kNR;
  for (int64_t q = 0; q * kNR < n; ++q) {
    const float* panel = colp + q * K * kNR;
    const float* d = dyp + q * kNR * cpad + c0;
    const int cols = int(std::min<int64_t>(kNR, n - q * kNR));
    for (int o = 0; o < cols; ++o, d += cpad) {
      vf dv[CV];
#pragma GCC unroll 4
      for (int v = 0; v < CV; ++v) dv[v] = vload(d + kL * v);
#pragma GCC unroll 12
      for (int r = 0; r < KR; ++r) {
        const vf x = vbroadcast(panel[off[r] + o]);
#pragma GCC unroll 4
        for (int v = 0; v < CV; ++v) acc[r][v] = vfma(x, dv[v], acc[r][v]);
      }
    }
  }
#pragma GCC unroll 12
  for (int r = 0; r < KR; ++r) {
    if (r >= rows) break;
    float* row = dwt + (k0 + r) * cpad + c0;
#pragma GCC unroll 4
    for (int v = 0; v < CV; ++v) vstore(row + kL * v, vadd(vload(row + kL * v), acc[r][v]));
  }
}

// All tiles of one chunk.
void weight_chunk(int64_t K, int64_t n, const float* colp, const float* dyp, int64_t cpad, float* dwt) {
  int64_t c0 = 0;
#if RF_CPU_LEVEL == 2
  for (; c0 + 64 <= cpad; c0 += 64)
    for (int64_t k0 = 0; k0 < K; k0 += 6)
      weight_tile<6, 4>(K, n, colp, k0, int(std::min<int64_t>(6, K - k0)), dyp, cpad, c0, dwt);
  for (; c0 < cpad; c0 += 32)
    for (int64_t k0 = 0; k0 < K; k0 += 12)
      weight_tile<12, 2>(K, n, colp, k0, int(std::min<int64_t>(12, K - k0)), dyp, cpad, c0, dwt);
#else
  for (; c0 < cpad; c0 += 2 * kL)
    for (int64_t k0 = 0; k0 < K; k0 += 6)
      weight_tile<6, 2>(K, n, colp, k0, int(std::min<int64_t>(6, K - k0)), dyp, cpad, c0, dwt);
#endif
}

}  // namespace

void conv_forward_cpu(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                      Epilogue ep) {
  conv_gemm(s, s.Cin, s.Cout, x, w, bias, y, ep, false);
}

void conv_backward_data_cpu(const ConvShape& s, const float* dy, const float* w, float* dx, bool accumulate) {
  const int kv = s.kT * s.kH * s.kW;
  Scratch<float> wt(Device::CPU, size_t(s.w_size()));
  // wt[ci, co, r] = w[co, ci, kv-1-r]  (flattened kernel index reversed = all axes flipped)
  for (int ci = 0; ci < s.Cin; ++ci)
    for (int co = 0; co < s.Cout; ++co)
      for (int r = 0; r < kv; ++r)
        wt[(size_t(ci) * s.Cout + co) * kv + r] = w[(size_t(co) * s.Cin + ci) * kv + (kv - 1 - r)];
  conv_gemm(s, s.Cout, s.Cin, dy, wt.data(), nullptr, dx, Epilogue::None, accumulate);
}

void conv_backward_weight_cpu(const ConvShape& s, const float* x, const float* dy, float* dw, float* dbias,
                              bool accumulate) {
  const int64_t K = int64_t(s.Cin) * s.kT * s.kH * s.kW;
  const Chunking ch(s, K);
  const int64_t P = ch.P;
  const int64_t cpad = (s.Cout + kCR - 1) / kCR * kCR;
  const int nth = omp_get_max_threads();
  const int64_t slot = K * cpad;
  // One private dW^T per thread, summed in thread order at the end (deterministic).
  Scratch<float> partial(Device::CPU, size_t(slot * nth));
  int used = 1;
#pragma omp parallel num_threads(nth)
  {
    const int tid = omp_get_thread_num();
#pragma omp single
    used = omp_get_num_threads();
    float* dwt = partial.data() + tid * slot;
    std::fill(dwt, dwt + slot, 0.0f);
    Scratch<float> colp(Device::CPU, size_t(K * ch.padded()));
    Scratch<float> dyp(Device::CPU, size_t(ch.padded() * cpad));
    Scratch<Run> runs(Device::CPU, size_t(ch.padded() + 1));
#pragma omp for schedule(static)  // fixed item -> thread map: the partial sums do not depend on timing
    for (int64_t it = 0; it < ch.items; ++it) {
      const int64_t b = it / ch.per_b, p0 = (it % ch.per_b) * ch.len, n = std::min(ch.len, P - p0);
      const int64_t nruns = chunk_runs(s, K, p0, n, runs.data());
      im2col_panels(s, s.Cin, x + b * s.Cin * P, runs.data(), nruns, colp.data());
      const float* dyb = dy + b * s.Cout * P + p0;
      for (int64_t j = 0; j < n; ++j) {
        float* d = dyp.data() + j * cpad;
        for (int co = 0; co < s.Cout; ++co) d[co] = dyb[co * P + j];
        for (int64_t co = s.Cout; co < cpad; ++co) d[co] = 0.0f;
      }
      weight_chunk(K, n, colp.data(), dyp.data(), cpad, dwt);
    }
  }
#pragma omp parallel for schedule(static)
  for (int co = 0; co < s.Cout; ++co)
    for (int64_t k = 0; k < K; ++k) {
      float acc = 0.0f;
      for (int t = 0; t < used; ++t) acc += partial[t * slot + k * cpad + co];
      float& out = dw[co * K + k];
      out = accumulate ? out + acc : acc;
    }
  if (dbias) {
#pragma omp parallel for schedule(static)
    for (int co = 0; co < s.Cout; ++co) {
      double acc = 0.0;
      for (int b = 0; b < s.B; ++b) {
        const float* row = dy + (int64_t(b) * s.Cout + co) * P;
        float part = 0.0f;
#pragma omp simd reduction(+ : part)
        for (int64_t j = 0; j < P; ++j) part += row[j];
        acc += part;
      }
      dbias[co] = accumulate ? dbias[co] + float(acc) : float(acc);
    }
  }
}

RF_CPU_LEVEL_END

#if RF_CPU_DISPATCHER
namespace rf::kernels {

RF_CPU_LEVELS(conv_forward_cpu)
void conv_forward_cpu(const ConvShape& s, const float* x, const float* w, const float* bias, float* y, Epilogue ep) {
  RF_CPU_PICK(conv_forward_cpu)(s, x, w, bias, y, ep);
}

RF_CPU_LEVELS(conv_backward_data_cpu)
void conv_backward_data_cpu(const ConvShape& s, const float* dy, const float* w, float* dx, bool accumulate) {
  RF_CPU_PICK(conv_backward_data_cpu)(s, dy, w, dx, accumulate);
}

RF_CPU_LEVELS(conv_backward_weight_cpu)
void conv_backward_weight_cpu(const ConvShape& s, const float* x, const float* dy, float* dw, float* dbias,
    bool accumulate) {
  RF_CPU_PICK(conv_backward_weight_cpu)(s, x, dy, dw, dbias, accumulate);
}

}  // namespace rf::kernels
#endif
