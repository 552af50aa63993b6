// What a tape record keeps of a tensor for its backward.
//
// In fp32 storage (the default) that is the tensor itself. Under
// ActivationStorageGuard(ActivationStorage::bf16) an activation -- a tensor
// that an op made and that carries a gradient, i.e. neither a parameter nor
// the data, which live anyway -- is kept as bf16 instead: the float32 rounded
// to nearest even on its top 16 bits (kernels/common/bf16.h), half the bytes,
// a relative error of at most 2^-9. backward gets a float32 copy made when it
// asks (get()), alive only while that record runs. The fp32 original is freed
// as soon as the forward drops it, so the tape holds half the activation bytes.
//
// One activation saved by several records (conv2's output: its own ReLU mask,
// and the input of the attention's qkv projection and regions) is packed once:
// a per-thread table maps (storage, offset, size) to the packed copy while
// both are alive.
//
// Exact where only a sign is read (a ReLU mask from its output); elsewhere the
// gradients change by about the bf16 step (docs/memory.md measures it). The
// mode is per thread; checkpoint() replays the mode of its forward in the rerun.
#pragma once
#include <memory>

#include "autograd/tensor.h"

namespace rf {

enum class ActivationStorage { fp32, bf16 };

ActivationStorage activation_storage();  // this thread's mode
class ActivationStorageGuard {
 public:
  explicit ActivationStorageGuard(ActivationStorage mode);
  ~ActivationStorageGuard();
  ActivationStorageGuard(const ActivationStorageGuard&) = delete;
  ActivationStorageGuard& operator=(const ActivationStorageGuard&) = delete;

 private:
  ActivationStorage prev_;
};

struct PackedBf16;  // bf16 storage + shape (autograd/saved.cpp)

class Saved {
 public:
  Saved() = default;
  explicit Saved(const Tensor& t);  // t may be undefined

  bool defined() const { return full_.defined() || packed_ != nullptr; }
  bool packed() const { return packed_ != nullptr; }
  // The float32 tensor (detached): the kept one, or unpacked into a fresh one.
  Tensor get() const;

 private:
  Tensor full_;
  std::shared_ptr<const PackedBf16> packed_;
  Shape shape_;  // of the tensor saved (a view of the same values may have packed them)
};

}  // namespace rf
