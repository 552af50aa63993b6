#include "io/readers/cf_time.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace rf::io {

UnixSeconds CfTimeUnits::to_unix(double v) const {
  const double s = v * unit_seconds;
  if (!(std::abs(s) < kMaxOffsetSeconds))
    throw std::invalid_argument("time value " + std::to_string(v) + " is not finite or out of range");
  return epoch + UnixSeconds(std::llround(s));
}

CfTimeUnits parse_cf_time_units(const std::string& units) {
  const size_t since = units.find(" since ");
  if (since == std::string::npos) throw std::invalid_argument("time units '" + units + "' lack 'since'");
  const std::string unit = units.substr(0, since);
  CfTimeUnits u;
  if (unit == "seconds" || unit == "second" || unit == "s") u.unit_seconds = 1;
  else if (unit == "minutes" || unit == "minute") u.unit_seconds = 60;
  else if (unit == "hours" || unit == "hour" || unit == "h") u.unit_seconds = 3600;
  else if (unit == "days" || unit == "day" || unit == "d") u.unit_seconds = 86400;
  else throw std::invalid_argument("unknown time unit '" + unit + "' in '" + units + "'");
  int y, mo, d, hh = 0, mm = 0;
  double ss = 0;
  const std::string ref = units.substr(since + 7);
  const int n = std::sscanf(ref.c_str(), "%d-%d-%d%*[ T]%d:%d:%lf", &y, &mo, &d, &hh, &mm, &ss);
  if (n < 3) throw std::invalid_argument("malformed reference date in time units '" + units + "'");
  if (hh < 0 || hh > 24 || mm < 0 || mm > 59 || !(ss >= 0 && ss < 61))
    throw std::invalid_argument("malformed reference time in time units '" + units + "'");
  u.epoch = day_start(day_from_ymd(y, mo, d)) + hh * 3600 + mm * 60 + UnixSeconds(std::llround(ss));
  return u;
}

}  // namespace rf::io
