// One host/device body: functions marked RF_HD compile for the CPU backend,
// for nvcc, and for the kernel simulator (host compiler) alike.
#pragma once

#if defined(__CUDACC__)
#define RF_HD __host__ __device__ __forceinline__
#else
#define RF_HD inline
#endif
