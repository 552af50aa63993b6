// Per-pixel inputs shared by the baselines: the five sources at working-grid
// pixels on one day, and the pixel features of the xgboost baseline.
#pragma once
#include <cstddef>
#include <cstdint>

#include "train/prepare/prepared.h"

namespace rf::pipe {

// A source counts on day t when it is configured and available that day
// (coverage >= min_coverage); otherwise it is missing everywhere that day.
bool source_counts(const Prepared& p, int source, int day);

// values[k * n + i] = source k (mm/day) at working-grid pixel pixels[i] on day
// `day`; NaN when the source does not count that day or is missing at the pixel.
// Runs of consecutive pixels on one row are regridded as one span.
void gather_sources(const Prepared& p, int day, const int64_t* pixels, size_t n, float* values);

// Mean of the finite values among the five source planes of `values` (layout as
// gather_sources), NaN where none is finite.
void source_mean(const float* values, size_t n, float* out);

// Checks a predict() request (day in the period, pixels on the grid); throws
// naming the baseline and the problem.
void check_request(const char* baseline, const Prepared& p, int day, const int64_t* pixels, size_t n);
// Checks fit()'s station mask length.
void check_stations(const char* baseline, const Prepared& p, size_t use_size);

}  // namespace rf::pipe
