// Per-position linear layer on the CPU: a 1x1x1 convolution, so it runs on the
// conv kernels' packed GEMM micro-kernels (and their per-CPU-level copies):
//   x [B, Cin, S] = conv input [B, Cin, T=1, H=1, W=S], w [Cout, Cin] = [Cout, Cin, 1, 1, 1].
#include "kernels/pointwise/pointwise.h"

#include <limits>
#include <stdexcept>

namespace rf::kernels {
namespace {

ConvShape as_conv(const PointwiseShape& s) {
  if (s.S > std::numeric_limits<int>::max()) throw std::runtime_error("pointwise: S exceeds 2^31 - 1 positions");
  ConvShape c;
  c.B = s.B, c.Cin = s.Cin, c.Cout = s.Cout;
  c.T = 1, c.H = 1, c.W = int(s.S);
  c.kT = 1, c.kH = 1, c.kW = 1;
  return c;
}

}  // namespace

void pointwise_forward_cpu(const PointwiseShape& s, const float* x, const float* w, const float* bias, float* y,
                           Epilogue ep) {
  conv_forward_cpu(as_conv(s), x, w, bias, y, ep);
}

void pointwise_backward_data_cpu(const PointwiseShape& s, const float* dy, const float* w, float* dx,
                                 bool accumulate) {
  conv_backward_data_cpu(as_conv(s), dy, w, dx, accumulate);
}

void pointwise_backward_weight_cpu(const PointwiseShape& s, const float* x, const float* dy, float* dw,
                                   float* dbias, bool accumulate) {
  conv_backward_weight_cpu(as_conv(s), x, dy, dw, dbias, accumulate);
}

}  // namespace rf::kernels
