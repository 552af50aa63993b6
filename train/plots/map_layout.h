// Pixel layout of a multi-panel lon/lat map (used by plot_maps, checked by
// tests). Each panel's plot area keeps the true shape of the region at its
// mid-latitude: height/width = dlat / (dlon * cos(mid lat)), so a degree of
// longitude is cos(35.6 deg) ~ 0.81 of a degree of latitude over Qinghai.
//   canvas: [title] then rows x columns cells, the shared colour bar at the right.
#pragma once
#include "io/grid.h"

namespace rf::plots {

struct Extent {
  double lon0, lon1, lat0, lat1;  // cell edges, degrees
};

// Edges of a grid's cells (any storage order; spacing from the first two centres).
Extent grid_extent(const io::Grid& g);

struct MapLayout {
  int width = 0, height = 0;   // canvas, pixels
  int plot_w = 0, plot_h = 0;  // plot area of one panel
  int columns = 0, rows = 0;
  int title_h = 0, cell_w = 0, cell_h = 0, margin_left = 0, margin_top = 0;
  int colorbar_x = 0;          // left edge of the colour bar, pixels
  struct Box {
    int x0, y0, x1, y1;        // pixels from the top-left corner, x1/y1 exclusive
  };
  Box plot_box(int panel) const;  // panels fill rows left to right
};

MapLayout map_layout(const Extent& e, int panels, int columns);

}  // namespace rf::plots
