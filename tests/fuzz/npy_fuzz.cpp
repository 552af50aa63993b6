// NumPy .npy arrays (nn/npy.h load_npy: inputs and checkpoints of the model
// tools). Input: the file.
#include <cstdint>
#include <exception>

#include "nn/npy.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = rf::fuzz::scratch_file("array.npy", rf::fuzz::as_string(data, size));
  try {
    rf::nn::load_npy(path);
  } catch (const std::exception&) {
  }
  return 0;
}
