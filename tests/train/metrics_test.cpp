// Scores against hand-computed values and a direct double-precision evaluation.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "train/evaluate/metrics.h"

using rf::eval::score;

TEST(Metrics, HandComputedExample) {
  // S = {0, 2, 5, 0.5}, O = {0.2, 1, 4, 0}
  std::vector<double> s{0, 2, 5, 0.5}, o{0.2, 1, 4, 0};
  auto r = score(s, o, {0.1, 1.0});
  EXPECT_EQ(r.n, 4);
  EXPECT_NEAR(r.rb_pct, (7.5 - 5.2) / 5.2 * 100, 1e-12);
  EXPECT_NEAR(r.mae, (0.2 + 1 + 1 + 0.5) / 4, 1e-12);
  EXPECT_NEAR(r.rmse, std::sqrt((0.04 + 1 + 1 + 0.25) / 4), 1e-12);
  // t = 0.1: pairs (0,0.2) miss, (2,1) hit, (5,4) hit, (0.5,0) false alarm
  EXPECT_EQ(r.cat[0].hits, 2);
  EXPECT_EQ(r.cat[0].misses, 1);
  EXPECT_EQ(r.cat[0].false_alarms, 1);
  EXPECT_NEAR(r.cat[0].pod(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(r.cat[0].far(), 1.0 / 3, 1e-12);
  EXPECT_NEAR(r.cat[0].csi(), 2.0 / 4, 1e-12);
  // t = 1: event is P >= 1, so (2,1) is a hit
  EXPECT_EQ(r.cat[1].hits, 2);
  EXPECT_EQ(r.cat[1].misses, 0);
  EXPECT_EQ(r.cat[1].false_alarms, 0);
  EXPECT_EQ(r.cat[1].correct_negatives, 2);
}

TEST(Metrics, CorrelationAndKgeMatchDirectFormulas) {
  std::mt19937 rng(7);
  std::gamma_distribution<double> g(0.6, 4.0);
  std::vector<double> s, o;
  for (int i = 0; i < 2000; ++i) {
    double v = g(rng);
    o.push_back(v);
    s.push_back(std::max(0.0, 1.3 * v + 2.0 * (g(rng) - 2.4)));
  }
  double ms = 0, mo = 0;
  for (size_t i = 0; i < s.size(); ++i) ms += s[i], mo += o[i];
  ms /= s.size(), mo /= o.size();
  double cov = 0, vs = 0, vo = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    cov += (s[i] - ms) * (o[i] - mo);
    vs += (s[i] - ms) * (s[i] - ms);
    vo += (o[i] - mo) * (o[i] - mo);
  }
  double cc = cov / std::sqrt(vs * vo);
  double alpha = std::sqrt(vs / vo), beta = ms / mo;
  double kge = 1 - std::sqrt((cc - 1) * (cc - 1) + (alpha - 1) * (alpha - 1) + (beta - 1) * (beta - 1));
  auto r = score(s, o);
  EXPECT_NEAR(r.cc, cc, 1e-9);
  EXPECT_NEAR(r.kge, kge, 1e-9);
  EXPECT_GT(r.cc, 0.3);
}

TEST(Metrics, NonFinitePairsAreSkippedAndEmptyIsNaN) {
  std::vector<double> s{1, NAN, 3}, o{1, 2, INFINITY};
  auto r = score(s, o);
  EXPECT_EQ(r.n, 1);
  auto e = score({}, {});
  EXPECT_EQ(e.n, 0);
  EXPECT_TRUE(std::isnan(e.rmse));
  EXPECT_TRUE(std::isnan(e.cat[0].pod()));
}

TEST(Metrics, MergeEqualsSinglePass) {
  rf::eval::ScoreAccumulator a, b, all;
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0, 10);
  for (int i = 0; i < 500; ++i) {
    double s = u(rng), o = u(rng);
    (i % 2 ? a : b).add(s, o);
    all.add(s, o);
  }
  a.merge(b);
  auto x = a.scores(), y = all.scores();
  EXPECT_EQ(x.n, y.n);
  EXPECT_NEAR(x.rmse, y.rmse, 1e-12);
  EXPECT_NEAR(x.kge, y.kge, 1e-12);
  EXPECT_EQ(x.cat[1].hits, y.cat[1].hits);
}
