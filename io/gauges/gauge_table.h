// A gauge or station file as a table of named columns, whatever its layout:
//  - a CSV (or whitespace) file whose first row names the columns (CIMISS
//    English element names, the twin's names or Chinese headers);
//  - the headerless CMA daily TXT of the China surface climate daily dataset
//    V3.0 (SURF_CLI_CHN_MUL_DAY-PRE-13011-YYYYMM.TXT), one whitespace row per
//    station-day of 13 columns: station, lat (DDMM), lon (DDDMM), elevation
//    (0.1 m), year, month, day, P 20-08, P 08-20, P 20-20 (0.1 mm, CMA codes),
//    QC 20-08, QC 08-20, QC 20-20. It is recognised by its content (or forced
//    with GaugeFileFormat::CmaDailyTxt) and given the column names below, so
//    the readers need no second code path.
#pragma once
#include <istream>
#include <string>
#include <vector>

namespace rf::io {

enum class GaugeFileFormat { Auto, Header, CmaDailyTxt };
GaugeFileFormat parse_gauge_file_format(const std::string& s);  // auto|header|cma-daily-txt

// The names given to the CMA daily TXT's columns (in file order).
inline const char* const kCmaDailyTxtColumns[13] = {
    "station_id", "lat", "lon", "elevation_0.1m", "Year", "Mon", "Day",
    "PRE_20_08", "PRE_08_20", "PRE_20_20", "Q_PRE_20_08", "Q_PRE_08_20", "Q_PRE_20_20"};

// True when a line reads as a CMA daily TXT record: >= 13 whitespace-separated
// numbers, a plausible year, month and day in columns 5-7.
bool looks_like_cma_daily_txt(const std::string& line);
// True when the first non-empty line of the file reads so (false for a file that cannot be opened).
bool is_cma_daily_txt_file(const std::string& path);

struct GaugeTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<size_t> line_no;
  bool cma_daily_txt = false;  // precipitation in 0.1 mm, elevation in 0.1 m, DDMM coordinates
  // Index of the first of `names` in the header; -1 (or an error naming the
  // first name, when required) if none is there.
  int col(std::initializer_list<const char*> names, bool required) const;
  double num(size_t r, int c) const;  // the cell as a number, or an error naming file:line and column
  std::string where(size_t r) const { return path + ":" + std::to_string(line_no[r]); }
};

// `path` names the source in messages (a file, or "built-in station list").
GaugeTable load_gauge_table(std::istream& in, const std::string& path, GaugeFileFormat format = GaugeFileFormat::Auto);
GaugeTable load_gauge_table(const std::string& path, GaugeFileFormat format = GaugeFileFormat::Auto);

}  // namespace rf::io
