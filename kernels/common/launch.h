// The one way a kernel is launched, and the one way it reaches dynamic shared
// memory, so that the same .cu source builds with nvcc and for the simulator.
//
//   rf::launch(kernel, grid, block, smem_bytes, stream, args...)
//     nvcc  : kernel<<<grid, block, smem_bytes, stream>>>(args...) + launch-error check
//     RF_SIM: runs every thread of the grid on the CPU (kernels/sim), synchronously
//   rf::dyn_shared<T>()  : the block's dynamic shared memory (smem_bytes of the launch)
//
// Include this first in a .cu file: under RF_SIM it brings the CUDA dialect
// (__global__, threadIdx, __syncthreads, __shfl_*_sync, atomics, ...).
#pragma once
#include <cstddef>
#include <utility>

#include "kernels/common/cuda_stream.h"

#if defined(RF_SIM)
#include <tuple>

#include "kernels/sim/sim.h"
#else
#include "kernels/common/cuda_check.h"
#endif

namespace rf {

#if defined(RF_SIM)

template <class T>
T* dyn_shared() {
  return static_cast<T*>(sim::dynamic_shared());
}

template <class... P, class... A>
void launch(void (*kernel)(P...), dim3 grid, dim3 block, size_t smem_bytes, cudaStream_t, A&&... args) {
  static_assert(sizeof...(P) == sizeof...(A), "launch: wrong number of kernel arguments");
  // Arguments are converted to the parameter types once, as CUDA does at launch.
  struct Call {
    void (*kernel)(P...);
    std::tuple<P...> params;
  } call{kernel, std::tuple<P...>(std::forward<A>(args)...)};
  sim::run_grid(grid, block, smem_bytes,
                sim::ThreadBody{[](const void* c) {
                                  const Call& k = *static_cast<const Call*>(c);
                                  std::apply(k.kernel, k.params);
                                },
                                &call});
}

#else

template <class T>
__device__ __forceinline__ T* dyn_shared() {
  extern __shared__ __align__(16) unsigned char rf_dyn_smem[];
  return reinterpret_cast<T*>(rf_dyn_smem);
}

template <class... P, class... A>
void launch(void (*kernel)(P...), dim3 grid, dim3 block, size_t smem_bytes, cudaStream_t stream, A&&... args) {
  static_assert(sizeof...(P) == sizeof...(A), "launch: wrong number of kernel arguments");
  kernel<<<grid, block, smem_bytes, stream>>>(std::forward<A>(args)...);
  RF_CUDA_CHECK(cudaGetLastError());
}

#endif

// Blocks needed to cover n items with `per_block` items per block, capped for
// grid-stride loops.
inline unsigned blocks_for(long long n, int per_block, unsigned cap = 65535u * 16u) {
  const long long b = (n + per_block - 1) / per_block;
  return unsigned(b < 1 ? 1 : (b > cap ? cap : b));
}

}  // namespace rf
