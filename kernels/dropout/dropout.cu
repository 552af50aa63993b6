// Inverted dropout. Element i uses stream index g = offset + i of Philox4x32-10
// (kernels/common/philox.h); one thread handles the four indices 4q..4q+3 of one
// Philox call (grid-stride over q), so the mask equals the CPU backend's bit for bit.
#include "kernels/common/launch.h"
#include "kernels/common/philox.h"
#include "kernels/dropout/dropout_cuda.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {
namespace {

constexpr int kThreads = 256;

// dst[i] = keep(i) ? src[i] * scale : 0   (+= when accumulate)
__global__ void dropout_kernel(int64_t n, float p, float scale, uint64_t seed, uint64_t g0, const float* __restrict__ src,
                               float* __restrict__ dst, bool accumulate) {
  const uint64_t g_end = g0 + uint64_t(n), q_first = g0 >> 2, q_count = ((g_end - 1) >> 2) - q_first + 1;
  for (uint64_t k = uint64_t(blockIdx.x) * blockDim.x + threadIdx.x; k < q_count; k += uint64_t(gridDim.x) * blockDim.x) {
    const uint64_t q = q_first + k;
    const Philox4 r = philox_block(seed, q);
    for (int lane = 0; lane < 4; ++lane) {
      const uint64_t g = 4 * q + lane;
      if (g < g0 || g >= g_end) continue;
      const int64_t i = int64_t(g - g0);
      const float v = philox_to_unit_float(r.v[lane]) >= p ? src[i] * scale : 0.0f;
      dst[i] = accumulate ? dst[i] + v : v;
    }
  }
}

void run(int64_t n, const DropoutParams& d, const float* src, float* dst, bool accumulate, cudaStream_t stream) {
  if (n <= 0) return;
  const float scale = d.p < 1.0f ? 1.0f / (1.0f - d.p) : 0.0f;
  const int64_t quads = int64_t(((d.offset + uint64_t(n) - 1) >> 2) - (d.offset >> 2) + 1);
  launch(dropout_kernel, blocks_for(quads, kThreads), kThreads, 0, stream, n, d.p, scale, d.seed, d.offset, src, dst,
         accumulate);
}

}  // namespace

void dropout_forward_cuda(int64_t n, const DropoutParams& d, const float* x, float* y, cudaStream_t stream) {
  run(n, d, x, y, false, stream);
}
void dropout_backward_cuda(int64_t n, const DropoutParams& d, const float* dy, float* dx, bool accumulate,
                           cudaStream_t stream) {
  run(n, d, dy, dx, accumulate, stream);
}

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
