// device_copy.h on the CUDA runtime.
#include "kernels/common/device_copy.h"

#include <cuda_runtime.h>

#include "kernels/common/cuda_check.h"

namespace rf::cuda_rt {

void copy_to_host(void* host_dst, const void* device_src, size_t bytes) {
  if (bytes) RF_CUDA_CHECK(cudaMemcpy(host_dst, device_src, bytes, cudaMemcpyDeviceToHost));
}

void copy_from_host(void* device_dst, const void* host_src, size_t bytes) {
  if (bytes) RF_CUDA_CHECK(cudaMemcpy(device_dst, host_src, bytes, cudaMemcpyHostToDevice));
}

void synchronize() { RF_CUDA_CHECK(cudaDeviceSynchronize()); }

bool device_present() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

}  // namespace rf::cuda_rt
