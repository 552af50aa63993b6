// Applying a precomputed regrid plan (io/regrid builds it) to float fields.
// Fields are row-major [nfields][n] (n = ny*nx of the grid in storage order);
// NaN is a missing value in and out. Accumulation is in double, like CDO.
#pragma once
#include <cstdint>

namespace rf::kernels {

// Nearest neighbour: dst[f][d] = index[d] < 0 ? NaN : src[f][index[d]].
// The index map is a plain int64 array so the CUDA backend can fuse this
// gather into the model's input staging.
void regrid_gather_cpu(const float* src, int64_t nsrc, const int64_t* index, int64_t ndst, float* dst,
                       int64_t nfields);

// Weighted gather: dst[f][d] = sum_t weight[d][t] * src[f][index[d][t]] over the
// `terms` terms of point d; index -1 marks an unused slot.
// A target whose terms are all unused is NaN; a NaN source in any used term
// (even one with weight 0) makes the target NaN (CDO: a masked corner -> missing).
// `src` holds `src_planes` planes of nsrc values per field (bicubic: value and
// three gradients, see regrid_hermite_planes_cpu); index addresses the planes.
void regrid_weighted_cpu(const float* src, int64_t nsrc, int src_planes, const int64_t* index, const double* weight,
                         int terms, int64_t ndst, float* dst, int64_t nfields);

// Serial versions for one field and a span of targets [d0, d0 + n), for callers
// that are already parallel (the CF writer fuses regridding into its chunk
// compression: no full target cube is ever materialised). dst gets n values.
void regrid_gather_span_cpu(const float* src, const int64_t* index, int64_t d0, int64_t n, float* dst);
void regrid_weighted_span_cpu(const float* src, const int64_t* index, const double* weight, int terms, int64_t d0,
                              int64_t n, float* dst);

// SCRIP/CDO bicubic support: for one field f[ny][nx] writes 4 planes
// out[0] = f, out[1] = i-gradient, out[2] = j-gradient, out[3] = cross gradient,
// each [ny][nx], as CDO's remap_gradients: centred differences in index space
// (factor 0.5), one-sided at the first/last row (factor 1), a missing neighbour
// replaced by the centre (factor 1), the i index always wrapping cyclically
// (CDO does so even for regional grids), gradients 0 at missing points.
void regrid_hermite_planes_cpu(const float* f, int64_t nx, int64_t ny, float* out);

}  // namespace rf::kernels
