// use_simulated_device(): this file is compiled with RF_SIM (it links
// rainfuse_kernels_sim), so device_table.h binds rf::kernels::sim::*_cuda.
#include "tests/sim/device/sim_device.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "autograd/device_table.h"

#if !defined(RF_SIM)
#error "sim_device.cpp must be compiled for the kernel simulator (RF_SIM)"
#endif

namespace rf::simdev {
namespace {

// "Device" memory is host memory: transfers are memcpy.
struct HostRuntime {
  static void to_host(void* host, const void* dev, size_t bytes) { std::memcpy(host, dev, bytes); }
  static void from_host(void* dev, const void* host, size_t bytes) { std::memcpy(dev, host, bytes); }
};

// Exact sizes (malloc: 16-byte aligned, enough for float4), so that under
// ASan an index one past a tensor's end is reported.
void* host_alloc(size_t bytes) {
  void* p = std::malloc(bytes);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0xff, bytes);
  return p;
}
void host_free(void* p, size_t) { std::free(p); }

}  // namespace

void use_simulated_device() {
  static const bool done = [] {
    mem_set_allocator(Device::CUDA, DeviceAllocator{host_alloc, host_free});
    register_backend(Device::CUDA, device_table::make<HostRuntime>("cuda (simulated)"));
    return true;
  }();
  (void)done;
}

}  // namespace rf::simdev
