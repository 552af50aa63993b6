#include "io/gauges/gauges.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace rf::io {
namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    else if (!quoted && (sep == ' ' ? (c == ' ' || c == '\t') : c == sep)) {
      if (sep != ' ' || !cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != '\r') cur += c;
  }
  if (sep != ' ' || !cur.empty()) out.push_back(cur);
  for (auto& s : out) {
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    while (!s.empty() && s.back() == ' ') s.pop_back();
  }
  return out;
}

// A CSV with a header row; columns found by any of several names.
struct Table {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<size_t> line_no;
  int col(std::initializer_list<const char*> names, bool required) const {
    for (const char* n : names)
      for (size_t k = 0; k < header.size(); ++k) {
        std::string h = header[k];
        if (h.size() >= 3 && (unsigned char)h[0] == 0xEF) h = h.substr(3);  // UTF-8 BOM
        if (h == n) return int(k);
      }
    if (required) throw std::runtime_error(path + ": column '" + *names.begin() + "' not found in the header");
    return -1;
  }
  double num(size_t r, int c) const {
    const std::string& s = rows[r].at(size_t(c));
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end) throw std::runtime_error(path + ":" + std::to_string(line_no[r]) + ": column '" + header[size_t(c)] + "': not a number '" + s + "'");
    return v;
  }
};

// `path` names the source in messages (a file, or "built-in station list").
Table load_stream(std::istream& f, const std::string& path) {
  Table t;
  t.path = path;
  std::string line;
  size_t n = 0;
  char sep = ',';
  while (std::getline(f, line)) {
    ++n;
    if (line.empty() || line == "\r") continue;
    if (t.header.empty()) {
      sep = line.find(',') != std::string::npos ? ',' : ' ';
      t.header = split(line, sep);
      continue;
    }
    auto r = split(line, sep);
    if (r.size() != t.header.size())
      throw std::runtime_error(path + ":" + std::to_string(n) + ": " + std::to_string(r.size()) + " fields, header has " + std::to_string(t.header.size()));
    t.rows.push_back(std::move(r));
    t.line_no.push_back(n);
  }
  if (t.header.empty()) throw std::runtime_error(path + ": empty file");
  return t;
}

Table load(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open");
  return load_stream(f, path);
}

bool qc_ok(const Table& t, size_t r, int c) {
  if (c < 0) return true;
  const double q = t.num(r, c);
  return q == 0 || q == 3 || q == 4;
}

int id_col(const Table& t) { return t.col({"station_id", "Station_Id_C", "Station_Id_d", "区站号", "id", "station"}, true); }

// Instant or date from either a text column or Year/Mon/Day[/Hour] columns.
UnixSeconds row_time(const Table& t, size_t r, bool hourly) {
  const int c = hourly ? t.col({"time", "datetime", "Datetime", "时间"}, false) : t.col({"date", "Date", "日期"}, false);
  if (c >= 0) {
    const std::string& s = t.rows[r][size_t(c)];
    int y, m, d, h = 0, mi = 0;
    if (std::sscanf(s.c_str(), "%d-%d-%d%*[ T]%d:%d", &y, &m, &d, &h, &mi) >= 3 ||
        std::sscanf(s.c_str(), "%4d%2d%2d%2d%2d", &y, &m, &d, &h, &mi) >= 3) {
      if (hourly && s.size() < 11) throw std::runtime_error(t.path + ":" + std::to_string(t.line_no[r]) + ": time '" + s + "' lacks the hour");
      return day_start(day_from_ymd(y, m, d)) + h * 3600 + mi * 60;
    }
    throw std::runtime_error(t.path + ":" + std::to_string(t.line_no[r]) + ": cannot parse time '" + s + "'");
  }
  const int cy = t.col({"Year", "year", "年"}, true), cm = t.col({"Mon", "month", "月"}, true),
            cd = t.col({"Day", "day", "日"}, true);
  const int ch = hourly ? t.col({"Hour", "hour", "时"}, true) : -1;
  return day_start(day_from_ymd(int(t.num(r, cy)), int(t.num(r, cm)), int(t.num(r, cd)))) +
         (ch >= 0 ? UnixSeconds(t.num(r, ch)) * 3600 : 0);
}

}  // namespace

