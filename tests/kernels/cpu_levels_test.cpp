// The CPU levels against each other in one process (set_cpu_level): every
// level-compiled kernel gives the same result twice at a fixed thread count
// (bit for bit), and every level agrees with the generic copy within fp32
// tolerance. Registered once, not per level: it switches levels itself.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <functional>
#include <stdexcept>
#include <vector>

#include "kernels/attention/attention.h"
#include "kernels/common/cpu_level.h"
#include "kernels/conv/conv.h"
#include "kernels/convlstm/convlstm.h"
#include "kernels/layernorm/layernorm.h"
#include "kernels/pointwise/pointwise.h"
#include "tests/kernels/kernel_testing.h"

namespace rf::kernels {
namespace {

using rf::kerneltest::random_vec;

using V = std::vector<float>;

double rel_l2(const V& a, const V& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) num += (a[i] - b[i]) * double(a[i] - b[i]), den += double(b[i]) * b[i];
  return std::sqrt(num / (den + 1e-30));
}

// All outputs of every level-compiled kernel on shapes with partial tiles.
V run_all() {
  V out;
  const auto append = [&](const V& v) { out.insert(out.end(), v.begin(), v.end()); };
  {  // conv: 3x3x3, odd extents, Cout not a multiple of any tile
    ConvShape s;
    s.B = 2, s.Cin = 5, s.Cout = 13, s.T = 3, s.H = 11, s.W = 37, s.kT = 3;
    const V x = random_vec(s.x_size(), 1), w = random_vec(s.w_size(), 2), b = random_vec(s.Cout, 3);
    const V dy = random_vec(s.y_size(), 4);
    V y(s.y_size()), dx(s.x_size()), dw(s.w_size()), db(s.Cout);
    conv_forward_cpu(s, x.data(), w.data(), b.data(), y.data(), Epilogue::ReLU);
    conv_backward_data_cpu(s, dy.data(), w.data(), dx.data(), false);
    conv_backward_weight_cpu(s, x.data(), dy.data(), dw.data(), db.data(), false);
    append(y), append(dx), append(dw), append(db);
  }
  {  // linear layers (1x1 conv kernels)
    PointwiseShape s;
    s.B = 2, s.Cin = 19, s.Cout = 7, s.S = 301;
    const V x = random_vec(size_t(s.B * s.Cin * s.S), 5), w = random_vec(size_t(s.Cout * s.Cin), 6);
    const V dy = random_vec(size_t(s.B * s.Cout * s.S), 7);
    V y(dy.size()), dx(x.size()), dw(w.size()), db(s.Cout);
    pointwise_forward_cpu(s, x.data(), w.data(), nullptr, y.data());
    pointwise_backward_data_cpu(s, dy.data(), w.data(), dx.data(), false);
    pointwise_backward_weight_cpu(s, x.data(), dy.data(), dw.data(), db.data(), false);
    append(y), append(dx), append(dw), append(db);
  }
  {  // window attention, qh-ref's head layout
    WindowAttnShape s;
    s.B = 1, s.C = 32, s.T = 2, s.H = 16, s.W = 24;
    const size_t px = size_t(s.B) * s.T * s.H * s.W;
    const V qkv = random_vec(3 * s.C * px, 8), dout = random_vec(s.C * px, 9);
    V o(s.C * px), lse(s.heads * px), dqkv(qkv.size());
    window_attention_forward_cpu(s, qkv.data(), o.data(), lse.data());
    window_attention_backward_cpu(s, qkv.data(), o.data(), lse.data(), dout.data(), dqkv.data(), false);
    append(o), append(dqkv);
  }
  {  // ConvLSTM cell
    ConvLstmShape s;
    s.B = 2, s.Ch = 5, s.HW = 3001;
    const size_t n = size_t(s.B) * s.Ch * s.HW;
    const V gates = random_vec(4 * n, 10), cp = random_vec(n, 11), dh = random_vec(n, 12), dc = random_vec(n, 13);
    V c(n), h(n), dg(4 * n), dcp(n);
    convlstm_cell_forward_cpu(s, gates.data(), cp.data(), c.data(), h.data());
    convlstm_cell_backward_cpu(s, gates.data(), cp.data(), c.data(), dh.data(), dc.data(), dg.data(), dcp.data());
    append(c), append(h), append(dg), append(dcp);
  }
  {  // LayerNorm over strided channels
    LayerNormShape s;
    s.B = 2, s.C = 32, s.S = 777;
    const size_t n = size_t(s.B) * s.C * s.S;
    const V x = random_vec(n, 14), g = random_vec(s.C, 15), be = random_vec(s.C, 16), dy = random_vec(n, 17);
    V y(n), mean(size_t(s.B) * s.S), rstd(mean.size()), dx(n), dg(s.C), dbe(s.C);
    layernorm_forward_cpu(s, x.data(), g.data(), be.data(), y.data(), mean.data(), rstd.data());
    layernorm_backward_cpu(s, x.data(), g.data(), mean.data(), rstd.data(), dy.data(), dx.data(), dg.data(),
                           dbe.data(), false);
    append(y), append(dx), append(dg), append(dbe);
  }
  return out;
}

class CpuLevels : public ::testing::Test {
 protected:
  void TearDown() override { set_cpu_level(cpu_level_best()); }
};

TEST_F(CpuLevels, EachLevelIsDeterministicAndAgreesWithGeneric) {
  omp_set_num_threads(2);
  set_cpu_level(CpuLevel::generic);
  const V ref = run_all();
  int tested = 0;
  for (CpuLevel l : kCpuLevels) {
    if (!cpu_level_supported(l)) continue;
    set_cpu_level(l);
    ASSERT_EQ(cpu_level(), l);
    const V a = run_all(), b = run_all();
    EXPECT_TRUE(a == b) << cpu_level_name(l) << ": two runs differ at a fixed thread count";
    EXPECT_LT(rel_l2(a, ref), 1e-5) << cpu_level_name(l) << " against generic";
    ++tested;
  }
  EXPECT_GE(tested, 1);
  RecordProperty("levels_tested", tested);
}

TEST_F(CpuLevels, AnUnsupportedOrUnknownLevelIsAClearError) {
  EXPECT_THROW(parse_cpu_level("avx1"), std::invalid_argument);
  EXPECT_EQ(parse_cpu_level("avx2"), CpuLevel::avx2);
  for (CpuLevel l : kCpuLevels) {
    if (cpu_level_supported(l)) continue;
    try {
      set_cpu_level(l);
      ADD_FAILURE() << "set_cpu_level accepted " << cpu_level_name(l);
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("this CPU lacks"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(cpu_level_supported(CpuLevel::generic));
  EXPECT_NE(cpu_level_report().find(cpu_level_name(cpu_level())), std::string::npos);
}

}  // namespace
}  // namespace rf::kernels
