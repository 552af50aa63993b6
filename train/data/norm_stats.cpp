// Normalisation statistics of the model input (training stations only, the
// days each source is available) and
// their exact text form (hex floats, so a fused run normalises bit-identically).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "train/data/line_fit.h"
#include "train/data/model_input.h"
#include "train/data/source_value.h"

namespace rf::pipe {
namespace {

// Mean and population std from running sums; std 1 when undefined or ~0, so
// a constant channel z-scores to 0 instead of dividing by zero.
void finish(double sum, double sum2, long n, float& mean, float& stdev) {
  if (n == 0) {
    mean = 0, stdev = 1;
    return;
  }
  const double m = sum / double(n), var = std::max(0.0, sum2 / double(n) - m * m);
  mean = float(m);
  stdev = var > 1e-12 ? float(std::sqrt(var)) : 1.0f;
}

}  // namespace

NormStats compute_norm_stats(const Prepared& p, const std::vector<int>& train_stations, uint32_t set) {
  NormStats ns;
  for (int s : train_stations)
    if (s < 0 || size_t(s) >= p.stations.size())
      throw std::runtime_error("compute_norm_stats: station index " + std::to_string(s) + " out of range");
  // Sources: log1p(value) at each training station's pixel over all days, NaN skipped.
#pragma omp parallel for schedule(dynamic, 1)
  for (int k = 0; k < 5; ++k) {
    const SourceData& sd = p.sources[k];
    if (!sd.configured) continue;
    double sum = 0, sum2 = 0;
    long n = 0;
    for (size_t t = 0; t < p.days.size(); ++t) {
      if (!sd.available[t]) continue;  // assemble_input zeroes such days: they are no input
      for (int s : train_stations) {
        float v;
        sd.row(t, p.stations[size_t(s)].row, p.stations[size_t(s)].col, 1, &v);
        if (std::isnan(v)) continue;
        const double l = log1p_mm(v);
        sum += l, sum2 += l * l, ++n;
      }
    }
    finish(sum, sum2, n, ns.mean[k], ns.std[k]);
  }
  double sum = 0, sum2 = 0;
  long n = 0;
  for (int s : train_stations) {
    const Station& st = p.stations[size_t(s)];
    const double e = p.elevation[size_t(st.row * p.nx() + st.col)];
    if (std::isnan(e)) continue;
    sum += e, sum2 += e * e, ++n;
  }
  finish(sum, sum2, n, ns.elev_mean, ns.elev_std);

  // lon / lat of the stations' pixel centres.
  double so = 0, so2 = 0, sa = 0, sa2 = 0;
  for (int s : train_stations) {
    const Station& st = p.stations[size_t(s)];
    const double lo = p.grid.lon[size_t(st.col)], la = p.grid.lat[size_t(st.row)];
    so += lo, so2 += lo * lo, sa += la, sa2 += la * la;
  }
  finish(so, so2, long(train_stations.size()), ns.lon_mean, ns.lon_std);
  finish(sa, sa2, long(train_stations.size()), ns.lat_mean, ns.lat_std);

  // Gauge moments and the prior a + b * mean by least squares, over the
  // station-days the model trains on (every source of `set` available, gauge
  // valid), in mm/day (line_fit.h; without spread in the mean, the plain mean).
  NormStats plain = ns;
  plain.prior_a = 0, plain.prior_b = 1;
  double gn = 0, gs = 0, gs2 = 0, sx = 0, sxx = 0, sxy = 0, pn = 0, psy = 0;
  for (size_t t = 0; t < p.days.size(); ++t) {
    if (!set_available(p, set, int(t))) continue;
    for (int s : train_stations) {
      const double g = p.gauge(size_t(s), t);
      if (!std::isfinite(g)) continue;
      gn += 1, gs += g, gs2 += g * g;
      float m;
      prior_row(p, plain, set, int(t), p.stations[size_t(s)].row, p.stations[size_t(s)].col, 1, &m);
      if (!std::isfinite(m)) continue;
      pn += 1, psy += g, sx += m, sxx += double(m) * m, sxy += double(m) * g;
    }
  }
  finish(gs, gs2, long(gn), ns.gauge_mean, ns.gauge_std);
  double a, b;
  fit_line(pn, sx, psy, sxx, sxy, a, b);
  ns.prior_a = float(a), ns.prior_b = float(b);
  return ns;
}

void NormStats::save(const std::string& path) const {
  const std::string tmp = path + ".part";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) throw std::runtime_error(path + ": cannot write: " + std::strerror(errno));
  std::fprintf(f, "# rainfuse normalisation statistics: name mean std (hex floats; sources: log1p(mm/day), elevation: m)\n");
  for (int k = 0; k < 5; ++k) std::fprintf(f, "%s %a %a\n", kSourceNames[k], double(mean[k]), double(std[k]));
  std::fprintf(f, "elevation %a %a\n", double(elev_mean), double(elev_std));
  std::fprintf(f, "# qh-fuse: lon/lat (degrees) mean std, gauge (mm/day) mean std, prior a b (mm/day = a + b * source mean)\n");
  std::fprintf(f, "lon %a %a\nlat %a %a\n", double(lon_mean), double(lon_std), double(lat_mean), double(lat_std));
  std::fprintf(f, "gauge %a %a\nprior %a %a\n", double(gauge_mean), double(gauge_std), double(prior_a), double(prior_b));
  if (!prior_mlp.empty()) {
    std::fprintf(f, "# prior MLP (train/data/pixel_prior.h): count, then the numbers\nprior_mlp %zu", prior_mlp.params.size());
    for (float v : prior_mlp.params) std::fprintf(f, " %a", double(v));
    std::fprintf(f, "\n");
  }
  std::fprintf(f, "# output calibration: wet threshold (mm/day) and gain\ncalibration %a %a\n", double(wet_threshold),
               double(output_gain));
  if (std::fclose(f) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error(path + ": cannot write: " + std::strerror(errno));
}

NormStats NormStats::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open normalisation statistics");
  NormStats ns;
  bool seen[6] = {};
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string name, m, s;
    if (line.rfind("prior_mlp ", 0) == 0) {
      ls >> name;
      size_t count = 0;
      if (!(ls >> count) || count != PriorMlp::kSize)
        throw std::runtime_error(path + ":" + std::to_string(lineno) + ": prior_mlp needs " +
                                 std::to_string(PriorMlp::kSize) + " numbers");
      ns.prior_mlp.params.resize(count);
      for (float& v : ns.prior_mlp.params) {
        std::string word;
        char* end = nullptr;
        if (!(ls >> word) || (v = std::strtof(word.c_str(), &end), *end) || !std::isfinite(v))
          throw std::runtime_error(path + ":" + std::to_string(lineno) + ": bad prior_mlp number '" + word + "'");
      }
      for (int j = kPriorFeatures; j < 2 * kPriorFeatures; ++j)  // the features' std
        if (!(ns.prior_mlp.params[size_t(j)] > 0))
          throw std::runtime_error(path + ":" + std::to_string(lineno) + ": prior_mlp has a std <= 0");
      continue;
    }
    if (!(ls >> name >> m >> s))
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": expected 'name mean std'");
    char *em, *es;
    const float mv = std::strtof(m.c_str(), &em), sv = std::strtof(s.c_str(), &es);
    // "prior a b": b may be any finite number; "calibration tau k": tau >= 0, k > 0;
  // every other line is "mean std", std > 0.
    if (*em || *es || !std::isfinite(mv) || !(name == "prior" ? std::isfinite(sv) : sv > 0) ||
        (name == "calibration" && mv < 0))
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": bad numbers '" + m + " " + s + "'");
    auto pair = [&](float& a, float& b) { a = mv, b = sv; };
    if (name == "lon") { pair(ns.lon_mean, ns.lon_std); continue; }
    if (name == "lat") { pair(ns.lat_mean, ns.lat_std); continue; }
    if (name == "gauge") { pair(ns.gauge_mean, ns.gauge_std); continue; }
    if (name == "prior") { pair(ns.prior_a, ns.prior_b); continue; }
    if (name == "calibration") { pair(ns.wet_threshold, ns.output_gain); continue; }
    int k = name == "elevation" ? 5 : -1;
    for (int i = 0; i < 5; ++i)
      if (name == kSourceNames[i]) k = i;
    if (k < 0) throw std::runtime_error(path + ":" + std::to_string(lineno) + ": unknown name '" + name + "'");
    if (k == 5) ns.elev_mean = mv, ns.elev_std = sv;
    else ns.mean[k] = mv, ns.std[k] = sv;
    seen[k] = true;
  }
  for (int k = 0; k < 6; ++k)
    if (!seen[k])
      throw std::runtime_error(path + ": no line for '" + std::string(k == 5 ? "elevation" : kSourceNames[k]) + "'");
  return ns;
}

}  // namespace rf::pipe
