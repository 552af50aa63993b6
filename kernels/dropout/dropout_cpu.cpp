// Inverted dropout; the keep mask is regenerated from Philox (kernels/common/philox.h),
// element i of a call uses stream index g = offset + i. Work is split in blocks of 4
// stream indices so each Philox call serves four elements.
#include "kernels/dropout/dropout.h"

#include <algorithm>

#include "kernels/common/philox.h"

namespace rf::kernels {

namespace {

// y[i] = keep(i) ? x[i] * scale : 0, then dst = y (overwrite) or dst += y.
template <bool kAccumulate>
void masked_scale(int64_t n, const DropoutParams& d, const float* x, float* dst) {
  if (n <= 0) return;
  const float p = d.p;
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  const uint64_t g0 = d.offset, g_end = d.offset + uint64_t(n);
  const int64_t q_first = int64_t(g0 >> 2), q_last = int64_t((g_end - 1) >> 2);
#pragma omp parallel for schedule(static) if (n >= (1 << 14))
  for (int64_t q = q_first; q <= q_last; ++q) {
    const Philox4 r = philox_block(d.seed, uint64_t(q));
    const uint64_t lo = std::max<uint64_t>(uint64_t(q) * 4, g0), hi = std::min<uint64_t>(uint64_t(q) * 4 + 4, g_end);
    for (uint64_t g = lo; g < hi; ++g) {
      const int64_t i = int64_t(g - g0);
      const float v = philox_to_unit_float(r.v[g & 3]) >= p ? x[i] * scale : 0.0f;
      if constexpr (kAccumulate) dst[i] += v; else dst[i] = v;
    }
  }
}

}  // namespace

void dropout_forward_cpu(int64_t n, const DropoutParams& d, const float* x, float* y) {
  masked_scale<false>(n, d, x, y);
}

void dropout_backward_cpu(int64_t n, const DropoutParams& d, const float* dy, float* dx, bool accumulate) {
  if (accumulate) masked_scale<true>(n, d, dy, dx);
  else masked_scale<false>(n, d, dy, dx);
}

}  // namespace rf::kernels
