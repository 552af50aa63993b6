// Device buffers and the skip rule for gpu tests: a test calls RF_REQUIRE_GPU()
// first and is skipped (not failed) on a machine without a CUDA device.
#pragma once
#include <cuda_runtime.h>

#include <vector>

#include "kernels/common/cuda_check.h"
#include "tests/sim/compare.h"

namespace rf::gputest {

inline bool have_gpu() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

#define RF_REQUIRE_GPU() \
  if (!::rf::gputest::have_gpu()) GTEST_SKIP() << "no CUDA device"

// A device copy of a host vector (or n uninitialised elements).
template <class T>
class DevBuf {
 public:
  explicit DevBuf(size_t n) : n_(n) { RF_CUDA_CHECK(cudaMalloc(&p_, (n ? n : 1) * sizeof(T))); }
  explicit DevBuf(const std::vector<T>& h) : DevBuf(h.size()) {
    RF_CUDA_CHECK(cudaMemcpy(p_, h.data(), n_ * sizeof(T), cudaMemcpyHostToDevice));
  }
  ~DevBuf() { cudaFree(p_); }
  DevBuf(const DevBuf&) = delete;
  DevBuf& operator=(const DevBuf&) = delete;
  T* get() const { return p_; }
  std::vector<T> host() const {  // synchronises the device first
    RF_CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<T> h(n_);
    RF_CUDA_CHECK(cudaMemcpy(h.data(), p_, n_ * sizeof(T), cudaMemcpyDeviceToHost));
    return h;
  }

 private:
  T* p_ = nullptr;
  size_t n_;
};

}  // namespace rf::gputest
