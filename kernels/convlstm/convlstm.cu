// ConvLSTM cell update, one thread per (b, ch, hw) (grid-stride). With
// s* = sigmoid(*), tc = tanh(c):
//   forward : c = sf c_prev + si tanh(g) ; h = so tc
//   backward: dc_tot = dc + dh so (1 - tc^2)
//             di = dc_tot tanh(g) si (1 - si) ; df = dc_tot c_prev sf (1 - sf)
//             dg = dc_tot si (1 - tanh(g)^2)  ; do = dh tc so (1 - so) ; dc_prev = dc_tot sf
// The fused step (convlstm_step_forward_cuda) runs the gate convolution as an
// implicit GEMM (kernels/conv/igemm.cuh) whose output columns are permuted so
// that a 64-column tile holds gates i, f, g, o of the same 16 channels; the
// cell update is its epilogue.
#include <stdexcept>

#include "kernels/common/launch.h"
#include "kernels/conv/igemm.cuh"
#include "kernels/convlstm/convlstm_cuda.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {
namespace {

constexpr int kThreads = 256;

__device__ __forceinline__ float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

__global__ void cell_forward_kernel(int64_t Ch, int64_t HW, int64_t total, const float* __restrict__ gates,
                                    const float* __restrict__ c_prev, float* __restrict__ c, float* __restrict__ h) {
  for (int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = e / (Ch * HW), r = e % (Ch * HW);  // r = ch * HW + hw
    const float* gi = gates + b * 4 * Ch * HW + r;
    const float si = sigmoidf(gi[0]), sf = sigmoidf(gi[Ch * HW]), tg = tanhf(gi[2 * Ch * HW]),
                so = sigmoidf(gi[3 * Ch * HW]);
    const float cv = (c_prev ? sf * c_prev[e] : 0.0f) + si * tg;
    c[e] = cv;
    h[e] = so * tanhf(cv);
  }
}

__global__ void cell_backward_kernel(int64_t Ch, int64_t HW, int64_t total, const float* __restrict__ gates,
                                     const float* __restrict__ c_prev, const float* __restrict__ c,
                                     const float* __restrict__ dh, const float* __restrict__ dc,
                                     float* __restrict__ dgates, float* __restrict__ dc_prev) {
  for (int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = e / (Ch * HW), r = e % (Ch * HW), g0 = b * 4 * Ch * HW + r, gs = Ch * HW;
    const float si = sigmoidf(gates[g0]), sf = sigmoidf(gates[g0 + gs]), tg = tanhf(gates[g0 + 2 * gs]),
                so = sigmoidf(gates[g0 + 3 * gs]);
    const float tc = tanhf(c[e]);
    const float dhv = dh ? dh[e] : 0.0f;
    const float dct = (dc ? dc[e] : 0.0f) + dhv * so * (1.0f - tc * tc);
    const float cpv = c_prev ? c_prev[e] : 0.0f;
    dgates[g0] = dct * tg * si * (1.0f - si);
    dgates[g0 + gs] = dct * cpv * sf * (1.0f - sf);
    dgates[g0 + 2 * gs] = dct * si * (1.0f - tg * tg);
    dgates[g0 + 3 * gs] = dhv * tc * so * (1.0f - so);
    if (dc_prev) dc_prev[e] = dct * sf;
  }
}

// GEMM of the fused step: M = B*H*W positions, N = 4*Ch gate rows (permuted),
// K = (Cx + Ch) * 9. Tile column n holds gate q = (n % 64) / 16 of channel
// 16 (n / 64) + n % 16, i.e. weight row q*Ch + channel.
struct LstmStepOp {
  int B, Cx, Ch, H, W;
  PlaneView x, hp, cp;
  const float *w, *bias;
  PlaneOut h, c;
  float* gates;
  __device__ __forceinline__ int64_t M() const { return int64_t(B) * H * W; }
  __device__ __forceinline__ int64_t N() const { return 4 * int64_t(Ch); }
  __device__ __forceinline__ int64_t K() const { return int64_t(Cx + Ch) * 9; }
  __device__ __forceinline__ int64_t row(int64_t n) const { return (n % 64) / 16 * Ch + n / 64 * 16 + n % 16; }
  __device__ __forceinline__ float a(int64_t m, int64_t k) const {
    const int64_t HW = int64_t(H) * W, b = m / HW;
    const int p = int(m % HW), ci = int(k / 9), tap = int(k % 9);
    const int hs = p / W + tap / 3 - 1, ws = p % W + tap % 3 - 1;
    if (hs < 0 || hs >= H || ws < 0 || ws >= W) return 0.0f;
    const int64_t at = int64_t(hs) * W + ws;
    if (ci < Cx) return x.p[b * x.batch + ci * x.channel + at];
    return hp.p ? hp.p[b * hp.batch + (ci - Cx) * hp.channel + at] : 0.0f;
  }
  __device__ __forceinline__ float b(int64_t k, int64_t n) const { return w[row(n) * K() + k]; }
  // Thread pairs (position, channel): the four gates of the channel are in
  // columns chl, 16 + chl, 32 + chl, 48 + chl of the tile.
  __device__ __forceinline__ void epilogue(const igemm::Tile* Cs, int64_t m0, int64_t n0) const {
    const int64_t HW = int64_t(H) * W;
    for (int e = threadIdx.x; e < 64 * 16; e += igemm::kThreads) {
      const int mi = e % 64, chl = e / 64;
      const int64_t m = m0 + mi, ch = n0 / 4 + chl;
      if (m >= M()) continue;
      const int64_t b = m / HW, p = m % HW;
      const float pi = Cs[chl][mi] + bias[ch], pf = Cs[16 + chl][mi] + bias[Ch + ch],
                  pg = Cs[32 + chl][mi] + bias[2 * Ch + ch], po = Cs[48 + chl][mi] + bias[3 * Ch + ch];
      const float cprev = cp.p ? cp.p[b * cp.batch + ch * cp.channel + p] : 0.0f;
      const float cv = sigmoidf(pf) * cprev + sigmoidf(pi) * tanhf(pg);
      c.p[b * c.batch + ch * c.channel + p] = cv;
      h.p[b * h.batch + ch * h.channel + p] = sigmoidf(po) * tanhf(cv);
      if (gates) {
        float* g = gates + (b * 4 * Ch + ch) * HW + p;
        g[0] = pi;
        g[Ch * HW] = pf;
        g[2 * Ch * HW] = pg;
        g[3 * Ch * HW] = po;
      }
    }
  }
};

}  // namespace

