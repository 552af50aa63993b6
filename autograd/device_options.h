// Run-time switches of the CUDA backend (real or simulated device), read by
// the device kernel table (autograd/device_table.h) at every call, so a
// benchmark or test may flip them between runs.
//
//   RAINFUSE_CONV_MATH=fp32|tf32|bf16  arithmetic of the conv / linear GEMMs
//                                    (default tf32: tensor cores, fp32 accumulate;
//                                    bf16: operands rounded to bf16 (RNE) when
//                                    staged, m16n16k16 WMMA, fp32 accumulate;
//                                    tensors stay fp32 in memory)
//   RAINFUSE_CONV_IMPL=ours|cudnn    who runs conv forward / backward data /
//                                    backward weight: our implicit GEMM (default)
//                                    or cuDNN (baseline; fp32 = FMA math, tf32 =
//                                    tensor-op math, bf16 refused; bias, ReLU and
//                                    dbias as separate cuDNN calls; heuristic
//                                    algorithm, descriptors cached per shape,
//                                    workspace from our device pool). Our fusions
//                                    with no cuDNN counterpart stay ours: the
//                                    staged conv1 (regrid_staging) and the fused
//                                    ConvLSTM inference step (unfuse convlstm to
//                                    run its gate convs on cuDNN too).
//   RAINFUSE_GEMM=ours|cublas        who runs the per-position linear layers
//                                    (pointwise): our implicit GEMM (default) or
//                                    cuBLAS SGEMM (fp32 = pedantic math, tf32 =
//                                    tf32 tensor-op math, bf16 refused).
//   cudnn / cublas exist in CUDA builds only (cuDNN where the library is found);
//   the simulated device (tests/sim/device) refuses them with an error naming
//   the switch.
//   RAINFUSE_UNFUSED=conv_epilogue,convlstm,...  comma list of fusions to switch off:
//     conv_epilogue: conv/linear write the pre-activation, a separate ReLU
//       kernel reads it back (one more tensor round trip and buffer);
//     convlstm: inference runs each ConvLSTM step as gate conv -> gates tensor
//       -> cell kernel (training always does: backward needs the gates).
//     attention: window attention as separate kernels through global memory
//       (attention_unfused.cu): S = QK^T/sqrt(d) into a [windows*heads, 64, 64]
//       buffer, softmax in place, P V; backward rebuilds P from the saved lse
//       and writes dP / dS matrices too, instead of the flash-style kernels
//       that keep every 64x64 matrix on chip;
//     regrid_staging: fuse materialises qh-ref's input [1, 8, 7, ny, nx] on the
//       working grid (regrid on the host, upload) and runs a plain conv1,
//       instead of conv1 gathering its input from the uploaded native-grid
//       sources and the nearest-neighbour index (train/fuse, conv3d_staged).
//
// The environment is read once, on the first call of device_options().
#pragma once
#include <string>

#include "kernels/conv/conv_cuda.h"  // ConvMath (no CUDA headers)

namespace rf {

enum class ConvImpl { Ours, Cudnn };
enum class GemmImpl { Ours, Cublas };

struct DeviceOptions {
  kernels::ConvMath conv_math = kernels::ConvMath::Tf32;
  ConvImpl conv_impl = ConvImpl::Ours;
  GemmImpl gemm_impl = GemmImpl::Ours;
  bool fuse_conv_epilogue = true;
  bool fuse_convlstm = true;
  bool fuse_attention = true;
  bool fuse_regrid_staging = true;
};

DeviceOptions& device_options();
// Applies a RAINFUSE_UNFUSED-style list ("" = everything fused); throws on an unknown name.
void set_unfused(DeviceOptions& o, const std::string& list);
std::string describe(const DeviceOptions& o);  // "tf32, unfused: convlstm" ("tf32 cudnn cublas, ...")
const char* math_name(kernels::ConvMath m);       // "fp32", "tf32", "bf16"

}  // namespace rf
