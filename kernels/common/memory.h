// Per-device allocator that counts live and peak bytes. Every tensor and every
// kernel scratch buffer comes from here, so benchmarks can report peak memory.
//   CPU : 64-byte aligned host memory.
//   CUDA: device memory (provided by the CUDA backend when it is built).
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/common/device.h"

namespace rf {

struct MemStats {
  int64_t live_bytes = 0;   // currently allocated
  int64_t peak_bytes = 0;   // high-water mark since the last reset_peak()
  int64_t total_allocs = 0; // number of allocations since start
};

void* mem_alloc(Device d, size_t bytes);  // throws std::bad_alloc / std::runtime_error
void mem_free(Device d, void* p, size_t bytes);
MemStats mem_stats(Device d);
void mem_reset_peak(Device d);  // peak := live

// The allocator behind mem_alloc(Device::CUDA) (the counters above stay in
// mem_alloc): by default the CUDA backend's caching pool (memory_cuda.cpp);
// the simulated device (tests/sim/device) installs host memory instead.
// Install before the first allocation on that device.
struct DeviceAllocator {
  void* (*alloc)(size_t bytes) = nullptr;  // throws when out of memory
  void (*free)(void* p, size_t bytes) = nullptr;
};
void mem_set_allocator(Device d, const DeviceAllocator& a);  // d != CPU

// RAII scratch buffer for kernels (counted like any tensor).
template <class T>
class Scratch {
 public:
  Scratch(Device d, size_t n) : d_(d), n_(n), p_(n ? static_cast<T*>(mem_alloc(d, n * sizeof(T))) : nullptr) {}
  ~Scratch() { if (p_) mem_free(d_, p_, n_ * sizeof(T)); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* data() const { return p_; }
  size_t size() const { return n_; }
  T& operator[](size_t i) const { return p_[i]; }

 private:
  Device d_;
  size_t n_;
  T* p_;
};

}  // namespace rf
