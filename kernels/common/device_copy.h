// Host <-> device transfers and synchronisation of the CUDA backend, for host
// code that must not include CUDA headers (autograd's backend table). Built
// only with CUDA (device_copy_cuda.cpp). All calls are synchronous on the
// default stream: a copy to the host waits for the kernels before it.
#pragma once
#include <cstddef>

namespace rf::cuda_rt {

void copy_to_host(void* host_dst, const void* device_src, size_t bytes);
void copy_from_host(void* device_dst, const void* host_src, size_t bytes);
void synchronize();     // waits for the device, throws on an asynchronous kernel error
bool device_present();  // a CUDA device can be used by this process

}  // namespace rf::cuda_rt
