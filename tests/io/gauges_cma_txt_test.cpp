// The CMA daily TXT as distributed (SURF_CLI_CHN_MUL_DAY-PRE-13011-YYYYMM.TXT:
// headerless, whitespace, 13 columns, DDMM coordinates, 0.1 m elevation, 0.1 mm
// precipitation with CMA codes, a QC code per value), read by content; stations
// outside the metadata skipped and counted; hourly compact stamps in Beijing
// time; degrees.minutes coordinates declared, and the warning when they look so.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "io/gauges/gauges.h"
#include "tests/io/io_fixture.h"

namespace rf::io::test {
namespace {

const DayNumber kD = day_from_ymd(2021, 7, 15);

// Columns: station lat lon elev year mon day P20-08 P08-20 P20-20 QC QC QC.
const char* kTxt =
    "52866  3637 10145  22952 2021  7 14       5       7      12    0    0    0\n"
    "52866  3637 10145  22952 2021  7 15      10      20      30    0    0    0\n"
    "52866  3637 10145  22952 2021  7 16   32700      40      40    0    0    0\n"
    "52818  3625  9454  28080 2021  7 14       0       0       0    0    0    0\n"
    "52818  3625  9454  28080 2021  7 15   31012   32766   32766    0    8    8\n"
    "52818  3625  9454  28080 2021  7 16       3       4       7    0    0    2\n"
    "54511  3956 11628    313 2021  7 15     999     999    1998    0    0    0\n";

TEST(CmaDailyTxt, RecognisedByContentInTenthsOfMm) {
  ScratchDir d;
  const std::string path = d / "SURF_CLI_CHN_MUL_DAY-PRE-13011-202107.TXT";
  std::ofstream(path) << kTxt;
  GaugeOptions o;  // scale 1.0 (a CSV default) must not apply: the TXT is 0.1 mm
  o.stations = {"52866", "52818"};
  const GaugeDaily g = read_gauges_daily({path}, kD, kD + 1, o);
  ASSERT_EQ(g.ids.size(), 2u);
  const size_t a = g.station("52866"), b = g.station("52818");
  EXPECT_FLOAT_EQ(g.mm[a * 2 + 0], 3.0f);  // 20-20 = 30 x 0.1 mm
  EXPECT_FLOAT_EQ(g.mm[a * 2 + 1], 4.0f);
  EXPECT_TRUE(g.trace[a * 2 + 1]);        // 20-08 was a trace
  EXPECT_TRUE(std::isnan(g.mm[b * 2 + 0]));  // 20-20 missing (32766, QC 8) and 08-20 missing: no total
  EXPECT_NEAR(g.mm[b * 2 + 1], 0.7f, 1e-6);  // 20-20 QC 2 (wrong): the valid halves 0.3 + 0.4 mm
  // 54511 (Beijing) is not in the metadata: skipped and counted, not an error.
  ASSERT_EQ(g.skipped.size(), 1u);
  EXPECT_EQ(g.skipped[0], "54511");
  EXPECT_EQ(g.skipped_rows, 1u);

  // A UTC day rebuilt from the half days: P08-20(D) + P20-08(D+1).
  o.convention = DayConvention::UTC;
  const GaugeDaily u = read_gauges_daily({path}, kD, kD, o);
  EXPECT_FLOAT_EQ(u.mm[u.station("52866")], 2.0f + 0.0f);  // 20 x 0.1 + trace
  EXPECT_TRUE(std::isnan(u.mm[u.station("52818")]));       // 08-20 of the 15th missing
}

TEST(CmaDailyTxt, HalfDaysFillAMissingTwentyTwentyTotal) {
  ScratchDir d;
  const std::string path = d / "x.TXT";
  // 20-20 missing but both halves valid: the CMA day is their sum (1.2 + 0.5 mm,
  // the 31012 weather code meaning 12 x 0.1 mm).
  std::ofstream(path) << "52818  3625  9454  28080 2021  7 15   31012       5   32766    0    0    8\n";
  const GaugeDaily g = read_gauges_daily({path}, kD, kD, GaugeOptions{});
  EXPECT_NEAR(g.mm[0], 1.7f, 1e-6);
}

TEST(CmaDailyTxt, StationsFromTheTxtAndForcedFormat) {
  ScratchDir d;
  const std::string path = d / "s.TXT";
  std::ofstream(path) << kTxt;
  const auto st = read_gauge_stations(path);
  ASSERT_EQ(st.size(), 3u);  // one per station, not per day
  EXPECT_EQ(st[0].id, "52866");
  EXPECT_NEAR(st[0].lat, 36 + 37 / 60.0, 1e-12);
  EXPECT_NEAR(st[0].lon, 101.75, 1e-12);
  EXPECT_NEAR(st[0].elevation_m, 2295.2, 1e-9);  // 0.1 m
  EXPECT_NEAR(st[1].lon, 94 + 54 / 60.0, 1e-12);
  const auto span = gauge_daily_span({path}, GaugeFileFormat::Auto);
  EXPECT_EQ(span.first, kD - 1);
  EXPECT_EQ(span.second, kD + 1);

  std::ofstream(d / "c.csv") << "station_id,date,PRE_20_20\nA,2021-07-15,1\n";
  GaugeOptions o;
  o.format = GaugeFileFormat::CmaDailyTxt;
  try {
    read_gauges_daily({d / "c.csv"}, kD, kD, o);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("c.csv:1: not a CMA daily TXT record"), std::string::npos) << e.what();
  }
  std::ofstream(d / "short.TXT") << "52866  3637 10145  22952 2021  7 14       5       7      12    0    0    0\n"
                                    "52866  3637 10145  22952 2021  7 15      10      20\n";
  try {
    read_gauges_daily({d / "short.TXT"}, kD, kD, GaugeOptions{});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("short.TXT:2: 9 fields, the first record has 13"), std::string::npos) << e.what();
  }
}

