#include "autograd/device_options.h"

#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace rf {

void set_unfused(DeviceOptions& o, const std::string& list) {
  o.fuse_conv_epilogue = true;
  o.fuse_convlstm = true;
  o.fuse_attention = true;
  o.fuse_regrid_staging = true;
  std::stringstream ss(list);
  std::string name;
  while (std::getline(ss, name, ',')) {
    if (name.empty()) continue;
    if (name == "conv_epilogue")
      o.fuse_conv_epilogue = false;
    else if (name == "convlstm")
      o.fuse_convlstm = false;
    else if (name == "attention")
      o.fuse_attention = false;
    else if (name == "regrid_staging")
      o.fuse_regrid_staging = false;
    else
      throw std::runtime_error("RAINFUSE_UNFUSED: unknown fusion '" + name + "' (known: conv_epilogue, convlstm, attention, regrid_staging)");
  }
}

namespace {
DeviceOptions from_env() {
  DeviceOptions o;
  if (const char* m = std::getenv("RAINFUSE_CONV_MATH")) {
    const std::string v = m;
    if (v == "fp32")
      o.conv_math = kernels::ConvMath::Fp32;
    else if (v == "tf32")
      o.conv_math = kernels::ConvMath::Tf32;
    else if (v == "bf16")
      o.conv_math = kernels::ConvMath::Bf16;
    else
      throw std::runtime_error("RAINFUSE_CONV_MATH must be fp32, tf32 or bf16, got '" + v + "'");
  }
  if (const char* c = std::getenv("RAINFUSE_CONV_IMPL")) {
    const std::string v = c;
    if (v == "ours")
      o.conv_impl = ConvImpl::Ours;
    else if (v == "cudnn")
      o.conv_impl = ConvImpl::Cudnn;
    else
      throw std::runtime_error("RAINFUSE_CONV_IMPL must be ours or cudnn, got '" + v + "'");
  }
  if (const char* g = std::getenv("RAINFUSE_GEMM")) {
    const std::string v = g;
    if (v == "ours")
      o.gemm_impl = GemmImpl::Ours;
    else if (v == "cublas")
      o.gemm_impl = GemmImpl::Cublas;
    else
      throw std::runtime_error("RAINFUSE_GEMM must be ours or cublas, got '" + v + "'");
  }
  if (const char* u = std::getenv("RAINFUSE_UNFUSED")) set_unfused(o, u);
  return o;
}
}  // namespace

DeviceOptions& device_options() {
  static DeviceOptions o = from_env();
  return o;
}

const char* math_name(kernels::ConvMath m) {
  switch (m) {
    case kernels::ConvMath::Fp32: return "fp32";
    case kernels::ConvMath::Tf32: return "tf32";
    case kernels::ConvMath::Bf16: return "bf16";
  }
  return "?";
}

std::string describe(const DeviceOptions& o) {
  std::string s = math_name(o.conv_math);
  if (o.conv_impl == ConvImpl::Cudnn) s += " cudnn";
  if (o.gemm_impl == GemmImpl::Cublas) s += " cublas";
  std::string off;
  if (!o.fuse_conv_epilogue) off += "conv_epilogue";
  if (!o.fuse_convlstm) off += off.empty() ? "convlstm" : ",convlstm";
  if (!o.fuse_attention) off += off.empty() ? "attention" : ",attention";
  if (!o.fuse_regrid_staging) off += off.empty() ? "regrid_staging" : ",regrid_staging";
  return s + (off.empty() ? ", all fused" : ", unfused: " + off);
}

}  // namespace rf
