// Test helpers: seeded random tensors and a finite-difference gradient check
// through the tape.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "autograd/tensor.h"

namespace rf::testutil {

inline Tensor random_tensor(const Shape& shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(shape.numel()));
  for (float& f : v) f = u(gen);
  return Tensor::from_vector(shape, v);
}

inline double dot(const Tensor& a, const Tensor& b) {
  const auto va = a.to_vector(), vb = b.to_vector();
  double s = 0;
  for (size_t i = 0; i < va.size(); ++i) s += double(va[i]) * vb[i];
  return s;
}

inline double rel_l2(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(b[i]) * b[i];
  }
  return std::sqrt(num / std::max(den, 1e-30));
}

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

// L = <R, f(inputs)> with a random R. Compares the tape's dL/dinput with
// central differences (eps) at up to `coords` random elements of each input
// in `check`, by relative L2 error over those elements (robust to the rare
// ReLU kink one perturbation crosses).
inline void gradcheck(const OpFn& f, std::vector<Tensor> inputs, const std::vector<size_t>& check,
                      float eps = 1e-2f, double tol = 1e-2, int coords = 48) {
  for (size_t i : check) inputs[i].set_requires_grad(true);
  Tensor out = f(inputs);
  ASSERT_TRUE(out.requires_grad());
  Tensor R = random_tensor(out.shape(), 777);
  backward(out, R);
  EXPECT_EQ(tape_size(), 0u);
  std::mt19937 gen(99);
  for (size_t i : check) {
    Tensor g = inputs[i].grad();
    ASSERT_TRUE(g.defined()) << "input " << i << " got no gradient";
    ASSERT_EQ(g.shape(), inputs[i].shape());
    const auto gv = g.to_vector();
    std::vector<float> an, fd;
    std::uniform_int_distribution<int64_t> pick(0, inputs[i].numel() - 1);
    NoGradGuard no_grad;
    for (int k = 0; k < std::min<int64_t>(coords, inputs[i].numel()); ++k) {
      const int64_t j = inputs[i].numel() <= coords ? k : pick(gen);
      float* p = inputs[i].data() + j;
      const float keep = *p;
      *p = keep + eps;
      const double lp = dot(R, f(inputs));
      *p = keep - eps;
      const double lm = dot(R, f(inputs));
      *p = keep;
      fd.push_back(float((lp - lm) / (2.0 * eps)));
      an.push_back(gv[size_t(j)]);
    }
    EXPECT_LT(rel_l2(an, fd), tol) << "input " << i;
  }
}

// Gradients of <R, f(inputs)> and <R, g(inputs)> agree (relative L2 < tol):
// checks a fused op against its composition, away from finite differences'
// trouble with ReLU kinks.
inline void same_grads(const OpFn& f, const OpFn& g, std::vector<Tensor> inputs, double tol = 1e-5) {
  std::vector<std::vector<float>> gf;
  Tensor R;
  for (const OpFn* fn : {&f, &g}) {
    std::vector<Tensor> in;
    for (const Tensor& t : inputs) in.push_back(t.clone().set_requires_grad(true));
    Tensor out = (*fn)(in);
    if (!R.defined()) R = random_tensor(out.shape(), 555);
    backward(out, R);
    for (size_t i = 0; i < in.size(); ++i) {
      if (fn == &f) {
        gf.push_back(in[i].grad().to_vector());
      } else {
        EXPECT_LT(rel_l2(in[i].grad().to_vector(), gf[i]), tol) << "input " << i;
      }
    }
  }
}

}  // namespace rf::testutil
