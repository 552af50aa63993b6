// Implicit-GEMM convolution through the simulator: forward (bias + ReLU
// epilogue), backward data and backward weight (+ bias) against the direct
// formulas of conv.h evaluated in double and against the CPU backend, at odd sizes that leave partial
// 64-wide tiles in M, N and K; Conv3d 3x3x3 and Conv2d 3x3 (kT = 1); fp32 FMA
// and tf32 tensor-core (WMMA) arithmetic.
#include <cmath>

#include "kernels/conv/conv.h"
#include "kernels/conv/conv_cuda.h"
#include "tests/sim/sim_harness.h"

namespace {

namespace k = rf::kernels;
using V = std::vector<float>;

struct Ref {  // direct evaluation of conv.h's formulas
  const k::ConvShape& s;
  int64_t xi(int b, int c, int t, int h, int w) const { return (((int64_t(b) * s.Cin + c) * s.T + t) * s.H + h) * s.W + w; }
  int64_t yi(int b, int c, int t, int h, int w) const { return (((int64_t(b) * s.Cout + c) * s.T + t) * s.H + h) * s.W + w; }
  int64_t wi(int co, int ci, int dt, int dh, int dw) const {
    return (((int64_t(co) * s.Cin + ci) * s.kT + dt) * s.kH + dh) * s.kW + dw;
  }
  // Calls f(b, co, ci, t, h, w, dt, dh, dw, ts, hs, ws) for every in-range product term.
  template <class F>
  void each(F f) const {
    for (int b = 0; b < s.B; ++b)
      for (int co = 0; co < s.Cout; ++co)
        for (int ci = 0; ci < s.Cin; ++ci)
          for (int t = 0; t < s.T; ++t)
            for (int h = 0; h < s.H; ++h)
              for (int w = 0; w < s.W; ++w)
                for (int dt = 0; dt < s.kT; ++dt)
                  for (int dh = 0; dh < s.kH; ++dh)
                    for (int dw = 0; dw < s.kW; ++dw) {
                      const int ts = t + dt - s.kT / 2, hs = h + dh - s.kH / 2, ws = w + dw - s.kW / 2;
                      if (ts < 0 || ts >= s.T || hs < 0 || hs >= s.H || ws < 0 || ws >= s.W) continue;
                      f(b, co, ci, t, h, w, dt, dh, dw, ts, hs, ws);
                    }
  }
};

void check(const k::ConvShape& s, k::ConvMath math = k::ConvMath::Fp32) {
  const Ref r{s};
  const V x = rf::simtest::random_vec(size_t(s.x_size()), 1), w = rf::simtest::random_vec(size_t(s.w_size()), 2),
          bias = rf::simtest::random_vec(size_t(s.Cout), 3), dy = rf::simtest::random_vec(size_t(s.y_size()), 4),
          dx0 = rf::simtest::random_vec(size_t(s.x_size()), 5), dw0 = rf::simtest::random_vec(size_t(s.w_size()), 6),
          db0 = rf::simtest::random_vec(size_t(s.Cout), 7);
  std::vector<double> y(size_t(s.y_size()), 0.0), dx(dx0.begin(), dx0.end()), dw(dw0.begin(), dw0.end()),
      db(db0.begin(), db0.end());
  r.each([&](int b, int co, int ci, int t, int h, int ww, int dt, int dh, int dw_, int ts, int hs, int ws) {
    y[r.yi(b, co, t, h, ww)] += double(x[r.xi(b, ci, ts, hs, ws)]) * w[r.wi(co, ci, dt, dh, dw_)];
    dx[r.xi(b, ci, ts, hs, ws)] += double(dy[r.yi(b, co, t, h, ww)]) * w[r.wi(co, ci, dt, dh, dw_)];
    dw[r.wi(co, ci, dt, dh, dw_)] += double(dy[r.yi(b, co, t, h, ww)]) * x[r.xi(b, ci, ts, hs, ws)];
  });
  const int64_t P = int64_t(s.T) * s.H * s.W;
  V want_y(y.size()), want_dx(dx.begin(), dx.end()), want_dw(dw.begin(), dw.end()), want_db(s.Cout);
  for (size_t i = 0; i < y.size(); ++i) want_y[i] = float(std::max(0.0, y[i] + bias[i / P % s.Cout]));
  for (int b = 0; b < s.B; ++b)
    for (int co = 0; co < s.Cout; ++co)
      for (int64_t p = 0; p < P; ++p) db[co] += dy[(int64_t(b) * s.Cout + co) * P + p];
  for (int co = 0; co < s.Cout; ++co) want_db[co] = float(db[co]);

  const V got = rf::simtest::race_checked([&] {
    V gy(size_t(s.y_size())), gdx = dx0, gdw = dw0, gdb = db0;
    k::conv_forward_cuda(s, x.data(), w.data(), bias.data(), gy.data(), k::Epilogue::ReLU, nullptr, math);
    k::conv_backward_data_cuda(s, dy.data(), w.data(), gdx.data(), true, nullptr, math);
    k::conv_backward_weight_cuda(s, x.data(), dy.data(), gdw.data(), gdb.data(), true, nullptr, math);
    V all = gy;
    for (const V* v : {&gdx, &gdw, &gdb}) all.insert(all.end(), v->begin(), v->end());
    return all;
  });
  V want = want_y;
  for (const V* v : {&want_dx, &want_dw, &want_db}) want.insert(want.end(), v->begin(), v->end());
  // tf32 keeps 10 mantissa bits of each operand (relative 2^-11 per product).
  const bool tf32 = math == k::ConvMath::Tf32;
  rf::simtest::expect_close(got, want, tf32 ? 4e-3 : 2e-5, 1.0, tf32 ? "conv tf32" : "conv fp32");
  // ... and against the CPU backend (kernels/conv/conv_cpu.cpp).
  V cy(size_t(s.y_size())), cdx = dx0, cdw = dw0, cdb = db0;
  k::conv_forward_cpu(s, x.data(), w.data(), bias.data(), cy.data(), k::Epilogue::ReLU);
  k::conv_backward_data_cpu(s, dy.data(), w.data(), cdx.data(), true);
  k::conv_backward_weight_cpu(s, x.data(), dy.data(), cdw.data(), cdb.data(), true);
  for (const V* v : {&cdx, &cdw, &cdb}) cy.insert(cy.end(), v->begin(), v->end());
  rf::simtest::expect_close(got, cy, tf32 ? 4e-3 : 2e-5, 1.0, "vs CPU backend");
  if (tf32) {  // the operands really were rounded: the fp32 path gets closer
    double worst = 0.0;
    for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(double(got[i]) - want[i]));
    EXPECT_GT(worst, 1e-5);
  }
}

