// CUDA entry point of the strided block copy that autograd's shape ops use
// (channel concat, narrow, pad/crop of H and W; autograd/backend.h
// copy_strided): planes x rows rows of `len` floats, row (p, r) at
// src + p*src_plane + r*src_row -> dst + p*dst_plane + r*dst_row; add = true
// adds into dst. Device pointers, asynchronous on `stream`.
#pragma once
#include <cstdint>

#include "kernels/common/cuda_stream.h"

namespace rf::kernels {
inline namespace RF_CUDA_BACKEND {

void copy_strided_cuda(int64_t planes, int64_t rows, int64_t len, const float* src, int64_t src_plane,
                       int64_t src_row, float* dst, int64_t dst_plane, int64_t dst_row, bool add,
                       cudaStream_t stream);

}  // namespace RF_CUDA_BACKEND
}  // namespace rf::kernels
