// Ordinary least squares of y on x from running sums (double):
//   b = (n Sxy - Sx Sy) / (n Sxx - Sx^2),  a = (Sy - b Sx) / n
// With fewer than two pairs or no spread in x it leaves a = 0, b = 1 (y = x).
// Shared by the bias-corrected-mean baselines and qh-fuse's prior.
#pragma once

namespace rf::pipe {

inline void fit_line(double n, double sx, double sy, double sxx, double sxy, double& a, double& b) {
  a = 0, b = 1;
  const double den = n * sxx - sx * sx;
  if (n >= 2 && den > 1e-12 * n * sxx) {
    b = (n * sxy - sx * sy) / den;
    a = (sy - b * sx) / n;
  }
}

}  // namespace rf::pipe
