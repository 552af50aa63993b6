// Convolution with stride 1 and 'same' zero padding (pad = k/2 per axis), the
// only kind qh-ref uses: Conv3d 3x3x3 (conv1, conv2) and Conv2d 3x3 (ConvLSTM
// gates, expressed as kT = 1).
//
// Layouts (PyTorch's, contiguous):
//   x    [B, Cin,  T, H, W]
//   w    [Cout, Cin, kT, kH, kW]
//   bias [Cout]            (may be null)
//   y    [B, Cout, T, H, W]
// A Conv2d on [B, C, H, W] is the same call with T = 1, kT = 1.
//
// Backward:
//   dx[b,ci,t,h,w] = sum_{co,dt,dh,dw} w[co,ci,dt,dh,dw] * dy[b,co,t-dt+pT,h-dh+pH,w-dw+pW]
//   dw[co,ci,dt,dh,dw] = sum_{b,t,h,w} dy[b,co,t,h,w] * x[b,ci,t+dt-pT,h+dh-pH,w+dw-pW]
//   dbias[co] = sum_{b,t,h,w} dy[b,co,t,h,w]
// `accumulate` = true adds into the output gradient buffers (+=), false overwrites.
#pragma once
#include <cstdint>

namespace rf::kernels {

struct ConvShape {
  int B = 1, Cin = 1, Cout = 1;
  int T = 1, H = 1, W = 1;  // input and output extent
  int kT = 1, kH = 3, kW = 3;  // odd
  int64_t x_size() const { return int64_t(B) * Cin * T * H * W; }
  int64_t y_size() const { return int64_t(B) * Cout * T * H * W; }
  int64_t w_size() const { return int64_t(Cout) * Cin * kT * kH * kW; }
  // Multiply-adds of the forward pass, x2 (FLOPs).
  double flops() const { return 2.0 * double(B) * T * H * W * Cout * Cin * kT * kH * kW; }
};

enum class Epilogue { None, ReLU };

// y = act(conv(x, w) + bias)
void conv_forward_cpu(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                      Epilogue ep = Epilogue::None);

// dx from dy (dy must already include the activation's derivative).
void conv_backward_data_cpu(const ConvShape& s, const float* dy, const float* w, float* dx, bool accumulate);

// dw (and dbias when non-null) from x and dy.
void conv_backward_weight_cpu(const ConvShape& s, const float* x, const float* dy, float* dw, float* dbias,
                              bool accumulate);

}  // namespace rf::kernels
