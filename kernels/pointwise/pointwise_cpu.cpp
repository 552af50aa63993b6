// Per-position linear layer on channels-first data as GEMMs over position chunks:
//   Y_b[:, chunk] = W[Cout, Cin] * X_b[:, chunk]      (forward)
//   dX_b[:, chunk] = W^T * dY_b[:, chunk]             (backward data)
//   dW += dY_b[:, chunk] * X_b[:, chunk]^T            (backward weight, per-thread partials)
// Threads take (b, chunk) items; each GEMM runs single-threaded on strided views,
// so no scratch is needed except the per-thread dW partials.
#include <omp.h>

// GCC 12 reports false -Wmaybe-uninitialized inside Eigen's AVX-512 packet code
// (instantiated in this file, so the pragma must cover the whole file).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Core>
#include <algorithm>

#include "kernels/common/memory.h"
#include "kernels/pointwise/pointwise.h"

namespace rf::kernels {
namespace {

using MatR = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMapR = Eigen::Map<const MatR>;
using MapR = Eigen::Map<MatR>;
using StridedR = Eigen::Map<MatR, 0, Eigen::OuterStride<>>;
using ConstStridedR = Eigen::Map<const MatR, 0, Eigen::OuterStride<>>;

// Positions per work item: enough to amortise a GEMM call, small enough to
// spread a single batch item over both cores.
constexpr int64_t kChunk = 2048;

struct Chunks {
  int64_t len, per_b, items;
  Chunks(const PointwiseShape& s) {
    per_b = (s.S + kChunk - 1) / kChunk;
    len = (s.S + per_b - 1) / per_b;
    items = int64_t(s.B) * per_b;
  }
};

}  // namespace

void pointwise_forward_cpu(const PointwiseShape& s, const float* x, const float* w, const float* bias, float* y,
                           Epilogue ep) {
  const Chunks c(s);
  const ConstMapR Wm(w, s.Cout, s.Cin);
#pragma omp parallel for schedule(static) if (c.items > 1)
  for (int64_t it = 0; it < c.items; ++it) {
    const int64_t b = it / c.per_b, p0 = (it % c.per_b) * c.len, n = std::min(c.len, s.S - p0);
    const ConstStridedR X(x + b * s.Cin * s.S + p0, s.Cin, n, Eigen::OuterStride<>(s.S));
    float* yb = y + b * s.Cout * s.S + p0;
    StridedR Y(yb, s.Cout, n, Eigen::OuterStride<>(s.S));
    Y.noalias() = Wm * X;
    if (bias || ep == Epilogue::ReLU) {
      for (int o = 0; o < s.Cout; ++o) {
        float* row = yb + o * s.S;
        const float bv = bias ? bias[o] : 0.0f;
        if (ep == Epilogue::ReLU) {
          for (int64_t j = 0; j < n; ++j) row[j] = std::max(row[j] + bv, 0.0f);
        } else {
          for (int64_t j = 0; j < n; ++j) row[j] += bv;
        }
      }
    }
  }
}

void pointwise_backward_data_cpu(const PointwiseShape& s, const float* dy, const float* w, float* dx,
                                 bool accumulate) {
  const Chunks c(s);
  const ConstMapR Wm(w, s.Cout, s.Cin);
#pragma omp parallel for schedule(static) if (c.items > 1)
  for (int64_t it = 0; it < c.items; ++it) {
    const int64_t b = it / c.per_b, p0 = (it % c.per_b) * c.len, n = std::min(c.len, s.S - p0);
    const ConstStridedR dY(dy + b * s.Cout * s.S + p0, s.Cout, n, Eigen::OuterStride<>(s.S));
    StridedR dX(dx + b * s.Cin * s.S + p0, s.Cin, n, Eigen::OuterStride<>(s.S));
    if (accumulate) {
      dX.noalias() += Wm.transpose() * dY;
    } else {
      dX.noalias() = Wm.transpose() * dY;
    }
  }
}

void pointwise_backward_weight_cpu(const PointwiseShape& s, const float* x, const float* dy, float* dw,
                                   float* dbias, bool accumulate) {
  const Chunks c(s);
  const int nth = omp_get_max_threads();
  const int64_t wsz = int64_t(s.Cout) * s.Cin;
  // Per thread: dW [Cout, Cin] then dbias [Cout]; summed in thread order at the end.
  const int64_t slot = wsz + s.Cout;
  Scratch<float> partial(Device::CPU, size_t(slot * nth));
  int used = 1;
#pragma omp parallel num_threads(nth)
  {
    const int tid = omp_get_thread_num();
#pragma omp single
    used = omp_get_num_threads();
    float* mine = partial.data() + tid * slot;
    MapR dW(mine, s.Cout, s.Cin);
    dW.setZero();
    Eigen::Map<Eigen::VectorXf> db(mine + wsz, s.Cout);
    db.setZero();
#pragma omp for schedule(static)
    for (int64_t it = 0; it < c.items; ++it) {
      const int64_t b = it / c.per_b, p0 = (it % c.per_b) * c.len, n = std::min(c.len, s.S - p0);
      const ConstStridedR X(x + b * s.Cin * s.S + p0, s.Cin, n, Eigen::OuterStride<>(s.S));
      const ConstStridedR dY(dy + b * s.Cout * s.S + p0, s.Cout, n, Eigen::OuterStride<>(s.S));
      dW.noalias() += dY * X.transpose();
      if (dbias) db += dY.rowwise().sum();
    }
  }
  for (int64_t i = 0; i < wsz; ++i) {
    float acc = 0.0f;
    for (int t = 0; t < used; ++t) acc += partial[t * slot + i];
    dw[i] = accumulate ? dw[i] + acc : acc;
  }
  if (dbias) {
    for (int o = 0; o < s.Cout; ++o) {
      float acc = 0.0f;
      for (int t = 0; t < used; ++t) acc += partial[t * slot + wsz + o];
      dbias[o] = accumulate ? dbias[o] + acc : acc;
    }
  }
}

}  // namespace rf::kernels
