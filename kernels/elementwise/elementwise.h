// Elementwise ops on n contiguous floats.
#pragma once
#include <cstdint>

namespace rf::kernels {

void relu_forward_cpu(int64_t n, const float* x, float* y);
// dx = dy * (y > 0)   (y is the forward output; += when accumulate)
void relu_backward_cpu(int64_t n, const float* y, const float* dy, float* dx, bool accumulate);
// y = a + b
void add_cpu(int64_t n, const float* a, const float* b, float* y);
// y += alpha * x
void axpy_cpu(int64_t n, float alpha, const float* x, float* y);
void fill_cpu(int64_t n, float value, float* y);
// sum of x in double (reductions, tests)
double sum_cpu(int64_t n, const float* x);
// Saved activations in bf16 (autograd/saved.h): y = bf16 of x, rounded to
// nearest even (kernels/common/bf16.h), and back (exact).
void to_bf16_cpu(int64_t n, const float* x, uint16_t* y);
void from_bf16_cpu(int64_t n, const uint16_t* x, float* y);

}  // namespace rf::kernels
