// Device memory for the counting allocator (memory.h): a caching pool over
// cudaMalloc. Built only with CUDA.
//
// cudaMalloc/cudaFree synchronise the device and cost tens of microseconds,
// while the engine repeats the same tensor sizes every step (and every tile /
// time step), so freed blocks are kept per rounded size and handed to the next
// request of that size. Sizes round up to 512 B below 1 MiB and to 1 MiB above
// (bounded internal waste). When cudaMalloc fails, the cache is returned to
// the driver and the allocation is tried once more. Live and peak bytes are
// counted by mem_alloc (the sizes requested), as for the CPU.
// RAINFUSE_MEM_CACHE=0 turns the cache off (every free is a cudaFree).
#include <cuda_runtime.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace rf {
namespace {

size_t rounded_size(size_t bytes) {
  constexpr size_t kSmall = size_t(512), kLarge = size_t(1) << 20;
  return bytes < kLarge ? (bytes + kSmall - 1) / kSmall * kSmall : (bytes + kLarge - 1) / kLarge * kLarge;
}

class DevicePool {
 public:
  void* alloc(size_t bytes) {
    const size_t r = rounded_size(bytes);
    {
      std::lock_guard<std::mutex> lock(m_);
      auto it = free_.find(r);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        return p;
      }
    }
    void* p = nullptr;
    cudaError_t e = cudaMalloc(&p, r);
    if (e == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();  // clear the recorded error before the retry
      release();
      e = cudaMalloc(&p, r);
    }
    if (e != cudaSuccess)
      throw std::runtime_error("cudaMalloc(" + std::to_string(r) + " bytes): " + cudaGetErrorString(e));
    return p;
  }
  void free(void* p, size_t bytes) {
    if (!enabled_) {
      cudaFree(p);
      return;
    }
    std::lock_guard<std::mutex> lock(m_);
    free_[rounded_size(bytes)].push_back(p);
  }
  void release() {
    std::lock_guard<std::mutex> lock(m_);
    for (auto& [size, blocks] : free_)
      for (void* p : blocks) cudaFree(p);
    free_.clear();
  }

 private:
  static bool from_env() {
    const char* v = std::getenv("RAINFUSE_MEM_CACHE");
    return !(v && std::strcmp(v, "0") == 0);
  }
  const bool enabled_ = from_env();
  std::mutex m_;
  std::unordered_map<size_t, std::vector<void*>> free_;
};

// Never destroyed: tensors in static storage may be freed after exit begins
// (and the CUDA context may already be gone then).
DevicePool& pool() {
  static DevicePool* p = new DevicePool;
  return *p;
}

}  // namespace

void* cuda_pool_alloc(size_t bytes) { return pool().alloc(bytes); }
void cuda_pool_free(void* p, size_t bytes) { pool().free(p, bytes); }

}  // namespace rf
