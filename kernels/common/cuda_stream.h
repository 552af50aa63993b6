// What a CUDA entry point header (<op>_cuda.h) needs and nothing more, so that
// CPU-only code can include those headers:
//   - cudaStream_t (the same type as CUDA's driver_types.h declares);
//   - the backend namespace: entry points live in rf::kernels::gpu (nvcc build)
//     or rf::kernels::sim (the same .cu compiled for the simulator). Both are
//     inline namespaces, so callers write rf::kernels::relu_forward_cuda(...)
//     and a binary may link both backends without clashing symbols.
#pragma once

struct CUstream_st;
using cudaStream_t = CUstream_st*;

#if defined(RF_SIM)
#define RF_CUDA_BACKEND sim
#else
#define RF_CUDA_BACKEND gpu
#endif
