// Gauges of prepare(): daily totals per station (io/gauges readers, cached as
// cache/gauges.csv = station_id,date,value with valid values only) and the
// stations on the working grid.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "io/gauges/gauges.h"
#include "train/common/log.h"
#include "train/prepare/prepare_steps.h"

namespace rf::pipe::prep {
namespace {

using Series = std::map<std::string, std::vector<float>>;  // id -> [day - first] mm, NaN missing

io::GaugeDaily read_gauge_files(const RunConfig& cfg, const std::vector<std::string>& files, const std::set<std::string>& known,
                                io::DayNumber first, io::DayNumber last) {
  io::GaugeOptions opt;
  opt.convention = cfg.day == "utc" ? io::DayConvention::UTC : io::DayConvention::CMA;
  opt.scale = cfg.gauge_scale;
  opt.utc_offset_hours = cfg.gauge_utc_offset_hours;
  opt.stations = known;
  if (cfg.gauge_format == "hourly") return io::read_gauges_hourly(files, first, last, opt);
  opt.format = cfg.gauge_format == "cma-daily-txt" ? io::GaugeFileFormat::CmaDailyTxt : io::GaugeFileFormat::Auto;
  if (cfg.gauge_format == "daily" || cfg.gauge_format == "cma-daily-txt") return io::read_gauges_daily(files, first, last, opt);
  throw std::runtime_error("gauges.format: '" + cfg.gauge_format + "' is not daily, hourly or cma-daily-txt");
}

// Builds gauges.csv for [first, last] from the stations in the metadata; the
// others (a national file holds ~700) are skipped and counted in the log.
void build_gauges_csv(const RunConfig& cfg, const std::vector<std::string>& files, const std::set<std::string>& known,
                      io::DayNumber first, io::DayNumber last, const std::string& path) {
  const io::GaugeDaily g = read_gauge_files(cfg, files, known, first, last);
  if (!g.skipped.empty()) {
    std::string ids;
    for (size_t i = 0; i < g.skipped.size() && i < 10; ++i) ids += " " + g.skipped[i];
    log("prepare: gauges: %zu station(s) (%zu rows) not in the station metadata (%s), skipped:%s%s", g.skipped.size(),
        g.skipped_rows, cfg.stations.empty() ? "built-in Qinghai list" : cfg.stations.c_str(), ids.c_str(),
        g.skipped.size() > 10 ? " ..." : "");
  }
  std::string text = "station_id,date,value\n";
  const size_t nt = g.days.size();
  char line[96];
  for (size_t s = 0; s < g.ids.size(); ++s)
    for (size_t t = 0; t < nt; ++t) {
      const float v = g.mm[s * nt + t];
      if (std::isnan(v)) continue;
      std::snprintf(line, sizeof line, ",%s,%.9g\n", io::format_date(g.days[t]).c_str(), v);
      text += g.ids[s] + line;
    }
  write_text_file(path, text);
}

Series load_gauges_csv(const std::string& path, io::DayNumber first, io::DayNumber last) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  Series out;
  std::string line;
  std::getline(in, line);
  if (line != "station_id,date,value") throw std::runtime_error(path + ": header is not station_id,date,value");
  const size_t nt = size_t(last - first + 1);
  for (int lineno = 2; std::getline(in, line); ++lineno) {
    const size_t a = line.find(','), b = line.find(',', a + 1);
    if (a == std::string::npos || b == std::string::npos)
      throw std::runtime_error(path + ":" + std::to_string(lineno) + ": expected station_id,date,value");
    const io::DayNumber d = io::parse_date(line.substr(a + 1, b - a - 1));
    if (d < first || d > last) continue;
    auto& v = out[line.substr(0, a)];
    if (v.empty()) v.assign(nt, NAN);
    v[size_t(d - first)] = std::strtof(line.c_str() + b + 1, nullptr);
  }
  return out;
}

}  // namespace

void prepare_gauges(const RunConfig& cfg, Manifest& manifest, Prepared& p) {
  const io::DayNumber first = p.days.front(), last = p.days.back();
  p.stations.clear();
  p.gauge_mm.clear();
  if (cfg.gauge_files.empty()) {
    log("prepare: no gauge files configured: no stations");
    return;
  }
  const std::vector<std::string> files = match_files(cfg.gauge_files);
  if (files.empty()) {
    std::string pats;
    for (const auto& s : cfg.gauge_files) pats += (pats.empty() ? "" : ", ") + s;
    throw std::runtime_error("gauges.files: no file matches (" + pats + ")");
  }
  std::string coord_warning;
  const std::vector<io::GaugeStation> meta =
      cfg.stations.empty() ? io::builtin_qinghai_stations()
                           : io::read_gauge_stations(cfg.stations, io::parse_coordinate_format(cfg.gauge_coordinates), &coord_warning);
  if (!coord_warning.empty()) log("prepare: warning: %s", coord_warning.c_str());
  std::set<std::string> known;
  for (const auto& m : meta) known.insert(m.id);

  char settings[256];
  std::snprintf(settings, sizeof settings, "gauges format %s scale %.17g day %s utc_offset %d\nstations %s coordinates %s\n",
                cfg.gauge_format.c_str(), cfg.gauge_scale, cfg.day.c_str(), cfg.gauge_utc_offset_hours,
                cfg.stations.empty() ? "built-in" : "file", cfg.gauge_coordinates.c_str());
  const std::string key = settings + (cfg.stations.empty() ? std::string() : stamp_files({cfg.stations})) +
                          stamp_files(files);
  const std::string path = cfg.path("cache/gauges.csv");
  io::DayNumber bf, bl;
  if (!cache_serves(manifest.block("gauges.csv"), key, first, last, bf, bl) ||
      !cache_file_intact(manifest.block("gauges.csv"), path)) {
    build_gauges_csv(cfg, files, known, bf, bl, path);
    manifest.set("gauges.csv", cache_block(key, bf, bl) + content_line(path));
    ++manifest.rebuilt;
  }
  const Series series = load_gauges_csv(path, first, last);
  for (const auto& [id, v] : series)
    if (!known.count(id)) throw std::runtime_error(path + ": station '" + id + "' is not in the station metadata");

  std::string outside;
  int n_outside = 0;
  for (const auto& m : meta) {
    const auto it = series.find(m.id);
    if (it == series.end()) continue;  // no valid day in the period
    const int64_t row = cell_of(p.grid.lat, m.lat), col = cell_of(p.grid.lon, m.lon);
    if (row < 0 || col < 0) {
      outside += (outside.empty() ? "" : " ") + m.id;
      ++n_outside;
      continue;
    }
    Station st;
    st.id = m.id, st.name = m.name, st.lon = m.lon, st.lat = m.lat, st.elevation_m = m.elevation_m;
    st.row = row, st.col = col;
    p.stations.push_back(st);
    p.gauge_mm.insert(p.gauge_mm.end(), it->second.begin(), it->second.end());
  }
  if (n_outside) log("prepare: %d station(s) outside the working grid, dropped: %s", n_outside, outside.c_str());
}

}  // namespace rf::pipe::prep
