// CF time encodings: "<unit> since <date>[ <time>][ UTC]" -> UNIX seconds.
#pragma once
#include <string>

#include "io/dates.h"

namespace rf::io {

struct CfTimeUnits {
  double unit_seconds = 1;  // seconds per unit
  UnixSeconds epoch = 0;    // the reference instant
  // Throws std::invalid_argument for a value that is not finite or lies more
  // than kMaxOffsetSeconds (about 31 million years) from the epoch.
  UnixSeconds to_unix(double v) const;
  static constexpr double kMaxOffsetSeconds = 1e15;
};
// Throws std::invalid_argument on an unknown unit or a malformed reference date or time.
CfTimeUnits parse_cf_time_units(const std::string& units);

}  // namespace rf::io
