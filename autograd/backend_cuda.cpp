// The CUDA device's kernel table (autograd/device_table.h over the nvcc-built
// kernels), installed for Device::CUDA by backend.cpp in CUDA builds.
// Transfers are cudaMemcpy on the default stream (kernels/common/device_copy.h).
#ifdef RAINFUSE_HAVE_CUDA
#include "autograd/device_table.h"
#include "kernels/common/device_copy.h"

namespace rf {
namespace {
struct CudaRuntime {
  static void to_host(void* host, const void* dev, size_t bytes) { cuda_rt::copy_to_host(host, dev, bytes); }
  static void from_host(void* dev, const void* host, size_t bytes) { cuda_rt::copy_from_host(dev, host, bytes); }
};
}  // namespace

Backend make_cuda_backend() { return device_table::make<CudaRuntime>("cuda"); }

}  // namespace rf
#endif
