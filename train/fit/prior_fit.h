// Fitting qh-fuse's per-pixel prior MLP (train/data/pixel_prior.h) on the
// training stations' station-days. The loss is the MSE in log1p(mm), the
// usual target for skewed rain (the calibration after the network restores
// the volume). Adam (lr 3e-3, cosine to 0), batches of 128 rows, He-uniform
// init from the seed, one thread: the same seed and rows give the same weights
// bit for bit.
//
// How long to train is chosen on held-out stations, never on a fixed count:
// about a fifth of the stations (picked by the seed) are set aside, the MLP
// trains on the rest for up to kMaxEpochs epochs, and the epoch with the
// lowest held-out MSE (patience 5) becomes the epoch count of the final fit
// on every row. (On the demo twin a fixed 60 epochs overfitted: held-out RMSE
// 1.000 against 0.985 at 30 and 0.990 at 15.) ~30k rows take about 2 s.
#pragma once
#include <cstdint>
#include <vector>

#include "train/data/pixel_prior.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {

// Feature rows (kPriorFeatures each), gauges (mm/day) and station index of
// the stations whose `use` entry is nonzero, on every day whose gauge is valid
// and (when `set_days_only`) on which every source of `set` is available.
struct PriorRows {
  std::vector<float> x, gauge_mm;
  std::vector<int> station;
  size_t size() const { return gauge_mm.size(); }
};
PriorRows prior_rows(const Prepared& p, uint32_t set, const std::vector<uint8_t>& use, bool set_days_only);

struct PriorFitReport {
  int epochs = 0;          // of the final fit
  double held_out_mse = 0;  // log1p space, at the chosen epoch (NaN: no stations to hold out)
};

// Throws when there are no rows. `report` (nullable) says what was chosen.
PriorMlp fit_prior_mlp(const PriorRows& rows, uint64_t seed, PriorFitReport* report = nullptr);

}  // namespace rf::pipe
