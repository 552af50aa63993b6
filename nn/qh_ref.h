// The reference fusion model qh-ref (specified in docs/engine.md and
// docs/model.md): conv1 -> conv2 -> windowed attention -> two ConvLSTMs
// meeting at the centre day -> 1x1 head.
//
//   X [B, 8, T, H, W] float32  ->  Y [B, 1, H, W]
//
// Padding rule (the LibTorch twin does the same): if H or W is not a multiple
// of the attention window (8), the INPUT X is zero-padded at the bottom/right
// to the next multiple of 8, the whole network runs on the padded grid, and Y
// is cropped back to H x W.
//
// Parameters, in checkpoint order (188,737 for qh-ref):
//   conv1.weight [32,8,3,3,3]  conv1.bias [32]   conv2.weight [32,32,3,3,3] conv2.bias [32]
//   attn.norm.weight [32] attn.norm.bias [32]    attn.qkv.weight [96,32] attn.qkv.bias [96]
//   attn.proj.weight [32,32] attn.proj.bias [32] lstm_fwd.weight [128,64,3,3] lstm_fwd.bias [128]
//   lstm_bwd.weight [128,64,3,3] lstm_bwd.bias [128]
//   head.fc1.weight [32,64] head.fc1.bias [32]   head.fc2.weight [1,32] head.fc2.bias [1]
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "kernels/conv/conv_cuda.h"  // StagedChannel (no CUDA headers)
#include "nn/modules.h"
#include "nn/recompute_plan.h"

namespace rf::nn {

struct QhRefConfig {
  std::string name = "qh-ref";
  int in_channels = 8;
  int width = 32;        // conv / attention channels
  int heads = 4;
  int window = 8;        // attention window; H, W are padded to a multiple of it
  int hidden = 32;       // ConvLSTM hidden channels
  int head_hidden = 32;  // head.fc1 outputs
  int time_steps = 7;
  int t_center = 3;
  float dropout = 0.2f;
  float ln_eps = 1e-5f;
  // Residual over an input channel: when >= 0, Y = head + X[:, residual_channel,
  // t_center] (the network predicts a correction to that channel, a prior the
  // caller puts there); -1 = no residual (qh-ref).
  int residual_channel = -1;
  // What Y means, for the pipeline that builds targets and reads outputs
  // (train/data/model_input.h): "log1p" = log1p(mm/day), "mm" = mm/day / s.
  std::string target = "log1p";
  // Named configurations: "qh-ref" (reference-model.md, the benchmarks and
  // golden tests) and "qh-fuse" (the production model, docs/model.md: qh-ref's
  // layers on 11 input channels, the last of them a prior that the output is a
  // correction to, in log1p space), "qh-fuse-mm" (the same in mm). Throws
  // std::runtime_error for an unknown name.
  static QhRefConfig by_name(const std::string& name);
  // Steps of the longer ConvLSTM direction: how far (px) the ConvLSTMs reach.
  int lstm_reach() const { return std::max(t_center + 1, time_steps - t_center); }
};

// The rows of the padded grid (H rounded up to the window) that output rows
// [r0, r1) depend on (QhRef::forward_rows): the ConvLSTMs reach lstm_reach()
// rows, rounded up to whole attention windows: attention and ConvLSTMs run on
// [s0, s1); conv1 and conv2 (3x3x3) add one row each: input rows [x0, x1);
// p1 = r1 rounded up to the window. Cut at the grid's edge.
struct BandRows {
  int64_t x0, x1, s0, s1, p1;
};
BandRows band_rows(const QhRefConfig& config, int64_t H, int64_t r0, int64_t r1);

class QhRef {
 public:
  explicit QhRef(const QhRefConfig& config = QhRefConfig(), Device device = Device::CPU);

  const QhRefConfig& config() const { return cfg_; }
  Device device() const { return device_; }

  // Parameters (leaf tensors that require grad), in checkpoint order.
  std::vector<NamedTensor> named_parameters() const;
  std::vector<Tensor> parameters() const;
  int64_t num_parameters() const;
  Tensor parameter(const std::string& name) const;  // throws if unknown

  // PyTorch-default initialisation from a seed (reproducible).
  void init(uint64_t seed);

  // Y = model(X). training = dropout on. Records on the tape unless grad mode
  // is off (NoGradGuard); with grad off it keeps no intermediates.
  Tensor forward(const Tensor& x, bool training) const;

  // Y at one pixel per sample: anchors[b] = {row, col} in x[b] (unpadded);
  // returns [B, 1, 1, 1] equal to forward(x, training)[b, 0, row, col] (the
  // same dropout aside). The ConvLSTMs and the head run only on the box the
  // anchor depends on (its 2R+1 square, R = the longer direction's steps;
  // docs/model.md), where the loss of a gauge-centred sample or an
  // out-of-fold prediction needs one pixel: same gradients at the anchor.
  using Anchors = std::vector<std::array<int64_t, 2>>;
  Tensor forward_anchored(const Tensor& x, const Anchors& anchors, bool training) const;

