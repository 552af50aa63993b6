// ConvLSTM cell update (the pointwise part after the gate convolution).
//   gates [B, 4*Ch, HW]: pre-activations, rows i, f, g, o (PyTorch's order)
//   c_prev [B, Ch, HW]  (nullable = zeros, the first step)
//   c = sigmoid(f) * c_prev + sigmoid(i) * tanh(g)
//   h = sigmoid(o) * tanh(c)
#pragma once
#include <cstdint>

namespace rf::kernels {

struct ConvLstmShape {
  int B = 1, Ch = 32;
  int64_t HW = 1;
};

void convlstm_cell_forward_cpu(const ConvLstmShape& s, const float* gates, const float* c_prev, float* c,
                               float* h);
// Given dh and dc flowing into this step's outputs (either nullable = zero),
// writes dgates (overwrite) and dc_prev (overwrite; skipped when null).
// Needs the forward's gates, c_prev (nullable) and c.
void convlstm_cell_backward_cpu(const ConvLstmShape& s, const float* gates, const float* c_prev, const float* c,
                                const float* dh, const float* dc, float* dgates, float* dc_prev);

}  // namespace rf::kernels
