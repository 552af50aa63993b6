// Rain gauges (fact sheet §C): station metadata and hourly or daily CSV
// exports, read through a header-name map (English CIMISS element names, the
// twin's names or Chinese headers), never fixed column positions.
//  - CMA codes: 32700 trace (-> 0, flagged), 32766 missing, 32744 blank
//    (missing), 30xxx/31xxx/32xxx weather-coded amounts = xxx x 0.1 mm (the
//    sentinels are handled first); CIMISS 999999/999998 missing, 999990 trace.
//  - QC codes: 0 correct, 3 corrected, 4 modified are kept; anything else is missing.
//  - Station coordinates in decimal degrees or DDMM / DDDMM integers (detected
//    per value: |lat| > 90 or |lon| > 180 means degrees-and-minutes).
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "io/daily.h"

namespace rf::io {

struct GaugeStation {
  std::string id, name;
  double lat = 0, lon = 0, elevation_m = NAN;
};
std::vector<GaugeStation> read_gauge_stations(const std::string& path);
// The built-in Qinghai list (the default wherever a station file is optional);
// columns station_id,name,name_zh,class,lat,lon,elevation_m.
const char* builtin_qinghai_stations_csv();
std::vector<GaugeStation> builtin_qinghai_stations();

// Degrees from a DDMM (or DDDMM) integer-coded value, or the value itself when decimal.
double cma_degrees(double v, double decimal_limit);

// One CMA precipitation value (file units x `scale` = mm) -> mm; NaN = missing.
float decode_cma_precip(double v, double scale, bool& trace);

struct GaugeOptions {
  DayConvention convention = DayConvention::CMA;
  double scale = 1.0;          // mm per file unit (0.1 for the V3.0 daily TXT's 0.1 mm)
  int utc_offset_hours = 0;    // 8 when an hourly export is stamped in Beijing time
  int max_missing_hours = 0;   // hours a station-day may miss (hourly input; rescaled otherwise NaN)
};

// Daily totals per station: mm[s * days.size() + t], NaN = missing.
struct GaugeDaily {
  std::vector<std::string> ids;
  std::vector<DayNumber> days;
  std::vector<float> mm;
  std::vector<uint8_t> trace;  // the day had a trace report (and counted as 0)
  std::vector<uint16_t> valid_hours;  // hourly input: hours summed (24 = complete)
  size_t station(const std::string& id) const;  // index, or ids.size() if absent
};

// Hourly CSV: station, time (hour ENDING; `time`/`datetime` text or Year/Mon/Day/Hour
// columns), PRE_1h, optional Q_PRE_1h.
GaugeDaily read_gauges_hourly(const std::vector<std::string>& paths, DayNumber first, DayNumber last, const GaugeOptions& opt);
// Daily CSV: station, date (or Year/Mon/Day), PRE_20_20 and/or PRE_20_08 + PRE_08_20
// (CIMISS PRE_Time_2020 / _2008 / _0820), optional QC. A UTC day D is
// P08-20(D) + P20-08(D+1) (fact sheet §B.1).
GaugeDaily read_gauges_daily(const std::vector<std::string>& paths, DayNumber first, DayNumber last, const GaugeOptions& opt);

}  // namespace rf::io