double cma_degrees(double v, double limit) {
  if (std::abs(v) <= limit) return v;
  const double a = std::abs(v), deg = std::floor(a / 100), min = a - deg * 100;
  if (min >= 60) throw std::invalid_argument("coordinate " + std::to_string(v) + " is neither decimal nor DDMM");
  return std::copysign(deg + min / 60.0, v);
}

float decode_cma_precip(double v, double scale, bool& trace) {
  trace = false;
  if (std::isnan(v) || v == 32766 || v == 32744 || v == 999999 || v == 999998) return NAN;
  if (v == 32700 || v == 999990) {
    trace = true;
    return 0.f;
  }
  if (v >= 30000 && v < 33000) return float((v - 1000 * std::floor(v / 1000)) * 0.1);  // weather-coded, 0.1 mm
  if (v < 0 || v >= 33000) return NAN;
  return float(v * scale);
}

size_t GaugeDaily::station(const std::string& id) const { return size_t(std::find(ids.begin(), ids.end(), id) - ids.begin()); }

static std::vector<GaugeStation> parse_gauge_stations(const Table& t) {
  const std::string& path = t.path;
  const int ci = id_col(t), cn = t.col({"name", "站名", "Station_Name"}, false);
  const int cla = t.col({"lat", "Lat", "latitude", "纬度"}, true), clo = t.col({"lon", "Lon", "longitude", "经度"}, true);
  const int ce = t.col({"elevation_m", "Alti", "elevation", "观测场海拔高度"}, false);
  std::vector<GaugeStation> out;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    GaugeStation s;
    s.id = t.rows[r][size_t(ci)];
    if (cn >= 0) s.name = t.rows[r][size_t(cn)];
    try {
      s.lat = cma_degrees(t.num(r, cla), 90);
      s.lon = cma_degrees(t.num(r, clo), 360);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(path + ":" + std::to_string(t.line_no[r]) + ": " + e.what());
    }
    if (ce >= 0) {
      double e = t.num(r, ce);
      if (e >= 100000) e -= 100000;  // CMA flag: estimated elevation
      s.elevation_m = e;
    }
    if (s.lat < -90 || s.lat > 90) throw std::runtime_error(path + ":" + std::to_string(t.line_no[r]) + ": latitude out of range");
    out.push_back(s);
  }
  return out;
}

std::vector<GaugeStation> read_gauge_stations(const std::string& path) { return parse_gauge_stations(load(path)); }

std::vector<GaugeStation> builtin_qinghai_stations() {
  std::istringstream in(builtin_qinghai_stations_csv());
  return parse_gauge_stations(load_stream(in, "built-in station list"));
}

namespace {
GaugeDaily empty_daily(DayNumber first, DayNumber last) {
  if (last < first) throw std::invalid_argument("gauges: end date before start date");
  GaugeDaily g;
  for (DayNumber d = first; d <= last; ++d) g.days.push_back(d);
  return g;
}
size_t add_station(GaugeDaily& g, const std::string& id, float init) {
  const size_t s = g.station(id);
  if (s < g.ids.size()) return s;
  g.ids.push_back(id);
  g.mm.resize(g.ids.size() * g.days.size(), init);
  g.trace.resize(g.mm.size(), 0);
  g.valid_hours.resize(g.mm.size(), 0);
  return g.ids.size() - 1;
}
}  // namespace

