// Baselines on an in-memory Prepared: a 60 x 50 working grid (0.05 deg), 90
// days of a known analytic truth, four configured sources on native grids
// (0.25, 0.1, 0.25 deg and the working grid itself, nearest plans) that are
// biased, nonlinear and noisy transforms of the truth, gsmap not configured,
// imerg unavailable on days 0-9, every source unavailable on day 20, cmorph
// missing at random pixels, and 25 stations gauging the truth.
//   mean                 = the test's own average of the sources at each pixel
//   bias_corrected_mean  recovers a, b when the gauges are a + b * mean (+ noise)
//   idw                  exact at station pixels; 5.2 by hand between two stations
//   xgboost              beats mean at held-out stations; same seed, same output
//   linear_blend, mlp_prior  beat mean at held-out stations, calibrated wet share
//                        and volume; mlp_prior seeded
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "io/dates.h"
#include "io/regrid/regrid.h"
#include "train/baselines/baseline.h"

namespace rf::pipe {
namespace {

constexpr int kDays = 90, kStations = 25;
constexpr int kImergOff = 10, kAllOff = 20, kAllNanDay = 30;

struct Truth {
  std::vector<double> amp, cx, cy, bg;  // per day
  double operator()(double lon, double lat, int t) const {
    const double r2 = (lon - cx[t]) * (lon - cx[t]) + (lat - cy[t]) * (lat - cy[t]);
    return amp[t] * std::exp(-r2 / (2 * 0.5 * 0.5)) + bg[t] * (1 + 0.5 * std::sin(3 * lon) * std::cos(2 * lat));
  }
};

// Source k's value for truth v (gsmap, k = 3, is not configured).
double source_transform(int k, double v, std::mt19937_64& rng) {
  std::normal_distribution<double> noise(0.0, 0.2);
  switch (k) {
    case 0: return 0.6 * v + 0.4;
    case 1: return 1.3 * v * std::exp(noise(rng));
    case 2: return 2.5 * std::sqrt(v);
    default: return v * v / 8;
  }
}

void add_source(Prepared& p, int k, const io::Grid& native, const Truth& truth, std::mt19937_64& rng) {
  SourceData& s = p.sources[k];
  s.name = kSourceNames[k];
  s.configured = true;
  s.cube.product = s.name;
  s.cube.grid = native;
  s.cube.days = p.days;
  s.cube.precip.resize(size_t(kDays) * native.size());
  std::uniform_real_distribution<double> u(0, 1);
  for (int t = 0; t < kDays; ++t)
    for (size_t j = 0; j < native.ny(); ++j)
      for (size_t i = 0; i < native.nx(); ++i) {
        float v = float(source_transform(k, truth(native.lon[i], native.lat[j], t), rng));
        if (k == 4 && u(rng) < 0.1) v = NAN;
        s.cube.day_ptr(size_t(t))[j * native.nx() + i] = v;
      }
  s.plan = io::make_regrid_plan(native, p.grid, io::RegridMethod::Nearest);
  s.available.assign(kDays, 1);
  if (k == 1) std::fill(s.available.begin(), s.available.begin() + kImergOff, 0);
  s.available[kAllOff] = 0;
}

// Fills the regrid source planes once the cubes are final.
void make_planes(Prepared& p) {
  for (auto& s : p.sources) {
    if (!s.configured) continue;
    s.planes = io::regrid_source_planes(s.plan);
    s.source_planes.resize(size_t(kDays) * size_t(s.planes) * s.cube.grid.size());
    for (int t = 0; t < kDays; ++t)
      io::make_regrid_source(s.plan, s.cube.day_ptr(size_t(t)),
                             s.source_planes.data() + size_t(t) * size_t(s.planes) * s.cube.grid.size());
  }
}

Prepared make_prepared(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::exponential_distribution<double> rain(0.5);
  Prepared p;
  p.grid = io::Grid::regular(95.025, 0.05, 60, 33.025, 0.05, 50);
  for (int t = 0; t < kDays; ++t) p.days.push_back(io::day_from_ymd(2020, 6, 1) + t);
  Truth truth;
  for (int t = 0; t < kDays; ++t) {
    truth.amp.push_back(rain(rng) * 5);
    truth.cx.push_back(95 + 3 * u(rng));
    truth.cy.push_back(33 + 2.5 * u(rng));
    truth.bg.push_back(u(rng) < 0.4 ? 0.0 : rain(rng));
  }
  for (int k = 0; k < 5; ++k) p.sources[k].name = kSourceNames[k];
  add_source(p, 0, io::Grid::regular(94.875, 0.25, 14, 32.875, 0.25, 12), truth, rng);
  add_source(p, 1, io::Grid::regular(94.95, 0.1, 32, 32.95, 0.1, 27), truth, rng);
  add_source(p, 2, io::Grid::regular(94.9, 0.25, 14, 32.9, 0.25, 12), truth, rng);
  add_source(p, 4, p.grid, truth, rng);
  // Day kAllNanDay: every source missing at pixel 0.
  for (auto& s : p.sources)
    if (s.configured) s.cube.day_ptr(kAllNanDay)[s.plan.src_index[0]] = NAN;
  make_planes(p);

  p.elevation.resize(p.grid.size());
  for (size_t j = 0; j < p.grid.ny(); ++j)
    for (size_t i = 0; i < p.grid.nx(); ++i)
      p.elevation[j * p.grid.nx() + i] = float(3000 + 800 * std::sin(p.grid.lon[i]) * std::cos(p.grid.lat[j]));

  std::vector<int64_t> cells(p.grid.size());
  for (size_t i = 0; i < cells.size(); ++i) cells[i] = int64_t(i);
  std::shuffle(cells.begin() + 1, cells.end(), rng);
  for (int s = 0; s < kStations; ++s) {
    Station st;
    st.id = "S";
    st.id += std::to_string(s);
    st.row = cells[size_t(s) + 1] / p.nx();
    st.col = cells[size_t(s) + 1] % p.nx();
    st.lon = p.grid.lon[size_t(st.col)] + 0.04 * (u(rng) - 0.5);
    st.lat = p.grid.lat[size_t(st.row)] + 0.04 * (u(rng) - 0.5);
    p.stations.push_back(st);
  }
  p.gauge_mm.resize(size_t(kStations) * kDays);
  for (int s = 0; s < kStations; ++s)
    for (int t = 0; t < kDays; ++t)
      p.gauge_mm[size_t(s) * kDays + size_t(t)] =
          u(rng) < 0.03 ? NAN : float(truth(p.stations[size_t(s)].lon, p.stations[size_t(s)].lat, t));
  return p;
}

std::vector<int64_t> all_pixels(const Prepared& p) {
  std::vector<int64_t> px(p.grid.size());
  for (size_t i = 0; i < px.size(); ++i) px[i] = int64_t(i);
  return px;
}

// The test's own mean of the sources that count at working pixel px on day t.
float expected_mean(const Prepared& p, int t, int64_t px, bool honour_availability = true) {
  float sum = 0;
  int n = 0;
  for (const auto& s : p.sources) {
    if (!s.configured || (honour_availability && !s.available[size_t(t)])) continue;
    const int64_t src = s.plan.src_index[size_t(px)];
    const float v = src < 0 ? NAN : s.cube.day_ptr(size_t(t))[src];
    if (std::isfinite(v)) sum += v, ++n;
  }
  return n ? sum / float(n) : NAN;
}

std::vector<float> predict_day(const Baseline& b, const Prepared& p, int t, const std::vector<int64_t>& px) {
  std::vector<float> out(px.size(), -1.0f);
  b.predict(p, t, px, out.data());
  return out;
}

RunConfig config(uint64_t seed) {
  RunConfig cfg;
  cfg.seed = seed;
  return cfg;
}

TEST(Baselines, MeanIsTheAverageOfTheSourcesThatCount) {
  const Prepared p = make_prepared(11);
  auto b = make_baseline("mean", config(1));
  EXPECT_EQ(b->name(), "mean");
  b->fit(p, std::vector<uint8_t>(p.stations.size(), 1));
  const auto px = all_pixels(p);
  int differs_without_imerg = 0;
  for (int t : {0, 5, kAllOff, kAllNanDay, 47, 89}) {
    const auto out = predict_day(*b, p, t, px);
    for (size_t i = 0; i < px.size(); ++i) {
      const float e = expected_mean(p, t, px[i]);
      if (std::isnan(e)) {
        EXPECT_TRUE(std::isnan(out[i])) << "day " << t << " pixel " << i;
      } else {
        ASSERT_FLOAT_EQ(out[i], e) << "day " << t << " pixel " << i;
      }
      if (t < kImergOff && std::fabs(expected_mean(p, t, px[i], false) - e) > 1e-3f) ++differs_without_imerg;
    }
    if (t == kAllOff) {
      EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](float v) { return std::isnan(v); }));
    }
    if (t == kAllNanDay) {
      EXPECT_TRUE(std::isnan(out[0]));
    }
  }
  EXPECT_GT(differs_without_imerg, 1000);  // the unavailable imerg really is left out
  // A scattered, unordered pixel list gives the same values as the full grid.
  const std::vector<int64_t> some{2999, 17, 61, 60, 1234, 1235, 1236, 0};
  const auto full = predict_day(*b, p, 47, px), part = predict_day(*b, p, 47, some);
  for (size_t i = 0; i < some.size(); ++i) EXPECT_FLOAT_EQ(part[i], full[size_t(some[i])]);
}

