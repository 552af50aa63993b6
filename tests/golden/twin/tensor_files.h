// Minimal safetensors and .npy reader/writer for the LibTorch twin, written the
// way a LibTorch user would: float32 little-endian only, C order, no mmap.
// It shares no code with the engine (nn/safetensors.h, nn/npy.h), so a golden
// test that passes proves both sides read and write the same bytes.
//
//   safetensors: u64 LE header length N | N bytes of JSON
//                {"name": {"dtype": "F32", "shape": [...], "data_offsets": [b, e]}, ...}
//                | data (offsets relative to the end of the header)
//   .npy       : "\x93NUMPY" v1/v2 | header dict {'descr': '<f4', 'fortran_order': False,
//                'shape': (...), } | data
#pragma once
#include <torch/types.h>

#include <map>
#include <string>

namespace twin {

std::map<std::string, torch::Tensor> load_safetensors(const std::string& path);
void save_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors);

torch::Tensor load_npy(const std::string& path);
void save_npy(const std::string& path, const torch::Tensor& t);

}  // namespace twin
