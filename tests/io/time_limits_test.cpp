// Out-of-range times and sizes in outside input are one-line errors, never
// integer overflow or wrapped dates (regressions of the fuzz targets in
// tests/fuzz, docs/reliability.md).
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "io/dates.h"
#include "io/grads/ctl.h"
#include "io/readers/cf_time.h"
#include "io/sample/point_series.h"

namespace rf::io {
namespace {

template <class F>
std::string error_of(F fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST(TimeLimits, DatesOutsideChronoDoNotWrap) {
  EXPECT_THROW(day_from_ymd(67536, 1, 1), std::invalid_argument);  // was 2000-01-01 (16-bit year)
  EXPECT_THROW(day_from_ymd(2000, 1, 257), std::invalid_argument);  // was 2000-01-01 (8-bit day)
  EXPECT_THROW(day_from_ymd(2000, 269, 1), std::invalid_argument);
  EXPECT_EQ(day_from_ymd(2021, 7, 15), 18823);
}

TEST(TimeLimits, CfTimeValuesOutOfRange) {
  // fuzz: time_units regress-cf-day-cast-overflow (a double beyond int cast to a day).
  EXPECT_NE(error_of([] { cf_time_to_day(221102021102021.0, "hours since 220-01-21"); }).find("out of range"),
            std::string::npos);
  EXPECT_EQ(cf_time_to_day(36, "days since 1970-01-01"), 36);
  const CfTimeUnits u = parse_cf_time_units("seconds since 2000-01-01");
  EXPECT_THROW(u.to_unix(1e300), std::invalid_argument);
  EXPECT_THROW(u.to_unix(NAN), std::invalid_argument);
  EXPECT_EQ(u.to_unix(1.5), 946684802);
  EXPECT_THROW(parse_cf_time_units("hours since 2000-01-01 1000000:00"), std::invalid_argument);
}

TEST(TimeLimits, GradsCountsAndTimes) {
  // fuzz: grads_ctl regress-tdef-step-overflow (10^16 steps overflowed the step times).
  const std::string body = "XDEF 2 LINEAR 100 1\nYDEF 2 LINEAR 35 1\nVARS 1\nr 0 99 rain\nENDVARS\n";
  auto ctl = [&](const std::string& extra) { return parse_grads_ctl("DSET ^x.bin\n" + extra + body, "t.ctl", "."); };
  EXPECT_NE(error_of([&] { ctl("TDEF 9933333333339999 LINEAR 00z01jan1998 1hr\n"); }).find("t.ctl: TDEF"), std::string::npos);
  EXPECT_NE(error_of([&] { ctl("TDEF 2 LINEAR 00z01jan1998 2147483647dy\n"); }).find("bad TDEF increment"), std::string::npos);
  EXPECT_NE(error_of([&] { ctl("TDEF 2 LINEAR 00z01jan1998 1\n"); }).find("bad TDEF increment"), std::string::npos);
  EXPECT_NE(error_of([&] { ctl("FILEHEADER -8\nTDEF 2 LINEAR 00z01jan1998 1hr\n"); }).find("FILEHEADER"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_grads_ctl("DSET x\nXDEF 1e12 LINEAR 0 1\n", "t.ctl", "."); }).find("XDEF"),
            std::string::npos);
  EXPECT_THROW(parse_grads_time("99999999z1jan2000"), std::invalid_argument);
  const GradsCtl monthly = ctl("TDEF 100 LINEAR 1jan2000 1000yr\n");
  EXPECT_THROW(monthly.step_time(99), std::invalid_argument);
  EXPECT_EQ(ctl("TDEF 3 LINEAR 00z01jan2000 1hr\n").step_time(2), 946684800 + 7200);
}

}  // namespace
}  // namespace rf::io
