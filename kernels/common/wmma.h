// The warp matrix (tensor core) API and the bf16 type for both builds: CUDA's
// <mma.h> and <cuda_bf16.h> under nvcc (sm_80+ for tf32 and bf16), the
// simulator's nvcuda::wmma under RF_SIM (which takes __nv_bfloat16 and its
// host-side round-to-nearest-even conversion from the same <cuda_bf16.h>).
#pragma once
#include "kernels/common/launch.h"
#if defined(RF_SIM)
#include "kernels/sim/sim_wmma.h"
#else
#include <cuda_bf16.h>
#include <mma.h>
#endif
