#include "autograd/device_options.h"

#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace rf {

void set_unfused(DeviceOptions& o, const std::string& list) {
  o.fuse_conv_epilogue = true;
  o.fuse_convlstm = true;
  std::stringstream ss(list);
  std::string name;
  while (std::getline(ss, name, ',')) {
    if (name.empty()) continue;
    if (name == "conv_epilogue")
      o.fuse_conv_epilogue = false;
    else if (name == "convlstm")
      o.fuse_convlstm = false;
    else
      throw std::runtime_error("RAINFUSE_UNFUSED: unknown fusion '" + name + "' (known: conv_epilogue, convlstm)");
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
    else
      throw std::runtime_error("RAINFUSE_CONV_MATH must be fp32 or tf32, got '" + v + "'");
  }
  if (const char* u = std::getenv("RAINFUSE_UNFUSED")) set_unfused(o, u);
  return o;
}
}  // namespace

DeviceOptions& device_options() {
  static DeviceOptions o = from_env();
  return o;
}

std::string describe(const DeviceOptions& o) {
  std::string s = o.conv_math == kernels::ConvMath::Tf32 ? "tf32" : "fp32";
  std::string off;
  if (!o.fuse_conv_epilogue) off += "conv_epilogue";
  if (!o.fuse_convlstm) off += off.empty() ? "convlstm" : ",convlstm";
  return s + (off.empty() ? ", all fused" : ", unfused: " + off);
}

}  // namespace rf
