// assemble_input / assemble_target / NormStats against a direct computation on
// a Prepared built in code: random native cubes (NaN holes, a north->south
// source, unavailable days, an unconfigured source) regridded to a small
// working grid by nearest, bilinear and bicubic plans.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>
#include <sstream>

#include "train/data/model_input.h"
#include "train/data/source_value.h"

using namespace rf;
using namespace rf::pipe;

namespace {

Prepared make_prepared(io::RegridMethod method, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  Prepared p;
  p.grid = io::Grid::regular(90.05, 0.1, 40, 32.05, 0.1, 30);  // 40 x 30 cells, lat ascending
  const io::DayNumber d0 = io::day_from_ymd(2020, 2, 24);       // crosses 29 February
  for (int t = 0; t < 10; ++t) p.days.push_back(d0 + t);
  const double steps[5] = {0.25, 0.1, 0.25, 0.1, 0.0727};
  for (int k = 0; k < 5; ++k) {
    SourceData& sd = p.sources[k];
    sd.name = kSourceNames[k];
    sd.available.assign(p.days.size(), 0);
    if (k == 3) continue;  // gsmap: not configured
    sd.configured = true;
    const double s = steps[k];
    const size_t nx = size_t(4.0 / s) + 6, ny = size_t(3.0 / s) + 6;
    sd.cube.grid = k == 1 ? io::Grid::regular(90.0 - 2 * s, s, nx, 35.0 + 2 * s, -s, ny)  // north -> south
                          : io::Grid::regular(90.0 - 2 * s, s, nx, 32.0 - 2 * s, s, ny);
    sd.cube.days = p.days;
    sd.cube.precip.resize(p.days.size() * sd.cube.grid.size());
    for (float& v : sd.cube.precip) v = u(rng) < 0.1f ? NAN : -std::log(u(rng) + 1e-6f) * 4.0f * (u(rng) < 0.6f);
    sd.plan = io::make_regrid_plan(sd.cube.grid, p.grid, method);
    sd.planes = io::regrid_source_planes(sd.plan);
    const size_t per = size_t(sd.planes) * sd.cube.grid.size();
    sd.source_planes.resize(p.days.size() * per);
    for (size_t t = 0; t < p.days.size(); ++t) {
      io::make_regrid_source(sd.plan, sd.cube.day_ptr(t), sd.source_planes.data() + t * per);
      sd.available[t] = u(rng) < 0.8f;
    }
  }
  p.elevation.resize(p.grid.size());
  for (float& e : p.elevation) e = u(rng) < 0.02f ? NAN : 2000 + 3000 * u(rng);
  for (int s = 0; s < 12; ++s) {
    Station st;
    st.id = std::string("S").append(std::to_string(s));  // (not "S" + ...: GCC 12 -Wrestrict false positive)
    st.row = rng() % p.ny(), st.col = rng() % p.nx();
    if (s == 11) st.row = p.stations[3].row, st.col = p.stations[3].col;  // two stations on one pixel
    p.stations.push_back(st);
    for (size_t t = 0; t < p.days.size(); ++t) p.gauge_mm.push_back(u(rng) < 0.2f ? NAN : 10 * u(rng) * (u(rng) < 0.5f));
  }
  return p;
}

NormStats random_stats(uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.2f, 1.5f);
  NormStats ns;
  for (int k = 0; k < 5; ++k) ns.mean[k] = u(rng), ns.std[k] = u(rng);
  ns.elev_mean = 3500, ns.elev_std = 800;
  return ns;
}

// Working-grid fields of every source and day by the whole-field regrid:
// field[k * days + t] (empty for an unconfigured source).
std::vector<std::vector<float>> regridded_fields(const Prepared& p) {
  std::vector<std::vector<float>> field(5 * p.days.size());
  for (int k = 0; k < 5; ++k)
    if (p.sources[k].configured)
      for (size_t t = 0; t < p.days.size(); ++t) {
        field[k * p.days.size() + t].resize(p.grid.size());
        io::apply_regrid(p.sources[k].plan, p.sources[k].cube.day_ptr(t), field[k * p.days.size() + t].data());
      }
  return field;
}

class AssembleInput : public ::testing::TestWithParam<io::RegridMethod> {};

