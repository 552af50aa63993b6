// The tape: a list of op records, appended by ops in forward order and walked
// in reverse by backward().
//
// A record holds, for each input and output, only its GradSlot (where the
// gradient accumulates), never the tensor itself, plus exactly the tensors its
// backward needs, captured in the `backward` closure (conv+ReLU: x, w and y;
// attention: qkv, out, lse; LayerNorm: x, mean, rstd; dropout: nothing). So an
// activation lives as long as someone (the user or a record) needs it, and
// intermediate gradients are freed as soon as the producing record has run.
//
// Records are made only in grad mode (default on; NoGradGuard turns it off)
// and only when some input requires grad. Ops are recorded on the innermost
// tape of a per-thread stack; checkpoint() pushes a fresh one for its rerun.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "autograd/tensor.h"

namespace rf {

struct GradSlot {
  Tensor grad;      // undefined until a gradient arrives
  bool leaf = false;
  Shape shape;
  Device device = Device::CPU;
};

// Where a backward writes the gradient of one input. `accumulate` is false when
// the buffer was just allocated (uninitialised: the kernel must overwrite),
// true when it already holds a gradient (the kernel must add).
struct GradTarget {
  float* ptr = nullptr;
  bool accumulate = false;
  explicit operator bool() const { return ptr != nullptr; }
};

struct OpRecord {
  const char* name = "";
  std::vector<std::shared_ptr<GradSlot>> inputs;   // null entries: no grad needed
  std::vector<std::shared_ptr<GradSlot>> outputs;
  std::function<void(OpRecord&)> backward;

  // Gradient of output i (undefined if none reached it).
  const Tensor& grad_out(size_t i) const { return outputs[i]->grad; }
  // Target buffer for the gradient of input i (null ptr if input i needs none).
  GradTarget grad_in(size_t i);
  // Like grad_in but zero-filled when fresh (for kernels that always add).
  float* grad_in_zeroed(size_t i);
};

class Tape {
 public:
  void push(OpRecord&& r) { records_.push_back(std::move(r)); }
  size_t size() const { return records_.size(); }
  void clear() { records_.clear(); }
  // Reverse pass over every record; gradients must already be seeded.
  void run_backward();

 private:
  std::vector<OpRecord> records_;
};

// ---- grad mode -------------------------------------------------------------
bool grad_enabled();
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// ---- the tape stack ----------------------------------------------------------
Tape& current_tape();
size_t tape_size();   // records on the current tape (tests: no-grad makes none)
void tape_clear();    // drop the current tape (e.g. after an eval pass with grad on)

// True when an op with these inputs must be recorded.
bool needs_record(std::initializer_list<const Tensor*> inputs);
// Gives `out` a fresh non-leaf grad slot.
void make_output(Tensor& out);
// Builds a record from inputs (slots or null) and outputs; the caller fills backward.
OpRecord make_record(const char* name, std::initializer_list<const Tensor*> inputs,
                     std::initializer_list<Tensor*> outputs);

// ---- reverse pass ------------------------------------------------------------
// Seeds d(root)/d(root) = 1 (root must have one element, or pass grad_root of
// root's shape), runs the current tape in reverse and clears it. Leaf gradients
// accumulate (+=) across calls until zero_grad().
void backward(const Tensor& root, const Tensor& grad_root = Tensor());

// ---- dropout RNG stream (per thread) -----------------------------------------
// Dropout draws element g of the Philox stream (seed, offset + g) and advances
// offset; checkpoint() saves and restores it so a rerun draws the same masks.
struct RngState {
  uint64_t seed = 0x5eedULL;
  uint64_t offset = 0;
};
RngState& rng_state();

// ---- recompute (checkpoint) regions ------------------------------------------
// Runs fn(inputs) without keeping its intermediates (one record holds only the
// inputs); backward reruns fn with grad on and backpropagates through the rerun.
// Parameters used inside fn receive their gradients as usual. fn must be
// deterministic given the inputs and the dropout RNG state (which is replayed).
using RegionFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;
std::vector<Tensor> checkpoint(const RegionFn& fn, const std::vector<Tensor>& inputs);

// ---- non-finite diagnosis ------------------------------------------------------
// While a FiniteCheck lives on this thread, every recorded op checks its
// inputs and outputs as it is recorded, and every backward the gradients it
// produced, and the first NaN or inf throws NonFiniteError naming the op, the
// tensor and its shape ("conv3d: output 0 [16, 32, 7, 32, 32] has 12 non-finite
// values; its inputs are finite"). checkpoint() regions run recorded (not
// recomputed) so that their ops are checked too. Slow (every tensor is copied
// to the host and scanned): for rerunning a step that went non-finite.
struct NonFiniteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
class FiniteCheck {
 public:
  FiniteCheck();
  ~FiniteCheck();
  FiniteCheck(const FiniteCheck&) = delete;
  FiniteCheck& operator=(const FiniteCheck&) = delete;

 private:
  bool prev_;
};
int64_t count_non_finite(const Tensor& t);  // NaN and inf values of t (any device)

}  // namespace rf
