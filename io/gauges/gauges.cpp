#include "io/gauges/gauges.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "io/gauges/gauge_table.h"

namespace rf::io {
namespace {

using Table = GaugeTable;

bool qc_ok(const Table& t, size_t r, int c) {
  if (c < 0) return true;
  const double q = t.num(r, c);
  return q == 0 || q == 3 || q == 4;
}

int id_col(const Table& t) { return t.col({"station_id", "Station_Id_C", "Station_Id_d", "区站号", "id", "station"}, true); }

// Instant or date from either a text column (YYYY-MM-DD[ HH:MM] or compact
// YYYYMMDD[HH[MM]]) or Year/Mon/Day[/Hour] columns.
UnixSeconds row_time(const Table& t, size_t r, bool hourly) {
  const int c = hourly ? t.col({"time", "datetime", "Datetime", "时间"}, false) : t.col({"date", "Date", "日期"}, false);
  if (c >= 0) {
    const std::string& s = t.rows[r][size_t(c)];
    int y = 0, m = 0, d = 0, h = 0, mi = 0, n = std::sscanf(s.c_str(), "%d-%d-%d%*[ T]%d:%d", &y, &m, &d, &h, &mi);
    if (n < 3) {
      const bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
      n = digits && (s.size() == 8 || s.size() == 10 || s.size() == 12)
              ? std::sscanf(s.c_str(), "%4d%2d%2d%2d%2d", &y, &m, &d, &h, &mi)
              : 0;
    }
    if (n < 3) throw std::runtime_error(t.where(r) + ": cannot parse time '" + s + "'");
    if (hourly && n < 4) throw std::runtime_error(t.where(r) + ": time '" + s + "' lacks the hour");
    if (h < 0 || h > 24 || mi < 0 || mi > 59) throw std::runtime_error(t.where(r) + ": time '" + s + "' is not a valid hour");
    try {
      return day_start(day_from_ymd(y, m, d)) + h * 3600 + mi * 60;
    } catch (const std::exception&) {
      throw std::runtime_error(t.where(r) + ": time '" + s + "' is not a valid date");
    }
  }
  const int cy = t.col({"Year", "year", "年"}, true), cm = t.col({"Mon", "month", "月"}, true),
            cd = t.col({"Day", "day", "日"}, true);
  const int ch = hourly ? t.col({"Hour", "hour", "时"}, true) : -1;
  // A date cell as an int (no date field is near a million; beyond, the cast would overflow).
  auto field = [&](int c) {
    const double v = t.num(r, c);
    if (!(std::abs(v) <= 1e6)) throw std::invalid_argument("out of range");
    return int(v);
  };
  try {
    return day_start(day_from_ymd(field(cy), field(cm), field(cd))) + (ch >= 0 ? UnixSeconds(field(ch)) * 3600 : 0);
  } catch (const std::invalid_argument&) {
    throw std::runtime_error(t.where(r) + ": not a valid date");
  }
}

// Degrees from one coordinate as written under `f` (lat: limit 90, lon: 360).
double coordinate(double v, double limit, CoordinateFormat f) {
  switch (f) {
    case CoordinateFormat::Auto: return cma_degrees(v, limit);
    case CoordinateFormat::Decimal: return v;
    case CoordinateFormat::Ddmm: return cma_degrees(v, 0);
    case CoordinateFormat::DotMinutes: {
      const double a = std::abs(v), deg = std::floor(a), min = std::round((a - deg) * 1e4) / 100;  // 36.37 -> 37'
      if (min >= 60) throw std::invalid_argument("coordinate " + std::to_string(v) + " is not degrees.minutes (minutes >= 60)");
      return std::copysign(deg + min / 60.0, v);
    }
  }
  return v;
}

// True when a decimal value has at most two decimals and those read as minutes (< 60).
bool looks_like_dot_minutes(double v) {
  const double a = std::abs(v) * 100;
  return std::abs(a - std::round(a)) < 1e-6 && std::fmod(std::round(a), 100) < 60;
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

CoordinateFormat parse_coordinate_format(const std::string& s) {
  if (s == "auto") return CoordinateFormat::Auto;
  if (s == "decimal") return CoordinateFormat::Decimal;
  if (s == "ddmm") return CoordinateFormat::Ddmm;
  if (s == "dd.mm") return CoordinateFormat::DotMinutes;
  throw std::invalid_argument("unknown coordinate format '" + s + "' (auto|decimal|ddmm|dd.mm)");
}

static std::vector<GaugeStation> parse_gauge_stations(const Table& t, CoordinateFormat coords, std::string* warning) {
  const int ci = id_col(t), cn = t.col({"name", "站名", "Station_Name"}, false);
  const int cla = t.col({"lat", "Lat", "latitude", "纬度"}, true), clo = t.col({"lon", "Lon", "longitude", "经度"}, true);
  const int ce = t.col({"elevation_m", "Alti", "elevation", "观测场海拔高度", "elevation_0.1m"}, false);
  const double e_scale = t.cma_daily_txt ? 0.1 : 1.0;  // the TXT's elevation is in 0.1 m
  std::vector<GaugeStation> out;
  std::set<std::string> seen;
  size_t dot_like = 0, decimal = 0;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    GaugeStation s;
    s.id = t.rows[r][size_t(ci)];
    if (!seen.insert(s.id).second) {
      if (t.cma_daily_txt) continue;  // a station-day file names each station once per day
      throw std::runtime_error(t.where(r) + ": station '" + s.id + "' listed twice");
    }
    if (cn >= 0) s.name = t.rows[r][size_t(cn)];
    const double la = t.num(r, cla), lo = t.num(r, clo);
    try {
      s.lat = coordinate(la, 90, coords);
      s.lon = coordinate(lo, 360, coords);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(t.where(r) + ": " + e.what());
    }
    if (coords != CoordinateFormat::DotMinutes && std::abs(la) <= 90 && std::abs(lo) <= 360) {
      ++decimal;
      dot_like += looks_like_dot_minutes(la) && looks_like_dot_minutes(lo);
    }
    if (ce >= 0) {
      double e = t.num(r, ce);
      if (e >= 100000) e -= 100000;  // CMA flag: estimated elevation
      s.elevation_m = e * e_scale;
    }
    if (s.lat < -90 || s.lat > 90) throw std::runtime_error(t.where(r) + ": latitude out of range");
    out.push_back(s);
  }
  // Decimal degrees have two-decimal fractions below .60 for both coordinates
  // with probability 0.36 per station: five or more such stations in a row and
  // none other is most likely DD.MM written as a decimal.
  if (warning && decimal >= 5 && dot_like == decimal)
    *warning = t.path + ": every coordinate has two decimals below .60: if they are degrees.minutes (36.37 = 36 deg 37'), "
               "declare gauges.coordinates = \"dd.mm\"";
  return out;
}

std::vector<GaugeStation> read_gauge_stations(const std::string& path, CoordinateFormat coords, std::string* warning) {
  return parse_gauge_stations(load_gauge_table(path), coords, warning);
}

std::vector<GaugeStation> builtin_qinghai_stations() {
  std::istringstream in(builtin_qinghai_stations_csv());
  return parse_gauge_stations(load_gauge_table(in, "built-in station list"), CoordinateFormat::Auto, nullptr);
}

namespace {
GaugeDaily empty_daily(DayNumber first, DayNumber last) {
  if (last < first) throw std::invalid_argument("gauges: end date before start date");
  GaugeDaily g;
  for (DayNumber d = first; d <= last; ++d) g.days.push_back(d);
  return g;
}
// False (and counted in g.skipped) when opt restricts the stations and `id` is not one of them.
bool wanted(GaugeDaily& g, const GaugeOptions& opt, const std::string& id) {
  if (opt.stations.empty() || opt.stations.count(id)) return true;
  const auto it = std::lower_bound(g.skipped.begin(), g.skipped.end(), id);
  if (it == g.skipped.end() || *it != id) g.skipped.insert(it, id);
  ++g.skipped_rows;
  return false;
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
    const Table t = load_gauge_table(p, GaugeFileFormat::Header);
    const int ci = id_col(t), cv = t.col({"PRE_1h", "pre_1h", "小时降水量"}, true), cq = t.col({"Q_PRE_1h", "QC"}, false);
    for (size_t r = 0; r < t.rows.size(); ++r) {
      const UnixSeconds end = row_time(t, r, true) - UnixSeconds(opt.utc_offset_hours) * 3600;
      const int64_t k = (end - 3600 - w0) / 3600;  // hour (end-1h, end] starts at end-1h
      if (end - 3600 < w0 || k >= int64_t(g.days.size()) * 24) continue;
      if (!wanted(g, opt, t.rows[r][size_t(ci)])) continue;
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
    const Table t = load_gauge_table(p, opt.format);
    const double scale = t.cma_daily_txt ? 0.1 : opt.scale;  // the TXT is in 0.1 mm by definition
    const int ci = id_col(t);
    const int c2020 = t.col({"PRE_20_20", "PRE_Time_2020", "20-20时累计降水量"}, false);
    const int c2008 = t.col({"PRE_20_08", "PRE_Time_2008", "20-8时降水量"}, false);
    const int c0820 = t.col({"PRE_08_20", "PRE_Time_0820", "8-20时降水量"}, false);
    // QC per value where the file has it, else one QC column for the row.
    const int cq = t.col({"QC", "Q_PRE_Time_2020", "QC_20_20"}, false);
    auto qc_of = [&](std::initializer_list<const char*> names) {
      const int q = t.col(names, false);
      return q >= 0 ? q : cq;
    };
    const int q2020 = qc_of({"Q_PRE_20_20"}), q2008 = qc_of({"Q_PRE_20_08", "Q_PRE_Time_2008"}),
              q0820 = qc_of({"Q_PRE_08_20", "Q_PRE_Time_0820"});
    if (opt.convention == DayConvention::CMA && c2020 < 0 && (c2008 < 0 || c0820 < 0))
      throw std::runtime_error(p + ": column 'PRE_20_20' (or PRE_20_08 + PRE_08_20) not found in the header");
    if (opt.convention == DayConvention::UTC && (c2008 < 0 || c0820 < 0))
      throw std::runtime_error(p + ": a UTC day needs columns 'PRE_20_08' and 'PRE_08_20'");
    for (size_t r = 0; r < t.rows.size(); ++r) {
      const int64_t k = int64_t(row_time(t, r, false) / 86400) - (first - 1);
      if (k < 0 || k >= int64_t(nd) + 2) continue;
      const std::string& id = t.rows[r][size_t(ci)];
      if (!wanted(g, opt, id)) continue;
      for (auto* m : {&p2008, &p0820, &p2020}) (*m).try_emplace(id, std::vector<float>(nd + 2, NAN));
      tr.try_emplace(id, std::vector<uint8_t>(nd + 2, 0));
      bool trace = false, any = false;
      auto put = [&](int c, int q, std::map<std::string, std::vector<float>>& m) {
        if (c < 0) return;
        m[id][size_t(k)] = qc_ok(t, r, q) ? decode_cma_precip(t.num(r, c), scale, trace) : NAN;
        any |= trace;
      };
      put(c2020, q2020, p2020);
      put(c2008, q2008, p2008);
      put(c0820, q0820, p0820);
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

std::pair<DayNumber, DayNumber> gauge_daily_span(const std::vector<std::string>& paths, GaugeFileFormat format) {
  DayNumber lo = 0, hi = 0;
  bool any = false;
  for (const auto& p : paths) {
    const Table t = load_gauge_table(p, format);
    for (size_t r = 0; r < t.rows.size(); ++r) {
      const DayNumber d = DayNumber(row_time(t, r, false) / 86400);
      lo = any ? std::min(lo, d) : d, hi = any ? std::max(hi, d) : d, any = true;
    }
  }
  if (!any) throw std::runtime_error((paths.empty() ? std::string("gauges") : paths[0]) + ": no gauge rows");
  return {lo, hi};
}

}  // namespace rf::io
