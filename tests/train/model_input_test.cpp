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
    st.id = "S" + std::to_string(s);
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

class AssembleInput : public ::testing::TestWithParam<io::RegridMethod> {};

TEST_P(AssembleInput, EqualsDirectComputation) {
  const Prepared p = make_prepared(GetParam(), 7);
  const NormStats ns = random_stats(8);
  // Working-grid fields of every source and day, by the whole-field regrid.
  std::vector<std::vector<float>> field(5 * p.days.size());
  for (int k = 0; k < 5; ++k)
    if (p.sources[k].configured)
      for (size_t t = 0; t < p.days.size(); ++t) {
        field[k * p.days.size() + t].resize(p.grid.size());
        io::apply_regrid(p.sources[k].plan, p.sources[k].cube.day_ptr(t), field[k * p.days.size() + t].data());
      }
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
  odd.save(path);
  const NormStats back = NormStats::load(path);
  EXPECT_EQ(0, std::memcmp(&back, &odd, sizeof(NormStats)));
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
