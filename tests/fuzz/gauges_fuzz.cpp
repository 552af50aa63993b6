// Gauge files as users download them (io/gauges): the table reader on a
// stream, then station metadata, the daily span, daily and hourly totals on
// the same bytes as a file. Input: one option byte (file format, coordinate
// format, day convention, UTC offset, tolerance, a station filter), then the file.
#include <algorithm>
#include <cstdint>
#include <exception>
#include <sstream>

#include "io/gauges/gauges.h"
#include "tests/fuzz/fuzz_input.h"

using namespace rf::io;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t o = data[0];
  const std::string text = rf::fuzz::as_string(data + 1, size - 1);
  const GaugeFileFormat formats[] = {GaugeFileFormat::Auto, GaugeFileFormat::Header, GaugeFileFormat::CmaDailyTxt,
                                     GaugeFileFormat::Auto};
  const CoordinateFormat coords[] = {CoordinateFormat::Auto, CoordinateFormat::Decimal, CoordinateFormat::Ddmm,
                                     CoordinateFormat::DotMinutes};
  GaugeOptions opt;
  opt.format = formats[o & 3];
  opt.convention = (o & 16) ? DayConvention::UTC : DayConvention::CMA;
  opt.utc_offset_hours = (o & 32) ? 8 : 0;
  opt.max_missing_hours = (o & 64) ? 3 : 0;
  if (o & 128) opt.stations = {"52866"};
  try {
    std::istringstream in(text);
    const GaugeTable t = load_gauge_table(in, "fuzz.csv", opt.format);
    for (size_t r = 0; r < t.rows.size(); ++r)
      for (size_t c = 0; c < t.header.size(); ++c) try {
          t.num(r, int(c));
        } catch (const std::exception&) {
        }
  } catch (const std::exception&) {
  }
  const std::string path = rf::fuzz::scratch_file("gauges.csv", text);
  try {
    std::string warning;
    read_gauge_stations(path, coords[(o >> 2) & 3], &warning);
  } catch (const std::exception&) {
  }
  // The files' own period (as `evaluate --gauges` takes it) when the rows have
  // dates, else the year of the seed corpus; at most a year either way.
  DayNumber first = day_from_ymd(2021, 1, 1), last = first + 364;
  try {
    const auto span = gauge_daily_span({path}, opt.format);
    first = span.first, last = std::min(span.second, span.first + 366);
  } catch (const std::exception&) {
  }
  try {
    read_gauges_daily({path}, first, last, opt);
  } catch (const std::exception&) {
  }
  try {
    read_gauges_hourly({path}, first, last, opt);
  } catch (const std::exception&) {
  }
  return 0;
}
