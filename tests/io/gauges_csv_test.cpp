// Gauge CSVs: header-name mapping (twin, CIMISS and Chinese headers), CMA codes
// (trace, missing, weather-coded), QC flags, DDMM coordinates, hourly -> CMA /
// UTC days, the half-day columns of the daily file, and bad inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "io/gauges/gauges.h"
#include "tests/io/io_fixture.h"

namespace rf::io::test {
namespace {

const DayNumber kD = day_from_ymd(2021, 7, 15);

TEST(Gauges, CodesAndCoordinates) {
  bool trace;
  EXPECT_EQ(decode_cma_precip(32700, 0.1, trace), 0.f);
  EXPECT_TRUE(trace);
  EXPECT_TRUE(std::isnan(decode_cma_precip(32766, 0.1, trace)));
  EXPECT_TRUE(std::isnan(decode_cma_precip(32744, 0.1, trace)));
  EXPECT_TRUE(std::isnan(decode_cma_precip(999999, 1, trace)));
  EXPECT_FLOAT_EQ(decode_cma_precip(31012, 0.1, trace), 1.2f);  // rain and snow, 12 x 0.1 mm
  EXPECT_FLOAT_EQ(decode_cma_precip(32005, 1, trace), 0.5f);    // dew/frost coded, always 0.1 mm
  EXPECT_FLOAT_EQ(decode_cma_precip(123, 0.1, trace), 12.3f);
  EXPECT_FALSE(trace);
  EXPECT_NEAR(cma_degrees(3622, 90), 36 + 22 / 60.0, 1e-12);
  EXPECT_NEAR(cma_degrees(10145, 360), 101.75, 1e-12);
  EXPECT_EQ(cma_degrees(36.37, 90), 36.37);
  EXPECT_THROW(cma_degrees(3672, 90), std::invalid_argument);
}

TEST(Gauges, StationsDecimalAndDdmm) {
  ScratchDir d;
  std::ofstream(d / "st.csv") << "区站号,站名,纬度,经度,观测场海拔高度\n52866,西宁,3637,10145,22952\n52818,格尔木,36.42,94.9,102807\n";
  const auto s = read_gauge_stations(d / "st.csv");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].id, "52866");
  EXPECT_EQ(s[0].name, "西宁");
  EXPECT_NEAR(s[0].lat, 36 + 37 / 60.0, 1e-12);
  EXPECT_NEAR(s[0].lon, 101.75, 1e-12);
  EXPECT_EQ(s[1].lat, 36.42);
  EXPECT_EQ(s[1].elevation_m, 2807);  // estimated-elevation flag removed
}

TEST(Gauges, HourlyToCmaAndUtcDays) {
  ScratchDir d;
  {
    std::ofstream f(d / "h.csv");
    f << "station_id,time,PRE_1h,Q_PRE_1h\n";
    // Hours ending 2021-07-14 12:00 ... 07-16 12:00 UTC, value = hour index * 0.1 mm.
    const UnixSeconds t0 = day_start(kD - 1) + 12 * 3600;
    for (int h = 0; h <= 48; ++h) {
      const UnixSeconds e = t0 + h * 3600;
      int y, m, dd;
      ymd_from_day(DayNumber(e / 86400), y, m, dd);
      char b[64];
      std::snprintf(b, sizeof b, "%04d-%02d-%02d %02d:00", y, m, dd, int(e % 86400 / 3600));
      const bool tr = h == 3, qc_bad = h == 30;
      f << "A," << b << "," << (tr ? "32700" : std::to_string(h * 0.1).substr(0, 4)) << "," << (qc_bad ? 2 : 0) << "\n";
    }
  }
  GaugeOptions o;
  const GaugeDaily g = read_gauges_hourly({d / "h.csv"}, kD, kD + 1, o);
  ASSERT_EQ(g.ids.size(), 1u);
  // CMA day kD: hours ending 07-14 13:00 .. 07-15 12:00 = h 1..24 (h=3 trace -> 0).
  double want = 0;
  for (int h = 1; h <= 24; ++h) want += h == 3 ? 0 : h * 0.1;
  EXPECT_NEAR(g.mm[0], want, 1e-4);
  EXPECT_TRUE(g.trace[0]);
  EXPECT_EQ(g.valid_hours[0], 24);
  EXPECT_TRUE(std::isnan(g.mm[1]));  // day kD+1 lacks h=30 (bad QC)
  o.max_missing_hours = 1;
  double want2 = 0;
  for (int h = 25; h <= 48; ++h) want2 += h == 30 ? 0 : h * 0.1;
  EXPECT_NEAR(read_gauges_hourly({d / "h.csv"}, kD, kD + 1, o).mm[1], want2 * 24 / 23, 1e-3);
  o.convention = DayConvention::UTC;
  o.max_missing_hours = 0;
  const GaugeDaily u = read_gauges_hourly({d / "h.csv"}, kD, kD, o);  // hours ending 07-15 01..07-16 00 = h 13..36
  EXPECT_TRUE(std::isnan(u.mm[0]));  // h=30 is in it
}

TEST(Gauges, DailyHalfDaysAndUtcReconstruction) {
  ScratchDir d;
  std::ofstream(d / "d.csv") << "station_id,date,PRE_20_08,PRE_08_20,PRE_20_20,QC\n"
                                "A,2021-07-15,1.0,2.0,3.0,0\nA,2021-07-16,4.0,32700,4.0,0\nA,2021-07-17,0.5,0.0,0.5,0\n"
                                "B,2021-07-15,32766,1.0,32766,8\n";
  GaugeOptions o;
  const GaugeDaily c = read_gauges_daily({d / "d.csv"}, kD, kD + 1, o);
  const size_t a = c.station("A"), b = c.station("B");
  EXPECT_FLOAT_EQ(c.mm[a * 2 + 0], 3.f);
  EXPECT_FLOAT_EQ(c.mm[a * 2 + 1], 4.f);
  EXPECT_TRUE(c.trace[a * 2 + 1]);
  EXPECT_TRUE(std::isnan(c.mm[b * 2 + 0]));  // QC 8
  o.convention = DayConvention::UTC;
  const GaugeDaily u = read_gauges_daily({d / "d.csv"}, kD, kD + 1, o);
  EXPECT_FLOAT_EQ(u.mm[u.station("A") * 2 + 0], 2.f + 4.f);  // P08-20(D) + P20-08(D+1)
  EXPECT_FLOAT_EQ(u.mm[u.station("A") * 2 + 1], 0.f + 0.5f);
  std::ofstream(d / "bad.csv") << "station_id,date,PRE_20_20\nA,2021-07-15,x\n";
  try {
    read_gauges_daily({d / "bad.csv"}, kD, kD, GaugeOptions{});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:2: column 'PRE_20_20': not a number"), std::string::npos) << e.what();
  }
  std::ofstream(d / "nocol.csv") << "station_id,date,rain\nA,2021-07-15,1\n";
  EXPECT_THROW(read_gauges_daily({d / "nocol.csv"}, kD, kD, GaugeOptions{}), std::runtime_error);
}

}  // namespace
}  // namespace rf::io::test
