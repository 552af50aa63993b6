// Regrid gathers: one thread per (field, target point), grid-stride. The index
// map is read once per target and reused across fields by the cache (fields
// are the slow axis). Memory bound: ~8 B of index + 4 B in + 4 B out per point.
#include "kernels/common/launch.h"
#include "kernels/regrid/regrid_cuda.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {
namespace {

constexpr int kThreads = 256;

__global__ void gather_kernel(const float* __restrict__ src, int64_t nsrc, const int64_t* __restrict__ index,
                              int64_t ndst, float* __restrict__ dst, int64_t nfields) {
  for (int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; e < ndst * nfields;
       e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t f = e / ndst, d = e % ndst, k = index[d];
    dst[e] = k < 0 ? __int_as_float(0x7fc00000) : src[f * nsrc + k];
  }
}

__global__ void weighted_kernel(const float* __restrict__ src, int64_t field_stride, const int64_t* __restrict__ index,
                                const double* __restrict__ weight, int terms, int64_t ndst, float* __restrict__ dst,
                                int64_t nfields) {
  for (int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; e < ndst * nfields;
       e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t f = e / ndst, d = e % ndst;
    const float* s = src + f * field_stride;
    double acc = 0.0;
    bool any = false;
    for (int t = 0; t < terms; ++t) {
      const int64_t k = index[d * terms + t];
      if (k < 0) continue;
      any = true;
      acc += weight[d * terms + t] * double(s[k]);  // NaN in any used term propagates
    }
    dst[e] = any ? float(acc) : __int_as_float(0x7fc00000);
  }
}

}  // namespace

void regrid_gather_cuda(const float* src, int64_t nsrc, const int64_t* index, int64_t ndst, float* dst,
                        int64_t nfields, cudaStream_t stream) {
  if (ndst * nfields > 0)
    launch(gather_kernel, blocks_for(ndst * nfields, kThreads), kThreads, 0, stream, src, nsrc, index, ndst, dst,
           nfields);
}

void regrid_weighted_cuda(const float* src, int64_t nsrc, int src_planes, const int64_t* index, const double* weight,
                          int terms, int64_t ndst, float* dst, int64_t nfields, cudaStream_t stream) {
  if (ndst * nfields > 0)
    launch(weighted_kernel, blocks_for(ndst * nfields, kThreads), kThreads, 0, stream, src, nsrc * src_planes, index,
           weight, terms, ndst, dst, nfields);
}

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
