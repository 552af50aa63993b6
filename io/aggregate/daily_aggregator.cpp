#include "io/aggregate/daily_aggregator.h"

#include <cmath>
#include <stdexcept>

namespace rf::io {

UnixSeconds day_window_start(DayNumber d, DayConvention c) {
  return day_start(d) - (c == DayConvention::CMA ? 12 * 3600 : 0);
}

DailyAggregator::DailyAggregator(std::string product, DayNumber first, DayNumber last, DayOptions opt)
    : product_(std::move(product)), first_(first), last_(last), opt_(opt) {
  if (last < first) throw std::invalid_argument("daily: end date before start date");
  seen_.resize(size_t(last - first + 1));
}

void DailyAggregator::add(const Grid& grid, const Step& step, const std::string& where) {
  if (step.seconds <= 0 || 86400 % step.seconds) throw std::runtime_error(where + ": step length " + std::to_string(step.seconds) + " s does not divide a day");
  const UnixSeconds end = step.start + step.seconds;
  if (end <= need_from() || step.start >= need_to()) return;
  const UnixSeconds off = step.start - need_from();
  const int64_t day_idx = off >= 0 ? off / 86400 : -1;
  const UnixSeconds w0 = need_from() + day_idx * 86400;
  if (step.start < w0 || end > w0 + 86400)
    throw std::runtime_error(where + ": step " + format_utc_time(step.start) + " + " + std::to_string(step.seconds) +
                             " s straddles the " + (opt_.convention == DayConvention::CMA ? "CMA (12 UTC)" : "UTC") +
                             " day boundary (a UTC-day product needs --day utc)");
  if (!have_grid_) {
    grid_ = grid;
    have_grid_ = true;
    step_seconds_ = step.seconds;
    sum_.assign(seen_.size() * grid.size(), 0.0);
    valid_.assign(seen_.size() * grid.size(), 0);
  } else if (!(grid == grid_)) {
    throw std::runtime_error(where + ": window grid differs from the earlier files' (" + std::to_string(grid.nx()) + "x" +
                             std::to_string(grid.ny()) + " vs " + std::to_string(grid_.nx()) + "x" + std::to_string(grid_.ny()) + ")");
  } else if (step.seconds != step_seconds_) {
    throw std::runtime_error(where + ": step length " + std::to_string(step.seconds) + " s differs from earlier files' " +
                             std::to_string(step_seconds_) + " s");
  }
  if (step.mm.size() != grid_.size()) throw std::runtime_error(where + ": step field size does not match its grid");
  if (!seen_[size_t(day_idx)].insert(step.start).second)
    throw std::runtime_error(where + ": duplicate time step " + format_utc_time(step.start));
  double* s = sum_.data() + size_t(day_idx) * grid_.size();
  uint16_t* v = valid_.data() + size_t(day_idx) * grid_.size();
  for (size_t k = 0; k < grid_.size(); ++k)
    if (!std::isnan(step.mm[k])) s[k] += step.mm[k], ++v[k];
}

DailyCube DailyAggregator::finish() {
  DailyCube c;
  c.product = product_;
  c.convention = opt_.convention;
  c.grid = grid_;
  if (!have_grid_) throw std::runtime_error(product_ + ": no time step of the period was found in the input files");
  c.steps_per_day = int(86400 / step_seconds_);
  const size_t n = grid_.size();
  for (DayNumber d = first_; d <= last_; ++d) c.days.push_back(d);
  c.precip.resize(c.days.size() * n);
  c.valid_steps = valid_;
  for (size_t t = 0; t < c.days.size(); ++t)
    for (size_t k = 0; k < n; ++k) {
      const size_t i = t * n + k;
      const int valid = valid_[i], missing = c.steps_per_day - valid;
      c.precip[i] = (valid == 0 || missing > opt_.max_missing_steps)
                        ? NAN
                        : float(missing > 0 ? sum_[i] * c.steps_per_day / valid : sum_[i]);
    }
  return c;
}

}  // namespace rf::io