TEST_P(AssembleInput, EqualsDirectComputation) {
  const Prepared p = make_prepared(GetParam(), 7);
  const NormStats ns = random_stats(8);
  const std::vector<std::vector<float>> field = regridded_fields(p);
  std::mt19937 rng(9);
  long nan_zeroed = 0, set_zeroed = 0, values = 0;
  const SourceSet sets[] = {0x1F, parse_source_set({"era5", "gldas", "cmorph"}), parse_source_set({"imerg"})};
  for (int trial = 0; trial < 12; ++trial) {
    const SourceSet s = sets[trial % 3];
    const int day = int(rng() % p.days.size());  // windows reach before/after the period
    const int64_t h = 8 + rng() % 12, w = 8 + rng() % 12;
    const int64_t r0 = int64_t(rng() % 40) - 8, c0 = int64_t(rng() % 50) - 8;  // partly outside the grid
    std::vector<float> x(size_t(8 * 7 * h * w), -99.0f);
    assemble_input(p, ns, s, day, r0, c0, h, w, x.data());
    for (int c = 0; c < 8; ++c)
      for (int t = 0; t < 7; ++t) {
        const int d = day - 3 + t;
        const int doy = io::day_of_year(p.days.front() + d);
        for (int64_t i = 0; i < h; ++i)
          for (int64_t j = 0; j < w; ++j) {
            const int64_t r = r0 + i, col = c0 + j;
            const float got = x[size_t(((c * 7 + t) * h + i) * w + j)];
            float want = 0;
            const bool inside = r >= 0 && r < p.ny() && col >= 0 && col < p.nx();
            const size_t q = size_t(r * p.nx() + col);
            if (!inside) {
              want = 0;
            } else if (c < 5) {
              const bool in_period = d >= 0 && d < int(p.days.size());
              if (!(s >> c & 1) || !in_period || !p.sources[c].configured || !p.sources[c].available[size_t(d)]) {
                set_zeroed += in_period && p.sources[c].configured;
              } else {
                const float v = field[c * p.days.size() + size_t(d)][q];
                if (std::isnan(v)) ++nan_zeroed;
                else want = (std::log1p(std::max(v, 0.0f)) - ns.mean[c]) / ns.std[c], ++values;
              }
            } else if (c == 5) {
              want = std::isnan(p.elevation[q]) ? 0.0f : (p.elevation[q] - ns.elev_mean) / ns.elev_std;
            } else {
              const double a = 2 * std::numbers::pi * doy / 365.25;
              want = float(c == 6 ? std::sin(a) : std::cos(a));
            }
            ASSERT_NEAR(got, want, 2e-5f * (1 + std::fabs(want)))
                << "channel " << c << " t " << t << " pixel " << r << "," << col << " day " << day;
          }
      }
  }
  EXPECT_GT(values, 5000);
  EXPECT_GT(nan_zeroed, 20);
  EXPECT_GT(set_zeroed, 1000);
}

INSTANTIATE_TEST_SUITE_P(Methods, AssembleInput,
                         ::testing::Values(io::RegridMethod::Nearest, io::RegridMethod::Bilinear,
                                           io::RegridMethod::Bicubic),
                         [](const auto& info) { return std::string(io::regrid_method_name(info.param)); });

// A range of window days writes exactly those planes, with the full window's
// numbers, and leaves every other plane as it was.
TEST(AssembleInput, WindowDayRangeWritesOnlyThosePlanes) {
  const Prepared p = make_prepared(io::RegridMethod::Nearest, 31);
  const NormStats ns = random_stats(32);
  const int64_t h = 9, w = 13, plane = h * w;
  std::vector<float> full(size_t(11 * 7 * plane)), part(full.size(), -7.0f);
  assemble_input(p, ns, 0x1f, 6, 2, 3, h, w, full.data(), 11);
  assemble_input(p, ns, 0x1f, 6, 2, 3, h, w, part.data(), 11, OutputSpace::Log1p, 2, 5);
  for (int c = 0; c < 11; ++c)
    for (int t = 0; t < 7; ++t)
      for (int64_t q = 0; q < plane; ++q) {
        const float v = part[size_t((c * 7 + t) * plane + q)];
        if (t >= 2 && t < 5) ASSERT_EQ(v, full[size_t((c * 7 + t) * plane + q)]) << c << " " << t;
        else ASSERT_EQ(v, -7.0f) << c << " " << t;
      }
  EXPECT_THROW(assemble_input(p, ns, 0x1f, 6, 0, 0, h, w, part.data(), 11, OutputSpace::Log1p, 5, 8),
               std::runtime_error);
}