// Gauges replaced by a + b * mean at the station pixel (+ noise); NaN where the mean is.
void set_linear_gauges(Prepared& p, double a, double b, double noise_sd, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, noise_sd);
  for (size_t s = 0; s < p.stations.size(); ++s)
    for (int t = 0; t < kDays; ++t) {
      const float m = expected_mean(p, t, p.stations[s].row * p.nx() + p.stations[s].col);
      p.gauge_mm[s * kDays + size_t(t)] = std::isnan(m) ? NAN : float(a + b * m + noise(rng));
    }
}

TEST(Baselines, BiasCorrectedMeanRecoversAKnownLine) {
  Prepared p = make_prepared(12);
  const auto px = all_pixels(p);
  const std::vector<uint8_t> all(p.stations.size(), 1);
  auto b = make_baseline("bias_corrected_mean", config(1));
  EXPECT_EQ(b->name(), "bias_corrected_mean");

  // Exact line: predictions are a + b * mean everywhere.
  set_linear_gauges(p, 0.7, 1.3, 0.0, 5);
  b->fit(p, all);
  for (int t : {3, 40, 77}) {
    const auto out = predict_day(*b, p, t, px);
    for (size_t i = 0; i < px.size(); ++i) {
      const float m = expected_mean(p, t, px[i]);
      ASSERT_NEAR(out[i], 0.7 + 1.3 * m, 1e-3 * (1 + std::fabs(m))) << "day " << t << " pixel " << i;
    }
  }
  EXPECT_TRUE(std::isnan(predict_day(*b, p, kAllOff, {5})[0]));

  // Noisy line with a negative intercept: the fitted line is close, clipped at 0.
  set_linear_gauges(p, -0.5, 0.8, 0.2, 6);
  b->fit(p, all);
  double m_lo = INFINITY, p_lo = 0, m_hi = -INFINITY, p_hi = 0;
  int clipped = 0;
  for (int t = kAllOff + 1; t < kDays; ++t) {
    const auto out = predict_day(*b, p, t, px);
    for (size_t i = 0; i < px.size(); ++i) {
      const float m = expected_mean(p, t, px[i]);
      if (std::isnan(m)) continue;
      ASSERT_GE(out[i], 0.0f);
      if (-0.5 + 0.8 * m < -0.1) {
        EXPECT_EQ(out[i], 0.0f);
        ++clipped;
      }
      if (out[i] > 0 && m < m_lo) m_lo = m, p_lo = out[i];
      if (out[i] > 0 && m > m_hi) m_hi = m, p_hi = out[i];
    }
  }
  EXPECT_GT(clipped, 100);
  ASSERT_GT(m_hi - m_lo, 5.0);
  const double slope = (p_hi - p_lo) / (m_hi - m_lo), intercept = p_hi - slope * m_hi;
  EXPECT_NEAR(slope, 0.8, 0.02);
  EXPECT_NEAR(intercept, -0.5, 0.05);
}

