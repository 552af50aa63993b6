#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <unordered_map>
#include <vector>

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

// Freed CPU blocks of >= 64 KiB are kept and handed to the next allocation of
// the same rounded size (the engine repeats the same shapes every step, tile
// and time step). Fresh pages cost a page fault on first touch, measured at
// ~0.3 GB/s on the 2-core VMs, which made large-tensor allocation a leading
// cost of a forward pass. Cached blocks are not counted as live; the cache
// holds at most max(256 MiB, the live peak), so the memory it adds stays within
// the live peak. RAINFUSE_MEM_CACHE=0 turns it off.
class BlockCache {
 public:
  static constexpr size_t kMinBytes = size_t(64) << 10;
  static constexpr size_t kMaxCached = size_t(256) << 20;

  void* take(size_t rounded) {
    if (!enabled_ || rounded < kMinBytes) return nullptr;
    std::lock_guard<std::mutex> lock(m_);
    auto it = blocks_.find(rounded);
    if (it == blocks_.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    cached_ -= rounded;
    return p;
  }
  bool give(void* p, size_t rounded, int64_t live_peak) {  // false: caller frees
    if (!enabled_ || rounded < kMinBytes) return false;
    std::lock_guard<std::mutex> lock(m_);
    if (cached_ + rounded > std::max(kMaxCached, size_t(live_peak))) return false;
    blocks_[rounded].push_back(p);
    cached_ += rounded;
    return true;
  }
 private:
  static bool from_env() {
    const char* v = std::getenv("RAINFUSE_MEM_CACHE");
    return !(v && std::strcmp(v, "0") == 0);
  }
  const bool enabled_ = from_env();
  std::mutex m_;
  std::unordered_map<size_t, std::vector<void*>> blocks_;
  size_t cached_ = 0;
};
// Never destroyed: tensors in static storage may be freed after exit begins.
BlockCache& block_cache() {
  static BlockCache* cache = new BlockCache;
  return *cache;
}

}  // namespace

// The CUDA backend's caching pool (memory_cuda.cpp), when it is built.
#ifdef RAINFUSE_HAVE_CUDA
void* cuda_pool_alloc(size_t bytes);
void cuda_pool_free(void* p, size_t bytes);
#endif

namespace {
#ifdef RAINFUSE_HAVE_CUDA
constinit DeviceAllocator g_device_allocator{cuda_pool_alloc, cuda_pool_free};
#else
constinit DeviceAllocator g_device_allocator{};
#endif
}  // namespace

void mem_set_allocator(Device d, const DeviceAllocator& a) {
  if (d == Device::CPU) throw std::runtime_error("mem_set_allocator: the CPU allocator is fixed");
  g_device_allocator = a;
}

void* mem_alloc(Device d, size_t bytes) {
  if (bytes == 0) bytes = 1;
  void* p = nullptr;
  if (d == Device::CPU) {
    size_t rounded = (bytes + 63) / 64 * 64;
    p = block_cache().take(rounded);
    if (!p) p = std::aligned_alloc(64, rounded);
    if (!p) throw std::bad_alloc();
  } else {
    if (!g_device_allocator.alloc) throw std::runtime_error("rainfuse was built without the CUDA backend");
    p = g_device_allocator.alloc(bytes);
  }
  count_alloc(d, bytes);
  return p;
}

void mem_free(Device d, void* p, size_t bytes) {
  if (!p) return;
  if (bytes == 0) bytes = 1;
  if (d == Device::CPU) {
    if (!block_cache().give(p, (bytes + 63) / 64 * 64, g_counters[0].peak.load())) std::free(p);
  } else if (g_device_allocator.free) {
    g_device_allocator.free(p, bytes);
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
