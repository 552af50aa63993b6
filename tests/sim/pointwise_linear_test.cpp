// The per-position linear layer (1x1x1 conv on the implicit GEMM) through the
// simulator against the CPU backend: forward with bias + ReLU, backward data
// and weight (+ bias), accumulate, qh-ref's qkv shape (32 -> 96) at an odd S.
#include "kernels/pointwise/pointwise.h"
#include "kernels/pointwise/pointwise_cuda.h"
#include "tests/sim/sim_harness.h"

namespace {

namespace k = rf::kernels;
using V = std::vector<float>;

TEST(SimPointwise, ForwardAndBackwardMatchCpu) {
  k::PointwiseShape s;
  s.B = 2;
  s.Cin = 32;
  s.Cout = 96;
  s.S = 131;
  const int64_t nx = s.B * s.Cin * s.S, ny = s.B * s.Cout * s.S, nw = int64_t(s.Cout) * s.Cin;
  const V x = rf::simtest::random_vec(size_t(nx), 1), w = rf::simtest::random_vec(size_t(nw), 2),
          b = rf::simtest::random_vec(size_t(s.Cout), 3), dy = rf::simtest::random_vec(size_t(ny), 4),
          dx0 = rf::simtest::random_vec(size_t(nx), 5), dw0 = rf::simtest::random_vec(size_t(nw), 6),
          db0 = rf::simtest::random_vec(size_t(s.Cout), 7);
  V want(static_cast<size_t>(ny)), wdx = dx0, wdw = dw0, wdb = db0;
  k::pointwise_forward_cpu(s, x.data(), w.data(), b.data(), want.data(), k::Epilogue::ReLU);
  k::pointwise_backward_data_cpu(s, dy.data(), w.data(), wdx.data(), true);
  k::pointwise_backward_weight_cpu(s, x.data(), dy.data(), wdw.data(), wdb.data(), true);
  for (const V* v : {&wdx, &wdw, &wdb}) want.insert(want.end(), v->begin(), v->end());
  const V got = rf::simtest::race_checked([&] {
    V y(static_cast<size_t>(ny)), dx = dx0, dw = dw0, db = db0;
    k::pointwise_forward_cuda(s, x.data(), w.data(), b.data(), y.data(), k::Epilogue::ReLU, nullptr);
    k::pointwise_backward_data_cuda(s, dy.data(), w.data(), dx.data(), true, nullptr);
    k::pointwise_backward_weight_cuda(s, x.data(), dy.data(), dw.data(), db.data(), true, nullptr);
    for (const V* v : {&dx, &dw, &db}) y.insert(y.end(), v->begin(), v->end());
    return y;
  });
  rf::simtest::expect_close(got, want, 2e-5, 1.0, "pointwise");
}

}  // namespace
