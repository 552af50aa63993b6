// Daily aggregation: day windows (CMA 12-12 UTC dated by the end day, UTC
// 00-24), per-product stamp recipes at the boundaries, missing-step tolerance,
// valid-step counts, absent data = NaN, straddling and duplicate steps.
#include <gtest/gtest.h>

#include <cmath>

#include "io/aggregate/daily_aggregator.h"

namespace rf::io {
namespace {

const DayNumber kD = day_from_ymd(2021, 7, 15);
Grid tiny() { return Grid::regular(90.05, 0.1, 3, 35.05, 0.1, 2); }

Step step(UnixSeconds start, int secs, float v) { return Step{start, secs, std::vector<float>(6, v)}; }

TEST(Aggregate, CmaDayBoundariesForHourEndingAndIntervalStartStamps) {
  // ERA5: stamps D-1 13:00 … D 12:00 (hour ending) -> step starts D-1 12:00 … D 11:00 = CMA day D.
  DailyAggregator a("era5", kD, kD + 1, {});
  const UnixSeconds w0 = day_start(kD) - 12 * 3600;
  for (int h = 0; h < 48; ++h) a.add(tiny(), step(w0 + h * 3600, 3600, float(h + 1)), "f");
  const DailyCube c = a.finish();
  ASSERT_EQ(c.nt(), 2u);
  EXPECT_EQ(c.days[0], kD);
  EXPECT_EQ(c.steps_per_day, 24);
  EXPECT_FLOAT_EQ(c.day_ptr(0)[0], 24 * 25 / 2.f);              // steps 1..24
  EXPECT_FLOAT_EQ(c.day_ptr(1)[5], (48 * 49 - 24 * 25) / 2.f);  // steps 25..48
  EXPECT_EQ(c.valid_steps[0], 24);
}

TEST(Aggregate, HalfHourAt1130And1230BelongToTheSameCmaDayOnlyAcrossDates) {
  // 11:30 UTC of D (start) ends CMA day D; 12:00 and 12:30 UTC of D start day D+1;
  // 12:30 UTC of D-1 belongs to day D like 11:30 UTC of D.
  DailyAggregator a("imerg", kD, kD + 1, {DayConvention::CMA, 47});
  a.add(tiny(), step(day_start(kD) + 11 * 3600 + 1800, 1800, 1.f), "a");
  a.add(tiny(), step(day_start(kD) - 11 * 3600 - 1800, 1800, 2.f), "b");  // D-1 12:30
  a.add(tiny(), step(day_start(kD) + 12 * 3600, 1800, 4.f), "c");
  a.add(tiny(), step(day_start(kD) + 12 * 3600 + 1800, 1800, 8.f), "d");
  const DailyCube c = a.finish();
  EXPECT_EQ(c.valid_steps[0], 2);
  EXPECT_FLOAT_EQ(c.day_ptr(0)[0], 3.f * 48 / 2);  // rescaled by 48 / 2 valid steps
  EXPECT_FLOAT_EQ(c.day_ptr(1)[0], 12.f * 48 / 2);
}

TEST(Aggregate, UtcDayAndMissingTolerance) {
  for (int tol : {0, 1}) {
    DailyAggregator a("gsmap", kD, kD, {DayConvention::UTC, tol});
    for (int h = 0; h < 24; ++h) {
      Step s = step(day_start(kD) + h * 3600, 3600, 1.f);
      if (h == 5) s.mm[2] = NAN;  // one missing hour in cell 2
      if (h != 7) a.add(tiny(), s, "f");  // hour 7 absent everywhere for tol test below
    }
    const DailyCube c = a.finish();
    EXPECT_EQ(c.valid_steps[0], 23);
    EXPECT_EQ(c.valid_steps[2], 22);
    if (tol == 0) {
      EXPECT_TRUE(std::isnan(c.precip[0])) << "a day short of one step is missing, never silently short";
    } else {
      EXPECT_FLOAT_EQ(c.precip[0], 24.f);  // 23 mm rescaled by 24/23
      EXPECT_TRUE(std::isnan(c.precip[2]));  // 2 missing > 1 tolerated
    }
  }
}

TEST(Aggregate, GldasThreeHourlyStartStampsAndNoDataIsNaN) {
  DailyAggregator a("gldas", kD, kD + 2, {});
  for (int k = 0; k < 8; ++k) a.add(tiny(), step(day_start(kD) - 12 * 3600 + k * 10800, 10800, 0.5f), "g");
  const DailyCube c = a.finish();
  EXPECT_EQ(c.steps_per_day, 8);
  EXPECT_FLOAT_EQ(c.precip[0], 4.f);
  for (size_t k = 0; k < 6; ++k) EXPECT_TRUE(std::isnan(c.day_ptr(1)[k]));  // absent: NaN, not 0
  EXPECT_EQ(c.valid_steps[6], 0);
}

TEST(Aggregate, RejectsStraddlingDuplicateAndGridChanges) {
  DailyAggregator a("imerg", kD, kD, {});
  // A UTC-day product cannot form a CMA day.
  EXPECT_THROW(a.add(tiny(), step(day_start(kD), 86400, 1.f), "3B-DAY"), std::runtime_error);
  a.add(tiny(), step(day_start(kD), 1800, 1.f), "x");
  EXPECT_THROW(a.add(tiny(), step(day_start(kD), 1800, 1.f), "x2"), std::runtime_error);
  EXPECT_THROW(a.add(Grid::regular(90.05, 0.1, 2, 35.05, 0.1, 3), step(day_start(kD) + 1800, 1800, 1.f), "y"),
               std::runtime_error);
  a.add(tiny(), step(day_start(kD) + 5 * 86400, 1800, 1.f), "outside: ignored");
  DailyAggregator e("era5", kD, kD, {});
  EXPECT_THROW(e.finish(), std::runtime_error);  // nothing of the period
}

}  // namespace
}  // namespace rf::io