TEST(GaugesHourly, CompactStampsInBeijingTime) {
  ScratchDir d;
  {
    std::ofstream f(d / "h.csv");
    f << "station_id,time,PRE_1h\n";
    // Hours ending 2021-07-14 21:00 ... 07-15 20:00 BJT = 13:00 ... 12:00 UTC: the CMA day of the 15th.
    for (int h = 0; h < 24; ++h) {
      const int bjt = 21 + h, day = 14 + bjt / 24, hour = bjt % 24;
      char b[32];
      std::snprintf(b, sizeof b, "202107%02d%02d", day, hour);
      f << "A," << b << "," << 1 + h << "\n";
    }
  }
  GaugeOptions o;
  o.utc_offset_hours = 8;
  const GaugeDaily g = read_gauges_hourly({d / "h.csv"}, kD, kD, o);
  EXPECT_FLOAT_EQ(g.mm[0], 24 * 25 / 2.f);
  EXPECT_EQ(g.valid_hours[0], 24);
  o.utc_offset_hours = 0;  // undeclared: the hours land 8 h late and the day is incomplete
  EXPECT_TRUE(std::isnan(read_gauges_hourly({d / "h.csv"}, kD, kD, o).mm[0]));
  std::ofstream(d / "bad.csv") << "station_id,time,PRE_1h\nA,20210715,1\n";
  EXPECT_THROW(read_gauges_hourly({d / "bad.csv"}, kD, kD, o), std::runtime_error);
}

TEST(GaugeStations, DotMinutesDeclaredOrWarned) {
  ScratchDir d;
  std::ofstream(d / "st.csv") << "station_id,lat,lon\n1,36.37,101.45\n2,35.10,100.05\n3,34.22,98.30\n"
                                 "4,37.01,96.55\n5,38.48,93.20\n";
  std::string warning;
  const auto dec = read_gauge_stations(d / "st.csv", CoordinateFormat::Auto, &warning);
  EXPECT_EQ(dec[0].lat, 36.37);
  EXPECT_NE(warning.find("gauges.coordinates = \"dd.mm\""), std::string::npos) << warning;
  warning.clear();
  const auto dm = read_gauge_stations(d / "st.csv", CoordinateFormat::DotMinutes, &warning);
  EXPECT_NEAR(dm[0].lat, 36 + 37 / 60.0, 1e-12);
  EXPECT_NEAR(dm[0].lon, 101 + 45 / 60.0, 1e-12);
  EXPECT_TRUE(warning.empty());
  std::ofstream(d / "dec.csv") << "station_id,lat,lon\n1,36.37,101.45\n2,35.10,100.75\n3,34.22,98.30\n"
                                  "4,37.01,96.55\n5,38.48,93.20\n";
  read_gauge_stations(d / "dec.csv", CoordinateFormat::Auto, &warning);
  EXPECT_TRUE(warning.empty()) << warning;  // .75 cannot be minutes
  std::ofstream(d / "bad.csv") << "station_id,lat,lon\n1,36.75,101.45\n";
  EXPECT_THROW(read_gauge_stations(d / "bad.csv", CoordinateFormat::DotMinutes), std::runtime_error);
}

}  // namespace
}  // namespace rf::io::test
