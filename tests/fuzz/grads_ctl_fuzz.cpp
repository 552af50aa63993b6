// GrADS descriptors (io/grads/ctl.h) as the flat-binary readers use them: the
// parse, then the storage order, step times, the glob pattern and the DSET
// template matched against a file name. Input: the .ctl text, then (after a
// NUL) the file name to match.
#include <cstdint>
#include <exception>

#include "io/grads/ctl.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = rf::fuzz::nul_parts(data, size, 2);
  try {
    const rf::io::GradsCtl c = rf::io::parse_grads_ctl(parts[0], "fuzz.ctl", "/data");
    c.storage_lat();
    c.glob_pattern();
    c.step_time(0);
    c.step_time(c.nt - 1);
    c.steps_per_file(c.t0);
    if (parts.size() > 1)
      if (const auto t = c.time_from_name(parts[1])) c.steps_per_file(*t);
  } catch (const std::exception&) {
  }
  return 0;
}
