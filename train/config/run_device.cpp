#include "train/config/run_device.h"

#include <stdexcept>

#include "autograd/backend.h"

namespace rf::pipe {

Device resolve_device(const std::string& setting) {
  if (setting == "cpu") return Device::CPU;
  const bool cuda = device_available(Device::CUDA);
  if (setting == "auto") return cuda ? Device::CUDA : Device::CPU;
  if (setting != "cuda") throw std::runtime_error("run.device: '" + setting + "' is not one of auto|cpu|cuda");
  if (!cuda) {
#ifdef RAINFUSE_HAVE_CUDA
    throw std::runtime_error("run.device = \"cuda\": no CUDA device found (use \"cpu\" or \"auto\")");
#else
    throw std::runtime_error("run.device = \"cuda\": this build has no CUDA backend (use \"cpu\" or \"auto\")");
#endif
  }
  return Device::CUDA;
}

std::string device_label(Device d) { return backend(d).name; }

}  // namespace rf::pipe
