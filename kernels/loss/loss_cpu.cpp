// Masked MSE. Masked-out targets may be NaN: they are skipped by a select, never
// multiplied by 0 (0 * NaN = NaN).
#include "kernels/loss/loss.h"

#include <algorithm>
#include <vector>

namespace rf::kernels {

double masked_mse_forward_cpu(int64_t n, const float* y, const float* t, const float* mask, double* count) {
  // Fixed blocks summed in block order: deterministic whatever the thread timing
  // (an OpenMP reduction would combine partials in arrival order).
  constexpr int64_t kBlock = 1 << 15;
  const int64_t nb = (n + kBlock - 1) / kBlock;
  std::vector<double> se_part(size_t(std::max<int64_t>(nb, 1)), 0.0), m_part(se_part.size(), 0.0);
#pragma omp parallel for schedule(static) if (nb > 1)
  for (int64_t b = 0; b < nb; ++b) {
    double se = 0.0, m_sum = 0.0;
    const int64_t e = std::min(n, (b + 1) * kBlock);
    for (int64_t i = b * kBlock; i < e; ++i) {
      const double m = mask ? double(mask[i]) : 1.0;
      if (m != 0.0) {
        const double d = double(y[i]) - double(t[i]);
        se += m * d * d;
        m_sum += m;
      }
    }
    se_part[size_t(b)] = se;
    m_part[size_t(b)] = m_sum;
  }
  double se = 0.0, m_sum = 0.0;
  for (size_t b = 0; b < se_part.size(); ++b) se += se_part[b], m_sum += m_part[b];
  if (count) *count = m_sum;
  return se / (m_sum > 1.0 ? m_sum : 1.0);
}

void masked_mse_backward_cpu(int64_t n, const float* y, const float* t, const float* mask, double count,
                             float grad_loss, float* dy, bool accumulate) {
  const float k = float(2.0 * double(grad_loss) / (count > 1.0 ? count : 1.0));
#pragma omp parallel for simd schedule(static) if (n >= (1 << 15))
  for (int64_t i = 0; i < n; ++i) {
    const float m = mask ? mask[i] : 1.0f;
    const float g = m != 0.0f ? k * m * (y[i] - t[i]) : 0.0f;
    if (accumulate) dy[i] += g; else dy[i] = g;
  }
}

}  // namespace rf::kernels
