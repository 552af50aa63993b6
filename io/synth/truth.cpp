#include "io/synth/truth.h"

#include <algorithm>
#include <cmath>

#include "io/synth/rng.h"

namespace rf::io::synth {

namespace {
constexpr double kLargeStep = 0.25, kStormStep = 0.05;
int lattice_n(double span, double step) { return int(span / step) + 6; }
}  // namespace

TruthGenerator::TruthGenerator(uint64_t seed)
    : seed_(seed),
      grid_(ExtGrid::grid()),
      large_(ExtGrid::kLon0 - 0.5, ExtGrid::kLat0 - 0.5, kLargeStep, lattice_n(16.4, kLargeStep),
             lattice_n(11.0, kLargeStep), 2.0, 0.75),
      storm_(ExtGrid::kLon0 - 0.1, ExtGrid::kLat0 - 0.1, kStormStep, lattice_n(16.4, kStormStep),
             lattice_n(11.0, kStormStep), 2.0, 0.25),
      lx_(large_.lon0, large_.step, large_.nx, grid_.lon), ly_(large_.lat0, large_.step, large_.ny, grid_.lat),
      sx_(storm_.lon0, storm_.step, storm_.nx, grid_.lon), sy_(storm_.lat0, storm_.step, storm_.ny, grid_.lat) {
  dem_ = synthetic_dem(grid_);
  annual_ = annual_precip(grid_, dem_);
  rain_.resize(grid_.size());
  zl_.resize(grid_.size());
  zs_.resize(grid_.size());
}

double TruthGenerator::wet_fraction(double m) {
  return std::clamp(0.03 + 0.62 * (1.0 - std::exp(-m / 2.2)), 0.02, 0.85);
}

void TruthGenerator::next(DayNumber day) {
  day_ = day;
  large_.advance(stream_key(seed_, 1), day);
  storm_.advance(stream_key(seed_, 2), day);
  lattice_to_grid(large_, lx_, ly_, zl_.data());
  lattice_to_grid(storm_, sx_, sy_, zs_.data());
  const double frac = seasonal_fraction(day_of_year(day));
  const size_t n = rain_.size();
#pragma omp parallel for schedule(static)
  for (size_t k = 0; k < n; ++k) {
    const double m = annual_[k] * frac;
    const double p = wet_fraction(m);
    const double z = 0.8 * zl_[k] + 0.6 * zs_[k];
    const double u = 0.5 * std::erfc(-z * 0.7071067811865476);
    float r = 0.f;
    if (u > 1.0 - p) {
      const double v = std::min((u - (1.0 - p)) / p, 1.0 - 1e-7);
      r = float(m / p * -std::log1p(-v));
    }
    rain_[k] = r;
  }
}

std::vector<float> TruthGenerator::qinghai_block(const std::vector<float>& ext) {
  const Grid q = Grid::qinghai_001();
  std::vector<float> out(q.size());
  for (size_t j = 0; j < q.ny(); ++j)
    std::copy_n(ext.begin() + (j + ExtGrid::kQhOffset) * ExtGrid::kNx + ExtGrid::kQhOffset, q.nx(),
                out.begin() + j * q.nx());
  return out;
}

}  // namespace rf::io::synth
