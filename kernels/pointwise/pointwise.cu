// The per-position linear layer as a 1x1x1 convolution: same layouts
// (w [Cout, Cin] = w [Cout, Cin, 1, 1, 1]), so the conv kernels' implicit GEMM,
// epilogues and tf32 path apply unchanged.
#include <limits>
#include <stdexcept>

#include "kernels/conv/conv_cuda.h"
#include "kernels/pointwise/pointwise_cuda.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {
namespace {

ConvShape as_conv(const PointwiseShape& s) {
  if (s.S > std::numeric_limits<int>::max()) throw std::invalid_argument("pointwise_cuda: S exceeds 2^31 - 1");
  ConvShape c;
  c.B = s.B;
  c.Cin = s.Cin;
  c.Cout = s.Cout;
  c.T = 1;
  c.H = 1;
  c.W = int(s.S);
  c.kT = c.kH = c.kW = 1;
  return c;
}

}  // namespace

void pointwise_forward_cuda(const PointwiseShape& s, const float* x, const float* w, const float* bias, float* y,
                            Epilogue ep, cudaStream_t stream, ConvMath math) {
  conv_forward_cuda(as_conv(s), x, w, bias, y, ep, stream, math);
}

void pointwise_backward_data_cuda(const PointwiseShape& s, const float* dy, const float* w, float* dx,
                                  bool accumulate, cudaStream_t stream, ConvMath math) {
  conv_backward_data_cuda(as_conv(s), dy, w, dx, accumulate, stream, math);
}

void pointwise_backward_weight_cuda(const PointwiseShape& s, const float* x, const float* dy, float* dw,
                                    float* dbias, bool accumulate, cudaStream_t stream, ConvMath math) {
  conv_backward_weight_cuda(as_conv(s), x, dy, dw, dbias, accumulate, stream, math);
}

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
