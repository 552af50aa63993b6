// Assembling qh-ref inputs and targets from Prepared data
// (/work/shared/reference-model.md "Input"):
//   X [8][T=7][h][w]: channels 0-4 log1p(source mm/day) z-scored, 5 elevation
//   z-scored, 6-7 sin/cos(2*pi*doy/365.25); a missing value (NaN, a day outside
//   the period, or a source not in the model's source set) becomes 0 after
//   z-scoring. Day t of the window is centre_day - 3 + t. A day on which a
//   source is not available (coverage < min_coverage) is missing for that
//   source as a whole (no partial field enters).
//   target [h][w] = log1p(gauge mm/day) at pixels holding a station of the
//   chosen subset with a valid value that day (two such stations on one
//   pixel: the mean of their log1p); mask [h][w] = 1 there, else 0.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "train/prepare/prepared.h"

namespace rf::pipe {

// Normalisation statistics, computed from the TRAINING stations only (the pixels
// holding them, over the days each source is available): mean/std of
// log1p(source) per source, of elevation over those pixels.
struct NormStats {
  float mean[5] = {0, 0, 0, 0, 0}, std[5] = {1, 1, 1, 1, 1};
  float elev_mean = 0, elev_std = 1;
  void save(const std::string& path) const;   // small text file, exact round trip (%a)
  static NormStats load(const std::string& path);
};
NormStats compute_norm_stats(const Prepared& p, const std::vector<int>& train_stations);

// A source set as a bit mask over channels 0-4 (bit i = kSourceNames[i]).
using SourceSet = uint32_t;
SourceSet parse_source_set(const std::vector<std::string>& names);
std::string source_set_name(SourceSet s);    // "era5+gldas" (channel order)
// Days whose centre day has every source of `s` available.
bool set_available(const Prepared& p, SourceSet s, int day);

// One sample's input window centred on day index `day`, box rows [r0, r0+h),
// cols [c0, c0+w) of the working grid (parts outside the grid are 0).
// x: 8*7*h*w floats.
void assemble_input(const Prepared& p, const NormStats& ns, SourceSet s, int day, int64_t r0, int64_t c0, int64_t h,
                    int64_t w, float* x);

// Target and mask for the same box on day `day`, from the stations whose
// entry in `use_station` is nonzero. Returns the number of masked pixels.
int assemble_target(const Prepared& p, const std::vector<uint8_t>& use_station, int day, int64_t r0, int64_t c0,
                    int64_t h, int64_t w, float* target, float* mask);

}  // namespace rf::pipe
