// LayerNorm over channels of [B, C, S]: forward vs double reference, backward vs
// central finite differences of the reference, accumulate semantics.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/layernorm/layernorm.h"
#include "tests/kernels/kernel_testing.h"

namespace rf::kernels {
namespace {

using rf::kerneltest::random_vec;

// y = (x - mean) / sqrt(var + eps) * gamma + beta over c, in double.
std::vector<double> reference(const LayerNormShape& s, const std::vector<double>& x, const std::vector<double>& g,
                              const std::vector<double>& b) {
  std::vector<double> y(x.size());
  for (int bb = 0; bb < s.B; ++bb)
    for (int64_t j = 0; j < s.S; ++j) {
      auto at = [&](int c) { return (int64_t(bb) * s.C + c) * s.S + j; };
      double mu = 0, var = 0;
      for (int c = 0; c < s.C; ++c) mu += x[at(c)];
      mu /= s.C;
      for (int c = 0; c < s.C; ++c) var += (x[at(c)] - mu) * (x[at(c)] - mu);
      const double rs = 1.0 / std::sqrt(var / s.C + s.eps);
      for (int c = 0; c < s.C; ++c) y[at(c)] = (x[at(c)] - mu) * rs * g[c] + b[c];
    }
  return y;
}

std::vector<double> to_d(const std::vector<float>& v) { return {v.begin(), v.end()}; }

struct Case {
  LayerNormShape s;
  std::vector<float> x, g, b, w;
  explicit Case(int B, int C, int64_t S) {
    s.B = B, s.C = C, s.S = S;
    x = random_vec(size_t(B) * C * S, 1, -2.0f, 3.0f);
    g = random_vec(C, 2, 0.5f, 1.5f);
    b = random_vec(C, 3);
    w = random_vec(x.size(), 4);
  }
};

TEST(LayerNorm, ForwardMatchesReference) {
  for (auto [B, C, S] : {std::tuple{2, 5, int64_t(37)}, std::tuple{3, 32, int64_t(1000)}}) {
    Case k(B, C, S);
    std::vector<float> y(k.x.size()), mean(size_t(B) * S), rstd(size_t(B) * S);
    layernorm_forward_cpu(k.s, k.x.data(), k.g.data(), k.b.data(), y.data(), mean.data(), rstd.data());
    const auto ref = reference(k.s, to_d(k.x), to_d(k.g), to_d(k.b));
    for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], ref[i], 2e-5) << i;
    // saved statistics: mean of column 0 of batch 0
    double mu = 0;
    for (int c = 0; c < C; ++c) mu += k.x[size_t(c) * S];
    EXPECT_NEAR(mean[0], mu / C, 1e-5);
  }
}

TEST(LayerNorm, BackwardMatchesFiniteDifferences) {
  Case k(2, 5, 37);
  const size_t nstat = size_t(k.s.B) * k.s.S;
  std::vector<float> y(k.x.size()), mean(nstat), rstd(nstat), dx(k.x.size());
  std::vector<float> dg(k.s.C, 0.0f), db(k.s.C, 0.0f);
  layernorm_forward_cpu(k.s, k.x.data(), k.g.data(), k.b.data(), y.data(), mean.data(), rstd.data());
  layernorm_backward_cpu(k.s, k.x.data(), k.g.data(), mean.data(), rstd.data(), k.w.data(), dx.data(), dg.data(),
                         db.data(), false);
  auto x = to_d(k.x), g = to_d(k.g), b = to_d(k.b);
  auto loss = [&]() {
    const auto r = reference(k.s, x, g, b);
    double l = 0;
    for (size_t i = 0; i < r.size(); ++i) l += k.w[i] * r[i];
    return l;
  };
  auto fd = [&](std::vector<double>& v, size_t i) {
    const double h = 1e-5, v0 = v[i];
    v[i] = v0 + h;
    const double lp = loss();
    v[i] = v0 - h;
    const double lm = loss();
    v[i] = v0;
    return (lp - lm) / (2 * h);
  };
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(dx[i], fd(x, i), 2e-4) << "dx " << i;
  for (int c = 0; c < k.s.C; ++c) {
    EXPECT_NEAR(dg[c], fd(g, c), 2e-4) << "dgamma " << c;
    EXPECT_NEAR(db[c], fd(b, c), 2e-4) << "dbeta " << c;
  }

  // accumulate: dx += when asked, dgamma / dbeta always +=
  auto dx2 = random_vec(k.x.size(), 9);
  const auto dx2_before = dx2;
  auto dg2 = dg, db2 = db;
  layernorm_backward_cpu(k.s, k.x.data(), k.g.data(), mean.data(), rstd.data(), k.w.data(), dx2.data(),
                         dg2.data(), db2.data(), true);
  for (size_t i = 0; i < dx2.size(); ++i) ASSERT_NEAR(dx2[i], dx2_before[i] + dx[i], 1e-5);
  for (int c = 0; c < k.s.C; ++c) {
    EXPECT_NEAR(dg2[c], 2 * dg[c], 1e-4);
    EXPECT_NEAR(db2[c], 2 * db[c], 1e-4);
  }

  // dx may be null (input needs no gradient): parameter gradients only
  std::vector<float> dg3(k.s.C, 0.0f), db3(k.s.C, 0.0f);
  layernorm_backward_cpu(k.s, k.x.data(), k.g.data(), mean.data(), rstd.data(), k.w.data(), nullptr, dg3.data(),
                         db3.data(), false);
  for (int c = 0; c < k.s.C; ++c) {
    EXPECT_EQ(dg3[c], dg[c]);
    EXPECT_EQ(db3[c], db[c]);
  }
}

TEST(LayerNorm, LargeShapeBackwardSumsOverThreads) {
  // dgamma / dbeta from per-thread partials equal the double sums
  Case k(3, 32, 1000);
  const size_t nstat = size_t(k.s.B) * k.s.S;
  std::vector<float> y(k.x.size()), mean(nstat), rstd(nstat), dx(k.x.size());
  std::vector<float> dg(k.s.C, 0.0f), db(k.s.C, 0.0f);
  layernorm_forward_cpu(k.s, k.x.data(), k.g.data(), k.b.data(), y.data(), mean.data(), rstd.data());
  layernorm_backward_cpu(k.s, k.x.data(), k.g.data(), mean.data(), rstd.data(), k.w.data(), dx.data(), dg.data(),
                         db.data(), false);
  for (int c = 0; c < k.s.C; ++c) {
    double sg = 0, sb = 0;
    for (int b = 0; b < k.s.B; ++b)
      for (int64_t j = 0; j < k.s.S; ++j) {
        const size_t i = (size_t(b) * k.s.C + c) * k.s.S + j;
        sg += double(k.w[i]) * (double(k.x[i]) - mean[b * k.s.S + j]) * rstd[b * k.s.S + j];
        sb += k.w[i];
      }
    EXPECT_NEAR(dg[c], sg, 1e-3);
    EXPECT_NEAR(db[c], sb, 1e-3);
  }
}

}  // namespace
}  // namespace rf::kernels