TEST(Baselines, IdwIsExactAtStationsAndWeightsByInverseSquaredDistance) {
  // Two stations on the 100 E meridian (distances along a meridian are the latitude
  // differences): A at 10 N = 4 mm, B at 13 N = 10 mm; a third, unused, far off.
  Prepared p;
  p.grid = io::Grid::regular(100.0, 0.5, 5, 10.0, 0.5, 9);
  p.days = {io::day_from_ymd(2020, 7, 1), io::day_from_ymd(2020, 7, 2), io::day_from_ymd(2020, 7, 3)};
  for (int k = 0; k < 5; ++k) p.sources[k].name = kSourceNames[k];
  auto station = [](const char* id, double lon, double lat, int64_t row, int64_t col) {
    Station s;
    s.id = id, s.lon = lon, s.lat = lat, s.row = row, s.col = col;
    return s;
  };
  p.stations = {station("A", 100.0, 10.0, 0, 0), station("B", 100.0, 13.0, 6, 0), station("C", 102.0, 14.0, 8, 4)};
  // [station][day]: day 1 only A is valid, day 2 none.
  p.gauge_mm = {4, 4, NAN, 10, NAN, NAN, 100, 100, NAN};
  auto b = make_baseline("idw", config(1));
  EXPECT_EQ(b->name(), "idw");
  b->fit(p, {1, 1, 0});
  const std::vector<int64_t> px{0 * 5 + 0, 6 * 5 + 0, 2 * 5 + 0, 8 * 5 + 4};
  const auto d0 = predict_day(*b, p, 0, px);
  EXPECT_FLOAT_EQ(d0[0], 4.0f);
  EXPECT_FLOAT_EQ(d0[1], 10.0f);
  // 11 N: d_A = 1 deg, d_B = 2 deg -> (4 * 1 + 10 / 4) / (1 + 1 / 4) = 5.2.
  EXPECT_NEAR(d0[2], 5.2f, 1e-5f);
  EXPECT_LT(d0[3], 10.0f);  // C (100 mm) is not a training station
  EXPECT_GT(d0[3], 4.0f);
  const auto d1 = predict_day(*b, p, 1, px);
  for (float v : d1) EXPECT_FLOAT_EQ(v, 4.0f);
  for (float v : predict_day(*b, p, 2, px)) EXPECT_TRUE(std::isnan(v));

  // On the synthetic fixture: exact at every valid training station's pixel,
  // within the day's gauge range elsewhere.
  const Prepared q = make_prepared(13);
  std::vector<uint8_t> use(q.stations.size(), 1);
  use[0] = use[1] = 0;
  b->fit(q, use);
  const auto all = all_pixels(q);
  for (int t : {4, 50}) {
    const auto out = predict_day(*b, q, t, all);
    float lo = INFINITY, hi = -INFINITY;
    for (size_t s = 2; s < q.stations.size(); ++s) {
      const float g = q.gauge(s, size_t(t));
      if (std::isnan(g)) continue;
      lo = std::min(lo, g), hi = std::max(hi, g);
      EXPECT_FLOAT_EQ(out[size_t(q.stations[s].row * q.nx() + q.stations[s].col)], g) << "station " << s;
    }
    for (float v : out) ASSERT_TRUE(v >= lo - 1e-4f && v <= hi + 1e-4f) << v;
  }
}

