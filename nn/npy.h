// NumPy .npy arrays (format v1.0/2.0/3.0): magic "\x93NUMPY", version, header
// length (2 or 4 bytes LE), a Python-dict header {'descr': '<f4',
// 'fortran_order': False, 'shape': (...), }, then C-order data.
// Writes '<f4' v1.0 (v2.0 if the header is too long). Reads '<f4' and '<f8'
// (converted), C order only. Errors are one-line, naming the file.
#pragma once
#include <string>

#include "autograd/tensor.h"

namespace rf::nn {

void save_npy(const std::string& path, const Tensor& t);
Tensor load_npy(const std::string& path);

}  // namespace rf::nn
