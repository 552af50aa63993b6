// Training / validation / prediction samples of qh-ref on Prepared data and
// their assembly into batches.
//   Sample = (centre day index, station index); a patch is a box of the working
//   grid [r0, r0+h) x [c0, c0+w) with h = min(patch, ny), w = min(patch, nx).
//   Batch tensors: x [B, C, 7, h, w] (C = 8 or 11), target/mask [B, 1, h, w].
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "autograd/tensor.h"
#include "train/data/model_input.h"
#include "train/fit/rng.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {

struct Sample {
  int day = 0, station = 0;
};

struct Box {
  int day = 0;
  int64_t r0 = 0, c0 = 0;
};

// (day, station) pairs of the stations with use[s] != 0, a valid gauge value
// and every source of `set` available on the day; ordered by station, day.
std::vector<Sample> gauge_samples(const Prepared& p, SourceSet set, const std::vector<uint8_t>& use);

// A deterministic subset of at most `max_n` samples (seeded, spread over the
// list), kept in the list's order.
std::vector<Sample> subsample(const std::vector<Sample>& all, size_t max_n, uint64_t seed);

struct PatchGeometry {
  int64_t h = 0, w = 0, ny = 0, nx = 0;
  PatchGeometry(const Prepared& p, int patch);
  // The box holding station pixel (row, col) at a random offset (inside the grid).
  Box random_box(int day, int64_t row, int64_t col, Rng& rng) const;
  // The box centred on (row, col), clipped to the grid.
  Box centred_box(int day, int64_t row, int64_t col) const;
  // Gauge-centred training box (train.sampling = "centred"): the station at a
  // random position in the middle half of the box, [h/4, h - h/4) x [w/4, w - w/4),
  // so its receptive field's core lies inside the patch as at prediction time
  // (centred boxes, whole-grid tiles) while its place in the attention window
  // still varies; clipped to the grid.
  Box gauge_box(int day, int64_t row, int64_t col, Rng& rng) const;
};

// Input tensor of the boxes (CPU) for model configuration `mc` (its channels
// and output space, model_input.h).
Tensor assemble_batch(const Prepared& p, const NormStats& ns, SourceSet set, const PatchGeometry& g,
                      const std::vector<Box>& boxes, const nn::QhRefConfig& mc = nn::QhRefConfig());
// Target and mask tensors of the boxes for the stations with use[s] != 0, in
// output space `o`.
void assemble_batch_target(const Prepared& p, const std::vector<uint8_t>& use, const PatchGeometry& g,
                           const std::vector<Box>& boxes, Tensor& target, Tensor& mask,
                           OutputSpace o = OutputSpace::Log1p, const NormStats& ns = NormStats());
// target and mask [B, 1, h, w] at one pixel per box -> [B, 1, 1, 1] (the
// loss of QhRef::forward_anchored).
void anchor_values(const Tensor& target, const Tensor& mask, const PatchGeometry& g,
                   const std::vector<std::array<int64_t, 2>>& anchors, Tensor& t1, Tensor& m1);

}  // namespace rf::pipe
