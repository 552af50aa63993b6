#include "io/readers/accumulation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace rf::io {

std::vector<float> hour_between(const std::vector<float>& earlier, const std::vector<float>& later) {
  std::vector<float> h(later.size());
  for (size_t k = 0; k < h.size(); ++k) h[k] = std::max(later[k] - earlier[k], 0.f);  // NaN stays NaN
  return h;
}

FileSteps deaccumulate(Grid grid, std::vector<Accumulation> fields, UnixSeconds keep_from, UnixSeconds keep_to,
                       const std::string& file) {
  std::sort(fields.begin(), fields.end(),
            [](const Accumulation& a, const Accumulation& b) { return a.start != b.start ? a.start < b.start : a.end < b.end; });
  FileSteps out{std::move(grid), {}};
  UnixSeconds last_end = INT64_MIN;
  for (const auto& f : fields) last_end = std::max(last_end, f.end);
  for (size_t k = 0; k < fields.size(); ++k) {
    const Accumulation& f = fields[k];
    const int64_t len = f.end - f.start;
    if (len <= 0 || len % 3600)
      throw std::runtime_error(file + ": tp field ending " + format_utc_time(f.end) + " accumulates over " + std::to_string(len) +
                               " s, not a whole number of hours");
    const Accumulation* prev = k > 0 && fields[k - 1].start == f.start ? &fields[k - 1] : nullptr;
    if (prev && prev->end == f.end) throw std::runtime_error(file + ": two tp fields end at " + format_utc_time(f.end));
    const bool chain_ends = k + 1 == fields.size() || fields[k + 1].start != f.start;
    if (chain_ends && f.end == last_end) out.tails.push_back(f);
    const UnixSeconds hour = f.end - 3600;
    if (hour >= keep_to || f.end <= keep_from) continue;
    if (len == 3600) out.steps.push_back(Step{hour, 3600, f.mm});
    else if (prev && prev->end == hour) out.steps.push_back(Step{hour, 3600, hour_between(prev->mm, f.mm)});
    else out.heads.push_back(f);
  }
  std::sort(out.steps.begin(), out.steps.end(), [](const Step& a, const Step& b) { return a.start < b.start; });
  return out;
}

void AccumulationJoin::add(const FileSteps& fs, const std::string& file) {
  for (const auto& h : fs.heads) heads_.push_back({fs.grid, h, file});
  for (const auto& t : fs.tails) tails_[{t.start, t.end}] = {fs.grid, t, file};
}

std::vector<AccumulationJoin::Joined> AccumulationJoin::join(UnixSeconds from, UnixSeconds to) const {
  std::vector<Joined> out;
  for (const auto& h : heads_) {
    const UnixSeconds hour = h.acc.end - 3600;
    if (hour >= to || h.acc.end <= from) continue;
    const auto t = tails_.find({h.acc.start, hour});
    if (t == tails_.end())
      throw std::runtime_error(h.file + ": tp at " + format_utc_time(h.acc.end) + " is accumulated since " + format_utc_time(h.acc.start) +
                               " (ERA5-Land); the field of " + format_utc_time(hour) +
                               " is in no input file, so the hour before it cannot be de-accumulated"
                               " (add the file holding it, or start the period a day later)");
    if (t->second.grid != h.grid)
      throw std::runtime_error(h.file + ": grid differs from " + t->second.file + ", which holds the field before " +
                               format_utc_time(h.acc.end));
    out.push_back({h.grid, Step{hour, 3600, hour_between(t->second.acc.mm, h.acc.mm)}, h.file});
  }
  return out;
}

}  // namespace rf::io
