// RF_CUDA_CHECK(expr): throws std::runtime_error naming the call, file and line
// when a CUDA runtime call fails. Host code of the nvcc build only.
#pragma once
#if !defined(RF_SIM)
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace rf {

inline void cuda_check(cudaError_t e, const char* what, const char* file, int line) {
  if (e != cudaSuccess) {
    throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + what + ": " +
                             cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
  }
}

}  // namespace rf

#define RF_CUDA_CHECK(expr) ::rf::cuda_check((expr), #expr, __FILE__, __LINE__)
#endif
