// Masked mean squared error, qh-ref's training objective:
//   loss = sum_i m_i (y_i - t_i)^2 / max(1, sum_i m_i)
// mask (nullable = all ones) holds 0/1 floats; targets where the mask is 0 may
// be NaN (missing observations) and are ignored.
#pragma once
#include <cstdint>

namespace rf::kernels {

// Returns the loss; *count (nullable) receives sum of the mask.
double masked_mse_forward_cpu(int64_t n, const float* y, const float* t, const float* mask, double* count);
// dy = grad_loss * 2 m (y - t) / max(1, sum m)   (+= when accumulate)
void masked_mse_backward_cpu(int64_t n, const float* y, const float* t, const float* mask, double count,
                             float grad_loss, float* dy, bool accumulate);

}  // namespace rf::kernels
