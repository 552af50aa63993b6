// The fused ConvLSTM step (gate convolution + cell update in the epilogue)
// through the simulator against the CPU backend: gates by the direct 3x3 sum in
// double, then convlstm_cell_forward_cpu. x_t is a time slice of a
// [B, Cx, T, H, W] tensor (strided view); fp32 and tf32 arithmetic; first step
// (no h_prev / c_prev) and a later one; 16 and 32 channels (one and two column tiles).
#include <cmath>

#include "kernels/convlstm/convlstm.h"
#include "kernels/convlstm/convlstm_cuda.h"
#include "tests/sim/sim_harness.h"

namespace {

namespace k = rf::kernels;
using V = std::vector<float>;

void check(int B, int Cx, int Ch, int T, int t, int H, int W, bool first, k::ConvMath math) {
  const int64_t HW = int64_t(H) * W, Cin = Cx + Ch;
  const V x = rf::simtest::random_vec(size_t(B) * Cx * T * HW, 1), hp = rf::simtest::random_vec(size_t(B) * Ch * HW, 2),
          cp = rf::simtest::random_vec(size_t(B) * Ch * HW, 3),
          w = rf::simtest::random_vec(size_t(4 * Ch * Cin * 9), 4, -0.3f, 0.3f),
          bias = rf::simtest::random_vec(size_t(4 * Ch), 5);
  // reference gates [B, 4Ch, HW]
  V gates(size_t(B) * 4 * Ch * HW);
  for (int b = 0; b < B; ++b)
    for (int o = 0; o < 4 * Ch; ++o)
      for (int y = 0; y < H; ++y)
        for (int xx = 0; xx < W; ++xx) {
          double acc = bias[o];
          for (int ci = 0; ci < Cin; ++ci)
            for (int dy = 0; dy < 3; ++dy)
              for (int dx = 0; dx < 3; ++dx) {
                const int ys = y + dy - 1, xs = xx + dx - 1;
                if (ys < 0 || ys >= H || xs < 0 || xs >= W) continue;
                const int64_t at = int64_t(ys) * W + xs;
                const double v = ci < Cx ? x[((int64_t(b) * Cx + ci) * T + t) * HW + at]
                                 : first ? 0.0
                                         : hp[(int64_t(b) * Ch + ci - Cx) * HW + at];
                acc += v * w[((int64_t(o) * Cin + ci) * 3 + dy) * 3 + dx];
              }
          gates[(int64_t(b) * 4 * Ch + o) * HW + int64_t(y) * W + xx] = float(acc);
        }
  k::ConvLstmShape s;
  s.B = B;
  s.Ch = Ch;
  s.HW = HW;
  V want_c(size_t(B) * Ch * HW), want_h(want_c.size());
  k::convlstm_cell_forward_cpu(s, gates.data(), first ? nullptr : cp.data(), want_c.data(), want_h.data());

  const V got = rf::simtest::race_checked([&] {
    V c(want_c.size()), h(want_h.size()), g(gates.size());
    const k::PlaneView xv{x.data() + int64_t(t) * HW, int64_t(Cx) * T * HW, int64_t(T) * HW};
    const k::PlaneView hv{first ? nullptr : hp.data(), Ch * HW, HW}, cv{first ? nullptr : cp.data(), Ch * HW, HW};
    k::convlstm_step_forward_cuda(s, Cx, H, W, xv, hv, cv, w.data(), bias.data(), {h.data(), Ch * HW, HW},
                                  {c.data(), Ch * HW, HW}, g.data(), math, nullptr);
    V all = c;
    all.insert(all.end(), h.begin(), h.end());
    all.insert(all.end(), g.begin(), g.end());
    return all;
  });
  V want = want_c;
  want.insert(want.end(), want_h.begin(), want_h.end());
  want.insert(want.end(), gates.begin(), gates.end());
  // Operand rounding: tf32 2^-11, bf16 2^-9 relative per product.
  const double tol = math == k::ConvMath::Bf16 ? 2e-2 : math == k::ConvMath::Tf32 ? 4e-3 : 2e-5;
  rf::simtest::expect_close(got, want, tol, 1.0, "step");
}

TEST(SimConvLstmStep, FirstStepFp32) { check(2, 3, 16, 2, 1, 7, 9, true, k::ConvMath::Fp32); }
TEST(SimConvLstmStep, LaterStepFp32TwoChannelTiles) { check(1, 5, 32, 3, 2, 6, 11, false, k::ConvMath::Fp32); }
TEST(SimConvLstmStep, LaterStepTf32) { check(2, 3, 16, 2, 0, 7, 9, false, k::ConvMath::Tf32); }
TEST(SimConvLstmStep, LaterStepBf16) { check(2, 3, 16, 2, 0, 7, 9, false, k::ConvMath::Bf16); }

TEST(SimConvLstmStep, RejectsChannelsNotMultipleOf16) {
  k::ConvLstmShape s;
  s.Ch = 12;
  s.HW = 4;
  EXPECT_THROW(k::convlstm_step_forward_cuda(s, 1, 2, 2, {}, {}, {}, nullptr, nullptr, {}, {}, nullptr,
                                             k::ConvMath::Fp32, nullptr),
               std::invalid_argument);
}

}  // namespace
