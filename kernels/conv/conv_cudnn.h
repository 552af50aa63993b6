// cuDNN baselines of the convolution entry points of conv_cuda.h (same
// shapes, layouts, epilogue and accumulate semantics), selectable inside the
// engine with RAINFUSE_CONV_IMPL=cudnn (autograd/device_options.h). Built only
// in CUDA builds where libcudnn is found (RAINFUSE_HAVE_CUDNN); never in the
// simulator.
//   math: Fp32 = CUDNN_FMA_MATH (no tensor cores), Tf32 = CUDNN_TENSOR_OP_MATH
//         (tf32 tensor cores on fp32 data, as PyTorch's allow_tf32); Bf16 is
//         refused (cuDNN's bf16 convolutions need bf16 tensors in memory).
//   forward: cudnnConvolutionForward, then bias (cudnnAddTensor) and ReLU
//            (cudnnActivationForward, in place) as separate kernels;
//   backward: cudnnConvolutionBackwardData / BackwardFilter / BackwardBias with
//            beta = 1 when accumulating.
// Descriptors and the heuristic's algorithm choice (cudnnGet*Algorithm_v7, the
// first that succeeds within the workspace cap) are cached per (shape, math);
// workspaces come from the device pool (Scratch, counted in mem_stats).
#pragma once
#include "kernels/common/cuda_stream.h"
#include "kernels/conv/conv_cuda.h"

namespace rf::kernels {

void conv_forward_cudnn(const ConvShape& s, const float* x, const float* w, const float* bias, float* y, Epilogue ep,
                        cudaStream_t stream, ConvMath math);
void conv_backward_data_cudnn(const ConvShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                              cudaStream_t stream, ConvMath math);
void conv_backward_weight_cudnn(const ConvShape& s, const float* x, const float* dy, float* dw, float* dbias,
                                bool accumulate, cudaStream_t stream, ConvMath math);

}  // namespace rf::kernels
