// Helpers shared by the op implementations (autograd/ops_*.cpp): argument
// checks with one-line messages, and the device of an op's inputs.
#pragma once
#include <initializer_list>
#include <stdexcept>
#include <string>

#include "autograd/backend.h"
#include "autograd/tape.h"
#include "autograd/tensor.h"

namespace rf::detail {

[[noreturn]] inline void op_error(const char* op, const std::string& what) {
  throw std::runtime_error(std::string(op) + ": " + what);
}

inline void check_defined(const char* op, const Tensor& t, const char* name) {
  if (!t.defined()) op_error(op, std::string(name) + " is undefined");
}

inline void check_dims(const char* op, const Tensor& t, const char* name, int dims) {
  check_defined(op, t, name);
  if (t.dim() != dims)
    op_error(op, std::string(name) + " must have " + std::to_string(dims) + " dims, got " + t.shape().str());
}

inline void check_shape(const char* op, const Tensor& t, const char* name, const Shape& want) {
  check_defined(op, t, name);
  if (t.shape() != want) op_error(op, std::string(name) + " must be " + want.str() + ", got " + t.shape().str());
}

// All defined tensors on one device; returns its backend.
inline const Backend& device_backend(const char* op, std::initializer_list<const Tensor*> ts) {
  Device d = Device::CPU;
  bool first = true;
  for (const Tensor* t : ts) {
    if (!t || !t->defined()) continue;
    if (first) {
      d = t->device();
      first = false;
    } else if (t->device() != d) {
      op_error(op, "inputs on different devices");
    }
  }
  return backend(d);
}

// Product of the dims from `from` on (the flattened spatial extent).
inline int64_t extent_from(const Tensor& t, int from) {
  int64_t p = 1;
  for (int i = from; i < t.dim(); ++i) p *= t.size(i);
  return p;
}

}  // namespace rf::detail
