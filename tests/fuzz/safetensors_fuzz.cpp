// safetensors checkpoints (nn/safetensors.h): every tensor of the file, then
// the same names and shapes loaded into existing tensors (how a model reads
// its weights). Input: the file.
#include <cstdint>
#include <exception>
#include <vector>

#include "nn/safetensors.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = rf::fuzz::scratch_file("weights.safetensors", rf::fuzz::as_string(data, size));
  try {
    std::vector<rf::NamedTensor> into;
    for (const auto& [name, t] : rf::nn::load_safetensors(path))
      into.push_back({name, rf::Tensor::empty(t.shape(), rf::Device::CPU)});
    rf::nn::load_safetensors_into(path, into);
  } catch (const std::exception&) {
  }
  return 0;
}