k::ConvShape shape(int B, int Cin, int Cout, int T, int H, int W, int kT) {
  k::ConvShape s;
  s.B = B;
  s.Cin = Cin;
  s.Cout = Cout;
  s.T = T;
  s.H = H;
  s.W = W;
  s.kT = kT;
  return s;
}

TEST(SimConv, Conv3dOddSizes) { check(shape(2, 3, 5, 3, 7, 9, 3)); }
TEST(SimConv, Conv2dWideOutput) { check(shape(1, 6, 70, 1, 9, 11, 1)); }
TEST(SimConv, Conv3dTensorCoresTf32) { check(shape(2, 3, 5, 3, 7, 9, 3), k::ConvMath::Tf32); }
TEST(SimConv, Conv2dTensorCoresTf32WideOutput) { check(shape(1, 6, 70, 1, 9, 11, 1), k::ConvMath::Tf32); }

TEST(SimConv, OverwriteAndNoBiasNoRelu) {
  const k::ConvShape s = shape(1, 2, 3, 2, 5, 6, 3);
  const V x = rf::simtest::random_vec(size_t(s.x_size()), 8), w = rf::simtest::random_vec(size_t(s.w_size()), 9);
  V y(size_t(s.y_size()), 123.0f);
  k::conv_forward_cuda(s, x.data(), w.data(), nullptr, y.data(), k::Epilogue::None, nullptr);
  int negative = 0;
  for (float v : y) negative += v < 0.0f;
  EXPECT_GT(negative, 0);  // no ReLU
  V dx(size_t(s.x_size()), 55.0f), dw(size_t(s.w_size()), 55.0f);
  k::conv_backward_data_cuda(s, y.data(), w.data(), dx.data(), false, nullptr);
  k::conv_backward_weight_cuda(s, x.data(), y.data(), dw.data(), nullptr, false, nullptr);
  for (float v : dx) ASSERT_LT(std::fabs(v), 50.0f);  // overwritten, not accumulated
  for (float v : dw) ASSERT_LT(std::fabs(v), 50.0f);
}

}  // namespace
