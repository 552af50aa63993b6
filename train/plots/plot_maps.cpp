// plot_maps: panels of lon/lat fields on one colour scale, drawn by gnuplot
// `binary matrix with image`. Each panel is cropped to the first panel's
// extent, reordered to ascending lon/lat, and block-averaged (finite values
// only) down to about one value per screen pixel, so a 0.01-degree grid is
// drawn as what the eye can see and the temporary files stay small.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <mutex>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "io/cf/qinghai_mask.h"
#include "train/plots/gnuplot_run.h"
#include "train/plots/map_layout.h"
#include "train/plots/plots.h"

namespace rf::plots {

namespace {

// Precipitation scale: white at 0, light then deep blues, purple at the top.
// Stops are crowded at the low end because daily rain is strongly skewed.
constexpr const char* kPrecipPalette =
    "set palette defined (0 '#ffffff', 0.02 '#eef5fb', 0.08 '#c9def0', 0.18 '#93c0e2', 0.32 '#5598cd', "
    "0.48 '#2a6db5', 0.64 '#1b4596', 0.80 '#3b2a8c', 0.92 '#67288f', 1 '#8e1c7f')\n";

// Indices of the cells of one axis that overlap [lo, hi], in ascending coordinate order.
std::vector<size_t> cells_within(const std::vector<double>& c, double lo, double hi) {
  const double half = c.size() > 1 ? std::abs(c[1] - c[0]) / 2 : 0.5;
  std::vector<size_t> idx;
  for (size_t i = 0; i < c.size(); ++i)
    if (c[i] + half > lo && c[i] - half < hi) idx.push_back(i);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return c[a] < c[b]; });
  return idx;
}

// A panel cropped to the map extent: values [rows][cols], ascending lon/lat.
struct Cropped {
  std::vector<double> lon, lat;
  std::vector<float> v;
};

Cropped crop(const MapPanel& p, const Extent& e) {
  const auto ci = cells_within(p.grid.lon, e.lon0, e.lon1);
  const auto ri = cells_within(p.grid.lat, e.lat0, e.lat1);
  Cropped c;
  for (size_t i : ci) c.lon.push_back(p.grid.lon[i]);
  for (size_t j : ri) c.lat.push_back(p.grid.lat[j]);
  c.v.reserve(ci.size() * ri.size());
  for (size_t j : ri)
    for (size_t i : ci) c.v.push_back(p.values[j * p.grid.nx() + i]);
  return c;
}

// Mean of the finite values in f x f blocks (NaN where a block has none);
// coordinates become the block-mean centres.
Cropped block_mean(const Cropped& c, size_t f) {
  if (f <= 1) return c;
  const size_t nx = c.lon.size(), ny = c.lat.size();
  const size_t bx = (nx + f - 1) / f, by = (ny + f - 1) / f;
  auto coarse = [f](const std::vector<double>& x, size_t nb) {
    std::vector<double> out(nb);
    for (size_t b = 0; b < nb; ++b) {
      const size_t a = b * f, z = std::min(x.size(), a + f);
      out[b] = std::accumulate(x.begin() + long(a), x.begin() + long(z), 0.0) / double(z - a);
    }
    return out;
  };
  Cropped o{coarse(c.lon, bx), coarse(c.lat, by), std::vector<float>(bx * by)};
  for (size_t J = 0; J < by; ++J)
    for (size_t I = 0; I < bx; ++I) {
      double s = 0;
      long n = 0;
      for (size_t j = J * f; j < std::min(ny, J * f + f); ++j)
        for (size_t i = I * f; i < std::min(nx, I * f + f); ++i)
          if (const float x = c.v[j * nx + i]; std::isfinite(x)) s += x, ++n;
      o.v[J * bx + I] = n ? float(s / double(n)) : NAN;
    }
  return o;
}

// gnuplot `binary matrix`: first row  nx, x_0..x_{nx-1}; then each row  y_j, v_j0..v_j(nx-1).
std::vector<float> binary_matrix(const Cropped& c) {
  const size_t nx = c.lon.size(), ny = c.lat.size();
  std::vector<float> m;
  m.reserve((nx + 1) * (ny + 1));
  m.push_back(float(nx));
  for (double x : c.lon) m.push_back(float(x));
  for (size_t j = 0; j < ny; ++j) {
    m.push_back(float(c.lat[j]));
    m.insert(m.end(), c.v.begin() + long(j * nx), c.v.begin() + long(j * nx + nx));
  }
  return m;
}

// The largest of the panels' 99th percentiles: each panel counts alike (a
// 0.01-degree field has 500 times the cells of a 0.25-degree one), and no panel
// saturates the scale over more than 1 % of its area.
double percentile99(const std::vector<Cropped>& cs) {
  double top = 0;
  for (const auto& c : cs) {
    std::vector<float> v;
    for (float x : c.v)
      if (std::isfinite(x)) v.push_back(x);
    if (v.empty()) continue;
    auto k = v.begin() + long(double(v.size() - 1) * 0.99);
    std::nth_element(v.begin(), k, v.end());
    top = std::max(top, double(*k));
  }
  return top;
}

// A tick step from 1-2-5 (and 3, 6 for degrees) giving at most `max_ticks` ticks.
double tick_step(double range, int max_ticks) {
  for (double s : {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0})
    if (range / s <= max_ticks) return s;
  return 90;
}

