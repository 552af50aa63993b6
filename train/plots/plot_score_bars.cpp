// plot_score_bars: one small panel per score (units differ), one bar per
// method in a fixed colour, the value written on each bar, method names
// rotated under the axis, and which direction is better in each title.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "train/plots/gnuplot_run.h"
#include "train/plots/plots.h"

namespace rf::plots {

namespace {

struct Panel {
  std::string title, file;
  std::vector<double> v;  // one per method, NaN = not defined
};

// Colour-blind-friendly qualitative colours (Okabe-Ito, then Tableau), cycled.
constexpr const char* kColours[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                                    "#F0E442", "#332288", "#8c564b", "#7f7f7f", "#bcbd22", "#17becf"};

std::string number(double v) {
  char b[32];
  const double a = std::abs(v);
  std::snprintf(b, sizeof b, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
  return b;
}

}  // namespace

void plot_score_bars(const std::string& png, const std::vector<eval::ScoreRow>& rows, const std::string& scope) {
  std::vector<const eval::ScoreRow*> sel;
  for (const auto& r : rows)
    if (r.scope == scope) sel.push_back(&r);
  if (sel.empty()) throw std::runtime_error(png + ": no scores for scope '" + scope + "'");

  std::vector<Panel> panels{{"RMSE, mm/day (lower is better)", "", {}},
                            {"MAE, mm/day (lower is better)", "", {}},
                            {"CC (higher is better)", "", {}},
                            {"KGE (higher is better)", "", {}}};
  const auto& thresholds = sel[0]->s.cat;
  for (const auto& c : thresholds) {
    std::ostringstream t;
    t << "CSI, P ≥ " << c.threshold << " mm/day (higher is better)";
    panels.push_back({t.str(), "", {}});
  }
  long n_min = sel[0]->s.n, n_max = sel[0]->s.n;
  size_t longest = 0;
  for (const auto* r : sel) {
    panels[0].v.push_back(r->s.rmse);
    panels[1].v.push_back(r->s.mae);
    panels[2].v.push_back(r->s.cc);
    panels[3].v.push_back(r->s.kge);
    for (size_t t = 0; t < thresholds.size(); ++t)
      panels[4 + t].v.push_back(t < r->s.cat.size() ? r->s.cat[t].csi() : NAN);
    n_min = std::min(n_min, r->s.n);
    n_max = std::max(n_max, r->s.n);
    longest = std::max(longest, r->method.size());
  }
  const int nm = int(sel.size());

  // Layout (pixels): 3 panels a row; room under each axis for the rotated names.
  const int columns = 3, rows_n = (int(panels.size()) + columns - 1) / columns;
  const int plot_w = std::max(300, 30 * nm), plot_h = 220;
  const int ml = 64, mr = 16, mt = 30, mb = std::clamp(30 + 9 * int(longest) / 2, 60, 170);
  const int cell_w = ml + plot_w + mr, cell_h = mt + plot_h + mb, title_h = 40;
  const int W = columns * cell_w, H = title_h + rows_n * cell_h;

  PlotJob job(png);
  std::ostringstream xt;
  for (int m = 0; m < nm; ++m) xt << (m ? ", " : "") << gp_quote(sel[size_t(m)]->method) << " " << m;
  std::string title = "Scores at gauges, " + scope;
  title += n_min == n_max ? " (n = " + std::to_string(n_min) + " station-days each)"
                          : " (n = " + std::to_string(n_min) + " to " + std::to_string(n_max) + ")";

  std::ostringstream s;
  s << std::setprecision(6) << "set multiplot title " << gp_quote(title) << " font ',13'\n"
    << "unset key\nset style fill solid 0.85 border rgb '#404040'\nset boxwidth 0.7\n"
    << "set xrange [-0.6:" << nm - 0.4 << "]\n"
    << "set xtics (" << xt.str() << ") rotate by 40 right nomirror scale 0 font ',9'\n"
    << "set ytics out nomirror\nset grid ytics lw 0.5 lc rgb '#c8c8c8' dt 3\n";
  for (int m = 0; m < 12; ++m) s << "set linetype " << m + 1 << " lc rgb '" << kColours[m] << "'\n";
  for (size_t p = 0; p < panels.size(); ++p) {
    auto& P = panels[p];
    double lo = 0, hi = 0;
    for (double v : P.v)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    const double pad = hi > lo ? 0.14 * (hi - lo) : 1;
    // x, value, colour index, label height, label
    std::ostringstream d;
    d << std::setprecision(8);
    for (int m = 0; m < nm; ++m) {
      const double v = P.v[size_t(m)];
      if (!std::isfinite(v)) {
        d << m << " NaN 0 " << 0.04 * pad << " \"n/a\"\n";
        continue;
      }
      d << m << ' ' << v << ' ' << (m % 12) + 1 << ' ' << (v >= 0 ? v + 0.25 * pad : v - 0.25 * pad) << " \""
        << number(v) << "\"\n";
    }
    P.file = job.write_text("panel" + std::to_string(p) + ".txt", d.str());
    const int r = int(p) / columns, c = int(p) % columns;
    const int x0 = c * cell_w + ml, y0 = title_h + r * cell_h + mt;
    s << "set lmargin at screen " << double(x0) / W << "\nset rmargin at screen " << double(x0 + plot_w) / W << "\n"
      << "set tmargin at screen " << 1 - double(y0) / H << "\nset bmargin at screen "
      << 1 - double(y0 + plot_h) / H << "\n"
      << "set title " << gp_quote(P.title) << " font ',11'\n"
      << "set yrange [" << (lo < 0 ? lo - pad : 0) << ":" << (hi > 0 ? hi + pad : 0.1 * pad) << "]\n"
      << "plot " << gp_quote(P.file) << " using 1:2:3 with boxes lc variable, '' using 1:4:5 with labels font ',8', "
      << "0 with lines lc rgb '#404040' lw 1\n";
  }
  s << "unset multiplot\n";
  job.run(s.str(), W, H);
}

}  // namespace rf::plots
