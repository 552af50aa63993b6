// plot_scatter: estimate vs gauge on log(1+x) axes (keeps the many dry and
// drizzle days visible next to the rare heavy ones, and 0 stays on the axis),
// ticks labelled in mm/day, the 1:1 line, and n / CC / RMSE / RB from the
// shared metric code. Points are small and semi-transparent (more transparent
// the more there are) so that tens of thousands of pairs read as a density.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "train/evaluate/metrics.h"
#include "train/plots/gnuplot_run.h"
#include "train/plots/plots.h"

namespace rf::plots {

void plot_scatter(const std::string& png, const std::string& method, const std::vector<float>& gauge,
                  const std::vector<float>& estimate) {
  if (gauge.size() != estimate.size())
    throw std::runtime_error(png + ": " + std::to_string(gauge.size()) + " gauge values but " +
                             std::to_string(estimate.size()) + " " + method + " values");
  std::vector<double> o, s;
  std::vector<float> xy;  // (log1p gauge, log1p estimate) pairs, float32
  double top = 0;
  for (size_t i = 0; i < gauge.size(); ++i) {
    if (!std::isfinite(gauge[i]) || !std::isfinite(estimate[i])) continue;
    o.push_back(gauge[i]);
    s.push_back(estimate[i]);
    const double g = std::max(0.0f, gauge[i]), e = std::max(0.0f, estimate[i]);  // tiny negatives of some products
    xy.push_back(float(std::log1p(g)));
    xy.push_back(float(std::log1p(e)));
    top = std::max({top, g, e});
  }
  if (o.empty()) throw std::runtime_error(png + ": no day where both the gauge and " + method + " are valid");
  const eval::Scores sc = eval::score(s, o, {});

  PlotJob job(png);
  const std::string data = job.write_floats("pairs.bin", xy);
  // Ticks at 0,1,2,5,10,... mm/day placed at log1p(value); the axis ends at the next tick.
  std::ostringstream tics;
  double axis_max = 1;
  for (double v : {0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0}) {
    if (v > 0 && tics.tellp() > 0) tics << ", ";
    tics << "'" << v << "' " << std::log1p(v);
    axis_max = v;
    if (v >= top && v > 0) break;
  }
  const size_t n = o.size();
  const char* alpha = n < 300 ? "30" : n < 3000 ? "80" : n < 30000 ? "B8" : "D8";  // ARGB: AA = transparency
  auto fmt = [](const char* f, double v) {  // an undefined score (e.g. CC of a constant) reads n/a
    char b[32];
    std::snprintf(b, sizeof b, f, v);
    return std::isfinite(v) ? std::string(b) : std::string("n/a");
  };
  const std::string stats = "n = " + std::to_string(n) + "   CC = " + fmt("%.3f", sc.cc) +
                            "   RMSE = " + fmt("%.2f", sc.rmse) + " mm/day   RB = " + fmt("%+.1f", sc.rb_pct) + " %";

  // The axes start a little below 0 so the dry-gauge column and the dry-estimate
  // row (often the largest groups of points) are not hidden under the border.
  const double hi = std::log1p(axis_max), lo = 0.025 * hi;
  const int W = 600, H = 600;
  std::ostringstream g;
  g << std::setprecision(6) << "set title " << gp_quote(method + " vs gauges") << ".\"\\n\"." << gp_quote(stats)
    << " font ',12'\n"
    << "set lmargin at screen " << 80.0 / W << "\nset rmargin at screen " << 1 - 30.0 / W << "\n"
    << "set tmargin at screen " << 1 - 62.0 / H << "\nset bmargin at screen " << 70.0 / H << "\n"
    << "set xrange [" << -lo << ":" << hi << "]\nset yrange [" << -lo << ":" << hi << "]\n"
    << "set xtics (" << tics.str() << ") out nomirror\nset ytics (" << tics.str() << ") out nomirror\n"
    << "set xlabel 'gauge (mm/day, log(1+x) axis)'\n"
    << "set ylabel " << gp_quote(method + " (mm/day, log(1+x) axis)") << "\n"
    << "set grid lw 0.5 lc rgb '#c8c8c8' dt 3\n"
    << "unset key\nset label 2 '1:1' at " << hi * 0.9 << "," << hi * 0.9 << " offset -1.5,0.8 right font ',10'\n"
    << "plot " << gp_quote(data) << " binary format='%float%float' using 1:2 with points pt 7 ps 0.35 lc rgb '#"
    << alpha << "1f5fa8', x with lines dt 2 lw 1.5 lc rgb 'black'\n";
  job.run(g.str(), W, H);
}

}  // namespace rf::plots
