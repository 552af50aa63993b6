#include "io/dates.h"

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace rf::io {

DayNumber day_from_ymd(int y, int m, int d) {
  using namespace std::chrono;
  // Range first: std::chrono keeps the year in 16 bits and the month and day
  // in 8, so 67536-01-01 or day 257 would wrap into a valid date.
  const bool in_range = y >= int(year::min()) && y <= int(year::max()) && m >= 1 && m <= 12 && d >= 1 && d <= 31;
  const year_month_day ymd{year{in_range ? y : 0}, month{unsigned(in_range ? m : 0)}, day{unsigned(in_range ? d : 0)}};
  if (!in_range || !ymd.ok()) throw std::invalid_argument("invalid date " + std::to_string(y) + "-" + std::to_string(m) + "-" + std::to_string(d));
  return DayNumber(sys_days{ymd}.time_since_epoch().count());
}

void ymd_from_day(DayNumber dn, int& y, int& m, int& d) {
  using namespace std::chrono;
  year_month_day ymd{sys_days{days{dn}}};
  y = int(ymd.year());
  m = int(unsigned(ymd.month()));
  d = int(unsigned(ymd.day()));
}

DayNumber parse_date(const std::string& s) {
  int y, m, d;
  char tail;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
    throw std::invalid_argument("expected a date YYYY-MM-DD, got '" + s + "'");
  return day_from_ymd(y, m, d);
}

std::string format_date(DayNumber day) {
  int y, m, d;
  ymd_from_day(day, y, m, d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

int day_of_year(DayNumber day) {
  int y, m, d;
  ymd_from_day(day, y, m, d);
  return day - day_from_ymd(y, 1, 1) + 1;
}

std::string format_utc_time(UnixSeconds t) {
  const DayNumber d = DayNumber(t >= 0 ? t / 86400 : (t - 86399) / 86400);
  const int64_t s = t - day_start(d);
  char b[16];
  std::snprintf(b, sizeof b, " %02d:%02d UTC", int(s / 3600), int(s / 60 % 60));
  return format_date(d) + b;
}

}  // namespace rf::io
