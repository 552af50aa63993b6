// CUDA entry points of the per-position linear layer (pointwise.h): a 1x1x1
// convolution, so it runs on the implicit-GEMM convolution kernels
// (x [B, Cin, S] is a [B, Cin, 1, 1, S] volume). Device pointers.
#pragma once

#include "kernels/common/cuda_stream.h"
#include "kernels/conv/conv_cuda.h"
#include "kernels/pointwise/pointwise.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {

void pointwise_forward_cuda(const PointwiseShape& s, const float* x, const float* w, const float* bias, float* y,
                            Epilogue ep, cudaStream_t stream, ConvMath math = ConvMath::Fp32);
void pointwise_backward_data_cuda(const PointwiseShape& s, const float* dy, const float* w, float* dx,
                                  bool accumulate, cudaStream_t stream, ConvMath math = ConvMath::Fp32);
void pointwise_backward_weight_cuda(const PointwiseShape& s, const float* x, const float* dy, float* dw,
                                    float* dbias, bool accumulate, cudaStream_t stream,
                                    ConvMath math = ConvMath::Fp32);

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
