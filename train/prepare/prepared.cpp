// Prepared accessors: the working-grid view of a native source cube.
#include "train/prepare/prepared.h"

#include <algorithm>
#include <cmath>

namespace rf::pipe {

void SourceData::row(size_t t, int64_t r, int64_t c0, int64_t n, float* out) const {
  if (!configured || source_planes.empty()) {
    std::fill(out, out + n, NAN);
    return;
  }
  // The plan's targets are the working grid in row-major order: cell (r, c) is r * nx + c.
  io::apply_regrid_span(plan, planes_of_day(t), r * int64_t(plan.dst.nx()) + c0, n, out);
}

int Prepared::day_index(io::DayNumber d) const {
  if (days.empty() || d < days.front() || d > days.back()) return -1;
  return int(d - days.front());
}

}  // namespace rf::pipe
