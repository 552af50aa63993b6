// Sampling a CF daily file at gauge points: values equal the containing cell,
// fill becomes NaN, dates come from the time axis, outside points are errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <random>
#include <string>

#include "io/cf/writer.h"
#include "io/sample/point_series.h"

using namespace rf::io;

TEST(PointSeries, SamplesTheContainingCellOfAWrittenCfFile) {
  DailyCube c;
  c.product = "test";
  c.grid = Grid::regular(100.05, 0.1, 23, 35.95, -0.1, 17);  // stored north -> south
  const DayNumber d0 = day_from_ymd(2021, 7, 30);
  for (int t = 0; t < 5; ++t) c.days.push_back(d0 + t);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(0.5f, 40.f);
  c.precip.resize(c.nt() * c.grid.size());
  for (auto& v : c.precip) v = u(rng);
  c.precip[2 * c.grid.size() + 4 * 23 + 7] = NAN;  // day 2, row 4, col 7 missing
  c.valid_steps.assign(c.precip.size(), 24);
  c.steps_per_day = 24;
  const std::string path = "point_series_" + std::to_string(getpid()) + ".nc";
  write_cf_daily(path, c, CfOptions{});

  // (100.78, 35.56) lies in col 7 (100.75 +- 0.05), row 4 (35.55 +- 0.05).
  std::vector<PointRequest> pts{{"a", 100.78, 35.56}, {"b", 101.21, 34.41}};
  auto s = sample_points(path, "precipitation", pts);
  ASSERT_EQ(s.days.size(), 5u);
  EXPECT_EQ(s.days[0], d0);
  EXPECT_EQ(s.days[4], d0 + 4);
  const size_t col_b = 12, row_b = 15;  // centre 101.25 (101.20..101.30), 34.45 (34.40..34.50)
  for (size_t t = 0; t < 5; ++t) {
    const float a = c.precip[t * c.grid.size() + 4 * 23 + 7];
    if (std::isnan(a)) EXPECT_TRUE(std::isnan(s.values[0][t]));
    else EXPECT_NEAR(s.values[0][t], a, 1e-5f * a);
    EXPECT_NEAR(s.values[1][t], c.precip[t * c.grid.size() + row_b * 23 + col_b], 1e-3f);
  }
  EXPECT_TRUE(std::isnan(s.values[0][2]));

  try {
    sample_points(path, "precipitation", {{"52866", 90.0, 35.0}});
    FAIL() << "outside point accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("52866"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
  EXPECT_THROW(sample_points(path, "nope", pts), std::runtime_error);
  std::remove(path.c_str());
}

TEST(PointSeries, CfTimeUnits) {
  EXPECT_EQ(cf_time_to_day(3, "days since 1970-01-01"), 3);
  EXPECT_EQ(cf_time_to_day(36, "hours since 2000-01-01 00:00:00"), day_from_ymd(2000, 1, 2));
  EXPECT_THROW(cf_time_to_day(1, "fortnights since 2000-01-01"), std::invalid_argument);
}