double rmse_at(const Baseline& b, const Prepared& p, const std::vector<size_t>& test, int& n) {
  std::vector<int64_t> px;
  for (size_t s : test) px.push_back(p.stations[s].row * p.nx() + p.stations[s].col);
  double se = 0;
  n = 0;
  for (int t = 0; t < kDays; ++t) {
    const auto out = predict_day(b, p, t, px);
    for (size_t i = 0; i < test.size(); ++i) {
      const float g = p.gauge(test[i], size_t(t));
      if (std::isnan(g) || std::isnan(out[i])) continue;
      se += (out[i] - g) * (out[i] - g), ++n;
    }
  }
  return std::sqrt(se / n);
}

// Stations 18.. held out, the rest training; the mean baseline's held-out RMSE.
struct HeldOut {
  std::vector<uint8_t> use;
  std::vector<size_t> test;
  double r_mean = 0;
  int n_mean = 0;
  explicit HeldOut(const Prepared& p) : use(p.stations.size(), 1) {
    for (size_t s = 18; s < p.stations.size(); ++s) use[s] = 0, test.push_back(s);
    auto mean = make_baseline("mean", config(7));
    mean->fit(p, use);
    r_mean = rmse_at(*mean, p, test, n_mean);
  }
};

// Both tree baselines (boosted, log1p target; forest, mm target) beat the mean
// at held-out stations, predict where every source is missing, and are seeded
// (row subsampling).
TEST(Baselines, TreesBeatMeanAtHeldOutStationsAndAreDeterministic) {
  const Prepared p = make_prepared(14);
  const HeldOut h(p);
  const auto& [use, test, r_mean, n_mean] = h;
  const auto px = all_pixels(p);
  for (const char* name : {"xgboost", "random_forest"}) {
    auto tree = make_baseline(name, config(7));
    EXPECT_EQ(tree->name(), name);
    tree->fit(p, use);
    int n = 0;
    const double r = rmse_at(*tree, p, test, n);
    std::printf("held-out RMSE: %s %.3f (n %d), mean %.3f (n %d)\n", name, r, n, r_mean, n_mean);
    EXPECT_LT(r, 0.7 * r_mean) << name;
    EXPECT_GT(n, n_mean) << name;  // trees also predict where every source is missing
    auto again = make_baseline(name, config(7));
    again->fit(p, use);
    auto other = make_baseline(name, config(8));
    other->fit(p, use);
    for (int t : {0, 33, 60}) {
      const auto a = predict_day(*tree, p, t, px), b = predict_day(*again, p, t, px), c = predict_day(*other, p, t, px);
      EXPECT_EQ(a, b) << name << " day " << t;
      EXPECT_NE(a, c) << name << " day " << t;  // the seed reaches the trees
      EXPECT_TRUE(std::all_of(a.begin(), a.end(), [](float v) { return std::isfinite(v) && v >= 0; })) << name;
    }
  }
}

