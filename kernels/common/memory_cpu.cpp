#include <atomic>
#include <cstdlib>
#include <new>
#include <stdexcept>

#include "kernels/common/memory.h"

namespace rf {
namespace {

struct Counters {
  std::atomic<int64_t> live{0}, peak{0}, allocs{0};
};
Counters g_counters[kNumDevices];

void count_alloc(Device d, size_t bytes) {
  auto& c = g_counters[static_cast<int>(d)];
  int64_t now = c.live.fetch_add(static_cast<int64_t>(bytes)) + static_cast<int64_t>(bytes);
  int64_t peak = c.peak.load();
  while (now > peak && !c.peak.compare_exchange_weak(peak, now)) {
  }
  c.allocs.fetch_add(1);
}

}  // namespace

// CUDA allocation hooks, defined by the CUDA backend when it is built.
#ifdef RAINFUSE_HAVE_CUDA
void* cuda_raw_alloc(size_t bytes);
void cuda_raw_free(void* p);
#endif

void* mem_alloc(Device d, size_t bytes) {
  if (bytes == 0) bytes = 1;
  void* p = nullptr;
  if (d == Device::CPU) {
    size_t rounded = (bytes + 63) / 64 * 64;
    p = std::aligned_alloc(64, rounded);
    if (!p) throw std::bad_alloc();
  } else {
#ifdef RAINFUSE_HAVE_CUDA
    p = cuda_raw_alloc(bytes);
#else
    throw std::runtime_error("rainfuse was built without the CUDA backend");
#endif
  }
  count_alloc(d, bytes);
  return p;
}

void mem_free(Device d, void* p, size_t bytes) {
  if (!p) return;
  if (bytes == 0) bytes = 1;
  if (d == Device::CPU) {
    std::free(p);
  } else {
#ifdef RAINFUSE_HAVE_CUDA
    cuda_raw_free(p);
#endif
  }
  g_counters[static_cast<int>(d)].live.fetch_sub(static_cast<int64_t>(bytes));
}

MemStats mem_stats(Device d) {
  auto& c = g_counters[static_cast<int>(d)];
  return {c.live.load(), c.peak.load(), c.allocs.load()};
}

void mem_reset_peak(Device d) {
  auto& c = g_counters[static_cast<int>(d)];
  c.peak.store(c.live.load());
}

}  // namespace rf
