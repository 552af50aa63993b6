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

NormStats compute_norm_stats(const Prepared& p, const std::vector<int>& train_stations) {
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
  return ns;
}

void NormStats::save(const std::string& path) const {
  const std::string tmp = path + ".part";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) throw std::runtime_error(path + ": cannot write: " + std::strerror(errno));
  std::fprintf(f, "# rainfuse normalisation statistics: name mean std (hex floats; sources: log1p(mm/day), elevation: m)\n");
  for (int k = 0; k < 5; ++k) std::fprintf(f, "%s %a %a\n", kSourceNames[k], double(mean[k]), double(std[k]));
  std::fprintf(f, "elevation %a %a\n", double(elev_mean), double(elev_std));
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
    if (!(ls >> name >> m >> s))
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": expected 'name mean std'");
    char *em, *es;
    const float mv = std::strtof(m.c_str(), &em), sv = std::strtof(s.c_str(), &es);
    if (*em || *es || !std::isfinite(mv) || !(sv > 0))
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": bad numbers '" + m + " " + s + "'");
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
