// Differentiable ops on Tensors. Each op checks shapes, dispatches on the
// device of its inputs to a backend (autograd/backend.h), and, when recording,
// pushes one tape record holding exactly what its backward needs.
// Shapes use PyTorch's NCDHW layout; "spatial" = every dim after the channel.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "autograd/tensor.h"
#include "kernels/conv/conv_cuda.h"  // StagedChannel (no CUDA headers)

namespace rf {

// Conv3d, stride 1, 'same' zero padding; x [B,Cin,T,H,W], w [Cout,Cin,kT,kH,kW],
// bias [Cout] or undefined. relu fuses the activation (backward keeps only y).
Tensor conv3d(const Tensor& x, const Tensor& w, const Tensor& bias, bool relu = false);
// Conv2d = the same kernel with T = 1: x [B,Cin,H,W], w [Cout,Cin,kH,kW].
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, bool relu = false);
// Inference-only conv3d whose input x [B, Cin, T, H, W] is never materialised:
// channel ci is gathered on the fly from channels[ci] (StagedChannel: a regrid
// index into a coarse source, log1p, z-score, missing -> 0; its pointers on
// w's device) inside the convolution's input staging. Needs a backend with
// conv_forward_staged (the CUDA device) and no gradient: throws when grad mode
// is on and w or bias requires grad.
Tensor conv3d_staged(const std::vector<kernels::StagedChannel>& channels, int64_t B, int64_t T, int64_t H,
                     int64_t W, const Tensor& w, const Tensor& bias, bool relu = false);
// Linear over the channel axis (1x1 conv): x [B,Cin,...], w [Cout,Cin], bias [Cout].
Tensor linear_channels(const Tensor& x, const Tensor& w, const Tensor& bias, bool relu = false);
// LayerNorm over the channel axis: x [B,C,...], gamma/beta [C]. Saves mean/rstd.
Tensor layer_norm_channels(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps = 1e-5f);
// Windowed multi-head self-attention core: qkv [B,3C,T,H,W] -> out [B,C,T,H,W].
Tensor window_attention(const Tensor& qkv, int heads, int win);
// ConvLSTM cell update: gates [B,4Ch,H,W], c_prev [B,Ch,H,W] or undefined (zeros).
struct LstmState {
  Tensor h, c;
};
LstmState convlstm_cell(const Tensor& gates, const Tensor& c_prev);

Tensor relu(const Tensor& x);
Tensor add(const Tensor& a, const Tensor& b);  // same shape
// Inverted dropout with the per-thread Philox stream (rng_state()); identity
// when !training or p == 0. Backward regenerates the mask from seed/offset.
Tensor dropout(const Tensor& x, float p, bool training);
// Masked MSE: sum m (y-t)^2 / max(1, sum m) as a [1] tensor; mask undefined =
// all ones. t and mask never receive gradients.
Tensor mse_loss(const Tensor& y, const Tensor& target, const Tensor& mask = Tensor());

// Concatenation along `dim`; all other dims equal. concat_channels: dim 1.
Tensor concat(const std::vector<Tensor>& xs, int dim);
Tensor concat_channels(const std::vector<Tensor>& xs);
// Copy of x[..., start:start+length, ...] along dimension `dim` (any dim).
Tensor narrow(const Tensor& x, int dim, int64_t start, int64_t length);
// Time step t of x [B,C,T,H,W] -> [B,C,H,W].
Tensor select_time(const Tensor& x, int64_t t);
// Zero-pad the last two dims (H, W) at the bottom/right to Hp >= H, Wp >= W.
Tensor pad_hw(const Tensor& x, int64_t Hp, int64_t Wp);
// Keep the top-left H x W of the last two dims.
Tensor crop_hw(const Tensor& x, int64_t H, int64_t W);
// Per-sample crop of the last two dims: y[b] = x[b, ..., r_b : r_b + h, c_b : c_b + w]
// for x [B, ..., H, W], origins[b] = {r_b, c_b} (the box inside x). Gathers
// the pixels a loss needs (QhRef::forward_anchored); backward scatters.
Tensor crop_hw_at(const Tensor& x, const std::vector<std::array<int64_t, 2>>& origins, int64_t h, int64_t w);
// View with a new shape (same element count); gradients flow through.
Tensor reshape(const Tensor& x, const Shape& shape);
// Sum of all elements as a [1] tensor (tests, composite losses).
Tensor sum(const Tensor& x);

}  // namespace rf
