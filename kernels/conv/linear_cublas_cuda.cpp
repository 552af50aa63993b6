// cuBLAS baselines of the per-position linear layer (linear_cublas.h).
#include <cublas_v2.h>

#include <climits>
#include <stdexcept>
#include <string>

#include "kernels/common/memory.h"
#include "kernels/conv/linear_cublas.h"
#include "kernels/elementwise/elementwise_cuda.h"

namespace rf::kernels {
namespace {

void cublas_check(cublasStatus_t st, const char* what, const char* file, int line) {
  if (st != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + what + ": " +
                             cublasGetStatusString(st));
}
#define RF_CUBLAS_CHECK(expr) cublas_check((expr), #expr, __FILE__, __LINE__)

// One handle for the process, bound to the caller's stream at every call
// (cuBLAS keeps its own small workspace). Never destroyed, like cuDNN's.
cublasHandle_t handle(cudaStream_t stream) {
  static const cublasHandle_t h = [] {
    cublasHandle_t v = nullptr;
    RF_CUBLAS_CHECK(cublasCreate(&v));
    return v;
  }();
  RF_CUBLAS_CHECK(cublasSetStream(h, stream));
  return h;
}

cublasComputeType_t compute_type(ConvMath math) {
  switch (math) {
    case ConvMath::Fp32: return CUBLAS_COMPUTE_32F_PEDANTIC;
    case ConvMath::Tf32: return CUBLAS_COMPUTE_32F_FAST_TF32;
    case ConvMath::Bf16: return CUBLAS_COMPUTE_32F_FAST_16BF;
  }
  throw std::invalid_argument("linear cublas: unknown math");
}

int checked_int(int64_t v) {
  if (v > INT_MAX) throw std::invalid_argument("linear cublas: extent exceeds cuBLAS's int range");
  return int(v);
}

// C[m, n] = alpha op(A) op(B) + beta C, fp32 data, column-major, batched with strides.
void gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, const float* A, int lda,
          int64_t sa, const float* B, int ldb, int64_t sb, float beta, float* C, int ldc, int64_t sc, int batch,
          cublasComputeType_t ct) {
  const float alpha = 1.0f;
  RF_CUBLAS_CHECK(cublasGemmStridedBatchedEx(h, ta, tb, m, n, k, &alpha, A, CUDA_R_32F, lda, sa, B, CUDA_R_32F, ldb,
                                             sb, &beta, C, CUDA_R_32F, ldc, sc, batch, ct, CUBLAS_GEMM_DEFAULT));
}

}  // namespace

void pointwise_forward_cublas(const PointwiseShape& s, const float* x, const float* w, const float* bias, float* y,
                              Epilogue ep, cudaStream_t stream, ConvMath math) {
  const cublasHandle_t h = handle(stream);
  const int S = checked_int(s.S);
  const int64_t ny = int64_t(s.B) * s.Cout * s.S;
  Scratch<float> pre(Device::CUDA, ep == Epilogue::ReLU ? size_t(ny) : 0);
  float* out = ep == Epilogue::ReLU ? pre.data() : y;
  gemm(h, CUBLAS_OP_N, CUBLAS_OP_N, S, s.Cout, s.Cin, x, S, int64_t(s.Cin) * S, w, s.Cin, 0, 0.0f, out, S,
       int64_t(s.Cout) * S, s.B, compute_type(math));
  if (bias) {
    Scratch<float> ones(Device::CUDA, size_t(S));
    fill_cuda(S, 1.0f, ones.data(), stream);
    gemm(h, CUBLAS_OP_N, CUBLAS_OP_N, S, s.Cout, 1, ones.data(), S, 0, bias, 1, 0, 1.0f, out, S,
         int64_t(s.Cout) * S, s.B, CUBLAS_COMPUTE_32F_PEDANTIC);
  }
  if (ep == Epilogue::ReLU) relu_forward_cuda(ny, pre.data(), y, stream);
}

void pointwise_backward_data_cublas(const PointwiseShape& s, const float* dy, const float* w, float* dx,
                                    bool accumulate, cudaStream_t stream, ConvMath math) {
  const cublasHandle_t h = handle(stream);
  const int S = checked_int(s.S);
  gemm(h, CUBLAS_OP_N, CUBLAS_OP_T, S, s.Cin, s.Cout, dy, S, int64_t(s.Cout) * S, w, s.Cin, 0,
       accumulate ? 1.0f : 0.0f, dx, S, int64_t(s.Cin) * S, s.B, compute_type(math));
}

void pointwise_backward_weight_cublas(const PointwiseShape& s, const float* x, const float* dy, float* dw,
                                      float* dbias, bool accumulate, cudaStream_t stream, ConvMath math) {
  const cublasHandle_t h = handle(stream);
  const int S = checked_int(s.S);
  for (int b = 0; b < s.B; ++b)
    gemm(h, CUBLAS_OP_T, CUBLAS_OP_N, s.Cin, s.Cout, S, x + int64_t(b) * s.Cin * S, S, 0,
         dy + int64_t(b) * s.Cout * S, S, 0, (accumulate || b > 0) ? 1.0f : 0.0f, dw, s.Cin, 0, 1,
         compute_type(math));
  if (!dbias) return;
  Scratch<float> ones(Device::CUDA, size_t(S));
  fill_cuda(S, 1.0f, ones.data(), stream);
  const float one = 1.0f, zero = 0.0f;
  for (int b = 0; b < s.B; ++b)
    RF_CUBLAS_CHECK(cublasSgemv(h, CUBLAS_OP_T, S, s.Cout, &one, dy + int64_t(b) * s.Cout * S, S, ones.data(), 1,
                                (accumulate || b > 0) ? &one : &zero, dbias, 1));
}

}  // namespace rf::kernels
