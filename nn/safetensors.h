// safetensors (https://huggingface.co/docs/safetensors): 8-byte little-endian
// header length N, N bytes of JSON {"name": {"dtype": "F32", "shape": [...],
// "data_offsets": [begin, end]}, ..., "__metadata__": {...}}, then the raw
// little-endian data; offsets are relative to the end of the header.
// We write F32 only, in the given order, header padded with spaces to 8 bytes,
// and the data section's CRC-32 as __metadata__ "crc32" (8 hex digits); we read
// F32 (and F64 / F16 / BF16, converted to float32) and refuse a file whose data
// do not match its recorded CRC-32 (files without one, e.g. PyTorch's, load).
// Errors are one-line std::runtime_error naming the file (and the tensor).
#pragma once
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace rf::nn {

void save_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors);
std::vector<NamedTensor> load_safetensors(const std::string& path);

// Copies each named tensor of the file into `into` (CPU or device tensors);
// every name must be present with exactly the same shape.
void load_safetensors_into(const std::string& path, const std::vector<NamedTensor>& into);

}  // namespace rf::nn
