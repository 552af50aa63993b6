#include "train/plots/map_layout.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace rf::plots {

namespace {

std::pair<double, double> edges(const std::vector<double>& c) {
  auto [lo, hi] = std::minmax_element(c.begin(), c.end());
  const double half = c.size() > 1 ? std::abs(c[1] - c[0]) / 2 : 0.5;
  return {*lo - half, *hi + half};
}

}  // namespace

Extent grid_extent(const io::Grid& g) {
  auto [x0, x1] = edges(g.lon);
  auto [y0, y1] = edges(g.lat);
  return {x0, x1, y0, y1};
}

MapLayout map_layout(const Extent& e, int panels, int columns) {
  MapLayout L;
  L.columns = std::clamp(columns, 1, std::max(1, panels));
  L.rows = (std::max(1, panels) + L.columns - 1) / L.columns;
  const double mid = (e.lat0 + e.lat1) / 2 * std::numbers::pi / 180;
  const double ratio = (e.lat1 - e.lat0) / ((e.lon1 - e.lon0) * std::cos(mid));
  // 380 px wide panels; very tall regions are limited to 480 px high instead.
  L.plot_w = 380;
  L.plot_h = int(std::lround(L.plot_w * ratio));
  if (L.plot_h > 480) {
    L.plot_h = 480;
    L.plot_w = int(std::lround(L.plot_h / ratio));
  }
  L.margin_left = 58;   // latitude tick labels
  L.margin_top = 28;    // panel title
  const int margin_right = 14, margin_bottom = 36;  // longitude tick labels
  L.cell_w = L.margin_left + L.plot_w + margin_right;
  L.cell_h = L.margin_top + L.plot_h + margin_bottom;
  L.title_h = 34;
  L.colorbar_x = L.columns * L.cell_w + 16;
  L.width = L.colorbar_x + 110;  // bar, tick labels and the units label
  L.height = L.title_h + L.rows * L.cell_h + 4;
  return L;
}

MapLayout::Box MapLayout::plot_box(int panel) const {
  const int r = panel / columns, c = panel % columns;
  const int x0 = c * cell_w + margin_left, y0 = title_h + r * cell_h + margin_top;
  return {x0, y0, x0 + plot_w, y0 + plot_h};
}

}  // namespace rf::plots