void convlstm_cell_forward_cuda(const ConvLstmShape& s, const float* gates, const float* c_prev, float* c, float* h,
                                cudaStream_t stream) {
  const int64_t total = int64_t(s.B) * s.Ch * s.HW;
  if (total > 0)
    launch(cell_forward_kernel, blocks_for(total, kThreads), kThreads, 0, stream, int64_t(s.Ch), s.HW, total, gates,
           c_prev, c, h);
}

void convlstm_cell_backward_cuda(const ConvLstmShape& s, const float* gates, const float* c_prev, const float* c,
                                 const float* dh, const float* dc, float* dgates, float* dc_prev, cudaStream_t stream) {
  const int64_t total = int64_t(s.B) * s.Ch * s.HW;
  if (total > 0)
    launch(cell_backward_kernel, blocks_for(total, kThreads), kThreads, 0, stream, int64_t(s.Ch), s.HW, total, gates,
           c_prev, c, dh, dc, dgates, dc_prev);
}

void convlstm_step_forward_cuda(const ConvLstmShape& s, int Cx, int H, int W, PlaneView x, PlaneView h_prev,
                                PlaneView c_prev, const float* w, const float* bias, PlaneOut h, PlaneOut c,
                                float* gates, ConvMath math, cudaStream_t stream) {
  if (s.Ch % 16 != 0 || s.HW != int64_t(H) * W || Cx < 0) {
    throw std::invalid_argument("convlstm_step_forward_cuda: Ch must be a multiple of 16 and HW = H*W");
  }
  const LstmStepOp op{s.B, Cx, s.Ch, H, W, x, h_prev, c_prev, w, bias, h, c, gates};
  igemm::run(op, int64_t(s.B) * s.HW, 4 * int64_t(s.Ch), math, stream);
}

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
