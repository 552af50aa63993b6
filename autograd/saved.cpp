#include "autograd/saved.h"

#include <cstdint>
#include <unordered_map>

#include "autograd/backend.h"

namespace rf {

struct PackedBf16 {
  std::shared_ptr<Storage> bits;  // numel uint16 values
  uint16_t* data() const { return reinterpret_cast<uint16_t*>(bits->ptr); }
};

namespace {

thread_local ActivationStorage t_mode = ActivationStorage::fp32;

// Below this size a tensor is not worth a pack (statistics, per-sample values).
constexpr int64_t kPackMin = 1024;

// The packed copies alive on this thread, by what they were packed from. An
// entry whose source storage or packed copy is gone is stale (a new tensor may
// reuse the address: the weak_ptr to the old storage tells them apart).
struct Key {
  const Storage* storage;
  int64_t offset, numel;
  bool operator==(const Key&) const = default;
};
struct KeyHash {
  size_t operator()(const Key& k) const {
    return std::hash<const void*>()(k.storage) ^ (std::hash<int64_t>()(k.offset) * 31) ^
           (std::hash<int64_t>()(k.numel) * 1000003);
  }
};
struct Entry {
  std::weak_ptr<Storage> source;
  std::weak_ptr<const PackedBf16> packed;
};
thread_local std::unordered_map<Key, Entry, KeyHash> t_packed;
thread_local size_t t_sweep_at = 64;

std::shared_ptr<const PackedBf16> pack(const Tensor& t) {
  const auto& impl = *t.impl();
  const Key key{impl.storage.get(), impl.offset, t.numel()};
  if (auto it = t_packed.find(key); it != t_packed.end()) {
    if (!it->second.source.expired())
      if (auto p = it->second.packed.lock()) return p;
  }
  if (t_packed.size() >= t_sweep_at) {  // drop stale entries now and then
    std::erase_if(t_packed, [](const auto& e) { return e.second.source.expired() || e.second.packed.expired(); });
    t_sweep_at = 2 * t_packed.size() + 64;
  }
  auto p = std::make_shared<PackedBf16>();
  p->bits = std::make_shared<Storage>(t.device(), size_t(t.numel()) * sizeof(uint16_t));
  backend(t.device()).to_bf16(t.numel(), t.data(), p->data());
  t_packed[key] = Entry{impl.storage, p};
  return p;
}

}  // namespace

ActivationStorage activation_storage() { return t_mode; }
ActivationStorageGuard::ActivationStorageGuard(ActivationStorage mode) : prev_(t_mode) { t_mode = mode; }
ActivationStorageGuard::~ActivationStorageGuard() { t_mode = prev_; }

Saved::Saved(const Tensor& t) {
  if (!t.defined()) return;
  if (t_mode == ActivationStorage::bf16 && !t.is_leaf() && t.numel() >= kPackMin)
    packed_ = pack(t), shape_ = t.shape();
  else
    full_ = t.detach();
}

Tensor Saved::get() const {
  if (!packed_) return full_;
  Tensor t = Tensor::empty(shape_, packed_->bits->device);
  backend(t.device()).from_bf16(t.numel(), packed_->data(), t.data());
  return t;
}

}  // namespace rf
