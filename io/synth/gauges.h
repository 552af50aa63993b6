// Rain-gauge CSVs of the twin at the real Qinghai national stations.
//
// Column contract (documented in docs/synthetic-twin.md):
//  gauges/stations.csv      station_id,name,name_zh,class,lat,lon,elevation_m (decimal degrees, m)
//  gauges/hourly_YYYY.csv   station_id,time,PRE_1h,Q_PRE_1h
//      time = end of the hour, UTC, "YYYY-MM-DD HH:00"; PRE_1h = mm over (time-1h, time]
//  gauges/daily_YYYY.csv    station_id,date,PRE_20_08,PRE_08_20,PRE_20_20,QC
//      CMA day `date` (20:00 BJT of date-1 to 20:00 BJT of date); PRE_20_08 covers
//      hours ending 13..00 UTC, PRE_08_20 hours ending 01..12 UTC.
// Amounts are mm with one decimal; 32700 = trace (< 0.05 mm but wet), 32766 =
// missing (QC 8). Rows of CMA day D go to the files of D's year.
// cma_txt: instead of daily_YYYY.csv, the CMA daily TXT as distributed,
//  gauges/SURF_CLI_CHN_MUL_DAY-PRE-13011-YYYYMM.TXT: headerless, one row per
//  station-day: station lat(DDMM) lon(DDDMM) elevation(0.1 m) year month day
//  P20-08 P08-20 P20-20 (0.1 mm, 32700 trace, 32766 missing) QC QC QC (0 or 8).
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "io/dates.h"

namespace rf::io::synth {

struct Station {
  std::string id, name, name_zh, cls;
  double lat = 0, lon = 0, elevation_m = 0;
};
// Parses a station CSV by header names (station_id, lat, lon, elevation_m required).
std::vector<Station> parse_stations(const std::string& csv_text, const std::string& where);
std::vector<Station> load_stations(const std::string& path);  // empty path: the built-in list

class GaugeWriter {
 public:
  GaugeWriter(std::string out_dir, std::vector<Station> stations, uint64_t seed, bool cma_txt = false);
  ~GaugeWriter();
  GaugeWriter(const GaugeWriter&) = delete;
  GaugeWriter& operator=(const GaugeWriter&) = delete;
  // Appends the rows of CMA day `day` from the extended-grid truth. Days in order.
  void add_day(DayNumber day, const std::vector<float>& truth_ext);
  void close();

 private:
  void open_year(int year);
  void open_month(int year, int month);
  void write_txt_row(size_t station, int y, int m, int d, bool out, const int* tenths, const bool* trace);
  std::string dir_;
  std::vector<Station> st_;
  std::vector<size_t> pixel_;     // extended-grid index of each station
  std::vector<int> outage_left_;  // days of outage still to come, per station
  uint64_t seed_;
  bool cma_txt_;
  int year_ = -1, month_ = -1;
  std::FILE *hourly_ = nullptr, *daily_ = nullptr, *txt_ = nullptr;
};

}  // namespace rf::io::synth