const std::string& qinghai_outline_text() {
  static std::once_flag once;
  static std::string text;
  std::call_once(once, [] {
    std::ostringstream o;
    o << std::setprecision(7);
    for (const auto& ring : io::dcw_polygon(io::dcw_file(), "CN.QH")) {
      for (auto [x, y] : ring) o << x << ' ' << y << '\n';
      o << ring.front().first << ' ' << ring.front().second << "\n\n";  // close the ring, then break the line
    }
    text = o.str();
  });
  return text;
}

std::string label_text(const std::string& s) {
  std::string t = "\"";
  for (char c : s) t += (c == '"' || c == '\n') ? '\'' : c;
  return t + "\"";
}

}  // namespace

void plot_maps(const std::string& png, const std::string& title, const std::string& units,
               const std::vector<MapPanel>& panels, const std::vector<MapPoint>& points, double vmax,
               int columns) {
  if (panels.empty()) throw std::runtime_error(png + ": no map panels to draw");
  for (const auto& p : panels)
    if (p.grid.size() == 0 || p.values.size() != p.grid.size())
      throw std::runtime_error(png + ": panel '" + p.title + "' has " + std::to_string(p.values.size()) +
                               " values for a " + std::to_string(p.grid.nx()) + " x " +
                               std::to_string(p.grid.ny()) + " grid");
  std::string outline;
  try {
    outline = qinghai_outline_text();
  } catch (const std::exception& e) {
    throw std::runtime_error(png + ": province outline: " + e.what());
  }

  const Extent e = grid_extent(panels[0].grid);
  const MapLayout L = map_layout(e, int(panels.size()), columns);
  std::vector<Cropped> cropped;
  for (const auto& p : panels) cropped.push_back(crop(p, e));
  if (vmax <= 0) vmax = percentile99(cropped);
  if (!(vmax > 0)) vmax = 1;  // all zero or all missing: any scale shows it

  PlotJob job(png);
  job.write_text("outline.txt", outline);
  std::ostringstream pts, lab;
  pts << std::setprecision(8);
  lab << std::setprecision(8);
  for (const auto& p : points) {
    pts << p.lon << ' ' << p.lat << '\n';
    if (!p.label.empty()) lab << p.lon << ' ' << p.lat << ' ' << label_text(p.label) << '\n';
  }
  const bool labels = lab.tellp() > 0;
  job.write_text("points.txt", pts.str());
  job.write_text("labels.txt", lab.str());

  auto sx = [&](int px) { return double(px) / L.width; };
  auto sy = [&](int py) { return 1.0 - double(py) / L.height; };
  std::ostringstream s;
  s << std::setprecision(6);
  s << "set multiplot title " << gp_quote(title) << " font ',13'\n"
    << kPrecipPalette << "set cbrange [0:" << vmax << "]\n"
    << "set cblabel " << gp_quote(units) << " font ',11' offset 1.5,0\nset cbtics out nomirror\n"
    << "set xrange [" << e.lon0 << ":" << e.lon1 << "]\nset yrange [" << e.lat0 << ":" << e.lat1 << "]\n"
    << "set xtics " << tick_step(e.lon1 - e.lon0, 7) << " out nomirror format '%g°E'\n"
    << "set ytics " << tick_step(e.lat1 - e.lat0, 6) << " out nomirror format '%g°N'\n"
    << "set grid front lw 0.6 lc rgb '#8c8c8c' dt 3\nunset key\n"
    << "set style textbox opaque fillcolor rgb '#50ffffff' noborder margins 1,1\n"
    << "set object 1 rectangle from graph 0,0 to graph 1,1 behind fillcolor rgb '#cfcfcf' fillstyle solid 1.0 "
       "noborder\n";
  const auto top = L.plot_box(0), bottom = L.plot_box((L.rows - 1) * L.columns);
  s << "set colorbox user origin screen " << sx(L.colorbar_x) << "," << sy(bottom.y1) << " size screen "
    << sx(18) << "," << (double(bottom.y1 - top.y0) / L.height) << "\n";

  for (size_t k = 0; k < panels.size(); ++k) {
    const auto b = L.plot_box(int(k));
    s << "set lmargin at screen " << sx(b.x0) << "\nset rmargin at screen " << sx(b.x1) << "\n"
      << "set tmargin at screen " << sy(b.y0) << "\nset bmargin at screen " << sy(b.y1) << "\n"
      << "set title " << gp_quote(panels[k].title) << " font ',11' offset 0,-0.4\n";
    std::string image;
    if (!cropped[k].v.empty()) {
      const size_t f = size_t(std::max(1.0, std::ceil(std::max(double(cropped[k].lon.size()) / L.plot_w,
                                                                double(cropped[k].lat.size()) / L.plot_h))));
      const std::string file = "panel" + std::to_string(k) + ".bin";
      job.write_floats(file, binary_matrix(block_mean(cropped[k], f)));
      image = gp_quote(job.path(file)) + " binary matrix with image, ";
    }
    s << "plot " << image << gp_quote(job.path("outline.txt")) << " with lines lc rgb 'black' lw 1.2";
    if (!points.empty()) {
      s << ", " << gp_quote(job.path("points.txt")) << " using 1:2 with points pt 6 ps 0.6 lw 1.2 lc rgb 'black'";
      if (labels)
        s << ", " << gp_quote(job.path("labels.txt")) << " using 1:2:3 with labels left offset 0.6,0.5 font ',7' boxed";
    }
    s << "\n";
    if (k == 0) s << "unset colorbox\n";
  }
  s << "unset multiplot\n";
  job.run(s.str(), L.width, L.height);
}

}  // namespace rf::plots