// qh-fuse's 11 channels: 0-7 are qh-ref's, 8-9 the z-scored lon/lat of the
// pixel centre, 10 the prior max(0, a + b * mean of the counted sources of the
// set) in the output space (log1p, or / s), 0 where no source counts or the
// day is outside the period.
TEST(AssembleInput, QhFuseChannels) {
  const Prepared p = make_prepared(io::RegridMethod::Bilinear, 23);
  NormStats ns = random_stats(24);
  ns.lon_mean = 92, ns.lon_std = 1.2f, ns.lat_mean = 33.5f, ns.lat_std = 0.8f;
  ns.prior_a = 0.3f, ns.prior_b = 0.9f, ns.gauge_std = 3.5f;
  const std::vector<std::vector<float>> field = regridded_fields(p);
  std::mt19937 rng(25);
  long priors = 0, no_source = 0;
  for (int trial = 0; trial < 8; ++trial) {
    const SourceSet s = trial % 2 ? 0x1Fu : parse_source_set({"era5", "imerg"});
    const int day = int(rng() % p.days.size());
    const int64_t h = 8 + rng() % 10, w = 8 + rng() % 10;
    const int64_t r0 = int64_t(rng() % 36) - 6, c0 = int64_t(rng() % 46) - 6;
    const OutputSpace space = trial % 4 < 2 ? OutputSpace::Log1p : OutputSpace::ScaledMm;
    std::vector<float> x8(size_t(8 * 7 * h * w)), x11(size_t(11 * 7 * h * w), -99.0f);
    assemble_input(p, ns, s, day, r0, c0, h, w, x8.data());
    assemble_input(p, ns, s, day, r0, c0, h, w, x11.data(), 11, space);
    ASSERT_TRUE(std::equal(x8.begin(), x8.end(), x11.begin()));  // channels 0-7 unchanged
    for (int c = 8; c < 11; ++c)
      for (int t = 0; t < 7; ++t) {
        const int d = day - 3 + t;
        for (int64_t i = 0; i < h; ++i)
          for (int64_t j = 0; j < w; ++j) {
            const int64_t r = r0 + i, col = c0 + j;
            const float got = x11[size_t(((c * 7 + t) * h + i) * w + j)];
            float want = 0;
            if (r >= 0 && r < p.ny() && col >= 0 && col < p.nx()) {
              if (c == 8) want = (float(p.grid.lon[size_t(col)]) - ns.lon_mean) / ns.lon_std;
              if (c == 9) want = (float(p.grid.lat[size_t(r)]) - ns.lat_mean) / ns.lat_std;
              if (c == 10 && d >= 0 && d < int(p.days.size())) {
                double sum = 0;
                int n = 0;
                for (int k = 0; k < 5; ++k) {
                  if (!(s >> k & 1) || !p.sources[k].configured || !p.sources[k].available[size_t(d)]) continue;
                  const float v = field[k * p.days.size() + size_t(d)][size_t(r * p.nx() + col)];
                  if (!std::isnan(v)) sum += std::max(v, 0.0f), ++n;
                }
                const float prior = float(std::max(0.0, ns.prior_a + ns.prior_b * sum / n));
                if (n) want = space == OutputSpace::Log1p ? std::log1p(prior) : prior / ns.gauge_std, ++priors;
                else ++no_source;
              }
            }
            ASSERT_NEAR(got, want, 2e-5f * (1 + std::fabs(want))) << "channel " << c << " t " << t << " day " << day;
          }
      }
  }
  EXPECT_GT(priors, 1000);
  EXPECT_GT(no_source, 20);
  std::vector<float> x(size_t(9 * 7 * 8 * 8));
  EXPECT_THROW(assemble_input(p, ns, 0x1F, 3, 0, 0, 8, 8, x.data(), 9), std::runtime_error);
}

