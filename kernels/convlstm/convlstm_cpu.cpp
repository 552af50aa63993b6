// ConvLSTM cell update on gates [B, 4Ch, HW] (rows i, f, g, o). Pointwise over
// (b, ch, hw); the transcendental functions come from kernels/common/vmath.h so
// the hw loops vectorise. Backward, with tc = tanh(c) and s* = sigmoid(*):
//   dc_tot = dc + dh so (1 - tc^2)
//   do = dh tc so (1 - so)        di = dc_tot tanh(g) si (1 - si)
//   dg = dc_tot si (1 - tanh(g)^2) df = dc_tot c_prev sf (1 - sf)
//   dc_prev = dc_tot sf
#include "kernels/convlstm/convlstm.h"

#include <algorithm>

#include "kernels/common/vmath.h"

#include "kernels/common/cpu_dispatch.h"

RF_CPU_LEVEL_BEGIN

namespace {
constexpr int64_t kChunk = 1024;  // hw values per work item
}

void convlstm_cell_forward_cpu(const ConvLstmShape& s, const float* gates, const float* c_prev, float* c,
                               float* h) {
  const int64_t HW = s.HW, nchunk = (HW + kChunk - 1) / kChunk, Ch = s.Ch;
  const int64_t ntask = int64_t(s.B) * Ch * nchunk;
#pragma omp parallel for schedule(static) if (ntask > 1 && int64_t(s.B) * Ch * HW >= (1 << 14))
  for (int64_t task = 0; task < ntask; ++task) {
    const int64_t bc = task / nchunk, b = bc / Ch, ch = bc % Ch;
    const int64_t p0 = (task % nchunk) * kChunk, n = std::min(kChunk, HW - p0);
    const float* gi = gates + (b * 4 * Ch + ch) * HW + p0;
    const float* gf = gi + Ch * HW;
    const float* gg = gf + Ch * HW;
    const float* go = gg + Ch * HW;
    const int64_t off = bc * HW + p0;
    const float* cp = c_prev ? c_prev + off : nullptr;
    float* cc = c + off;
    float* hh = h + off;
    if (cp) {
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) {
        const float cv = vmath::sigmoid(gf[j]) * cp[j] + vmath::sigmoid(gi[j]) * vmath::tanh(gg[j]);
        cc[j] = cv;
        hh[j] = vmath::sigmoid(go[j]) * vmath::tanh(cv);
      }
    } else {
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) {
        const float cv = vmath::sigmoid(gi[j]) * vmath::tanh(gg[j]);
        cc[j] = cv;
        hh[j] = vmath::sigmoid(go[j]) * vmath::tanh(cv);
      }
    }
  }
}

void convlstm_cell_backward_cpu(const ConvLstmShape& s, const float* gates, const float* c_prev, const float* c,
                                const float* dh, const float* dc, float* dgates, float* dc_prev) {
  const int64_t HW = s.HW, nchunk = (HW + kChunk - 1) / kChunk, Ch = s.Ch;
  const int64_t ntask = int64_t(s.B) * Ch * nchunk;
#pragma omp parallel for schedule(static) if (ntask > 1 && int64_t(s.B) * Ch * HW >= (1 << 14))
  for (int64_t task = 0; task < ntask; ++task) {
    const int64_t bc = task / nchunk, b = bc / Ch, ch = bc % Ch;
    const int64_t p0 = (task % nchunk) * kChunk, n = std::min(kChunk, HW - p0);
    const int64_t goff = (b * 4 * Ch + ch) * HW + p0, gstride = Ch * HW;
    const float* gi = gates + goff;
    const float* gf = gi + gstride;
    const float* gg = gf + gstride;
    const float* go = gg + gstride;
    float* di = dgates + goff;
    float* df = di + gstride;
    float* dg = df + gstride;
    float* dout = dg + gstride;
    const int64_t off = bc * HW + p0;
    const float* cp = c_prev ? c_prev + off : nullptr;
    const float* cc = c + off;
    const float* dhh = dh ? dh + off : nullptr;
    const float* dcc = dc ? dc + off : nullptr;
    float* dcp = dc_prev ? dc_prev + off : nullptr;
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) {
      const float si = vmath::sigmoid(gi[j]), sf = vmath::sigmoid(gf[j]), so = vmath::sigmoid(go[j]);
      const float tg = vmath::tanh(gg[j]), tc = vmath::tanh(cc[j]);
      const float dhv = dhh ? dhh[j] : 0.0f;
      const float dct = (dcc ? dcc[j] : 0.0f) + dhv * so * (1.0f - tc * tc);
      const float cpv = cp ? cp[j] : 0.0f;
      di[j] = dct * tg * si * (1.0f - si);
      df[j] = dct * cpv * sf * (1.0f - sf);
      dg[j] = dct * si * (1.0f - tg * tg);
      dout[j] = dhv * tc * so * (1.0f - so);
      if (dcp) dcp[j] = dct * sf;
    }
  }
}

RF_CPU_LEVEL_END

#if RF_CPU_DISPATCHER
namespace rf::kernels {

RF_CPU_LEVELS(convlstm_cell_forward_cpu)
void convlstm_cell_forward_cpu(const ConvLstmShape& s, const float* gates, const float* c_prev, float* c, float* h) {
  RF_CPU_PICK(convlstm_cell_forward_cpu)(s, gates, c_prev, c, h);
}

RF_CPU_LEVELS(convlstm_cell_backward_cpu)
void convlstm_cell_backward_cpu(const ConvLstmShape& s, const float* gates, const float* c_prev, const float* c,
    const float* dh, const float* dc, float* dgates, float* dc_prev) {
  RF_CPU_PICK(convlstm_cell_backward_cpu)(s, gates, c_prev, c, dh, dc, dgates, dc_prev);
}

}  // namespace rf::kernels
#endif
