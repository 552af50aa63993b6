#include "train/pipeline/eval_report.h"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "train/plots/plots.h"

namespace rf::pipe {

std::string method_file_name(const std::string& method) {
  std::string s = method;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.' && c != '_') c = '_';
  return s;
}

bool plots_enabled(bool wanted) {
  if (!wanted) return false;
  static const bool available = plots::plots_available();
  static bool warned = false;
  if (!available && !warned) {
    std::fprintf(stderr, "evaluate: gnuplot not found, no PNG written\n");
    warned = true;
  }
  return available;
}

std::vector<eval::ScoreRow> write_eval_report(const std::string& dir, const eval::PointValues& gauges,
                                              const std::vector<eval::MethodSeries>& methods,
                                              const eval::EvalOptions& opt, bool plots) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create the output folder: " + ec.message());
  auto rows = eval::evaluate(gauges, methods, opt);
  eval::write_metrics_csv(dir + "/metrics.csv", rows, opt.thresholds);
  eval::write_metrics_markdown(dir + "/metrics.md", rows, opt.thresholds);
  if (!plots_enabled(plots)) return rows;

  // Scatter of each method on exactly the pairs evaluate() scored.
  std::vector<std::vector<float>> obs(methods.size()), est(methods.size());
  std::vector<double> v(methods.size());
  for (const auto& [key, o] : gauges) {
    if (!std::isfinite(o)) continue;
    bool all = true;
    for (size_t m = 0; m < methods.size(); ++m) {
      auto it = methods[m].values.find(key);
      v[m] = it == methods[m].values.end() ? NAN : it->second;
      all = all && std::isfinite(v[m]);
    }
    if (opt.common_pairs && !all) continue;
    for (size_t m = 0; m < methods.size(); ++m)
      if (std::isfinite(v[m])) obs[m].push_back(float(o)), est[m].push_back(float(v[m]));
  }
  for (size_t m = 0; m < methods.size(); ++m)
    if (!obs[m].empty())
      plots::plot_scatter(dir + "/scatter_" + method_file_name(methods[m].name) + ".png", methods[m].name, obs[m],
                          est[m]);
  plots::plot_score_bars(dir + "/scores.png", rows, "pooled");
  return rows;
}

void print_pooled_table(std::FILE* out, const std::vector<eval::ScoreRow>& rows, const std::vector<double>& thr) {
  std::fprintf(out, "%-28s %8s %8s %8s %8s %7s %7s", "method", "n", "RB %", "MAE", "RMSE", "CC", "KGE");
  for (double t : thr) {
    char h[32];
    std::snprintf(h, sizeof h, "CSI %g", t);
    std::fprintf(out, " %9s", h);
  }
  std::fprintf(out, "\n");
  for (const auto& r : rows) {
    if (r.scope != "pooled" && r.scope != "grid") continue;
    std::fprintf(out, "%-28s %8ld %8.2f %8.3f %8.3f %7.3f %7.3f", r.method.c_str(), r.s.n, r.s.rb_pct, r.s.mae,
                 r.s.rmse, r.s.cc, r.s.kge);
    for (const auto& c : r.s.cat) std::fprintf(out, " %9.3f", c.csi());
    std::fprintf(out, "\n");
  }
}

}  // namespace rf::pipe