// The vectorisable log1p of the source channels against libm, 1e-9 .. 1e5 mm.
TEST(Log1pMm, MatchesLibm) {
  std::mt19937 rng(21);
  std::uniform_real_distribution<double> exponent(-9, 5);
  double worst = 0;
  for (int k = 0; k < 200000; ++k) {
    const float x = float(std::pow(10.0, exponent(rng)));
    const double want = std::log1p(double(x));
    worst = std::max(worst, std::fabs(log1p_mm(x) - want) / want);
  }
  EXPECT_LT(worst, 3e-7);
  EXPECT_EQ(log1p_mm(0.0f), 0.0f);
  EXPECT_EQ(log1p_mm(-0.3f), 0.0f);  // clamped: a regrid overshoot below 0 is no rain
  EXPECT_FLOAT_EQ(log1p_mm(1.0f), float(std::log(2.0)));
}

TEST(AssembleTarget, StationsOfTheSubsetWithValidValues) {
  const Prepared p = make_prepared(io::RegridMethod::Nearest, 11);
  std::vector<uint8_t> use(p.stations.size());
  for (size_t s = 0; s < use.size(); ++s) use[s] = s % 4 != 1;
  long masked_total = 0;
  for (int day = -1; day <= int(p.days.size()); ++day) {
    const int64_t r0 = -3, c0 = 2, h = 33, w = 36;
    std::vector<float> target(size_t(h * w), -1), mask(size_t(h * w), -1);
    const int n = assemble_target(p, use, day, r0, c0, h, w, target.data(), mask.data());
    std::vector<double> sum(size_t(h * w), 0);
    std::vector<int> cnt(size_t(h * w), 0);
    if (day >= 0 && day < int(p.days.size()))
      for (size_t s = 0; s < p.stations.size(); ++s) {
        const float g = p.gauge(s, size_t(day));
        const int64_t i = p.stations[s].row - r0, j = p.stations[s].col - c0;
        if (!use[s] || std::isnan(g) || i < 0 || i >= h || j < 0 || j >= w) continue;
        sum[size_t(i * w + j)] += std::log1p(g), ++cnt[size_t(i * w + j)];
      }
    int want_n = 0;
    for (size_t q = 0; q < sum.size(); ++q) {
      want_n += cnt[q] > 0;
      ASSERT_EQ(mask[q], cnt[q] ? 1.0f : 0.0f) << q;
      ASSERT_NEAR(target[q], cnt[q] ? sum[q] / cnt[q] : 0.0, 1e-6) << q;
    }
    EXPECT_EQ(n, want_n);
    masked_total += n;
  }
  EXPECT_GT(masked_total, 20);
  std::vector<float> t(4), m(4);
  EXPECT_THROW(assemble_target(p, std::vector<uint8_t>(3, 1), 0, 0, 0, 2, 2, t.data(), m.data()), std::runtime_error);
}

