// One sub-daily time step of a product, cut to the region window: what every
// reader yields and what the daily aggregator consumes.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "io/dates.h"
#include "io/grid.h"

namespace rf::io {

// mm of precipitation over [start, start + seconds) on the reader's window grid
// ([ny][nx], grid storage order). NaN = missing (fill, undef, negative codes).
struct Step {
  UnixSeconds start = 0;
  int32_t seconds = 0;
  std::vector<float> mm;
};

// Water (mm) accumulated over [start, end) on the window grid: an ERA5 tp field
// as stored (one hour for ERA5, since 00 UTC for ERA5-Land; io/readers/accumulation.h).
struct Accumulation {
  UnixSeconds start = 0, end = 0;
  std::vector<float> mm;
};

// The steps of one file on one window grid. Accumulated products also give the
// fields whose hour needs another file: `heads` lack the field an hour before
// them, `tails` are the last field of each accumulation still running at the
// file's end; daily_from_files pairs them across files (AccumulationJoin).
struct FileSteps {
  Grid grid;
  std::vector<Step> steps;
  // How the steps' intervals were placed where a product needs a rule to say
  // so (GLDAS, io/readers/gldas.h); "" otherwise.
  std::string stamp_rule = {};
  std::vector<Accumulation> heads = {}, tails = {};
};

// Index window [i0, i0+ni) x [j0, j0+nj) of a 1-D coordinate pair that covers
// `region` plus `halo` source cells on each side (clipped to the axis).
struct IndexWindow {
  size_t i0 = 0, ni = 0, j0 = 0, nj = 0;
};

}  // namespace rf::io
