// Daily totals of one source on one grid: what every reader + aggregator
// produces and what the regridder, the CF writer and the pipeline consume.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/dates.h"
#include "io/grid.h"

namespace rf::io {

// The day window: the gauges' (CMA) day runs 20:00-20:00 Beijing time, i.e.
// 12:00 UTC of the previous date to 12:00 UTC of the date; the UTC day runs
// 00:00-24:00 UTC of the date.
enum class DayConvention { CMA, UTC };

struct DailyCube {
  std::string product;              // "era5", "imerg", ... or a user's name
  Grid grid;
  DayConvention convention = DayConvention::CMA;
  std::vector<DayNumber> days;      // nt dates, each the date the day window ends on
  std::vector<float> precip;        // [nt][ny][nx] mm/day; NaN = missing (never 0 for absent data)
  std::vector<uint16_t> valid_steps;  // [nt][ny][nx] number of valid sub-daily steps summed
  int steps_per_day = 0;            // nominal steps in a full day (24, 48, 8, ...)

  size_t nt() const { return days.size(); }
  float* day_ptr(size_t t) { return precip.data() + t * grid.size(); }
  const float* day_ptr(size_t t) const { return precip.data() + t * grid.size(); }
};

}  // namespace rf::io
