// CUDA entry points of the ConvLSTM cell update (convlstm.h): gates [B, 4Ch, HW]
// (rows i, f, g, o), c_prev / c / h [B, Ch, HW]. Device pointers.
#pragma once

#include "kernels/common/cuda_stream.h"
#include "kernels/conv/conv_cuda.h"  // ConvMath
#include "kernels/convlstm/convlstm.h"

namespace rf::kernels {

// Element (b, c, hw) of a [B, C, (T,) H*W] tensor at p[b * batch + c * channel + hw]:
// a time slice t of [B, C, T, H, W] is {p + t*H*W, C*T*H*W, T*H*W}.
struct PlaneView {
  const float* p = nullptr;
  int64_t batch = 0, channel = 0;
};
struct PlaneOut {
  float* p = nullptr;
  int64_t batch = 0, channel = 0;
};

inline namespace RF_CUDA_BACKEND {

void convlstm_cell_forward_cuda(const ConvLstmShape& s, const float* gates, const float* c_prev, float* c, float* h,
                                cudaStream_t stream);
void convlstm_cell_backward_cuda(const ConvLstmShape& s, const float* gates, const float* c_prev, const float* c,
                                 const float* dh, const float* dc, float* dgates, float* dc_prev, cudaStream_t stream);


// One ConvLSTM time step with the gate convolution fused (3x3, 'same', stride 1):
//   gates = conv2d([x_t ; h_prev], w) + bias   w [4Ch, Cx+Ch, 3, 3], rows i, f, g, o
//   c = sigmoid(f) c_prev + sigmoid(i) tanh(g) ; h = sigmoid(o) tanh(c)
// Each block computes a 64-position x 16-channel tile of all four gates and
// applies the cell update in the epilogue: the gates never reach global memory
// unless `gates` (the pre-activations [B, 4Ch, HW] that backward needs) is
// non-null. h_prev / c_prev with p == nullptr are zeros (first step).
// s.HW must equal H*W; Ch must be a multiple of 16.
void convlstm_step_forward_cuda(const ConvLstmShape& s, int Cx, int H, int W, PlaneView x, PlaneView h_prev,
                                PlaneView c_prev, const float* w, const float* bias, PlaneOut h, PlaneOut c,
                                float* gates, ConvMath math, cudaStream_t stream);

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
