// Run-time switches of the CUDA backend (real or simulated device), read by
// the device kernel table (autograd/device_table.h) at every call, so a
// benchmark or test may flip them between runs.
//
//   RAINFUSE_CONV_MATH=fp32|tf32     implicit-GEMM arithmetic of conv / linear
//                                    (default tf32: tensor cores, fp32 accumulate)
//   RAINFUSE_UNFUSED=conv_epilogue,convlstm   comma list of fusions to switch off:
//     conv_epilogue: conv/linear write the pre-activation, a separate ReLU
//       kernel reads it back (one more tensor round trip and buffer);
//     convlstm: inference runs each ConvLSTM step as gate conv -> gates tensor
//       -> cell kernel (training always does: backward needs the gates).
//
// The environment is read once, on the first call of device_options().
#pragma once
#include <string>

#include "kernels/conv/conv_cuda.h"  // ConvMath (no CUDA headers)

namespace rf {

struct DeviceOptions {
  kernels::ConvMath conv_math = kernels::ConvMath::Tf32;
  bool fuse_conv_epilogue = true;
  bool fuse_convlstm = true;
};

DeviceOptions& device_options();
// Applies a RAINFUSE_UNFUSED-style list ("" = everything fused); throws on an unknown name.
void set_unfused(DeviceOptions& o, const std::string& list);
std::string describe(const DeviceOptions& o);  // "tf32, unfused: convlstm"

}  // namespace rf
