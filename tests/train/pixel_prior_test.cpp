// qh-fuse's prior (train/data/pixel_prior.h, train/fit/prior_fit.h) and the
// log-space blend (train/data/blend.h):
//   - the blend's ridge solve recovers exact weights;
//   - prior_features equals the features computed by hand, at the grid's edges,
//     on the first and last day, with a source unavailable and outside the set;
//   - the MLP's forward pass equals a plain per-pixel evaluation;
//   - fitting learns a nonlinear function of the features far better than a
//     constant, picks its epoch count on held-out stations, and the same seed
//     gives the same weights bit for bit;
//   - prior_row uses the MLP when the statistics hold one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "train/data/blend.h"
#include "train/data/model_input.h"
#include "train/data/pixel_prior.h"
#include "train/fit/prior_fit.h"
#include "tests/train/synthetic_prepared.h"

namespace rf::pipe {
namespace {

TEST(Blend, RidgeRecoversExactWeights) {
  const uint32_t set = 0b10101;  // era5, gldas, cmorph
  ASSERT_EQ(blend_size(set), 15);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> w(15);
  for (float& x : w) x = 0.6f * u(rng) - 0.3f;
  BlendFit fit(set);
  for (int i = 0; i < 4000; ++i) {
    float v[5];
    for (float& x : v) x = u(rng) < 0.1f ? NAN : 20 * u(rng) * u(rng);
    const float a = float(2 * std::numbers::pi * u(rng)), sd = std::sin(a), cd = std::cos(a);
    const float y = blend_log1p(w, set, v, sd, cd);
    if (!(y >= 0)) continue;  // the fit's target is log1p(max(gauge, 0)): exact for y >= 0
    fit.add(v, sd, cd, std::expm1(y));
  }
  const std::vector<float> got = fit.solve();
  ASSERT_EQ(got.size(), w.size());
  for (size_t j = 0; j < w.size(); ++j) EXPECT_NEAR(got[j], w[j], 2e-3) << j;
  const float none[5] = {NAN, 1, NAN, 1, NAN};  // only sources outside the set
  EXPECT_TRUE(std::isnan(blend_log1p(w, set, none, 0, 1)));
}

float log1p_nan(float v) { return std::isfinite(v) ? std::log1p(std::max(v, 0.0f)) : NAN; }

// The working-grid value of source k on day t at (r, c): the nearest plan's cell.
float source_at(const Prepared& p, int k, int t, int64_t r, int64_t c) {
  const SourceData& s = p.sources[k];
  const int64_t src = s.plan.src_index[size_t(r * p.nx() + c)];
  return src < 0 ? NAN : s.cube.day_ptr(size_t(t))[src];
}

TEST(PriorFeatures, EqualHandComputation) {
  std::mt19937 rng(5);
  Prepared p = testing::synthetic_prepared(12, 17, 6, rng);
  p.sources[1].available[2] = 0;          // imerg off on day 2
  const uint32_t set = 0x1f & ~(1u << 3);  // gsmap outside the set
  const int64_t nx = p.nx(), ny = p.ny();
  std::vector<float> f(size_t(nx) * kPriorFeatures);
  for (int d : {0, 2, 5})
    for (int64_t r : {int64_t(0), int64_t(5), ny - 1}) {
      prior_features(p, set, d, r, 0, nx, f.data());
      for (int64_t c = 0; c < nx; ++c) {
        const float* x = f.data() + size_t(c) * kPriorFeatures;
        for (int k = 0; k < 5; ++k) {
          auto counts = [&](int t) { return k != 3 && t >= 0 && t < 6 && p.sources[k].available[size_t(t)]; };
          auto val = [&](int t) { return counts(t) ? log1p_nan(source_at(p, k, t, r, c)) : NAN; };
          auto same = [](float a, float b) { return (std::isnan(a) && std::isnan(b)) || std::fabs(a - b) < 1e-5f; };
          EXPECT_TRUE(same(x[k], val(d))) << d << " " << r << " " << c << " " << k;
          EXPECT_TRUE(same(x[5 + k], val(d - 1))) << k;
          EXPECT_TRUE(same(x[10 + k], val(d + 1))) << k;
          EXPECT_EQ(x[20 + k], std::isnan(val(d)) ? 1.0f : 0.0f) << k;
          double sum = 0;
          int n = 0;
          for (int64_t rr = std::max<int64_t>(r - 1, 0); rr <= std::min(r + 1, ny - 1) && counts(d); ++rr)
            for (int64_t cc = std::max<int64_t>(c - 1, 0); cc <= std::min(c + 1, nx - 1); ++cc)
              if (const float v = source_at(p, k, d, rr, cc); std::isfinite(v)) sum += std::max(v, 0.0f), ++n;
          EXPECT_TRUE(same(x[15 + k], n ? float(std::log1p(sum / n)) : NAN)) << "3x3 " << k;
        }
        EXPECT_EQ(x[25], p.elevation[size_t(r * nx + c)]);
        EXPECT_EQ(x[26], float(p.grid.lon[size_t(c)]));
        EXPECT_EQ(x[27], float(p.grid.lat[size_t(r)]));
        const double a = 2 * std::numbers::pi * io::day_of_year(p.days[size_t(d)]) / 365.25;
        EXPECT_FLOAT_EQ(x[28], float(std::sin(a)));
        EXPECT_FLOAT_EQ(x[29], float(std::cos(a)));
      }
      // A span in the middle of the row gives the same rows as the full row.
      std::vector<float> part(5 * kPriorFeatures);
      prior_features(p, set, d, r, 6, 5, part.data());
      for (size_t i = 0; i < part.size(); ++i) {
        const float a = part[i], b = f[6 * kPriorFeatures + i];
        EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << i;
      }
    }
  EXPECT_THROW(prior_features(p, set, 6, 0, 0, 1, f.data()), std::runtime_error);
  EXPECT_THROW(prior_features(p, set, 0, 0, nx - 1, 2, f.data()), std::runtime_error);
}

// y = a smooth nonlinear function of a few features; n rows of raw features
// from 20 "stations".
PriorRows make_rows(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  PriorRows rows;
  std::vector<float>&x = rows.x, &mm = rows.gauge_mm;
  x.assign(n * kPriorFeatures, 0.0f), mm.resize(n);
  for (size_t i = 0; i < n; ++i) {
    rows.station.push_back(int(i % 20));
    float* r = x.data() + i * kPriorFeatures;
    for (int j = 0; j < kPriorFeatures; ++j) r[j] = 3 * u(rng);
    r[3] = u(rng) < 0.2f ? NAN : r[3];
    const float y = 0.8f * std::tanh(r[0] - r[1]) + 0.3f * r[2] * (r[28] > 1.5f ? 1.0f : -0.5f) +
                    (std::isnan(r[3]) ? 0.5f : 0.1f * r[3]);
    mm[i] = std::expm1(std::max(y + 1.0f, 0.0f));
  }
  return rows;
}

TEST(PriorMlp, LearnsANonlinearFunctionAndIsSeeded) {
  const PriorRows rows = make_rows(6000, 1), test = make_rows(1000, 2);
  const std::vector<float>&xt = test.x, &mmt = test.gauge_mm;
  PriorFitReport rep;
  const PriorMlp m = fit_prior_mlp(rows, 42, &rep);
  EXPECT_GT(rep.epochs, 5);  // chosen on held-out stations
  EXPECT_LE(rep.epochs, 60);
  EXPECT_TRUE(std::isfinite(rep.held_out_mse));
  ASSERT_EQ(m.params.size(), PriorMlp::kSize);
  std::vector<float> y(mmt.size());
  m.predict(xt.data(), mmt.size(), y.data());
  double se = 0, var = 0, mean = 0;
  for (float v : mmt) mean += std::log1p(v) / double(mmt.size());
  for (size_t i = 0; i < mmt.size(); ++i) {
    se += (y[i] - std::log1p(mmt[i])) * (y[i] - std::log1p(mmt[i]));
    var += (std::log1p(mmt[i]) - mean) * (std::log1p(mmt[i]) - mean);
  }
  std::printf("held-out MSE %.4f, variance %.4f\n", se / double(mmt.size()), var / double(mmt.size()));
  EXPECT_LT(se, 0.1 * var);  // explains > 90 % of the variance on new rows
  std::printf("epochs %d, held-out MSE while choosing %.4f\n", rep.epochs, rep.held_out_mse);
  EXPECT_LT(rep.held_out_mse, 0.1 * var / double(mmt.size()));
  EXPECT_EQ(fit_prior_mlp(rows, 42).params, m.params);
  EXPECT_NE(fit_prior_mlp(rows, 43).params, m.params);
  EXPECT_THROW(fit_prior_mlp(PriorRows{}, 1), std::runtime_error);
  PriorRows one_station = make_rows(300, 3);  // nothing to hold out: a fixed count
  std::fill(one_station.station.begin(), one_station.station.end(), 0);
  fit_prior_mlp(one_station, 1, &rep);
  EXPECT_TRUE(rep.epochs == 60 && std::isnan(rep.held_out_mse)) << rep.epochs;
}

// The forward pass (the kernels' GEMM) against a plain evaluation of the formula.
TEST(PriorMlp, ForwardEqualsPlainEvaluation) {
  const PriorRows rows = make_rows(37, 3);  // not a multiple of the 16-pixel block
  const std::vector<float>& x = rows.x;
  PriorMlp m;
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  for (size_t i = 0; i < PriorMlp::kSize; ++i) m.params.push_back(u(rng));
  for (int j = kPriorFeatures; j < 2 * kPriorFeatures; ++j) m.params[size_t(j)] = 1.0f + std::fabs(m.params[size_t(j)]);
  std::vector<float> y(37);
  m.predict(x.data(), 37, y.data());
  constexpr int F = kPriorFeatures, H = kPriorHidden;
  const float* w = m.params.data();
  for (size_t i = 0; i < 37; ++i) {
    double z[F], h1[H], out = w[m.params.size() - 1];
    for (int j = 0; j < F; ++j) {
      const float v = x[i * F + size_t(j)];
      z[j] = std::isnan(v) ? 0.0 : (double(v) - w[j]) / w[F + j];
    }
    const float* w1 = w + 2 * F;
    const float* b1 = w1 + H * F;
    const float* w2 = b1 + H;
    const float* b2 = w2 + H * H;
    const float* w3 = b2 + H;
    for (int h = 0; h < H; ++h) {
      double s = b1[h];
      for (int j = 0; j < F; ++j) s += double(w1[h * F + j]) * z[j];
      h1[h] = std::max(s, 0.0);
    }
    for (int h = 0; h < H; ++h) {
      double s = b2[h];
      for (int j = 0; j < H; ++j) s += double(w2[h * H + j]) * h1[j];
      out += double(w3[h]) * std::max(s, 0.0);
    }
    EXPECT_NEAR(y[i], out, 1e-4 * (1 + std::fabs(out))) << i;
  }
  EXPECT_THROW(PriorMlp{{1.0f}}.predict(x.data(), 1, y.data()), std::runtime_error);
}

TEST(PriorMlp, PriorRowUsesTheMlp) {
  std::mt19937 rng(7);
  Prepared p = testing::synthetic_prepared(10, 15, 5, rng);
  NormStats ns;
  ns.prior_mlp = fit_prior_mlp(make_rows(500, 4), 1);
  std::vector<float> f(15 * kPriorFeatures), y(15), out(15);
  prior_features(p, 0x1f, 2, 4, 0, 15, f.data());
  ns.prior_mlp.predict(f.data(), 15, y.data());
  prior_row(p, ns, 0x1f, 2, 4, 0, 15, out.data());
  for (int c = 0; c < 15; ++c) {
    bool any = false;
    for (int k = 0; k < 5; ++k) any |= std::isfinite(source_at(p, k, 2, 4, c));
    if (any) EXPECT_FLOAT_EQ(out[size_t(c)], std::max(std::expm1(y[size_t(c)]), 0.0f)) << c;
    else EXPECT_TRUE(std::isnan(out[size_t(c)])) << c;
  }
}

}  // namespace
}  // namespace rf::pipe
