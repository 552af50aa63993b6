#include "autograd/tape.h"

#include <cmath>
#include <deque>
#include <string>
#include <stdexcept>

#include "autograd/backend.h"
#include "autograd/saved.h"

namespace rf {
namespace {

thread_local bool t_grad_enabled = true;
thread_local std::deque<Tape> t_tapes(1);  // deque: pushing keeps references to outer tapes valid
thread_local RngState t_rng;
thread_local bool t_finite_check = false;

// "conv3d: output 0 [16, 32, 7, 32, 32] has 12 non-finite values" or "" when finite.
std::string non_finite_note(const char* op, const char* what, size_t i, const Tensor& t) {
  const int64_t n = count_non_finite(t);
  if (n == 0) return "";
  return std::string(op) + ": " + what + " " + std::to_string(i) + " " + t.shape().str() + " has " +
         std::to_string(n) + " non-finite value" + (n == 1 ? "" : "s");
}

}  // namespace

// ---- non-finite diagnosis ------------------------------------------------------------
FiniteCheck::FiniteCheck() : prev_(t_finite_check) { t_finite_check = true; }
FiniteCheck::~FiniteCheck() { t_finite_check = prev_; }

int64_t count_non_finite(const Tensor& t) {
  if (!t.defined()) return 0;
  int64_t n = 0;
  for (float v : t.to_vector()) n += !std::isfinite(v);
  return n;
}

// ---- grad targets ----------------------------------------------------------------
GradTarget OpRecord::grad_in(size_t i) {
  GradSlot* s = inputs[i].get();
  if (!s) return {};
  if (s->grad.defined()) return {s->grad.data(), true};
  s->grad = Tensor::empty(s->shape, s->device);
  return {s->grad.data(), false};
}

float* OpRecord::grad_in_zeroed(size_t i) {
  GradSlot* s = inputs[i].get();
  if (!s) return nullptr;
  if (!s->grad.defined()) s->grad = Tensor::zeros(s->shape, s->device);
  return s->grad.data();
}

void Tape::run_backward() {
  // Walk back; a record runs when a gradient reached one of its outputs. Once
  // it has run, its saved tensors and its outputs' (non-leaf) gradients go.
  for (size_t k = records_.size(); k-- > 0;) {
    OpRecord& r = records_[k];
    bool reached = false;
    for (auto& o : r.outputs) reached = reached || (o && o->grad.defined());
    if (reached && r.backward) {
      r.backward(r);
      if (t_finite_check)
        for (size_t i = 0; i < r.inputs.size(); ++i) {
          if (!r.inputs[i]) continue;
          const std::string note = non_finite_note(r.name, "gradient of input", i, r.inputs[i]->grad);
          if (!note.empty()) throw NonFiniteError("backward of " + note + " (the gradients reaching it are finite)");
        }
    }
    for (auto& o : r.outputs)
      if (o && !o->leaf) o->grad = Tensor();
    records_.pop_back();
  }
}

// ---- grad mode -------------------------------------------------------------------
bool grad_enabled() { return t_grad_enabled; }
NoGradGuard::NoGradGuard() : prev_(t_grad_enabled) { t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { t_grad_enabled = prev_; }

// ---- tape stack --------------------------------------------------------------------
Tape& current_tape() { return t_tapes.back(); }
size_t tape_size() { return current_tape().size(); }
void tape_clear() { current_tape().clear(); }

bool needs_record(std::initializer_list<const Tensor*> inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor* t : inputs)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

void make_output(Tensor& out) {
  auto s = std::make_shared<GradSlot>();
  s->leaf = false;
  s->shape = out.shape();
  s->device = out.device();
  out.impl()->slot = std::move(s);
}

OpRecord make_record(const char* name, std::initializer_list<const Tensor*> inputs,
                     std::initializer_list<Tensor*> outputs) {
  if (t_finite_check) {
    size_t i = 0;
    for (const Tensor* t : inputs) {
      const std::string note = t && t->defined() ? non_finite_note(name, "input", i, *t) : "";
      if (!note.empty()) throw NonFiniteError(note + " (it came in so: from the data, a parameter or an op without grad)");
      ++i;
    }
    i = 0;
    for (Tensor* t : outputs) {
      const std::string note = non_finite_note(name, "output", i++, *t);
      if (!note.empty()) throw NonFiniteError(note + "; its inputs are finite");
    }
  }
  OpRecord r;
  r.name = name;
  for (const Tensor* t : inputs)
    r.inputs.push_back(t && t->defined() && t->requires_grad() ? t->slot() : nullptr);
  for (Tensor* t : outputs) {
    make_output(*t);
    r.outputs.push_back(t->slot());
  }
  return r;
}

// ---- reverse pass ------------------------------------------------------------------
void backward(const Tensor& root, const Tensor& grad_root) {
  if (!root.requires_grad()) throw std::runtime_error("backward: the root tensor does not require grad");
  GradSlot& s = *root.slot();
  Tensor seed = grad_root;
  if (!seed.defined()) {
    if (root.numel() != 1)
      throw std::runtime_error("backward: root of shape " + root.shape().str() + " needs an explicit gradient");
    seed = Tensor::full(root.shape(), 1.0f, root.device());
  } else if (seed.shape() != root.shape()) {
    throw std::runtime_error("backward: gradient " + seed.shape().str() + " for root " + root.shape().str());
  }
  if (s.grad.defined())
    backend(root.device()).axpy(root.numel(), 1.0f, seed.data(), s.grad.data());
  else
    s.grad = seed.clone();
  NoGradGuard no_grad;  // backward closures never record
  current_tape().run_backward();
}

// ---- RNG ---------------------------------------------------------------------------
RngState& rng_state() { return t_rng; }

// ---- checkpoint --------------------------------------------------------------------
std::vector<Tensor> checkpoint(const RegionFn& fn, const std::vector<Tensor>& inputs) {
  if (!t_grad_enabled || t_finite_check) return fn(inputs);  // checked: every op of the region recorded
  const RngState rng_at_start = t_rng;
  const ActivationStorage storage = activation_storage();
  std::vector<Tensor> outputs;
  {
    NoGradGuard no_grad;
    outputs = fn(inputs);
  }
  OpRecord r;
  r.name = "checkpoint";
  std::vector<Saved> saved;  // the inputs' data (bf16 under that storage)
  std::vector<bool> wants_grad;
  for (const Tensor& x : inputs) {
    r.inputs.push_back(x.requires_grad() ? x.slot() : nullptr);
    saved.emplace_back(x);
    wants_grad.push_back(x.requires_grad());
  }
  for (Tensor& y : outputs) {
    y = y.detach();  // own impl, even if fn returned an input or a view of one
    make_output(y);
    r.outputs.push_back(y.slot());
  }
  r.backward = [fn, saved, wants_grad, rng_at_start, storage](OpRecord& rec) {
    // Rerun the region with grad on, on a fresh tape, from leaf copies of the
    // inputs, under the activation storage of the forward.
    ActivationStorageGuard same_storage(storage);
    std::vector<Tensor> leaves;
    for (size_t i = 0; i < saved.size(); ++i) {
      Tensor l = saved[i].get().detach();
      if (wants_grad[i]) l.set_requires_grad(true);
      leaves.push_back(l);
    }
    t_tapes.emplace_back();
    const bool prev_mode = t_grad_enabled;
    const RngState rng_now = t_rng;
    t_grad_enabled = true;
    t_rng = rng_at_start;
    std::vector<Tensor> again;
    try {
      again = fn(leaves);
      if (again.size() != rec.outputs.size()) throw std::runtime_error("checkpoint: rerun changed output count");
      for (size_t i = 0; i < again.size(); ++i) {
        if (!rec.outputs[i]->grad.defined() || !again[i].requires_grad()) continue;
        again[i].slot()->grad = rec.outputs[i]->grad;
        rec.outputs[i]->grad = Tensor();  // the rerun's slot holds it now
      }
      again.clear();  // the rerun's records keep what they need; the outputs can go
      t_grad_enabled = false;
      t_tapes.back().run_backward();
    } catch (...) {
      t_tapes.pop_back();
      t_grad_enabled = prev_mode;
      t_rng = rng_now;
      throw;
    }
    t_tapes.pop_back();
    t_grad_enabled = prev_mode;
    t_rng = rng_now;
    for (size_t i = 0; i < leaves.size(); ++i) {
      if (!rec.inputs[i] || !leaves[i].grad().defined()) continue;
      Tensor g = leaves[i].grad();
      if (!rec.inputs[i]->grad.defined()) {  // hand the buffer over
        rec.inputs[i]->grad = g;
        continue;
      }
      GradTarget t = rec.grad_in(i);
      backend(g.device()).copy_strided(1, 1, g.numel(), g.data(), 0, 0, t.ptr, 0, 0, t.accumulate);
    }
  };
  current_tape().push(std::move(r));
  return outputs;
}

}  // namespace rf
