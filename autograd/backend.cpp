// The CPU kernel table, and the CUDA table: the CUDA backend's launchers
// (autograd/backend_cuda.cpp) in CUDA builds, placeholders that throw otherwise
// (until a simulated device registers its table, tests/sim/device).
#include "autograd/backend.h"

#include <cstring>
#include <stdexcept>

#include "kernels/elementwise/elementwise.h"
#ifdef RAINFUSE_HAVE_CUDA
#include "kernels/common/device_copy.h"
#endif
#include "kernels/loss/loss.h"

namespace rf {
namespace {

void copy_strided_cpu(int64_t planes, int64_t rows, int64_t len, const float* src, int64_t src_plane,
                      int64_t src_row, float* dst, int64_t dst_plane, int64_t dst_row, bool add) {
  const int64_t n = planes * rows;
  const bool big = n * len >= (int64_t(1) << 16);
#pragma omp parallel for schedule(static) if (big)
  for (int64_t k = 0; k < n; ++k) {
    const int64_t p = k / rows, r = k % rows;
    const float* s = src + p * src_plane + r * src_row;
    float* d = dst + p * dst_plane + r * dst_row;
    if (add) {
#pragma omp simd
      for (int64_t i = 0; i < len; ++i) d[i] += s[i];
    } else {
      std::memcpy(d, s, size_t(len) * sizeof(float));
    }
  }
}

void memcpy_floats(int64_t n, const float* src, float* dst) { std::memcpy(dst, src, size_t(n) * sizeof(float)); }

Backend make_cpu() {
  using namespace kernels;
  Backend b{};
  b.name = "cpu";
#define RF_CPU_ENTRY(entry, cpu) b.entry = cpu;
  RF_BACKEND_OPS(RF_CPU_ENTRY)
#undef RF_CPU_ENTRY
  return b;
}

#ifndef RAINFUSE_HAVE_CUDA
// An entry of any signature that throws: the CUDA table until it is registered.
template <class F>
struct Missing;
template <class R, class... A>
struct Missing<R (*)(A...)> {
  static R call(A...) {
    throw std::runtime_error("tensor on the CUDA device, but no CUDA backend is registered in this build");
  }
};

Backend make_missing_cuda() {
  Backend b{};
  b.name = "cuda (not available)";
#define RF_MISSING(f, cpu) b.f = &Missing<decltype(b.f)>::call;
  RF_BACKEND_OPS(RF_MISSING)
#undef RF_MISSING
  return b;
}
#endif

#ifdef RAINFUSE_HAVE_CUDA
}  // namespace
Backend make_cuda_backend();  // autograd/backend_cuda.cpp
namespace {
Backend g_tables[kNumDevices] = {make_cpu(), make_cuda_backend()};
#else
Backend g_tables[kNumDevices] = {make_cpu(), make_missing_cuda()};
#endif
bool g_registered[kNumDevices] = {true, false};

}  // namespace

const Backend& backend(Device d) { return g_tables[static_cast<int>(d)]; }

void register_backend(Device d, const Backend& table) {
  g_tables[static_cast<int>(d)] = table;
  g_registered[static_cast<int>(d)] = true;
}

bool device_available(Device d) {
  if (g_registered[static_cast<int>(d)]) return true;
#ifdef RAINFUSE_HAVE_CUDA
  if (d == Device::CUDA) return cuda_rt::device_present();
#endif
  return false;
}

}  // namespace rf
