#include "io/synth/gauges.h"

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "io/synth/landscape.h"
#include "io/synth/paths.h"
#include "io/synth/rng.h"
#include "io/gauges/gauges.h"

namespace rf::io::synth {

namespace {
std::vector<std::string> split_csv(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> f;
  std::stringstream ss(line);
  std::string x;
  while (std::getline(ss, x, ',')) f.push_back(x);
  return f;
}
constexpr int kTrace = 32700, kMissing = 32766;
}  // namespace

std::vector<Station> parse_stations(const std::string& text, const std::string& where) {
  std::stringstream in(text);
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(where + ": empty station file");
  const auto head = split_csv(line);
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < head.size(); ++i) col[head[i]] = i;
  for (const char* need : {"station_id", "lat", "lon", "elevation_m"})
    if (!col.count(need)) throw std::runtime_error(where + ": station file lacks column '" + need + "'");
  auto get = [&](const std::vector<std::string>& f, const char* name) -> std::string {
    auto it = col.find(name);
    return it == col.end() || it->second >= f.size() ? std::string() : f[it->second];
  };
  std::vector<Station> out;
  int lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    const auto f = split_csv(line);
    if (f.empty() || (f.size() == 1 && f[0].empty())) continue;
    Station s;
    s.id = get(f, "station_id");
    s.name = get(f, "name");
    s.name_zh = get(f, "name_zh");
    s.cls = get(f, "class");
    try {
      s.lat = std::stod(get(f, "lat"));
      s.lon = std::stod(get(f, "lon"));
      s.elevation_m = std::stod(get(f, "elevation_m"));
    } catch (const std::exception&) {
      throw std::runtime_error(where + ": line " + std::to_string(lineno) + ": bad lat/lon/elevation");
    }
    out.push_back(s);
  }
  return out;
}

std::vector<Station> load_stations(const std::string& path) {
  if (path.empty()) return parse_stations(builtin_qinghai_stations_csv(), "built-in station list");
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open station file");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_stations(ss.str(), path);
}

GaugeWriter::GaugeWriter(std::string dir, std::vector<Station> st, uint64_t seed, bool cma_txt)
    : dir_(std::move(dir)), st_(std::move(st)), outage_left_(st_.size(), 0), seed_(seed), cma_txt_(cma_txt) {
  for (const auto& s : st_) {
    const long i = std::lround((s.lon - ExtGrid::kLon0) / ExtGrid::kStep);
    const long j = std::lround((s.lat - ExtGrid::kLat0) / ExtGrid::kStep);
    if (i < 0 || i >= ExtGrid::kNx || j < 0 || j >= ExtGrid::kNy)
      throw std::runtime_error("station " + s.id + " lies outside the twin's domain");
    pixel_.push_back(size_t(j) * ExtGrid::kNx + size_t(i));
  }
  const std::string path = dir_ + "/gauges/stations.csv";
  make_parent_dirs(path);
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error(path + ": cannot create");
  std::fprintf(f, "station_id,name,name_zh,class,lat,lon,elevation_m\n");
  for (const auto& s : st_)
    std::fprintf(f, "%s,%s,%s,%s,%.4f,%.4f,%.1f\n", s.id.c_str(), s.name.c_str(), s.name_zh.c_str(), s.cls.c_str(),
                 s.lat, s.lon, s.elevation_m);
  std::fclose(f);
}

GaugeWriter::~GaugeWriter() {
  for (std::FILE* f : {hourly_, daily_, txt_})
    if (f) std::fclose(f);
}

void GaugeWriter::close() {
  for (std::FILE* f : {hourly_, daily_, txt_})
    if (f && std::fclose(f) != 0) throw std::runtime_error(dir_ + "/gauges: write failed");
  hourly_ = daily_ = txt_ = nullptr;
  year_ = month_ = -1;
}

void GaugeWriter::open_month(int y, int m) {
  if (txt_ && std::fclose(txt_) != 0) throw std::runtime_error(dir_ + "/gauges: write failed");
  char name[64];
  std::snprintf(name, sizeof name, "/gauges/SURF_CLI_CHN_MUL_DAY-PRE-13011-%04d%02d.TXT", y, m);
  txt_ = std::fopen((dir_ + name).c_str(), "w");
  if (!txt_) throw std::runtime_error(dir_ + name + ": cannot create");
  month_ = m;
}

void GaugeWriter::open_year(int y) {
  close();
  year_ = y;
  const std::string h = dir_ + "/gauges/hourly_" + std::to_string(y) + ".csv";
  const std::string d = dir_ + "/gauges/daily_" + std::to_string(y) + ".csv";
  hourly_ = std::fopen(h.c_str(), "w");
  if (!hourly_) throw std::runtime_error(h + ": cannot create");
  std::fprintf(hourly_, "station_id,time,PRE_1h,Q_PRE_1h\n");
  if (cma_txt_) return;
  daily_ = std::fopen(d.c_str(), "w");
  if (!daily_) throw std::runtime_error(d + ": cannot create");
  std::fprintf(daily_, "station_id,date,PRE_20_08,PRE_08_20,PRE_20_20,QC\n");
}

