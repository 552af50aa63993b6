#include "autograd/tensor.h"

#include <stdexcept>

#include "autograd/backend.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "kernels/common/memory.h"

namespace rf {

// ---- Shape ---------------------------------------------------------------------
Shape::Shape(std::initializer_list<int64_t> dims) : Shape(std::vector<int64_t>(dims)) {}

Shape::Shape(const std::vector<int64_t>& dims) {
  if (dims.size() > size_t(kMaxDims))
    throw std::runtime_error("tensor of " + std::to_string(dims.size()) + " dims (at most 5)");
  n = int(dims.size());
  for (int i = 0; i < n; ++i) {
    if (dims[i] < 0) throw std::runtime_error("negative tensor dimension");
    d[i] = dims[i];
  }
}

int64_t Shape::numel() const {
  int64_t p = 1;
  for (int i = 0; i < n; ++i) p *= d[i];
  return p;
}

bool Shape::operator==(const Shape& o) const {
  if (n != o.n) return false;
  for (int i = 0; i < n; ++i)
    if (d[i] != o.d[i]) return false;
  return true;
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < n; ++i) {
    if (i) s += ", ";
    s += std::to_string(d[i]);
  }
  return s + "]";
}

// ---- Storage -------------------------------------------------------------------
Storage::Storage(Device d, size_t b) : device(d), ptr(static_cast<float*>(mem_alloc(d, b))), bytes(b) {}
Storage::~Storage() { mem_free(device, ptr, bytes); }

// ---- Tensor --------------------------------------------------------------------
Tensor Tensor::empty(const Shape& shape, Device device) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(device, size_t(shape.numel()) * sizeof(float));
  impl->shape = shape;
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, Device device) { return full(shape, 0.0f, device); }

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, device);
  t.fill(value);
  return t;
}

Tensor Tensor::from_data(const Shape& shape, const float* values) {
  Tensor t = empty(shape, Device::CPU);
  backend(Device::CPU).from_host(t.numel(), values, t.data());
  return t;
}

Tensor Tensor::from_vector(const Shape& shape, const std::vector<float>& values) {
  if (int64_t(values.size()) != shape.numel())
    throw std::runtime_error("from_vector: " + std::to_string(values.size()) + " values for shape " + shape.str());
  return from_data(shape, values.data());
}

std::vector<float> Tensor::to_vector() const {
  std::vector<float> v(static_cast<size_t>(numel()));
  backend(device()).to_host(numel(), data(), v.data());
  return v;
}

Tensor Tensor::reshape(const Shape& shape) const { return rf::reshape(*this, shape); }

Tensor Tensor::narrow0(int64_t start, int64_t length) const { return rf::narrow(*this, 0, start, length); }

Tensor Tensor::select0(int64_t index) const {
  Tensor t = narrow0(index, 1);
  std::vector<int64_t> dims = shape().vec();
  dims.erase(dims.begin());
  return t.reshape(Shape(dims));
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape(), device());
  t.copy_from(*this);
  return t;
}

Tensor Tensor::to(Device d) const {
  if (d == device()) return *this;
  Tensor t = empty(shape(), d);
  t.copy_from(*this);
  return t;
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>(*impl_);
  impl->slot = nullptr;
  return Tensor(std::move(impl));
}

void Tensor::copy_from(const Tensor& src) {
  if (src.numel() != numel())
    throw std::runtime_error("copy_from: " + src.shape().str() + " into " + shape().str());
  if (src.device() != device()) {
    if (src.device() == Device::CPU)
      backend(device()).from_host(numel(), src.data(), data());
    else
      backend(src.device()).to_host(numel(), src.data(), data());
    return;
  }
  backend(device()).copy_strided(1, 1, numel(), src.data(), 0, 0, data(), 0, 0, false);
}

void Tensor::fill(float value) { backend(device()).fill(numel(), value, data()); }

Tensor& Tensor::set_requires_grad(bool on) {
  if (!on) {
    impl_->slot = nullptr;
  } else if (!impl_->slot) {
    impl_->slot = std::make_shared<GradSlot>();
    impl_->slot->leaf = true;
    impl_->slot->shape = shape();
    impl_->slot->device = device();
  }
  return *this;
}

bool Tensor::is_leaf() const { return !impl_->slot || impl_->slot->leaf; }

Tensor Tensor::grad() const { return impl_->slot ? impl_->slot->grad : Tensor(); }

void Tensor::zero_grad() {
  if (impl_->slot) impl_->slot->grad = Tensor();
}

}  // namespace rf
