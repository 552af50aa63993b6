// Stride-1 'same' convolution: forward vs a naive double reference (odd shapes,
// kT 1 and 3, non-cubic odd kernels, bias / no bias, ReLU); backward data,
// weight and bias vs central finite differences of the double reference;
// accumulate semantics; a shape whose positions do not split evenly into the
// kernel's chunks (checked against the backward formulas in double).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/conv/conv.h"
#include "tests/kernels/kernel_testing.h"

namespace rf::kernels {
namespace {

using rf::kerneltest::random_vec;
using rf::kerneltest::to_double;


// y = conv(x, w) + bias, in double, straight from the definition.
std::vector<double> ref_forward(const ConvShape& s, const std::vector<double>& x, const std::vector<double>& w,
                                const std::vector<double>* bias) {
  const int pT = s.kT / 2, pH = s.kH / 2, pW = s.kW / 2;
  std::vector<double> y(s.y_size());
  for (int b = 0; b < s.B; ++b)
    for (int co = 0; co < s.Cout; ++co)
      for (int t = 0; t < s.T; ++t)
        for (int h = 0; h < s.H; ++h)
          for (int wo = 0; wo < s.W; ++wo) {
            double acc = bias ? (*bias)[co] : 0.0;
            for (int ci = 0; ci < s.Cin; ++ci)
              for (int dt = 0; dt < s.kT; ++dt)
                for (int dh = 0; dh < s.kH; ++dh)
                  for (int dw = 0; dw < s.kW; ++dw) {
                    const int ts = t + dt - pT, hs = h + dh - pH, ws = wo + dw - pW;
                    if (ts < 0 || ts >= s.T || hs < 0 || hs >= s.H || ws < 0 || ws >= s.W) continue;
                    acc += w[(((int64_t(co) * s.Cin + ci) * s.kT + dt) * s.kH + dh) * s.kW + dw] *
                           x[(((int64_t(b) * s.Cin + ci) * s.T + ts) * s.H + hs) * s.W + ws];
                  }
            y[(((int64_t(b) * s.Cout + co) * s.T + t) * s.H + h) * s.W + wo] = acc;
          }
  return y;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double acc = 0.0;
  for (size_t i = 0; i < a.size(); ++i) acc += a[i] * b[i];
  return acc;
}

// max |got - want| / max(1, max |want|)
double rel_err(const std::vector<float>& got, const std::vector<double>& want) {
  double e = 0.0, scale = 1.0;
  for (size_t i = 0; i < want.size(); ++i) {
    e = std::max(e, std::abs(double(got[i]) - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return e / scale;
}

ConvShape shape(int B, int Cin, int Cout, int T, int H, int W, int kT, int kH, int kW) {
  ConvShape s;
  s.B = B, s.Cin = Cin, s.Cout = Cout, s.T = T, s.H = H, s.W = W, s.kT = kT, s.kH = kH, s.kW = kW;
  return s;
}

void check_forward(const ConvShape& s, bool with_bias, Epilogue ep) {
  const auto x = random_vec(s.x_size(), 1), w = random_vec(s.w_size(), 2), bias = random_vec(s.Cout, 3);
  std::vector<float> y(s.y_size(), 123.0f);
  conv_forward_cpu(s, x.data(), w.data(), with_bias ? bias.data() : nullptr, y.data(), ep);
  const auto bd = to_double(bias);
  auto want = ref_forward(s, to_double(x), to_double(w), with_bias ? &bd : nullptr);
  if (ep == Epilogue::ReLU)
    for (auto& v : want) v = std::max(v, 0.0);
  EXPECT_LT(rel_err(y, want), 1e-5) << "Cin " << s.Cin << " Cout " << s.Cout << " k " << s.kT << s.kH << s.kW;
}

TEST(ConvForward, MatchesDoubleReferenceOnOddShapes) {
  for (int kT : {1, 3})
    for (bool bias : {false, true})
      for (Epilogue ep : {Epilogue::None, Epilogue::ReLU}) check_forward(shape(2, 3, 5, 4, 7, 9, kT, 3, 3), bias, ep);
  check_forward(shape(1, 8, 32, 7, 8, 8, 3, 3, 3), true, Epilogue::ReLU);   // conv1 channels
  check_forward(shape(3, 64, 17, 1, 5, 11, 1, 3, 3), true, Epilogue::None);  // LSTM-like, odd Cout
  check_forward(shape(2, 4, 3, 5, 6, 7, 3, 1, 5), true, Epilogue::None);     // non-cubic kernel
  check_forward(shape(1, 2, 3, 3, 2, 3, 3, 5, 5), false, Epilogue::None);    // kernel larger than H, W
  check_forward(shape(2, 3, 4, 1, 1, 1, 1, 3, 3), true, Epilogue::None);     // a single pixel
}

// Backward vs central differences of L = sum(g * conv(x, w, bias)) in double.
void check_backward(const ConvShape& s) {
  const auto x = random_vec(s.x_size(), 11), w = random_vec(s.w_size(), 12), bias = random_vec(s.Cout, 13);
  const auto g = random_vec(s.y_size(), 14);
  auto xd = to_double(x), wd = to_double(w), bd = to_double(bias);
  const auto gd = to_double(g);
  auto loss = [&] { return dot(gd, ref_forward(s, xd, wd, &bd)); };
  const double eps = 1e-2;  // L is linear in each argument: the difference quotient is exact up to rounding
  auto fd = [&](std::vector<double>& v) {
    std::vector<double> d(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      const double v0 = v[i];
      v[i] = v0 + eps;
      const double lp = loss();
      v[i] = v0 - eps;
      const double lm = loss();
      v[i] = v0;
      d[i] = (lp - lm) / (2 * eps);
    }
    return d;
  };
  std::vector<float> dx(s.x_size(), 7.0f), dw(s.w_size(), 7.0f), db(s.Cout, 7.0f);
  conv_backward_data_cpu(s, g.data(), w.data(), dx.data(), false);
  conv_backward_weight_cpu(s, x.data(), g.data(), dw.data(), db.data(), false);
  EXPECT_LT(rel_err(dx, fd(xd)), 1e-5);
  EXPECT_LT(rel_err(dw, fd(wd)), 1e-5);
  EXPECT_LT(rel_err(db, fd(bd)), 1e-5);
}

TEST(ConvBackward, MatchesFiniteDifferences3d) { check_backward(shape(2, 3, 5, 4, 7, 9, 3, 3, 3)); }
TEST(ConvBackward, MatchesFiniteDifferences2d) { check_backward(shape(2, 3, 5, 1, 7, 9, 1, 3, 3)); }
TEST(ConvBackward, MatchesFiniteDifferencesNonCubicKernel) { check_backward(shape(1, 2, 3, 3, 5, 6, 3, 1, 5)); }

TEST(ConvBackward, AccumulateAddsIntoExistingGradients) {
  const ConvShape s = shape(2, 3, 5, 4, 7, 9, 3, 3, 3);
  const auto x = random_vec(s.x_size(), 21), w = random_vec(s.w_size(), 22), g = random_vec(s.y_size(), 23);
  const auto dx0 = random_vec(s.x_size(), 24), dw0 = random_vec(s.w_size(), 25), db0 = random_vec(s.Cout, 26);
  std::vector<float> dx1(s.x_size()), dw1(s.w_size()), db1(s.Cout);
  conv_backward_data_cpu(s, g.data(), w.data(), dx1.data(), false);
  conv_backward_weight_cpu(s, x.data(), g.data(), dw1.data(), db1.data(), false);
  auto dx = dx0, dw = dw0, db = db0;
  conv_backward_data_cpu(s, g.data(), w.data(), dx.data(), true);
  conv_backward_weight_cpu(s, x.data(), g.data(), dw.data(), db.data(), true);
  for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], dx0[i] + dx1[i], 1e-5f) << i;
  for (size_t i = 0; i < dw.size(); ++i) ASSERT_NEAR(dw[i], dw0[i] + dw1[i], 1e-4f) << i;
  for (size_t i = 0; i < db.size(); ++i) ASSERT_NEAR(db[i], db0[i] + db1[i], 1e-4f) << i;
  // A null dbias leaves the bias alone and still produces dW.
  std::vector<float> dw2(s.w_size());
  conv_backward_weight_cpu(s, x.data(), g.data(), dw2.data(), nullptr, false);
  for (size_t i = 0; i < dw2.size(); ++i) ASSERT_EQ(dw2[i], dw1[i]) << i;
}

// Many channels and positions that do not split evenly into chunks or rows, so
// chunks start and end mid-row; checked against the backward formulas in double.
TEST(ConvChunks, LargeUnevenShapeMatchesReference) {
  const ConvShape s = shape(2, 40, 19, 3, 37, 29, 3, 3, 3);
  const auto x = random_vec(s.x_size(), 31), w = random_vec(s.w_size(), 32), bias = random_vec(s.Cout, 33);
  const auto g = random_vec(s.y_size(), 34);
  const auto xd = to_double(x), wd = to_double(w), bd = to_double(bias), gd = to_double(g);
  std::vector<float> y(s.y_size());
  conv_forward_cpu(s, x.data(), w.data(), bias.data(), y.data(), Epilogue::None);
  EXPECT_LT(rel_err(y, ref_forward(s, xd, wd, &bd)), 1e-5);

  const int pT = s.kT / 2, pH = s.kH / 2, pW = s.kW / 2;
  std::vector<double> dx_want(s.x_size(), 0.0), dw_want(s.w_size(), 0.0), db_want(s.Cout, 0.0);
  for (int b = 0; b < s.B; ++b)
    for (int co = 0; co < s.Cout; ++co)
      for (int t = 0; t < s.T; ++t)
        for (int h = 0; h < s.H; ++h)
          for (int wo = 0; wo < s.W; ++wo) {
            const double gv = gd[(((int64_t(b) * s.Cout + co) * s.T + t) * s.H + h) * s.W + wo];
            db_want[co] += gv;
            for (int ci = 0; ci < s.Cin; ++ci)
              for (int dt = 0; dt < s.kT; ++dt)
                for (int dh = 0; dh < s.kH; ++dh)
                  for (int dw = 0; dw < s.kW; ++dw) {
                    const int ts = t + dt - pT, hs = h + dh - pH, ws = wo + dw - pW;
                    if (ts < 0 || ts >= s.T || hs < 0 || hs >= s.H || ws < 0 || ws >= s.W) continue;
                    const int64_t wi = (((int64_t(co) * s.Cin + ci) * s.kT + dt) * s.kH + dh) * s.kW + dw;
                    const int64_t xi = (((int64_t(b) * s.Cin + ci) * s.T + ts) * s.H + hs) * s.W + ws;
                    dx_want[xi] += wd[wi] * gv;
                    dw_want[wi] += xd[xi] * gv;
                  }
          }
  std::vector<float> dx(s.x_size()), dw(s.w_size()), db(s.Cout);
  conv_backward_data_cpu(s, g.data(), w.data(), dx.data(), false);
  conv_backward_weight_cpu(s, x.data(), g.data(), dw.data(), db.data(), false);
  EXPECT_LT(rel_err(dx, dx_want), 1e-5);
  EXPECT_LT(rel_err(dw, dw_want), 1e-5);
  EXPECT_LT(rel_err(db, db_want), 1e-5);
}

}  // namespace
}  // namespace rf::kernels
