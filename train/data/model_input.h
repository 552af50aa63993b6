// Assembling qh-ref inputs and targets from Prepared data
// (docs/model.md gives the channels of every configuration):
//   X [8][T=7][h][w]: channels 0-4 log1p(source mm/day) z-scored, 5 elevation
//   z-scored, 6-7 sin/cos(2*pi*doy/365.25); a missing value (NaN, a day outside
//   the period, or a source not in the model's source set) becomes 0 after
//   z-scoring. Day t of the window is centre_day - 3 + t. A day on which a
//   source is not available (coverage < min_coverage) is missing for that
//   source as a whole (no partial field enters).
//   target [h][w] = log1p(gauge mm/day) at pixels holding a station of the
//   chosen subset with a valid value that day (two such stations on one
//   pixel: the mean of their log1p); mask [h][w] = 1 there, else 0.
// qh-fuse (docs/model.md) takes three more channels and predicts in mm:
//   8 lon, 9 lat of the pixel centre, z-scored over the training stations;
//   10 the prior in the model's output space: log1p(prior) for qh-fuse,
//      prior / s for qh-fuse-mm (s = the training gauges' std, mm/day); 0
//      where no source counts. The prior (mm/day) is the per-pixel MLP of
//      train/data/pixel_prior.h fitted on the training stations (train.prior
//      = "mlp", the default) or max(0, a + b * mean of the set's sources that
//      count at the pixel that day), (a, b) least squares on the training
//      stations in mm/day (train.prior = "linear", and every model file
//      without an MLP).
//   The network's output is y = prior + correction in that space, the target
//   the gauge in that space, so training starts (head.fc2 at zero) at the
//   prior's skill. qh-fuse-mm's loss is the MSE in mm (whose optimum is the
//   mean, as RMSE and RB score it).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn/qh_ref.h"
#include "train/data/pixel_prior.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {

// Normalisation statistics, computed from the TRAINING stations only (the pixels
// holding them, over the days each source is available): mean/std of
// log1p(source) per source, of elevation over those pixels.
struct NormStats {
  float mean[5] = {0, 0, 0, 0, 0}, std[5] = {1, 1, 1, 1, 1};
  float elev_mean = 0, elev_std = 1;
  // qh-fuse's extra channels (files of qh-ref models lack them: the defaults).
  float lon_mean = 0, lon_std = 1, lat_mean = 0, lat_std = 1;
  float prior_a = 0, prior_b = 1;        // prior = max(0, a + b * source mean), mm/day
  PriorMlp prior_mlp;                    // when not empty, the prior instead of a, b
  float gauge_mean = 0, gauge_std = 1;   // training gauges, mm/day; gauge_std = s
  // Output calibration (train/fit/calibrate.h): mm < wet_threshold -> 0, else * output_gain.
  float wet_threshold = 0, output_gain = 1;
  void save(const std::string& path) const;   // small text file, exact round trip (%a)
  static NormStats load(const std::string& path);
};
// Everything above from the training stations; the prior is fitted on the
// days where every source of `set` is available (those the model trains on).
NormStats compute_norm_stats(const Prepared& p, const std::vector<int>& train_stations, uint32_t set = 0x1f);

// What a model's output y means (from its configuration):
//   Log1p    (qh-ref)              y = log1p(mm)   mm = max(expm1(y), 0)
//   ScaledMm (qh-fuse-mm)          y = mm / s      mm = max(s * y, 0)
// then the calibration: mm < wet_threshold -> 0, else mm * output_gain.
enum class OutputSpace { Log1p, ScaledMm };
OutputSpace output_space(const nn::QhRefConfig& c);
float to_output_space(OutputSpace o, const NormStats& ns, float mm);
float output_to_mm(OutputSpace o, const NormStats& ns, float y);

// A source set as a bit mask over channels 0-4 (bit i = kSourceNames[i]).
using SourceSet = uint32_t;
SourceSet parse_source_set(const std::vector<std::string>& names);
std::string source_set_name(SourceSet s);    // "era5+gldas" (channel order)
// Days whose centre day has every source of `s` available.
bool set_available(const Prepared& p, SourceSet s, int day);

// One sample's input window centred on day index `day`, box rows [r0, r0+h),
// cols [c0, c0+w) of the working grid (parts outside the grid are 0).
// x: channels*7*h*w floats; channels 8 (qh-ref) or 11 (qh-fuse: the prior
// channel in the output space `space`).
// Only window days [t_begin, t_end) are written (the rest of x is left as it
// is): fuse shifts yesterday's window by one day and assembles only the new one.
void assemble_input(const Prepared& p, const NormStats& ns, SourceSet s, int day, int64_t r0, int64_t c0, int64_t h,
                    int64_t w, float* x, int channels = 8, OutputSpace space = OutputSpace::Log1p, int t_begin = 0,
                    int t_end = 7);

// The prior (mm/day, NaN where no source of `s` counts) at working-grid row r,
// cols [c0, c0+n) on day index d (inside the period).
void prior_row(const Prepared& p, const NormStats& ns, SourceSet s, int d, int64_t r, int64_t c0, int64_t n,
               float* out);

// Target and mask for the same box on day `day`, from the stations whose
// entry in `use_station` is nonzero, in output space `o`. Returns the number
// of masked pixels.
int assemble_target(const Prepared& p, const std::vector<uint8_t>& use_station, int day, int64_t r0, int64_t c0,
                    int64_t h, int64_t w, float* target, float* mask, OutputSpace o = OutputSpace::Log1p,
                    const NormStats& ns = NormStats());

}  // namespace rf::pipe
