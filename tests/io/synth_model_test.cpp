// Statistical checks of the twin's truth, DEM and product error models (no
// files): the climate the brief asks for (monsoon, wet south-east, dry Qaidam,
// orography, spatial and temporal correlation, intermittency) and each
// product's error direction from fact sheet §E (ERA5 wet with drizzle false
// alarms, IMERG missing cold-season rain, GSMaP wet, CMORPH cold-season dry,
// GLDAS smooth).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>
#include <vector>

#include "io/synth/landscape.h"
#include "io/synth/products.h"
#include "io/synth/truth.h"

using namespace rf::io;
using namespace rf::io::synth;

namespace {

// 14 consecutive days in July and in January, truth and the five products.
struct Season {
  std::vector<std::vector<float>> truth;                              // extended grid
  std::map<Product, std::vector<std::vector<float>>> daily, blocks;   // per product: product and block-mean truth
};

class SynthModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (int s = 0; s < 2; ++s) {
      Season& se = s == 0 ? summer_ : winter_;
      const DayNumber d0 = s == 0 ? day_from_ymd(2015, 7, 1) : day_from_ymd(2016, 1, 1);
      TruthGenerator g(42);
      if (s == 0) dem_ = g.dem();
      for (int k = 0; k < 14; ++k) {
        g.next(d0 + k);
        se.truth.push_back(g.field());
        for (Product p : kAllProducts) {
          ProductModel m(p, 42);
          ProductDay pd;
          m.make_day(d0 + k, g.field(), pd);
          se.daily[p].push_back(pd.daily);
          se.blocks[p].push_back(m.block_mean(g.field()));
        }
      }
    }
  }
  static double mean(const std::vector<std::vector<float>>& f) {
    double s = 0, n = 0;
    for (auto& d : f) s += std::accumulate(d.begin(), d.end(), 0.0), n += double(d.size());
    return s / n;
  }
  static double box_mean(const Season& se, double lon0, double lon1, double lat0, double lat1) {
    double s = 0;
    long n = 0;
    for (const auto& f : se.truth)
      for (int j = 0; j < ExtGrid::kNy; ++j) {
        const double lat = ExtGrid::kLat0 + j * ExtGrid::kStep;
        if (lat < lat0 || lat > lat1) continue;
        for (int i = 0; i < ExtGrid::kNx; ++i) {
          const double lon = ExtGrid::kLon0 + i * ExtGrid::kStep;
          if (lon >= lon0 && lon <= lon1) s += f[size_t(j) * ExtGrid::kNx + i], ++n;
        }
      }
    return s / n;
  }
  // Relative bias (%) of a product against its block-mean truth over a season.
  static double rb(const Season& se, Product p) {
    return (mean(se.daily.at(p)) - mean(se.blocks.at(p))) / mean(se.blocks.at(p)) * 100.0;
  }
  // False-alarm ratio at 0.1 mm/day against the block-mean truth.
  static double far(const Season& se, Product p) {
    long hit = 0, fa = 0;
    for (size_t d = 0; d < se.daily.at(p).size(); ++d)
      for (size_t i = 0; i < se.daily.at(p)[d].size(); ++i) {
        const bool s = se.daily.at(p)[d][i] >= 0.1f, o = se.blocks.at(p)[d][i] >= 0.1f;
        hit += s && o, fa += s && !o;
      }
    return double(fa) / double(hit + fa);
  }
  static Season summer_, winter_;
  static std::vector<float> dem_;
};
Season SynthModel::summer_, SynthModel::winter_;
std::vector<float> SynthModel::dem_;

// One process per TEST under ctest: the truth checks and the error checks
// share the fixture's 2 x 14 days inside one test each.
TEST_F(SynthModel, TruthHasTheQinghaiClimate) {
  {  // MonsoonSummerAndDryWinter
  const double jul = mean(summer_.truth), jan = mean(winter_.truth);
  EXPECT_GT(jul, 1.0);   // mm/day, province mean in July
  EXPECT_LT(jul, 6.0);
  EXPECT_GT(jul, 8 * jan);
  }
  {  // WetSouthEastDryQaidam
  const double se = box_mean(summer_, 100.5, 103.0, 32.0, 34.0);
  const double qd = box_mean(summer_, 92.0, 96.0, 36.8, 38.0);
  EXPECT_GT(se, 2.5);
  EXPECT_LT(qd, 0.8);
  EXPECT_GT(se, 6 * qd);
  }
  {  // IntermittentAndSpatiallyCorrelated
  // Wet fraction (>= 0.1 mm) between 10 % and 60 % in summer; neighbours agree.
  long wet = 0, n = 0, agree = 0, pairs = 0;
  double sxy = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
  for (const auto& f : summer_.truth)
    for (int j = 0; j < ExtGrid::kNy; j += 7)
      for (int i = 0; i + 5 < ExtGrid::kNx; i += 7) {
        const float a = f[size_t(j) * ExtGrid::kNx + i], b = f[size_t(j) * ExtGrid::kNx + i + 5];  // 5 km apart
        wet += a >= 0.1f, ++n;
        agree += (a >= 0.1f) == (b >= 0.1f), ++pairs;
        sx += a, sy += b, sxy += a * b, sxx += a * a, syy += b * b;
      }
  const double fw = double(wet) / n;
  EXPECT_GT(fw, 0.10);
  EXPECT_LT(fw, 0.60);
  EXPECT_GT(double(agree) / pairs, 0.9);
  const double cov = sxy / pairs - sx * sy / (double(pairs) * pairs);
  const double r = cov / std::sqrt((sxx / pairs - sx * sx / (double(pairs) * pairs)) * (syy / pairs - sy * sy / (double(pairs) * pairs)));
  EXPECT_GT(r, 0.7);
  }
  {  // PersistentInTime
  // Day-to-day persistence of wet/dry at a pixel (AR(1) latent field): P(wet
  // tomorrow | wet today) well above the unconditional wet fraction.
  long wet = 0, wet_wet = 0, n = 0;
  for (size_t d = 1; d < summer_.truth.size(); ++d)
    for (size_t k = 0; k < summer_.truth[d].size(); k += 101) {
      const bool a = summer_.truth[d - 1][k] >= 0.1f, b = summer_.truth[d][k] >= 0.1f;
      wet += a, wet_wet += a && b, n += 1;
    }
  long wet_now = 0;
  for (size_t d = 1; d < summer_.truth.size(); ++d)
    for (size_t k = 0; k < summer_.truth[d].size(); k += 101) wet_now += summer_.truth[d][k] >= 0.1f;
  EXPECT_GT(double(wet_wet) / wet, 1.3 * double(wet_now) / n);
  }
  {  // DemHasQinghaiRelief
  auto at = [&](double lon, double lat) {
    const int i = int(std::lround((lon - ExtGrid::kLon0) / ExtGrid::kStep));
    const int j = int(std::lround((lat - ExtGrid::kLat0) / ExtGrid::kStep));
    return dem_[size_t(j) * ExtGrid::kNx + i];
  };
  EXPECT_NEAR(at(94.6, 37.3), 2850, 250);   // Qaidam floor
  EXPECT_NEAR(at(100.2, 36.9), 3200, 200);  // Qinghai Lake basin
  EXPECT_GT(at(94.0, 36.0), 4800);          // Kunlun
  EXPECT_GT(at(91.0, 33.0), 4500);          // southern ranges
  EXPECT_LT(at(102.8, 36.5), 2800);         // Huangshui valley
  }
}

