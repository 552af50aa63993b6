// Cheap spatially correlated random fields: white noise on a coarse lattice,
// separable Gaussian filter (variance renormalised to 1), AR(1) in time, and
// bilinear evaluation on a fine grid. A lattice of spacing d with a filter of
// sigma s cells gives a correlation length of about s*d degrees.
#pragma once
#include <cstdint>
#include <vector>

namespace rf::io::synth {

// In-place separable Gaussian filter of a row-major [ny][nx] field with mirrored
// edges. Returns nothing; the caller rescales (see blur_variance_gain).
void gaussian_blur(float* f, int nx, int ny, double sigma_cells);
// Variance of the filtered field for unit white noise (interior cells): the
// factor to divide by (after sqrt) to get a unit-variance field.
double blur_variance_gain(double sigma_cells);

// Bilinear lookup table from a lattice axis (first, step, n) to target centres.
struct AxisInterp {
  std::vector<int> i0;     // lower lattice index, clamped so i0+1 < n
  std::vector<float> w1;   // weight of i0+1
  AxisInterp(double first, double step, int n, const std::vector<double>& targets);
};

// A unit-variance Gaussian field on a lattice, AR(1) in time:
// z_t = rho z_{t-1} + sqrt(1-rho^2) e_t with e_t filtered white noise.
class LatentField {
 public:
  LatentField(double lon0, double lat0, double step, int nx, int ny, double sigma_cells, double rho);
  // Advances to `day` using noise drawn from (key, day). The first call draws a
  // stationary state directly (no spin-up needed).
  void advance(uint64_t key, int64_t day);
  const std::vector<float>& values() const { return z_; }
  double lon0, lat0, step;
  int nx, ny;

 private:
  void draw(uint64_t key, int64_t day, std::vector<float>& out) const;
  double sigma_, rho_;
  bool started_ = false;
  std::vector<float> z_, e_;
};

// Evaluates a lattice field at every (lon, lat) of a fine grid: out[j*nx + i].
void lattice_to_grid(const LatentField& f, const AxisInterp& ax, const AxisInterp& ay, float* out);

}  // namespace rf::io::synth
