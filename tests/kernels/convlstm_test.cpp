// ConvLSTM cell update: forward vs double reference (with and without c_prev),
// backward vs central finite differences of the reference, vmath accuracy.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/common/vmath.h"
#include "kernels/convlstm/convlstm.h"
#include "tests/kernels/kernel_testing.h"

namespace rf::kernels {
namespace {

using rf::kerneltest::random_vec;

double sig(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// c and h in double; cp empty = zeros.
void reference(const ConvLstmShape& s, const std::vector<double>& gates, const std::vector<double>& cp,
               std::vector<double>& c, std::vector<double>& h) {
  const int64_t n = int64_t(s.B) * s.Ch * s.HW;
  c.assign(n, 0.0);
  h.assign(n, 0.0);
  for (int b = 0; b < s.B; ++b)
    for (int ch = 0; ch < s.Ch; ++ch)
      for (int64_t p = 0; p < s.HW; ++p) {
        auto g = [&](int k) { return gates[((int64_t(b) * 4 + k) * s.Ch + ch) * s.HW + p]; };
        const int64_t o = (int64_t(b) * s.Ch + ch) * s.HW + p;
        const double cpv = cp.empty() ? 0.0 : cp[o];
        c[o] = sig(g(1)) * cpv + sig(g(0)) * std::tanh(g(2));
        h[o] = sig(g(3)) * std::tanh(c[o]);
      }
}

TEST(VMath, ExpSigmoidTanhAccurate) {
  double e_exp = 0, e_sig = 0, e_tanh = 0;
  for (double x = -80.0; x <= 80.0; x += 0.0137) {
    const float xf = float(x);
    e_exp = std::max(e_exp, std::abs(vmath::exp(xf) / std::exp(double(xf)) - 1.0));
    e_sig = std::max(e_sig, std::abs(vmath::sigmoid(xf) / sig(xf) - 1.0));
    if (std::abs(xf) > 1e-30f) e_tanh = std::max(e_tanh, std::abs(vmath::tanh(xf) / std::tanh(double(xf)) - 1.0));
  }
  for (float x : {1e-6f, -3e-4f, 0.01f, 0.6249f, 0.6251f, -0.7f, 9.0f, -20.0f})
    e_tanh = std::max(e_tanh, std::abs(vmath::tanh(x) / std::tanh(double(x)) - 1.0));
  EXPECT_LT(e_exp, 3e-7);
  EXPECT_LT(e_sig, 5e-7);
  EXPECT_LT(e_tanh, 5e-7);
  EXPECT_EQ(vmath::tanh(0.0f), 0.0f);
  EXPECT_TRUE(std::isfinite(vmath::exp(1000.0f)));
  EXPECT_LT(vmath::exp(-1000.0f), 1e-37f);
}

void check(const ConvLstmShape& s, bool with_cprev) {
  const int64_t n = int64_t(s.B) * s.Ch * s.HW;
  const auto gates = random_vec(4 * n, 1, -3.0f, 3.0f);
  const auto cp = with_cprev ? random_vec(n, 2, -2.0f, 2.0f) : std::vector<float>();
  const auto wh = random_vec(n, 3), wc = random_vec(n, 4);
  std::vector<float> c(n), h(n);
  convlstm_cell_forward_cpu(s, gates.data(), with_cprev ? cp.data() : nullptr, c.data(), h.data());
  std::vector<double> g(gates.begin(), gates.end()), cpd(cp.begin(), cp.end()), rc, rh;
  reference(s, g, cpd, rc, rh);
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_NEAR(c[i], rc[i], 1e-6 * (1 + std::abs(rc[i])));
    ASSERT_NEAR(h[i], rh[i], 1e-6);
  }

  // backward: L = sum(wh * h + wc * c), dh = wh, dc = wc
  std::vector<float> dg(4 * n), dcp(n);
  convlstm_cell_backward_cpu(s, gates.data(), with_cprev ? cp.data() : nullptr, c.data(), wh.data(), wc.data(),
                             dg.data(), with_cprev ? dcp.data() : nullptr);
  auto loss = [&]() {
    reference(s, g, cpd, rc, rh);
    double l = 0;
    for (int64_t i = 0; i < n; ++i) l += wh[i] * rh[i] + wc[i] * rc[i];
    return l;
  };
  auto fd = [&](std::vector<double>& v, size_t i) {
    const double hstep = 1e-6, v0 = v[i];
    v[i] = v0 + hstep;
    const double lp = loss();
    v[i] = v0 - hstep;
    const double lm = loss();
    v[i] = v0;
    return (lp - lm) / (2 * hstep);
  };
  // about 300 perturbed elements per input (each FD evaluation is a full reference pass)
  const size_t step = g.size() / 300 | 1;
  for (size_t i = 0; i < g.size(); i += step) ASSERT_NEAR(dg[i], fd(g, i), 1e-5) << "dgates " << i;
  if (with_cprev) {
    for (size_t i = 0; i < cpd.size(); i += step / 4 | 1) ASSERT_NEAR(dcp[i], fd(cpd, i), 1e-5) << "dc_prev " << i;
  }

  // dh only / dc only (the other null)
  std::vector<float> dg_h(4 * n), dg_c(4 * n);
  convlstm_cell_backward_cpu(s, gates.data(), with_cprev ? cp.data() : nullptr, c.data(), wh.data(), nullptr,
                             dg_h.data(), nullptr);
  convlstm_cell_backward_cpu(s, gates.data(), with_cprev ? cp.data() : nullptr, c.data(), nullptr, wc.data(),
                             dg_c.data(), nullptr);
  for (size_t i = 0; i < dg.size(); ++i) ASSERT_NEAR(dg_h[i] + dg_c[i], dg[i], 1e-5);
}

TEST(ConvLstmCell, ForwardBackwardWithPreviousCell) {
  ConvLstmShape s;
  s.B = 2, s.Ch = 3, s.HW = 37;
  check(s, true);
}

TEST(ConvLstmCell, ForwardBackwardFirstStep) {
  ConvLstmShape s;
  s.B = 2, s.Ch = 5, s.HW = 1031;  // crosses the 1024-column work chunk
  check(s, false);
}

}  // namespace
}  // namespace rf::kernels
