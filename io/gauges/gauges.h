// Rain gauges: station metadata and hourly or daily exports, read through a
// header-name map (English CIMISS element names, the twin's names or Chinese
// headers), never fixed column positions; the headerless CMA daily TXT
// (gauge_table.h) is given its documented names.
//  - CMA codes: 32700 trace (-> 0, flagged), 32766 missing, 32744 blank
//    (missing), 30xxx/31xxx/32xxx weather-coded amounts = xxx x 0.1 mm (the
//    sentinels are handled first); CIMISS 999999/999998 missing, 999990 trace.
//  - QC codes: 0 correct, 3 corrected, 4 modified are kept; anything else is missing.
//  - Station coordinates in decimal degrees or DDMM / DDDMM integers (detected
//    per value: |lat| > 90 or |lon| > 360 means degrees-and-minutes), or, when
//    declared, degrees.minutes written as a decimal (36.37 = 36 deg 37').
#pragma once
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "io/daily.h"
#include "io/gauges/gauge_table.h"

namespace rf::io {

struct GaugeStation {
  std::string id, name;
  double lat = 0, lon = 0, elevation_m = NAN;
};
// How station coordinates are written. Auto: decimal degrees, or DDMM/DDDMM
// integers where a value exceeds 90 (lat) / 360 (lon). DotMinutes: 36.37 means
// 36 deg 37' (never guessed: a warning says when decimal input looks like it).
enum class CoordinateFormat { Auto, Decimal, Ddmm, DotMinutes };
CoordinateFormat parse_coordinate_format(const std::string& s);  // auto|decimal|ddmm|dd.mm

// Station metadata from a CSV with a header, or the stations of a CMA daily TXT
// (its first record of each). `warning` (if given) receives a non-empty line
// when decimal coordinates all look like degrees.minutes.
std::vector<GaugeStation> read_gauge_stations(const std::string& path, CoordinateFormat coords = CoordinateFormat::Auto,
                                              std::string* warning = nullptr);
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
  GaugeFileFormat format = GaugeFileFormat::Auto;  // daily files: headed CSV or CMA daily TXT
  double scale = 1.0;          // mm per file unit of a CSV (the CMA daily TXT is 0.1 mm by definition)
  int utc_offset_hours = 0;    // 8 when an hourly export is stamped in Beijing time
  int max_missing_hours = 0;   // hours a station-day may miss (hourly input; rescaled otherwise NaN)
  std::set<std::string> stations;  // read only these (empty = all); others are counted in GaugeDaily::skipped
};

// Daily totals per station: mm[s * days.size() + t], NaN = missing.
struct GaugeDaily {
  std::vector<std::string> ids;
  std::vector<DayNumber> days;
  std::vector<float> mm;
  std::vector<uint8_t> trace;  // the day had a trace report (and counted as 0)
  std::vector<uint16_t> valid_hours;  // hourly input: hours summed (24 = complete)
  std::vector<std::string> skipped;   // stations in the files but not in GaugeOptions::stations (sorted)
  size_t skipped_rows = 0;            // their rows in the period
  size_t station(const std::string& id) const;  // index, or ids.size() if absent
};

// Hourly CSV: station, time (hour ENDING; `time`/`datetime` text as
// YYYY-MM-DD HH[:MM] or compact YYYYMMDDHH[MM], or Year/Mon/Day/Hour columns),
// PRE_1h, optional Q_PRE_1h; stamps in UTC + utc_offset_hours.
GaugeDaily read_gauges_hourly(const std::vector<std::string>& paths, DayNumber first, DayNumber last, const GaugeOptions& opt);
// Daily CSV or CMA daily TXT: station, date (or Year/Mon/Day), PRE_20_20 and/or
// PRE_20_08 + PRE_08_20 (CIMISS PRE_Time_2020 / _2008 / _0820), a QC column per
// value or one for the row. The CMA day D is 20:00 BJT of D-1 to 20:00 BJT of
// D; a UTC day D is P08-20(D) + P20-08(D+1).
GaugeDaily read_gauges_daily(const std::vector<std::string>& paths, DayNumber first, DayNumber last, const GaugeOptions& opt);
// The first and last date of the daily files' rows (for readers that take the files' own period).
std::pair<DayNumber, DayNumber> gauge_daily_span(const std::vector<std::string>& paths, GaugeFileFormat format);

}  // namespace rf::io
