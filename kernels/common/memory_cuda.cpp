// Device memory for the counting allocator (memory.h). Built only with CUDA.
#include <cuda_runtime.h>

#include <new>
#include <stdexcept>
#include <string>

namespace rf {

void* cuda_raw_alloc(size_t bytes) {
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, bytes);
  if (e != cudaSuccess) {
    throw std::runtime_error("cudaMalloc(" + std::to_string(bytes) + " bytes): " + cudaGetErrorString(e));
  }
  return p;
}

void cuda_raw_free(void* p) { cudaFree(p); }

}  // namespace rf