// calibrated_mean, linear_blend, mlp_prior: on their training station-days the share of wet predictions
// (>= 0.1 mm) is the gauges' share, and the volume matches.
TEST(Baselines, CalibratedMethodsMatchTheWetShareAndVolume) {
  const Prepared p = make_prepared(13);
  const std::vector<uint8_t> use(p.stations.size(), 1);
  for (const char* name : {"calibrated_mean", "linear_blend", "mlp_prior"}) {
    SCOPED_TRACE(name);
    auto b = make_baseline(name, config(7));
    EXPECT_EQ(b->name(), name);
    b->fit(p, use);
    std::vector<int64_t> px;
    for (const Station& st : p.stations) px.push_back(st.row * p.nx() + st.col);
    double wet_pred = 0, wet_gauge = 0, sp = 0, sg = 0;
    for (int t = 0; t < kDays; ++t) {
      const auto out = predict_day(*b, p, t, px);
      for (size_t s = 0; s < px.size(); ++s) {
        const float g = p.gauge(s, size_t(t));
        if (std::isnan(g) || std::isnan(out[s])) continue;
        wet_pred += out[s] >= 0.1f, wet_gauge += g >= 0.1f, sp += out[s], sg += std::max(g, 0.0f);
      }
    }
    ASSERT_GT(wet_gauge, 50);
    EXPECT_NEAR(wet_pred / wet_gauge, 1.0, 0.05);
    EXPECT_NEAR(sp / sg, 1.0, 0.05);
  }
}

