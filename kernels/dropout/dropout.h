// Inverted dropout with a counter-based RNG (Philox4x32-10, kernels/common/philox.h):
// element i is kept iff u(seed, offset + i) >= p, where u is a uniform float in
// [0, 1) from the Philox stream; kept values are scaled by 1/(1-p). The mask is
// a pure function of (seed, offset, i): backward regenerates it and nothing is
// stored. The CUDA backend draws the same numbers, so both backends agree.
#pragma once
#include <cstdint>

namespace rf::kernels {

struct DropoutParams {
  float p = 0.2f;
  uint64_t seed = 0;
  uint64_t offset = 0;  // advances between calls so masks differ per step
};

void dropout_forward_cpu(int64_t n, const DropoutParams& d, const float* x, float* y);
void dropout_backward_cpu(int64_t n, const DropoutParams& d, const float* dy, float* dx, bool accumulate);

}  // namespace rf::kernels
