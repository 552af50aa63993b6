// Civil dates and UTC instants used across io. A day is an int count of days
// since 1970-01-01 (proleptic Gregorian); an instant is int64 seconds since
// 1970-01-01T00:00:00Z (no leap seconds).
#pragma once
#include <cstdint>
#include <string>

namespace rf::io {

using DayNumber = int32_t;
using UnixSeconds = int64_t;
// Time decoders reject days further than this from 1970-01-01 (about 27,000
// years) as out of range, before converting to DayNumber.
inline constexpr double kMaxDays = 1e7;

DayNumber day_from_ymd(int y, int m, int d);
void ymd_from_day(DayNumber day, int& y, int& m, int& d);
DayNumber parse_date(const std::string& yyyy_mm_dd);  // "YYYY-MM-DD"; throws on a malformed date
std::string format_date(DayNumber day);               // "YYYY-MM-DD"
int day_of_year(DayNumber day);                       // 1..366
inline UnixSeconds day_start(DayNumber day) { return UnixSeconds(day) * 86400; }
// "YYYY-MM-DD HH:MM UTC" (for messages about time steps).
std::string format_utc_time(UnixSeconds t);

}  // namespace rf::io
