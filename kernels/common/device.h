// Where a buffer lives. Kernels receive raw pointers; the caller (autograd's
// Tensor) knows the device and picks the backend (the *_cpu or CUDA entry point).
#pragma once

namespace rf {

enum class Device { CPU = 0, CUDA = 1 };
inline constexpr int kNumDevices = 2;

inline const char* device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

}  // namespace rf
