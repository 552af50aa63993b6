// The warp matrix (tensor core) API for both builds: CUDA's <mma.h> under nvcc
// (sm_80+ for tf32), the simulator's nvcuda::wmma under RF_SIM.
#pragma once
#include "kernels/common/launch.h"
#if defined(RF_SIM)
#include "kernels/sim/sim_wmma.h"
#else
#include <mma.h>
#endif
