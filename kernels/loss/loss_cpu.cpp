// Masked MSE. Masked-out targets may be NaN: they are skipped by a select, never
// multiplied by 0 (0 * NaN = NaN).
#include "kernels/loss/loss.h"

namespace rf::kernels {

double masked_mse_forward_cpu(int64_t n, const float* y, const float* t, const float* mask, double* count) {
  double se = 0.0, m_sum = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : se, m_sum) if (n >= (1 << 15))
  for (int64_t i = 0; i < n; ++i) {
    const double m = mask ? double(mask[i]) : 1.0;
    if (m != 0.0) {
      const double e = double(y[i]) - double(t[i]);
      se += m * e * e;
      m_sum += m;
    }
  }
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
