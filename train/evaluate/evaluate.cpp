#include "train/evaluate/evaluate.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rf::eval {
namespace {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r' && c != '"') {
      cur += c;
    }
  }
  out.push_back(cur);
  for (auto& s : out) {
    while (!s.empty() && (s.front() == ' ')) s.erase(s.begin());
    while (!s.empty() && (s.back() == ' ')) s.pop_back();
  }
  return out;
}

std::string fmt(double v) {
  if (!std::isfinite(v)) return "NaN";
  char b[32];
  std::snprintf(b, sizeof b, "%.4f", v);
  return b;
}

std::string thr_name(double t) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", t);
  return b;
}

}  // namespace

const char* season_of(io::DayNumber day) {
  int y, m, d;
  io::ymd_from_day(day, y, m, d);
  if (m == 12 || m <= 2) return "DJF";
  if (m <= 5) return "MAM";
  if (m <= 8) return "JJA";
  return "SON";
}

std::vector<ScoreRow> evaluate(const PointValues& gauges, const std::vector<MethodSeries>& methods,
                               const EvalOptions& opt) {
  // scope key -> accumulator, per method
  std::vector<std::map<std::string, ScoreAccumulator>> acc(methods.size());
  for (const auto& [key, obs] : gauges) {
    if (!std::isfinite(obs)) continue;
    std::vector<double> vals(methods.size(), NAN);
    bool all_valid = true;
    for (size_t m = 0; m < methods.size(); ++m) {
      auto it = methods[m].values.find(key);
      if (it != methods[m].values.end()) vals[m] = it->second;
      all_valid = all_valid && std::isfinite(vals[m]);
    }
    if (opt.common_pairs && !all_valid) continue;
    const std::string scopes[3] = {"pooled", "station:" + key.first, std::string("season:") + season_of(key.second)};
    for (size_t m = 0; m < methods.size(); ++m) {
      if (!std::isfinite(vals[m])) continue;
      for (const auto& sc : scopes) acc[m].try_emplace(sc, opt.thresholds).first->second.add(vals[m], obs);
    }
  }
  std::vector<ScoreRow> rows;
  for (size_t m = 0; m < methods.size(); ++m) {
    // pooled first, then seasons in calendar order, then stations
    auto emit = [&](const std::string& scope) {
      auto it = acc[m].find(scope);
      ScoreAccumulator empty(opt.thresholds);
      rows.push_back({methods[m].name, scope, (it == acc[m].end() ? empty : it->second).scores()});
    };
    emit("pooled");
    for (const char* s : {"DJF", "MAM", "JJA", "SON"}) emit(std::string("season:") + s);
    for (const auto& [scope, a] : acc[m])
      if (scope.rfind("station:", 0) == 0) rows.push_back({methods[m].name, scope, a.scores()});
  }
  return rows;
}

PointValues read_point_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(path + ": empty file");
  auto header = split_csv(line);
  int ci = -1, cd = -1, cv = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "station_id") ci = int(i);
    if (header[i] == "date") cd = int(i);
    if (header[i] == "value") cv = int(i);
  }
  if (ci < 0 || cd < 0 || cv < 0) throw std::runtime_error(path + ": header must name station_id,date,value");
  PointValues out;
  long lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    auto f = split_csv(line);
    const size_t need = size_t(std::max({ci, cd, cv})) + 1;
    if (f.size() < need) throw std::runtime_error(path + ":" + std::to_string(lineno) + ": too few columns");
    io::DayNumber day;
    try {
      day = io::parse_date(f[cd]);
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": " + e.what());
    }
    double v = NAN;
    const std::string& s = f[cv];
    if (!s.empty() && s != "NaN" && s != "nan" && s != "NA") {
      char* end = nullptr;
      v = std::strtod(s.c_str(), &end);
      if (end == s.c_str() || *end != '\0')
        throw std::runtime_error(path + ":" + std::to_string(lineno) + ": value '" + s + "' is not a number");
      if (v < 0) throw std::runtime_error(path + ":" + std::to_string(lineno) + ": negative precipitation " + s);
    }
    if (!out.emplace(std::make_pair(f[ci], day), v).second)
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": duplicate row for station " + f[ci] + " " +
                               f[cd]);
  }
  return out;
}

void write_metrics_csv(const std::string& path, const std::vector<ScoreRow>& rows, const std::vector<double>& thr) {
  std::ostringstream o;
  o << "method,scope,n,rb_pct,mae,rmse,cc,kge";
  for (double t : thr) o << ",pod_" << thr_name(t) << ",far_" << thr_name(t) << ",csi_" << thr_name(t);
  o << "\n";
  for (const auto& r : rows) {
    o << r.method << ',' << r.scope << ',' << r.s.n << ',' << fmt(r.s.rb_pct) << ',' << fmt(r.s.mae) << ','
      << fmt(r.s.rmse) << ',' << fmt(r.s.cc) << ',' << fmt(r.s.kge);
    for (const auto& c : r.s.cat) o << ',' << fmt(c.pod()) << ',' << fmt(c.far()) << ',' << fmt(c.csi());
    o << "\n";
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    if (!(f << o.str())) throw std::runtime_error(path + ": cannot write");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error(path + ": cannot rename temporary file");
}

void write_metrics_markdown(const std::string& path, const std::vector<ScoreRow>& rows,
                            const std::vector<double>& thr) {
  std::ostringstream o;
  o << "| method | scope | n | RB % | MAE | RMSE | CC | KGE";
  for (double t : thr) o << " | POD " << thr_name(t) << " | FAR " << thr_name(t) << " | CSI " << thr_name(t);
  o << " |\n|---|---|---:|---:|---:|---:|---:|---:";
  for (size_t i = 0; i < thr.size(); ++i) o << "|---:|---:|---:";
  o << "|\n";
  for (const auto& r : rows) {
    if (r.scope.rfind("station:", 0) == 0) continue;  // per-station rows stay in the CSV
    o << "| " << r.method << " | " << r.scope << " | " << r.s.n << " | " << fmt(r.s.rb_pct) << " | " << fmt(r.s.mae)
      << " | " << fmt(r.s.rmse) << " | " << fmt(r.s.cc) << " | " << fmt(r.s.kge);
    for (const auto& c : r.s.cat) o << " | " << fmt(c.pod()) << " | " << fmt(c.far()) << " | " << fmt(c.csi());
    o << " |\n";
  }
  std::ofstream f(path);
  if (!(f << o.str())) throw std::runtime_error(path + ": cannot write");
}

}  // namespace rf::eval