// The log-space blend and the MLP prior (both calibrated, as the fused model
// is) beat the mean at held-out stations, the MLP by a wide margin; the MLP's
// seed reaches its weights.
TEST(Baselines, LinearBlendAndMlpPriorBeatMeanAtHeldOutStations) {
  const Prepared p = make_prepared(14);
  const HeldOut h(p);
  const auto& [use, test, r_mean, n_mean] = h;
  const auto px = all_pixels(p);
  for (const char* name : {"linear_blend", "mlp_prior"}) {
    auto b = make_baseline(name, config(7));
    EXPECT_EQ(b->name(), name);
    b->fit(p, use);
    int n = 0;
    const double r = rmse_at(*b, p, test, n);
    std::printf("held-out RMSE: %s %.3f (n %d), mean %.3f (n %d)\n", name, r, n, r_mean, n_mean);
    EXPECT_LT(r, (std::string(name) == "mlp_prior" ? 0.7 : 0.95) * r_mean) << name;
    EXPECT_EQ(n, n_mean) << name;  // both need a source, as the mean does
    auto again = make_baseline(name, config(7));
    again->fit(p, use);
    auto other = make_baseline(name, config(8));
    other->fit(p, use);
    for (int t : {0, 33, 60}) {
      const auto a = predict_day(*b, p, t, px), c = predict_day(*again, p, t, px), d = predict_day(*other, p, t, px);
      EXPECT_EQ(a, c) << name << " day " << t;
      if (std::string(name) == "mlp_prior") EXPECT_NE(a, d) << name << " day " << t;
      else EXPECT_EQ(a, d) << name << " day " << t;  // no randomness in a least-squares fit
    }
  }
}

TEST(Baselines, MissingSourcesAreHandled) {
  const Prepared p = make_prepared(15);
  const std::vector<uint8_t> all(p.stations.size(), 1);
  const auto px = all_pixels(p);
  for (const char* name : {"mean", "bias_corrected_mean", "calibrated_mean", "linear_blend", "mlp_prior", "idw",
                           "xgboost", "random_forest"}) {
    auto b = make_baseline(name, config(3));
    b->fit(p, all);
    for (int t : {0, kAllOff, kAllNanDay}) {
      const auto out = predict_day(*b, p, t, px);
      const std::string n = name;
      const bool source_based = n.find("mean") != n.npos || n == "linear_blend" || n == "mlp_prior";
      for (size_t i = 0; i < px.size(); ++i) {
        const bool none = std::isnan(expected_mean(p, t, px[i]));
        if (source_based && none) {
          ASSERT_TRUE(std::isnan(out[i])) << name << " day " << t;
        } else {
          ASSERT_TRUE(std::isfinite(out[i]) && out[i] >= 0) << name << " day " << t << " pixel " << i;
        }
      }
    }
  }
}

TEST(Baselines, BadRequestsThrow) {
  const Prepared p = make_prepared(16);
  EXPECT_THROW(make_baseline("kriging", config(1)), std::runtime_error);
  for (const char* name : {"bias_corrected_mean", "calibrated_mean", "linear_blend", "mlp_prior", "idw", "xgboost",
                           "random_forest"})
    EXPECT_THROW(make_baseline(name, config(1))->predict(p, 0, {0}, nullptr), std::runtime_error) << name;
  auto b = make_baseline("mean", config(1));
  EXPECT_THROW(b->fit(p, {1, 0}), std::runtime_error);
  float v;
  EXPECT_THROW(b->predict(p, kDays, {0}, &v), std::runtime_error);
  EXPECT_THROW(b->predict(p, 0, {int64_t(p.grid.size())}, &v), std::runtime_error);
}

}  // namespace
}  // namespace rf::pipe
