// How a training step trades compute for memory (docs/memory.md). Every plan
// gives the gradients of the plain step (fp32 summation order aside); under
// bands only the dropout masks are drawn differently (same distribution).
#pragma once
#include <string>

namespace rf::nn {

struct RecomputePlan {
  // Checkpoint (recompute) regions: the forward keeps only a region's inputs
  // and outputs, backward reruns the region and frees its tape before the next.
  //   none      every activation kept;
  //   layers    attention, lstm_fwd and lstm_bwd each one region over the
  //             whole batch (peak: the kept tensors + the largest region);
  //   sequence  attention + both ConvLSTMs as one region per chunk of
  //             batch_chunk samples (useless at B = 1: the region is everything).
  enum class Regions { none, layers, sequence };
  Regions regions = Regions::none;
  int batch_chunk = 1;  // sequence only
  // layers only: each ConvLSTM direction as regions of lstm_steps time steps
  // (h and c kept at each region's end); 0 = the direction is one region.
  int lstm_steps = 0;
  // Bands of output rows (a multiple of the attention window; 0 = off):
  // nn::loss_backward runs forward, loss and backward band by band, each from
  // the input rows its outputs depend on, so one band's tape is alive at a time.
  int band_rows = 0;
  // Saved activations kept in bf16 (autograd/saved.h): about half the bytes of
  // what the tape holds, gradients within the bf16 step of the fp32 ones (not
  // exact: docs/memory.md measures the difference). Written "+bf16" last.
  bool bf16 = false;

  bool operator==(const RecomputePlan&) const = default;
  // "none", "layers", "layers+steps1", "sequence/1", "bands64", "bands64+layers", "bf16", "bands64+bf16", ...
  std::string str() const;
  // The inverse of str(); throws std::runtime_error naming the text.
  static RecomputePlan parse(const std::string& text);
};

}  // namespace rf::nn
