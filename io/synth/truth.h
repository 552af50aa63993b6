// The "true" daily precipitation of the twin (mm per CMA day, 12-12 UTC) on the
// extended 0.01-degree grid. A latent unit-variance Gaussian field
// z = 0.8 L + 0.6 S (L: 0.25-degree lattice, ~50 km correlation, AR(1) rho 0.75;
// S: 0.05-degree lattice, ~10 km storms, rho 0.25) is turned into rain by
// a climatological wet fraction p and a mean wet-day intensity I = m / p, where
// m = P_annual(x, y) * seasonal_fraction(doy):
//   u = Phi(z);  wet if u > 1 - p;  amount = I * -ln(1 - (u - (1 - p)) / p)
// so each cell's expected amount is m and wet cells cluster in space and time.
#pragma once
#include <cstdint>
#include <vector>

#include "io/dates.h"
#include "io/synth/landscape.h"
#include "io/synth/smooth_field.h"

namespace rf::io::synth {

class TruthGenerator {
 public:
  explicit TruthGenerator(uint64_t seed);
  // Generates the field of CMA day `day`. Days must be consecutive after the
  // first call (the AR(1) state carries over).
  void next(DayNumber day);
  DayNumber day() const { return day_; }
  const std::vector<float>& field() const { return rain_; }  // [ExtGrid::kNy][kNx] mm/day
  const std::vector<float>& dem() const { return dem_; }     // [ExtGrid::kNy][kNx] m
  const Grid& grid() const { return grid_; }
  // The Qinghai 1390 x 850 block of an extended field.
  static std::vector<float> qinghai_block(const std::vector<float>& ext);
  // Wet fraction used for a given daily mean (mm/day).
  static double wet_fraction(double mean_mm);

 private:
  uint64_t seed_;
  Grid grid_;
  std::vector<float> dem_, annual_, rain_, zl_, zs_;
  LatentField large_, storm_;
  AxisInterp lx_, ly_, sx_, sy_;
  DayNumber day_ = 0;
};

}  // namespace rf::io::synth
