// The simulated CUDA device: Device::CUDA backed by host memory, every kernel
// launch run by the kernel simulator (kernels/sim). The kernel table is the
// real CUDA backend's (autograd/device_table.h) over the same .cu sources
// compiled under RF_SIM, so a model test on this device exercises the
// dispatch, the allocator bookkeeping and the kernel glue exactly as on a GPU,
// only slower. Link rainfuse_simdevice (tests/sim/CMakeLists.txt).
#pragma once

namespace rf::simdev {

// Registers the simulated table for Device::CUDA and installs the host
// allocator behind mem_alloc(Device::CUDA). Call once, before the first
// Device::CUDA tensor exists (idempotent). Fresh "device" memory is filled
// with 0xff bytes (NaN), so a kernel that reads memory nobody wrote shows up.
void use_simulated_device();

}  // namespace rf::simdev
