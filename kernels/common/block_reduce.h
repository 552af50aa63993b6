// Sums across a warp and across a block with warp shuffles (device code).
// blockDim.x must be a multiple of 32 and the
// block one-dimensional; every thread of the block must call block_sum.
#pragma once
#include "kernels/common/launch.h"

namespace rf {

// Tree sum over the 32 lanes; the total lands in lane 0.
template <class T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return v;
}

// Sum over the block; the total lands in thread 0. `scratch` holds >= 32 T in
// shared memory; it may be reused after the call (a barrier ends the call).
template <class T>
__device__ __forceinline__ T block_sum(T v, T* scratch) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, nwarps = blockDim.x / 32;
  v = warp_sum(v);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < nwarps ? scratch[lane] : T(0);
    v = warp_sum(v);
  }
  __syncthreads();
  return v;
}

}  // namespace rf
