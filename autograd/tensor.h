// Tensor: a float32 array of up to 5 dimensions (NCDHW by convention), always
// contiguous in row-major (C) order, living on one device.
//
// A Tensor is a cheap handle (shared_ptr) to a TensorImpl = storage + element
// offset + shape + an optional grad slot. Storage comes from rf::mem_alloc, so
// the counting allocator sees every activation, gradient and parameter.
// Views share the storage and never copy: reshape (any shape with the same
// element count) and narrow0/select0 along dim 0 (a contiguous sub-block).
// Anything else (time slicing, channel concat, ...) is an op in autograd/ops.h.
//
// Autograd: a tensor that requires grad owns a GradSlot (autograd/tape.h).
// Leaves (parameters, inputs marked with set_requires_grad) keep their gradient
// across backward calls (+=) until zero_grad(); intermediate gradients are freed
// as soon as the op that produced the tensor has run its backward.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "kernels/common/device.h"

namespace rf {

inline constexpr int kMaxDims = 5;

struct Shape {
  std::array<int64_t, kMaxDims> d{};
  int n = 0;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(const std::vector<int64_t>& dims);

  int size() const { return n; }
  int64_t operator[](int i) const { return d[i]; }
  int64_t& operator[](int i) { return d[i]; }
  int64_t numel() const;
  std::vector<int64_t> vec() const { return {d.begin(), d.begin() + n}; }
  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const;  // "[2, 8, 7, 32, 32]"
};

// Owning block of device memory (counted by rf::mem_stats).
struct Storage {
  Device device;
  float* ptr;
  size_t bytes;
  Storage(Device d, size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

struct GradSlot;  // autograd/tape.h

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  Shape shape;
  std::shared_ptr<GradSlot> slot;  // non-null iff the tensor requires grad
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Factories. `empty` leaves the memory uninitialised.
  static Tensor empty(const Shape& shape, Device device = Device::CPU);
  static Tensor zeros(const Shape& shape, Device device = Device::CPU);
  static Tensor full(const Shape& shape, float value, Device device = Device::CPU);
  static Tensor from_vector(const Shape& shape, const std::vector<float>& values);  // CPU
  static Tensor from_data(const Shape& shape, const float* values);                // CPU, copies

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl_->shape; }
  int dim() const { return impl_->shape.n; }
  int64_t size(int d) const { return impl_->shape[d < 0 ? d + dim() : d]; }
  int64_t numel() const { return impl_->shape.numel(); }
  Device device() const { return impl_->storage->device; }
  float* data() const { return impl_->storage->ptr + impl_->offset; }  // device pointer
  std::vector<float> to_vector() const;                                // copy to host

  // Views (share storage). reshape and the dim-0 views carry gradients through.
  Tensor reshape(const Shape& shape) const;
  Tensor narrow0(int64_t start, int64_t length) const;
  Tensor select0(int64_t index) const;  // drops dim 0

  // Copies.
  Tensor clone() const;   // new storage, no grad history
  Tensor to(Device device) const;  // copy on `device` (no grad history); *this if already there
  Tensor detach() const;  // same storage, no grad history
  void copy_from(const Tensor& src);  // same numel; raw copy, no grad history
  void fill(float value);

  // Autograd.
  bool requires_grad() const { return impl_ && impl_->slot != nullptr; }
  Tensor& set_requires_grad(bool on);  // makes this tensor a leaf when on
  bool is_leaf() const;
  Tensor grad() const;                 // undefined until a backward reached it
  void zero_grad();                    // frees the gradient (next backward writes fresh)
  const std::shared_ptr<GradSlot>& slot() const { return impl_->slot; }

  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }
  bool same_storage(const Tensor& o) const { return impl_->storage == o.impl_->storage; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// A tensor with a name, as in a checkpoint.
struct NamedTensor {
  std::string name;
  Tensor tensor;
};

}  // namespace rf