GaugeDaily read_gauges_hourly(const std::vector<std::string>& paths, DayNumber first, DayNumber last, const GaugeOptions& opt) {
  GaugeDaily g = empty_daily(first, last);
  const UnixSeconds w0 = day_start(first) - (opt.convention == DayConvention::CMA ? 43200 : 0);
  std::vector<std::vector<uint8_t>> seen;  // [station][day*24 + hour]
  for (const auto& p : paths) {
    const Table t = load(p);
    const int ci = id_col(t), cv = t.col({"PRE_1h", "pre_1h", "小时降水量"}, true), cq = t.col({"Q_PRE_1h", "QC"}, false);
    for (size_t r = 0; r < t.rows.size(); ++r) {
      const UnixSeconds end = row_time(t, r, true) - UnixSeconds(opt.utc_offset_hours) * 3600;
      const int64_t k = (end - 3600 - w0) / 3600;  // hour (end-1h, end] starts at end-1h
      if (end - 3600 < w0 || k >= int64_t(g.days.size()) * 24) continue;
      const size_t s = add_station(g, t.rows[r][size_t(ci)], 0.f);
      if (seen.size() < g.ids.size()) seen.resize(g.ids.size(), std::vector<uint8_t>(g.days.size() * 24, 0));
      if (seen[s][size_t(k)]) throw std::runtime_error(p + ":" + std::to_string(t.line_no[r]) + ": duplicate hour for station " + g.ids[s]);
      seen[s][size_t(k)] = 1;
      bool trace;
      const float v = qc_ok(t, r, cq) ? decode_cma_precip(t.num(r, cv), opt.scale, trace) : NAN;
      if (std::isnan(v)) continue;
      const size_t i = s * g.days.size() + size_t(k / 24);
      g.mm[i] += v;
      g.trace[i] |= trace;
      ++g.valid_hours[i];
    }
  }
  for (size_t i = 0; i < g.mm.size(); ++i) {
    const int missing = 24 - g.valid_hours[i];
    g.mm[i] = g.valid_hours[i] == 0 || missing > opt.max_missing_hours ? NAN : g.mm[i] * 24.f / float(g.valid_hours[i]);
  }
  return g;
}

GaugeDaily read_gauges_daily(const std::vector<std::string>& paths, DayNumber first, DayNumber last, const GaugeOptions& opt) {
  GaugeDaily g = empty_daily(first, last);
  const size_t nd = g.days.size();
  // Half days per station and date: [station][(day - first + 1)] for dates first-1 .. last+1.
  std::map<std::string, std::vector<float>> p2008, p0820, p2020;
  std::map<std::string, std::vector<uint8_t>> tr;
  for (const auto& p : paths) {
    const Table t = load(p);
    const int ci = id_col(t);
    const int c2020 = t.col({"PRE_20_20", "PRE_Time_2020", "20-20时累计降水量"}, false);
    const int c2008 = t.col({"PRE_20_08", "PRE_Time_2008", "20-8时降水量"}, false);
    const int c0820 = t.col({"PRE_08_20", "PRE_Time_0820", "8-20时降水量"}, false);
    const int cq = t.col({"QC", "Q_PRE_Time_2020", "QC_20_20"}, false);
    if (opt.convention == DayConvention::CMA && c2020 < 0 && (c2008 < 0 || c0820 < 0))
      throw std::runtime_error(p + ": column 'PRE_20_20' (or PRE_20_08 + PRE_08_20) not found in the header");
    if (opt.convention == DayConvention::UTC && (c2008 < 0 || c0820 < 0))
      throw std::runtime_error(p + ": a UTC day needs columns 'PRE_20_08' and 'PRE_08_20'");
    for (size_t r = 0; r < t.rows.size(); ++r) {
      const int64_t k = int64_t(row_time(t, r, false) / 86400) - (first - 1);
      if (k < 0 || k >= int64_t(nd) + 2) continue;
      const std::string& id = t.rows[r][size_t(ci)];
      for (auto* m : {&p2008, &p0820, &p2020}) (*m).try_emplace(id, std::vector<float>(nd + 2, NAN));
      tr.try_emplace(id, std::vector<uint8_t>(nd + 2, 0));
      const bool ok = qc_ok(t, r, cq);
      bool trace = false, any = false;
      auto put = [&](int c, std::map<std::string, std::vector<float>>& m) {
        if (c < 0) return;
        m[id][size_t(k)] = ok ? decode_cma_precip(t.num(r, c), opt.scale, trace) : NAN;
        any |= trace;
      };
      put(c2020, p2020);
      put(c2008, p2008);
      put(c0820, p0820);
      tr[id][size_t(k)] = any;
    }
  }
  for (const auto& [id, v20] : p2020) {
    const size_t s = add_station(g, id, NAN);
    for (size_t t = 0; t < nd; ++t) {
      const size_t k = t + 1;
      float v;
      if (opt.convention == DayConvention::CMA) v = !std::isnan(v20[k]) ? v20[k] : p2008.at(id)[k] + p0820.at(id)[k];
      else v = p0820.at(id)[k] + p2008.at(id)[k + 1];
      g.mm[s * nd + t] = v;
      g.trace[s * nd + t] = tr.at(id)[k] || (opt.convention == DayConvention::UTC && tr.at(id)[k + 1]);
    }
  }
  return g;
}

}  // namespace rf::io
