// qh-ref's input of one fuse day as conv1 staging descriptors (the device path
// of fuse, `regrid_staging` fusion of autograd/device_options.h): the 0.01-degree
// input X [1, 8, 7, ny, nx] is never built. What lives on the device:
//   - once per Prepared grid: each configured source's nearest-neighbour index
//     (plan.src_index) laid out on the working grid padded to multiples of the
//     attention window (Hp x Wp, -1 in the padding), an identity index for the
//     elevation (-1 in the padding), an "inside" index (0 / -1) for the
//     broadcast channels, and the elevation field;
//   - per day: the 7-day window [7][cells] of each source of the model's set on
//     its NATIVE grid (NaN on a day the source is unavailable or outside the
//     period), and the 14 sin/cos day-of-year values.
// Channel semantics equal assemble_input's (train/data/model_input.h):
//   0-4 log1p(max(v, 0)) z-scored with NormStats, missing or outside the
//       source -> 0, a source not in the set -> 0;
//   5   elevation z-scored (NaN -> 0); 6-7 sin/cos(2 pi doy / 365.25).
// Only nearest-neighbour plans are a gather; bilinear/bicubic runs use the
// materialised input (supported() is false).
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/tensor.h"
#include "kernels/conv/conv_cuda.h"
#include "train/data/model_input.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {

class StagedInput {
 public:
  // Every configured source of `p` regrids with a nearest-neighbour plan.
  static bool supported(const Prepared& p);

  // Uploads the indexes and the elevation of `p` to `device`; `window` = the
  // model's padding multiple (tiles are aligned to it).
  StagedInput(const Prepared& p, Device device, int window);

  // The 8 channel descriptors of day index `day` for a model of source set `s`
  // with statistics `ns` (uploads that day's source windows). Valid until the
  // next call; `p` must be the Prepared this object was built from.
  std::vector<kernels::StagedChannel> day(const Prepared& p, const NormStats& ns, SourceSet s, int day);

  int64_t ny() const { return ny_; }
  int64_t nx() const { return nx_; }

 private:
  Device device_;
  int64_t ny_, nx_, hp_, wp_;
  Tensor source_index_[5];  // int64 [hp][wp] (2 floats per entry) of configured sources
  Tensor elevation_index_, inside_index_, elevation_, missing_;
  Tensor window_[5];        // [7][cells] native-grid window of the day
  Tensor doy_;              // [2][7] sin, cos
  std::vector<float> host_window_;
};

}  // namespace rf::pipe
