// Adam / AdamW: a few steps against a hand-written double-precision transcription
// of torch.optim.Adam / AdamW, plus values worked out by hand for the first step.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/optim/adam.h"

namespace rf::kernels {
namespace {

// One step of PyTorch's algorithm in double (docs of torch.optim.Adam / AdamW).
void reference_step(const AdamParams& a, std::vector<double>& p, const std::vector<double>& g0,
                    std::vector<double>& m, std::vector<double>& v) {
  for (size_t i = 0; i < p.size(); ++i) {
    double g = g0[i];
    if (a.decoupled) p[i] *= 1.0 - double(a.lr) * a.weight_decay;
    else g += double(a.weight_decay) * p[i];
    m[i] = a.beta1 * m[i] + (1.0 - a.beta1) * g;
    v[i] = a.beta2 * v[i] + (1.0 - a.beta2) * g * g;
    const double mh = m[i] / (1.0 - std::pow(double(a.beta1), double(a.step)));
    const double vh = v[i] / (1.0 - std::pow(double(a.beta2), double(a.step)));
    p[i] -= a.lr * mh / (std::sqrt(vh) + a.eps);
  }
}

void run(bool decoupled, float wd) {
  const int64_t n = 70001;  // above the parallel threshold
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> p(n), m(n, 0.0f), v(n, 0.0f), g(n);
  for (auto& x : p) x = u(rng);
  std::vector<double> pd(p.begin(), p.end()), md(n, 0.0), vd(n, 0.0);
  AdamParams a;
  a.lr = 1e-2f, a.weight_decay = wd, a.decoupled = decoupled;
  for (int step = 1; step <= 5; ++step) {
    for (auto& x : g) x = u(rng);
    a.step = step;
    adam_step_cpu(n, a, p.data(), g.data(), m.data(), v.data());
    reference_step(a, pd, std::vector<double>(g.begin(), g.end()), md, vd);
  }
  double max_err = 0;
  for (int64_t i = 0; i < n; ++i) max_err = std::max(max_err, std::abs(p[i] - pd[i]));
  EXPECT_LT(max_err, 2e-6);
  for (int64_t i = 0; i < n; i += 101) {
    ASSERT_NEAR(m[i], md[i], 1e-6);
    ASSERT_NEAR(v[i], vd[i], 1e-6);
  }
}

TEST(Adam, MatchesPyTorchAlgorithmAdam) { run(false, 0.1f); }
TEST(Adam, MatchesPyTorchAlgorithmAdamW) { run(true, 0.1f); }

TEST(Adam, FirstStepByHand) {
  // step 1: m_hat = g, v_hat = g^2, so p -= lr * g / (|g| + eps) ~ lr * sign(g)
  float p[2] = {1.0f, -2.0f}, g[2] = {0.5f, -4.0f}, m[2] = {0, 0}, v[2] = {0, 0};
  AdamParams a;
  a.lr = 0.1f, a.weight_decay = 0.5f, a.decoupled = true;
  adam_step_cpu(2, a, p, g, m, v);
  // AdamW: p *= 1 - lr*wd = 0.95, then -= 0.1 * sign(g)
  EXPECT_NEAR(p[0], 0.95f - 0.1f, 1e-6);
  EXPECT_NEAR(p[1], -1.9f + 0.1f, 1e-6);
  EXPECT_NEAR(m[0], 0.05f, 1e-7);
  EXPECT_NEAR(v[1], 0.016f, 1e-6);  // (1 - 0.999f) is 0.00099999 in fp32
  // second step with the same gradient: m = 0.095 (g=0.5), v = 0.0004995 -> hats 0.5, 0.25 exactly
  a.step = 2;
  adam_step_cpu(2, a, p, g, m, v);
  EXPECT_NEAR(p[0], (0.85f * 0.95f) - 0.1f, 1e-6);

  // Adam (L2): g' = g + wd p = 0.5 + 0.5 * 1 = 1.0 -> step -lr
  float q[1] = {1.0f}, gq[1] = {0.5f}, mq[1] = {0}, vq[1] = {0};
  AdamParams b;
  b.lr = 0.1f, b.weight_decay = 0.5f, b.decoupled = false;
  adam_step_cpu(1, b, q, gq, mq, vq);
  EXPECT_NEAR(q[0], 0.9f, 1e-6);
  EXPECT_NEAR(mq[0], 0.1f, 1e-7);
}

}  // namespace
}  // namespace rf::kernels