TEST_F(SynthModel, ProductErrorsHaveTheirDirections) {
  {  // Era5IsWetWithDrizzleFalseAlarms
  EXPECT_GT(rb(summer_, Product::ERA5), 20.0);
  EXPECT_GT(rb(winter_, Product::ERA5), 50.0);
  EXPECT_GT(far(summer_, Product::ERA5), 0.25);
  EXPECT_GT(far(summer_, Product::ERA5), far(summer_, Product::IMERG) + 0.1);
  }
  {  // ImergAndCmorphDryInTheColdSeasonGsmapWet
  EXPECT_LT(rb(winter_, Product::IMERG), -20.0);
  EXPECT_LT(rb(winter_, Product::CMORPH), -20.0);
  EXPECT_GT(rb(summer_, Product::IMERG), -25.0);
  EXPECT_LT(rb(summer_, Product::IMERG), 10.0);
  EXPECT_GT(rb(summer_, Product::GSMAP), 5.0);
  EXPECT_GT(rb(winter_, Product::GSMAP), 5.0);
  }
  {  // GldasIsSmooth
  // Mean absolute difference between neighbouring cells relative to the mean:
  // far smaller for GLDAS than for its own block-mean truth.
  auto roughness = [](const std::vector<std::vector<float>>& f, int ni) {
    double d = 0, s = 0;
    for (const auto& x : f)
      for (size_t k = 0; k + 1 < x.size(); ++k)
        if ((k + 1) % ni) d += std::fabs(x[k + 1] - x[k]), s += x[k];
    return d / s;
  };
  const int ni = native_window(Product::GLDAS).ni;
  EXPECT_LT(roughness(summer_.daily.at(Product::GLDAS), ni), 0.6 * roughness(summer_.blocks.at(Product::GLDAS), ni));
  }
}

TEST(SynthProducts, SubDailyStepsSumToTheDailyAmount) {
  TruthGenerator g(3);
  g.next(day_from_ymd(2018, 8, 1));
  for (Product p : kAllProducts) {
    ProductModel m(p, 3);
    ProductDay d;
    m.make_day(day_from_ymd(2018, 8, 1), g.field(), d);
    const NativeWindow& w = m.window();
    ASSERT_EQ(d.steps.size(), size_t(w.steps_per_day) * w.size());
    for (size_t i = 0; i < w.size(); i += 37) {
      double s = 0;
      for (int k = 0; k < w.steps_per_day; ++k) s += d.steps[k * w.size() + i];
      EXPECT_NEAR(s, d.daily[i], 1e-4 + 1e-5 * d.daily[i]) << product_name(p);
    }
    EXPECT_EQ(d.step_start(0, w), day_start(day_from_ymd(2018, 7, 31)) + 12 * 3600);
  }
}

TEST(SynthProducts, WindowsMatchTheFactSheetIndices) {
  // §A.2-§A.5: Qinghai indices lie inside each window with >= 2 cells of halo.
  struct Case { Product p; int i_lo, i_hi, j_lo, j_hi; };
  const Case cases[] = {{Product::IMERG, 2695, 2833, 1213, 1298},
                        {Product::GSMAP, 895, 1033, 201, 286},
                        {Product::CMORPH, 1230, 1421, 1255, 1372}};
  for (const auto& c : cases) {
    const NativeWindow w = native_window(c.p);
    EXPECT_LE(w.i0 + 2, c.i_lo) << product_name(c.p);
    EXPECT_GE(w.i0 + w.ni - 3, c.i_hi) << product_name(c.p);
    EXPECT_LE(w.j0 + 2, c.j_lo) << product_name(c.p);
    EXPECT_GE(w.j0 + w.nj - 3, c.j_hi) << product_name(c.p);
  }
  EXPECT_EQ(native_window(Product::ERA5).grid().lat.front(), 40.75);  // N->S
  EXPECT_EQ(native_window(Product::GLDAS).grid().lat.front(), 30.375);
}

}  // namespace
