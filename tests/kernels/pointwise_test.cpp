// Pointwise (1x1 conv / channels-first Linear): forward vs a double reference,
// backward data / weight / bias vs central finite differences of it, accumulate
// semantics, and a position count that spans several uneven chunks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/pointwise/pointwise.h"
#include "tests/kernels/kernel_testing.h"

namespace rf::kernels {
namespace {

using rf::kerneltest::random_vec;
using rf::kerneltest::to_double;


PointwiseShape shape(int B, int Cin, int Cout, int64_t S) {
  PointwiseShape s;
  s.B = B, s.Cin = Cin, s.Cout = Cout, s.S = S;
  return s;
}

std::vector<double> ref_forward(const PointwiseShape& s, const std::vector<double>& x,
                                const std::vector<double>& w, const std::vector<double>* bias) {
  std::vector<double> y(size_t(s.B) * s.Cout * s.S);
  for (int b = 0; b < s.B; ++b)
    for (int o = 0; o < s.Cout; ++o)
      for (int64_t p = 0; p < s.S; ++p) {
        double acc = bias ? (*bias)[o] : 0.0;
        for (int i = 0; i < s.Cin; ++i) acc += w[size_t(o) * s.Cin + i] * x[(size_t(b) * s.Cin + i) * s.S + p];
        y[(size_t(b) * s.Cout + o) * s.S + p] = acc;
      }
  return y;
}

double rel_err(const std::vector<float>& got, const std::vector<double>& want) {
  double e = 0.0, scale = 1.0;
  for (size_t i = 0; i < want.size(); ++i) {
    e = std::max(e, std::abs(double(got[i]) - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return e / scale;
}

void check_forward(const PointwiseShape& s, bool with_bias, Epilogue ep) {
  const auto x = random_vec(size_t(s.B) * s.Cin * s.S, 1), w = random_vec(size_t(s.Cout) * s.Cin, 2);
  const auto bias = random_vec(s.Cout, 3);
  std::vector<float> y(size_t(s.B) * s.Cout * s.S, 5.0f);
  pointwise_forward_cpu(s, x.data(), w.data(), with_bias ? bias.data() : nullptr, y.data(), ep);
  const auto bd = to_double(bias);
  auto want = ref_forward(s, to_double(x), to_double(w), with_bias ? &bd : nullptr);
  if (ep == Epilogue::ReLU)
    for (auto& v : want) v = std::max(v, 0.0);
  EXPECT_LT(rel_err(y, want), 1e-5) << s.B << " " << s.Cin << " " << s.Cout << " " << s.S;
}

TEST(PointwiseForward, MatchesDoubleReference) {
  for (bool bias : {false, true})
    for (Epilogue ep : {Epilogue::None, Epilogue::ReLU}) check_forward(shape(2, 7, 5, 33), bias, ep);
  check_forward(shape(3, 32, 96, 449), true, Epilogue::None);  // attn.qkv-like
  check_forward(shape(2, 64, 32, 131), true, Epilogue::ReLU);  // head.fc1
  check_forward(shape(2, 32, 1, 77), true, Epilogue::None);    // head.fc2
  check_forward(shape(3, 5, 6, 5003), true, Epilogue::None);   // several uneven chunks per batch item
}

void check_backward(const PointwiseShape& s) {
  const auto x = random_vec(size_t(s.B) * s.Cin * s.S, 11), w = random_vec(size_t(s.Cout) * s.Cin, 12);
  const auto bias = random_vec(s.Cout, 13), g = random_vec(size_t(s.B) * s.Cout * s.S, 14);
  auto xd = to_double(x), wd = to_double(w), bd = to_double(bias);
  const auto gd = to_double(g);
  auto loss = [&] {
    const auto y = ref_forward(s, xd, wd, &bd);
    double acc = 0.0;
    for (size_t i = 0; i < y.size(); ++i) acc += gd[i] * y[i];
    return acc;
  };
  const double eps = 1e-2;  // linear in each argument: central differences are exact up to rounding
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
  std::vector<float> dx(x.size(), 3.0f), dw(w.size(), 3.0f), db(s.Cout, 3.0f);
  pointwise_backward_data_cpu(s, g.data(), w.data(), dx.data(), false);
  pointwise_backward_weight_cpu(s, x.data(), g.data(), dw.data(), db.data(), false);
  EXPECT_LT(rel_err(dx, fd(xd)), 1e-5);
  EXPECT_LT(rel_err(dw, fd(wd)), 1e-5);
  EXPECT_LT(rel_err(db, fd(bd)), 1e-5);
}

TEST(PointwiseBackward, MatchesFiniteDifferences) {
  check_backward(shape(2, 7, 5, 33));
  check_backward(shape(2, 6, 1, 19));
}

// Several chunks per batch item, none even: compared with the formulas in double.
TEST(PointwiseBackward, LargeShapeMatchesReference) {
  const PointwiseShape s = shape(3, 9, 11, 6007);
  const auto x = random_vec(size_t(s.B) * s.Cin * s.S, 21), w = random_vec(size_t(s.Cout) * s.Cin, 22);
  const auto g = random_vec(size_t(s.B) * s.Cout * s.S, 23);
  std::vector<double> dx_want(x.size(), 0.0), dw_want(w.size(), 0.0), db_want(s.Cout, 0.0);
  for (int b = 0; b < s.B; ++b)
    for (int o = 0; o < s.Cout; ++o)
      for (int64_t p = 0; p < s.S; ++p) {
        const double gv = g[(size_t(b) * s.Cout + o) * s.S + p];
        db_want[o] += gv;
        for (int i = 0; i < s.Cin; ++i) {
          dx_want[(size_t(b) * s.Cin + i) * s.S + p] += w[size_t(o) * s.Cin + i] * gv;
          dw_want[size_t(o) * s.Cin + i] += x[(size_t(b) * s.Cin + i) * s.S + p] * gv;
        }
      }
  std::vector<float> dx(x.size()), dw(w.size()), db(s.Cout);
  pointwise_backward_data_cpu(s, g.data(), w.data(), dx.data(), false);
  pointwise_backward_weight_cpu(s, x.data(), g.data(), dw.data(), db.data(), false);
  EXPECT_LT(rel_err(dx, dx_want), 1e-5);
  EXPECT_LT(rel_err(dw, dw_want), 1e-5);
  EXPECT_LT(rel_err(db, db_want), 1e-5);
}

TEST(PointwiseBackward, AccumulateAddsIntoExistingGradients) {
  const PointwiseShape s = shape(2, 7, 5, 2500);
  const auto x = random_vec(size_t(s.B) * s.Cin * s.S, 31), w = random_vec(size_t(s.Cout) * s.Cin, 32);
  const auto g = random_vec(size_t(s.B) * s.Cout * s.S, 33);
  const auto dx0 = random_vec(x.size(), 34), dw0 = random_vec(w.size(), 35), db0 = random_vec(s.Cout, 36);
  std::vector<float> dx1(x.size()), dw1(w.size()), db1(s.Cout);
  pointwise_backward_data_cpu(s, g.data(), w.data(), dx1.data(), false);
  pointwise_backward_weight_cpu(s, x.data(), g.data(), dw1.data(), db1.data(), false);
  auto dx = dx0, dw = dw0, db = db0;
  pointwise_backward_data_cpu(s, g.data(), w.data(), dx.data(), true);
  pointwise_backward_weight_cpu(s, x.data(), g.data(), dw.data(), db.data(), true);
  for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], dx0[i] + dx1[i], 1e-5f) << i;
  for (size_t i = 0; i < dw.size(); ++i) ASSERT_NEAR(dw[i], dw0[i] + dw1[i], 1e-3f) << i;
  for (size_t i = 0; i < db.size(); ++i) ASSERT_NEAR(db[i], db0[i] + db1[i], 1e-3f) << i;
}

}  // namespace
}  // namespace rf::kernels