  // Eval-mode, no-grad forward over spatial tiles: each tile's interior (a
  // multiple of 8, at most `tile` px) is computed with a halo of `halo` px
  // (>= 16, a multiple of 8) of context on every side, so the result equals
  // forward(x, false) exactly while memory stays that of one tile (256 px
  // tiles: the province grid peaks at ~0.5 GiB; a grid that fits one tile is
  // one whole pass).
  Tensor forward_tiled(const Tensor& x, int tile = 256, int halo = 16) const;

  // forward_tiled of an X [B, in_channels, time_steps, H, W] that is never
  // materialised: conv1 stages each tile's input from `channels` (one per input
  // channel, autograd conv3d_staged; needs the CUDA backend). Every channel has
  // an index over the grid zero-padded to multiples of the window (Hp x Wp):
  // pixel (h, w) of the padded grid is index[h * index_row + w] (index_row >=
  // Wp; -1 in the padding, so it is 0 there as in forward_tiled). Same result
  // as forward_tiled on the materialised X. Not for residual configurations.
  Tensor forward_tiled_staged(const std::vector<kernels::StagedChannel>& channels, int64_t B, int64_t H, int64_t W,
                              int tile = 256, int halo = 16) const;

  void zero_grad();

  // Training memory for compute (nn/recompute_plan.h, docs/memory.md): the
  // checkpoint regions forward() records under grad mode, and the band rows
  // nn::loss_backward uses. Same gradients for every plan.
  void set_recompute_plan(const RecomputePlan& plan);
  const RecomputePlan& recompute_plan() const { return plan_; }
  // Shorthand of the first plan there was: batch_chunk > 0 = "sequence/N"
  // (attention + both ConvLSTMs as one region per chunk of N samples), 0 = none.
  void set_recompute(int batch_chunk);

  // Rows [r0, r1) of forward(x, training) (0 <= r0 < r1 <= H, r0 a multiple of
  // the window), computed from the input rows they depend on only: conv1 and
  // conv2 see one window + 2 px of context above and below, attention and the
  // ConvLSTMs one window (the ConvLSTMs reach 4 px). [B, 1, r1 - r0, W]; the
  // same values as forward(x, false)'s rows, dropout masks aside.
  Tensor forward_rows(const Tensor& x, int64_t r0, int64_t r1, bool training) const;

  // safetensors checkpoints (names and shapes must match exactly).
  void save(const std::string& path) const;
  void load(const std::string& path);

 private:
  Tensor forward_padded(const Tensor& x, bool training) const;  // H, W multiples of window
  Tensor with_residual(const Tensor& y, const Tensor& x) const;  // y + the residual channel of x (if any)
  // forward_padded past conv1; with `lstm_box` (anchored), the ConvLSTMs run on
  // each sample's box of (box_h x box_w) at lstm_box->origin, the head at pixel.
  struct LstmBoxes {
    Anchors origin, pixel;
    int64_t box_h, box_w;
  };
  // With `band`, conv2's output is cut to rows [seq_row0, +seq_rows) before the
  // attention, and the ConvLSTM output to rows [head_row0, +head_rows) before the head.
  struct RowBand {
    int64_t seq_row0, seq_rows, head_row0, head_rows;
  };
  Tensor after_conv1(Tensor a, bool training, const LstmBoxes* lstm_box = nullptr,
                     const RowBand* band = nullptr) const;
  void check_input(const Tensor& x) const;
  // The tile loop of forward_tiled: conv1_tile(r0, c0, th, tw) = conv1's output
  // on padded-grid rows [r0, r0+th), cols [c0, c0+tw) (zero padding at the tile's edge).
  using Conv1Tile = std::function<Tensor(int64_t r0, int64_t c0, int64_t th, int64_t tw)>;
  Tensor tiled(int64_t B, int64_t H, int64_t W, int tile, int halo, Device device, const Conv1Tile& conv1_tile) const;
  // Attention + both ConvLSTMs on conv features a: {h_fwd(t_c), h_bwd(t_c)}.
  // With `box`, the attention output is cut to each sample's box first.
  std::vector<Tensor> sequence_part(Tensor a, const LstmBoxes* box, size_t b0) const;
  // The same under the plan's regions ("layers": attention, lstm_fwd, lstm_bwd
  // each a region; "sequence": sequence_part per batch chunk).
  std::vector<Tensor> sequence(Tensor a, const LstmBoxes* box) const;

  QhRefConfig cfg_;
  Device device_;
  Conv conv1_, conv2_;
  WindowAttention attn_;
  ConvLSTM lstm_fwd_, lstm_bwd_;
  Linear fc1_, fc2_;
  Dropout drop_;
  RecomputePlan plan_;
};

}  // namespace rf::nn
