// Time strings of the readers: CF time units and a value through both CF
// parsers (io/readers/cf_time.h for the product readers, cf_time_to_day of
// io/sample/point_series.h for `evaluate`), YYYY-MM-DD dates (io/dates.h),
// GrADS TDEF times (io/grads/ctl.h). Input: the string, then (after a NUL)
// the time value as text ("36", "1e300", "nan"; 0 when absent).
#include <cstdint>
#include <cstdlib>
#include <exception>

#include "io/dates.h"
#include "io/grads/ctl.h"
#include "io/readers/cf_time.h"
#include "io/sample/point_series.h"
#include "tests/fuzz/fuzz_input.h"

using namespace rf::io;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = rf::fuzz::nul_parts(data, size, 2);
  const std::string& s = parts[0];
  const double v = parts.size() > 1 ? std::strtod(parts[1].c_str(), nullptr) : 0.0;
  try {
    parse_cf_time_units(s).to_unix(v);
  } catch (const std::exception&) {
  }
  try {
    cf_time_to_day(v, s);
  } catch (const std::exception&) {
  }
  try {
    format_date(parse_date(s));
  } catch (const std::exception&) {
  }
  try {
    parse_grads_time(s);
  } catch (const std::exception&) {
  }
  return 0;
}
