// Streaming daily totals (fact sheet §B): steps are added one at a time and
// summed into the day whose window holds them; nothing but the running sums is
// kept. Day D (CMA, default) = [D-1 12:00 UTC, D 12:00 UTC) = 20:00-20:00
// Beijing; day D (UTC) = [D 00:00, D+1 00:00). So ERA5 stamps D-1 13:00 … D
// 12:00 (hour ending) and IMERG/CMORPH/GSMaP starts D-1 12:00 … D 11:30 form
// CMA day D. A step that straddles a day boundary (e.g. a UTC-day product under
// the CMA day) is an error, never split.
#pragma once
#include <set>
#include <string>
#include <vector>

#include "io/daily.h"
#include "io/readers/step.h"

namespace rf::io {

struct DayOptions {
  DayConvention convention = DayConvention::CMA;
  // A cell-day with more missing steps than this is missing (NaN). With some
  // missing steps tolerated, the sum is rescaled by expected/valid steps.
  int max_missing_steps = 0;
};

// [start, end) of day `d` under a convention.
UnixSeconds day_window_start(DayNumber d, DayConvention c);

class DailyAggregator {
 public:
  DailyAggregator(std::string product, DayNumber first, DayNumber last, DayOptions opt);
  // Instants the days need: steps outside [need_from(), need_to()) are ignored.
  UnixSeconds need_from() const { return day_window_start(first_, opt_.convention); }
  UnixSeconds need_to() const { return day_window_start(last_ + 1, opt_.convention); }
  // `where` names the file in errors (grid change, duplicate step, straddling).
  void add(const Grid& grid, const Step& step, const std::string& where);
  DailyCube finish();

 private:
  std::string product_;
  DayNumber first_, last_;
  DayOptions opt_;
  bool have_grid_ = false;
  Grid grid_;
  int32_t step_seconds_ = 0;
  std::vector<double> sum_;         // [nt][cells]
  std::vector<uint16_t> valid_;     // [nt][cells]
  std::vector<std::set<UnixSeconds>> seen_;  // step starts per day
};

}  // namespace rf::io
