// cuBLAS baselines of the per-position linear layer (pointwise_cuda.h: same
// shapes, layouts and semantics; x [B, Cin, S], w [Cout, Cin], y [B, Cout, S]),
// selectable inside the engine with RAINFUSE_GEMM=cublas
// (autograd/device_options.h). CUDA builds only; never in the simulator.
//   math (compute type of cublasGemm*Ex on fp32 data): Fp32 = CUBLAS_COMPUTE_32F_PEDANTIC,
//   Tf32 = CUBLAS_COMPUTE_32F_FAST_TF32, Bf16 = CUBLAS_COMPUTE_32F_FAST_16BF
//   (operands down-converted to bf16 inside the GEMM, fp32 accumulation).
// Column-major views of the row-major tensors, per sample b:
//   forward      y_b^T [S, Cout]  = x_b^T [S, Cin] w^T [Cin, Cout]   (strided batched over b)
//   bias         y_b^T += 1_S bias^T                                 (rank-1 GEMM, exact fp32)
//   backward data dx_b^T [S, Cin] (+)= dy_b^T [S, Cout] w [Cout, Cin] (strided batched over b)
//   backward wgt dw^T [Cin, Cout] (+)= sum_b x_b [Cin, S] dy_b^T [S, Cout]   (one GEMM per b)
//   dbias [Cout] (+)= sum_b dy_b [Cout, S] 1_S                        (SGEMV per b)
// ReLU is the engine's relu kernel on a pre-activation scratch buffer.
#pragma once
#include "kernels/common/cuda_stream.h"
#include "kernels/conv/conv_cuda.h"
#include "kernels/pointwise/pointwise.h"

namespace rf::kernels {

void pointwise_forward_cublas(const PointwiseShape& s, const float* x, const float* w, const float* bias, float* y,
                              Epilogue ep, cudaStream_t stream, ConvMath math);
void pointwise_backward_data_cublas(const PointwiseShape& s, const float* dy, const float* w, float* dx,
                                    bool accumulate, cudaStream_t stream, ConvMath math);
void pointwise_backward_weight_cublas(const PointwiseShape& s, const float* x, const float* dy, float* dw,
                                      float* dbias, bool accumulate, cudaStream_t stream, ConvMath math);

}  // namespace rf::kernels