// Gauge model: truth at the station pixel, times a catch ratio (snow undercatch
// in the cold season: 0.75 in mid-winter), times log-normal noise (sigma 0.12);
// split into 24 hours with a diurnal cycle peaking near 18 h local time and
// random hourly modulation; each hour rounded to 0.1 mm, wet hours under 0.05 mm
// reported as trace. Outages (p = 0.004 per station-day, 1-4 days) make hours and
// days missing; isolated missing hours (p = 0.003) leave the day (manual gauge) valid.
void GaugeWriter::add_day(DayNumber day, const std::vector<float>& truth) {
  int y, m, d;
  ymd_from_day(day, y, m, d);
  if (y != year_) open_year(y);
  if (cma_txt_ && m != month_) open_month(y, m);
  const double doy = day_of_year(day), warm = warm_season_weight(doy);
  const double catch_ratio = 1.0 - 0.25 * (1.0 - warm);
  const std::string date = format_date(day);
  for (size_t s = 0; s < st_.size(); ++s) {
    const uint64_t key = stream_key(seed_, 900, uint64_t(int64_t(day)), s);
    if (outage_left_[s] == 0 && uniform(key, 0) < 0.004) outage_left_[s] = 1 + int(uniform(key, 1) * 4);
    const bool out = outage_left_[s] > 0;
    if (out) --outage_left_[s];
    const double g = truth[pixel_[s]] * catch_ratio * std::exp(0.12 * normal(key, 1) - 0.0072);
    double w[24], sw = 0;
    for (int h = 0; h < 24; ++h) {
      const double hloc = 12.0 + h + 0.5 + st_[s].lon / 15.0;
      w[h] = std::exp(1.0 * normal(key, 10 + h)) * (1.0 + 0.8 * std::cos(6.283185307179586 * (hloc - 18.0) / 24.0));
      sw += w[h];
    }
    int tenths[24];
    bool trace[24];
    for (int h = 0; h < 24; ++h) {
      const double a = g * w[h] / sw;
      tenths[h] = int(std::floor(a * 10.0 + 0.5));
      trace[h] = tenths[h] == 0 && a >= 0.02;
    }
    for (int h = 0; h < 24; ++h) {
      const UnixSeconds end = day_start(day - 1) + (13 + h) * 3600;
      int hy, hm, hd;
      ymd_from_day(DayNumber(end / 86400), hy, hm, hd);
      const int hh = int(end % 86400 / 3600);
      const bool miss = out || uniform(key, 100 + h) < 0.003;
      if (miss)
        std::fprintf(hourly_, "%s,%04d-%02d-%02d %02d:00,%d,8\n", st_[s].id.c_str(), hy, hm, hd, hh, kMissing);
      else if (trace[h])
        std::fprintf(hourly_, "%s,%04d-%02d-%02d %02d:00,%d,0\n", st_[s].id.c_str(), hy, hm, hd, hh, kTrace);
      else
        std::fprintf(hourly_, "%s,%04d-%02d-%02d %02d:00,%d.%d,0\n", st_[s].id.c_str(), hy, hm, hd, hh,
                     tenths[h] / 10, tenths[h] % 10);
    }
    if (cma_txt_) {
      write_txt_row(s, y, m, d, out, tenths, trace);
      continue;
    }
    if (out) {
      std::fprintf(daily_, "%s,%s,%d,%d,%d,8\n", st_[s].id.c_str(), date.c_str(), kMissing, kMissing, kMissing);
      continue;
    }
    auto column = [&](int h0, int h1) {
      int sum = 0;
      bool tr = false;
      for (int h = h0; h < h1; ++h) sum += tenths[h], tr = tr || trace[h];
      char b[32];
      if (sum == 0 && tr)
        std::snprintf(b, sizeof b, "%d", kTrace);
      else
        std::snprintf(b, sizeof b, "%d.%d", sum / 10, sum % 10);
      return std::string(b);
    };
    std::fprintf(daily_, "%s,%s,%s,%s,%s,0\n", st_[s].id.c_str(), date.c_str(), column(0, 12).c_str(),
                 column(12, 24).c_str(), column(0, 24).c_str());
  }
}

// One CMA daily TXT record: coordinates as DDMM integers (rounded to the
// minute), elevation in 0.1 m, amounts as integers of 0.1 mm.
void GaugeWriter::write_txt_row(size_t s, int y, int m, int d, bool out, const int* tenths, const bool* trace) {
  auto ddmm = [](double v) {
    int deg = int(std::floor(v)), min = int(std::lround((v - deg) * 60));
    if (min == 60) ++deg, min = 0;
    return deg * 100 + min;
  };
  auto column = [&](int h0, int h1) {
    int sum = 0;
    bool tr = false;
    for (int h = h0; h < h1; ++h) sum += tenths[h], tr = tr || trace[h];
    return out ? kMissing : sum == 0 && tr ? kTrace : sum;
  };
  const int qc = out ? 8 : 0;
  std::fprintf(txt_, "%5s %5d %5d %6ld %4d %2d %2d %7d %7d %7d %d %d %d\n", st_[s].id.c_str(), ddmm(st_[s].lat),
               ddmm(st_[s].lon), std::lround(st_[s].elevation_m * 10), y, m, d, column(0, 12), column(12, 24),
               column(0, 24), qc, qc, qc);
}

}  // namespace rf::io::synth
