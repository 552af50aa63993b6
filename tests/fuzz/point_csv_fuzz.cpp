// The point-series CSV of `rainfuse evaluate` ("station_id,date,value",
// train/evaluate/evaluate.h read_point_csv). Input: the file.
#include <cstdint>
#include <exception>

#include "tests/fuzz/fuzz_input.h"
#include "train/evaluate/evaluate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = rf::fuzz::scratch_file("points.csv", rf::fuzz::as_string(data, size));
  try {
    rf::eval::read_point_csv(path);
  } catch (const std::exception&) {
  }
  return 0;
}
