// Strided block copy (copy_cuda.h): one grid-stride loop over all
// planes*rows*len elements; consecutive threads take consecutive elements of a
// row, so reads and writes coalesce along the row. Rows never overlap between
// source and destination (distinct tensors), so there is no ordering issue.
#include "kernels/common/launch.h"
#include "kernels/elementwise/copy_cuda.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {
namespace {

constexpr int kThreads = 256;

__global__ void copy_strided_kernel(int64_t n, int64_t rows, int64_t len, const float* __restrict__ src,
                                    int64_t src_plane, int64_t src_row, float* __restrict__ dst, int64_t dst_plane,
                                    int64_t dst_row, bool add) {
  for (int64_t k = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; k < n; k += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = k % len, pr = k / len;
    const int64_t r = pr % rows, p = pr / rows;
    const float v = src[p * src_plane + r * src_row + i];
    float* d = dst + p * dst_plane + r * dst_row + i;
    *d = add ? *d + v : v;
  }
}

}  // namespace

void copy_strided_cuda(int64_t planes, int64_t rows, int64_t len, const float* src, int64_t src_plane,
                       int64_t src_row, float* dst, int64_t dst_plane, int64_t dst_row, bool add,
                       cudaStream_t stream) {
  const int64_t n = planes * rows * len;
  if (n > 0)
    launch(copy_strided_kernel, blocks_for(n, kThreads), kThreads, 0, stream, n, rows, len, src, src_plane, src_row,
           dst, dst_plane, dst_row, add);
}

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
