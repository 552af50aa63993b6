// The static part of the twin: the extended 0.01-degree grid on which truth is
// generated (the Qinghai box plus a 1.25-degree halo, so that every product
// cell of the written windows is fully covered), a synthetic DEM with
// Qinghai-like relief and the precipitation climatology derived from it.
#pragma once
#include <vector>

#include "io/grid.h"

namespace rf::io::synth {

// Extended truth grid: centres 88.255 + 0.01 i (i < 1640), 30.125 + 0.01 j
// (j < 1100), south->north. The Qinghai grid (Grid::qinghai_001) is the block
// starting at (kQhOffset, kQhOffset).
struct ExtGrid {
  static constexpr double kLon0 = 88.255, kLat0 = 30.125, kStep = 0.01;
  static constexpr int kNx = 1640, kNy = 1100, kQhOffset = 125;
  static Grid grid() { return Grid::regular(kLon0, kStep, kNx, kLat0, kStep, kNy); }
};

// Elevation (m) of the synthetic relief at any point: Qaidam floor ~2700-3000 m,
// Kunlun and Qilian ranges ~5000 m, Qinghai Lake basin ~3200 m, the Huangshui
// valley ~2300 m, the southern plateau ~4500 m. Fixed (independent of the seed).
std::vector<float> synthetic_dem(const Grid& g);  // [ny][nx] of g

// Qaidam basin membership in [0, 1] (smooth edge).
double qaidam_weight(double lon, double lat);

// Mean annual precipitation (mm/yr): south-east wet (~700) to Qaidam (~20),
// enhanced with elevation.
std::vector<float> annual_precip(const Grid& g, const std::vector<float>& dem);

// Fraction of the annual total falling per day at day-of-year `doy` (sums to ~1
// over a year): monsoon peak in July, dry December-February.
double seasonal_fraction(double doy);
// 1 in the warm season (May-September), 0 in the cold season, smooth between.
double warm_season_weight(double doy);

}  // namespace rf::io::synth
