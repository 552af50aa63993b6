// CUDA entry points of the regrid gathers (regrid.h): fields [nfields][n],
// NaN = missing; index / weight arrays in device memory.
#pragma once
#include <cstdint>

#include "kernels/common/cuda_stream.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {

// Nearest neighbour: dst[f][d] = index[d] < 0 ? NaN : src[f][index[d]].
void regrid_gather_cuda(const float* src, int64_t nsrc, const int64_t* index, int64_t ndst, float* dst,
                        int64_t nfields, cudaStream_t stream);
// Weighted gather (bilinear / bicubic planes), accumulated in double as the CPU backend.
void regrid_weighted_cuda(const float* src, int64_t nsrc, int src_planes, const int64_t* index, const double* weight,
                          int terms, int64_t ndst, float* dst, int64_t nfields, cudaStream_t stream);

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
