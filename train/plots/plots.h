// PNG figures for evaluate and demo, drawn by gnuplot (Debian gnuplot-nox, pngcairo
// or png terminal) from temporary binary data files: never a hand-written encoder.
// Maps use a perceptual colour scale for precipitation (0 = white), the Qinghai
// outline (gmt-dcw CN.QH, io/cf/qinghai_mask.h) and the gauges as points.
#pragma once
#include <string>
#include <vector>

#include "io/grid.h"
#include "train/evaluate/evaluate.h"

namespace rf::plots {

struct MapPanel {
  std::string title;               // "fused", "era5", ...
  io::Grid grid;                   // any rectilinear grid (panels may differ)
  std::vector<float> values;       // [ny][nx] in grid storage order, NaN = no data
};
struct MapPoint {
  double lon, lat;
  std::string label;               // may be empty
};

// Panels side by side in a grid of `columns`, one shared colour scale 0..vmax
// (vmax <= 0: the 99th percentile of all panels, taken per panel, the largest
// of them), outline and points on each. The map extent is the first panel's
// grid; the others are cropped to it.
void plot_maps(const std::string& png, const std::string& title, const std::string& units,
               const std::vector<MapPanel>& panels, const std::vector<MapPoint>& points, double vmax = 0,
               int columns = 3);

// Estimate vs gauge (mm/day), log-log-ish axes (log1p), 1:1 line, n/CC/RMSE in the key.
void plot_scatter(const std::string& png, const std::string& method, const std::vector<float>& gauge,
                  const std::vector<float>& estimate);

// Bars of RMSE, MAE, CC, KGE and CSI per method for one scope (default pooled).
void plot_score_bars(const std::string& png, const std::vector<eval::ScoreRow>& rows,
                     const std::string& scope = "pooled");

// True when gnuplot is installed (tests skip drawing otherwise; the pipeline
// warns once and writes no PNG).
bool plots_available();

}  // namespace rf::plots