// Targets in qh-fuse-mm's output space: gauge mm / s; the back-transforms.
TEST(AssembleTarget, ScaledMmSpaceAndBackTransforms) {
  const Prepared p = make_prepared(io::RegridMethod::Nearest, 12);
  const std::vector<uint8_t> use(p.stations.size(), 1);
  NormStats ns;
  ns.gauge_std = 2.5f;
  const int64_t h = p.ny(), w = p.nx();
  std::vector<float> tl(size_t(h * w)), ml(size_t(h * w)), tm(size_t(h * w)), mm(size_t(h * w));
  long checked = 0;
  for (int day = 0; day < int(p.days.size()); ++day) {
    assemble_target(p, use, day, 0, 0, h, w, tl.data(), ml.data());
    assemble_target(p, use, day, 0, 0, h, w, tm.data(), mm.data(), OutputSpace::ScaledMm, ns);
    ASSERT_EQ(ml, mm);
    for (size_t s = 0; s < p.stations.size(); ++s) {
      const size_t q = size_t(p.stations[s].row * w + p.stations[s].col);
      const float g = p.gauge(s, size_t(day));
      if (s == 3 || s == 11 || std::isnan(g)) continue;  // (3 and 11 share a pixel)
      EXPECT_FLOAT_EQ(tm[q], g / 2.5f);
      EXPECT_NEAR(output_to_mm(OutputSpace::ScaledMm, ns, tm[q]), g, 1e-5f * (1 + g));
      EXPECT_NEAR(output_to_mm(OutputSpace::Log1p, ns, tl[q]), g, 1e-5f * (1 + g));
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
  EXPECT_EQ(output_to_mm(OutputSpace::ScaledMm, ns, -0.4f), 0.0f);  // clipped at 0
  EXPECT_EQ(output_space(nn::QhRefConfig::by_name("qh-ref")), OutputSpace::Log1p);
  EXPECT_EQ(output_space(nn::QhRefConfig::by_name("qh-fuse")), OutputSpace::Log1p);
  EXPECT_EQ(output_space(nn::QhRefConfig::by_name("qh-fuse-mm")), OutputSpace::ScaledMm);
}

// The prior's (a, b) and the gauge moments against a direct least-squares fit
// over the station-days where the set is available.
TEST(NormStats, PriorIsTheLeastSquaresFitOnTrainingStationDays) {
  const Prepared p = make_prepared(io::RegridMethod::Nearest, 14);
  const std::vector<int> train{0, 1, 2, 4, 6, 7, 9, 10};
  const SourceSet set = parse_source_set({"era5", "gldas", "cmorph"});
  const NormStats ns = compute_norm_stats(p, train, set);
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, gn = 0, gs = 0, gs2 = 0;
  for (size_t t = 0; t < p.days.size(); ++t) {
    if (!set_available(p, set, int(t))) continue;
    for (int s : train) {
      const double g = p.gauge(size_t(s), t);
      if (std::isnan(g)) continue;
      gn += 1, gs += g, gs2 += g * g;
      double sum = 0;
      int k_n = 0;
      for (int k : {0, 2, 4}) {
        std::vector<float> f(p.grid.size());
        io::apply_regrid(p.sources[k].plan, p.sources[k].cube.day_ptr(t), f.data());
        const float v = f[size_t(p.stations[size_t(s)].row * p.nx() + p.stations[size_t(s)].col)];
        if (!std::isnan(v)) sum += std::max(v, 0.0f), ++k_n;
      }
      if (!k_n) continue;
      const double x = sum / k_n;
      n += 1, sx += x, sy += g, sxx += x * x, sxy += x * g;
    }
  }
  ASSERT_GT(n, 20);
  const double b = (n * sxy - sx * sy) / (n * sxx - sx * sx), a = (sy - b * sx) / n;
  EXPECT_NEAR(ns.prior_b, b, 1e-4 * (1 + std::fabs(b)));
  EXPECT_NEAR(ns.prior_a, a, 1e-4 * (1 + std::fabs(a)));
  EXPECT_NEAR(ns.gauge_mean, gs / gn, 1e-4);
  EXPECT_NEAR(ns.gauge_std, std::sqrt(gs2 / gn - (gs / gn) * (gs / gn)), 1e-4);
}

TEST(NormStats, TrainingStationPixelsAndExactRoundTrip) {
  const Prepared p = make_prepared(io::RegridMethod::Bilinear, 13);
  const std::vector<int> train{0, 2, 3, 5, 7, 8, 11};
  const NormStats ns = compute_norm_stats(p, train);
  for (int k = 0; k < 5; ++k) {
    if (!p.sources[k].configured) {
      EXPECT_EQ(ns.mean[k], 0.0f);
      EXPECT_EQ(ns.std[k], 1.0f);
      continue;
    }
    std::vector<double> v;
    for (size_t t = 0; t < p.days.size(); ++t) {
      if (!p.sources[k].available[t]) continue;
      std::vector<float> f(p.grid.size());
      io::apply_regrid(p.sources[k].plan, p.sources[k].cube.day_ptr(t), f.data());
      for (int s : train) {
        const float x = f[size_t(p.stations[size_t(s)].row * p.nx() + p.stations[size_t(s)].col)];
        if (!std::isnan(x)) v.push_back(std::log1p(std::max(x, 0.0f)));
      }
    }
    ASSERT_GT(v.size(), 20u);
    double m = 0, sd = 0;
    for (double x : v) m += x;
    m /= double(v.size());
    for (double x : v) sd += (x - m) * (x - m);
    sd = std::sqrt(sd / double(v.size()));
    EXPECT_NEAR(ns.mean[k], m, 1e-5) << k;
    EXPECT_NEAR(ns.std[k], sd, 1e-5) << k;
  }
  double em = 0, n = 0;
  for (int s : train) {
    const float e = p.elevation[size_t(p.stations[size_t(s)].row * p.nx() + p.stations[size_t(s)].col)];
    if (!std::isnan(e)) em += e, ++n;
  }
  EXPECT_NEAR(ns.elev_mean, em / n, 1e-2);

  const std::string path =
      (std::filesystem::temp_directory_path() / ("rf_norm_" + std::to_string(::getpid()) + ".txt")).string();
  NormStats odd = ns;
  odd.mean[1] = std::nextafter(odd.mean[1], 10.0f);
  odd.std[4] = 1.0f / 3.0f;
  odd.prior_mlp.params.resize(PriorMlp::kSize);
  for (size_t i = 0; i < odd.prior_mlp.params.size(); ++i) odd.prior_mlp.params[i] = 1.0f / float(i + 3);
  odd.save(path);
  const NormStats back = NormStats::load(path);
  // Every number bit for bit.
  auto numbers = [](const NormStats& n) {
    std::vector<float> v(n.mean, n.mean + 5);
    v.insert(v.end(), n.std, n.std + 5);
    for (float x : {n.elev_mean, n.elev_std, n.lon_mean, n.lon_std, n.lat_mean, n.lat_std, n.prior_a, n.prior_b,
                    n.gauge_mean, n.gauge_std, n.wet_threshold, n.output_gain})
      v.push_back(x);
    v.insert(v.end(), n.prior_mlp.params.begin(), n.prior_mlp.params.end());
    return v;
  };
  const auto a = numbers(back), b = numbers(odd);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)));
  {  // A prior_mlp line with too few numbers, or a std <= 0, is refused.
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string t = text.str();
    const size_t at = t.find("prior_mlp ");
    ASSERT_NE(at, std::string::npos);
    std::string shortened = t;
    shortened.replace(at, 10 + std::to_string(PriorMlp::kSize).size(), "prior_mlp 7");
    std::ofstream(path) << shortened;
    EXPECT_THROW(NormStats::load(path), std::runtime_error);
    NormStats neg = odd;
    neg.prior_mlp.params[size_t(kPriorFeatures) + 2] = -1.0f;
    neg.save(path);
    EXPECT_THROW(NormStats::load(path), std::runtime_error);
  }
  {  // A qh-ref file of an earlier version (no qh-fuse lines) loads with the defaults.
    std::ofstream f(path);
    for (int k = 0; k < 5; ++k) f << kSourceNames[k] << " 0x1p-1 0x1p+0\n";
    f << "elevation 0x1p+11 0x1p+9\n";
  }
  const NormStats old = NormStats::load(path);
  EXPECT_EQ(old.elev_mean, 2048.0f);
  EXPECT_EQ(old.gauge_std, 1.0f);
  EXPECT_EQ(old.prior_b, 1.0f);
  std::ofstream(path) << "era5 0x1p+0 0x1p+0\n";
  EXPECT_THROW(NormStats::load(path), std::runtime_error);  // lines missing
  std::filesystem::remove(path);
}

TEST(SourceSets, NamesAndAvailability) {
  const Prepared p = make_prepared(io::RegridMethod::Nearest, 17);
  const SourceSet s = parse_source_set({"cmorph", "era5"});
  EXPECT_EQ(s, 0x11u);
  EXPECT_EQ(source_set_name(s), "era5+cmorph");
  EXPECT_EQ(source_set_name(0x1F), "era5+imerg+gldas+gsmap+cmorph");
  EXPECT_THROW(parse_source_set({"era6"}), std::runtime_error);
  for (int d = -1; d <= int(p.days.size()); ++d) {
    const bool in = d >= 0 && d < int(p.days.size());
    EXPECT_EQ(set_available(p, s, d), in && p.sources[0].available[size_t(d)] && p.sources[4].available[size_t(d)]);
    EXPECT_FALSE(set_available(p, 0x08, d));  // gsmap is not configured
  }
}

}  // namespace
