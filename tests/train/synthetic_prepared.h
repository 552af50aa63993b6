// Prepared data built in memory for the fuse / pipeline tests: a 0.05-degree
// working grid of ny x nx px, `days` days from 2020-06-01, five sources on a
// coarser 0.25-degree native grid with nearest plans, intermittent rain (~half
// the pixels dry, ~3 % missing), every source available, random elevation, no
// stations (a test adds its own). Draws from `rng` in that order.
#pragma once
#include <cmath>
#include <cstdint>
#include <random>

#include "io/regrid/regrid.h"
#include "train/prepare/prepared.h"

namespace rf::testing {

inline pipe::Prepared synthetic_prepared(int64_t ny, int64_t nx, int days, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  pipe::Prepared p;
  p.grid = io::Grid::regular(95.025, 0.05, size_t(nx), 34.025, 0.05, size_t(ny));
  for (int t = 0; t < days; ++t) p.days.push_back(io::parse_date("2020-06-01") + t);
  const io::Grid native = io::Grid::regular(94.875, 0.25, size_t(nx / 5 + 3), 33.875, 0.25, size_t(ny / 5 + 3));
  for (int k = 0; k < 5; ++k) {
    pipe::SourceData& s = p.sources[k];
    s.name = pipe::kSourceNames[k];
    s.configured = true;
    s.cube.product = s.name;
    s.cube.grid = native;
    s.cube.days = p.days;
    for (size_t i = 0; i < p.days.size() * native.size(); ++i) {
      const float a = u(rng), b = u(rng);
      s.cube.precip.push_back(a < 0.03f ? NAN : (a < 0.5f ? 0.0f : 40.0f * b * b));
    }
    s.plan = io::make_regrid_plan(native, p.grid, io::RegridMethod::Nearest);
    s.planes = io::regrid_source_planes(s.plan);
    s.source_planes = s.cube.precip;
    s.available.assign(p.days.size(), 1);
  }
  for (size_t i = 0; i < p.grid.size(); ++i) p.elevation.push_back(2000.0f + 3000.0f * u(rng));
  return p;
}

}  // namespace rf::testing
