// Regrid gathers through the simulator against the CPU backend: random index
// maps with missing targets (-1) and NaN sources; results must be bit-identical
// for the nearest gather and close for the weighted one.
#include <cmath>

#include "kernels/regrid/regrid.h"
#include "kernels/regrid/regrid_cuda.h"
#include "tests/sim/sim_harness.h"

namespace {

namespace k = rf::kernels;
using rf::simtest::random_vec;

TEST(SimRegrid, NearestGatherIsBitIdentical) {
  const int64_t nsrc = 517, ndst = 2049, nfields = 3;
  std::vector<float> src = random_vec(size_t(nsrc * nfields), 1);
  src[17] = NAN;
  std::mt19937_64 g(2);
  std::vector<int64_t> index(ndst);
  for (auto& i : index) i = g() % 10 == 0 ? -1 : int64_t(g() % nsrc);
  std::vector<float> want(size_t(ndst * nfields));
  k::regrid_gather_cpu(src.data(), nsrc, index.data(), ndst, want.data(), nfields);
  const auto got = rf::simtest::race_checked([&] {
    std::vector<float> dst(want.size(), 5.0f);
    k::regrid_gather_cuda(src.data(), nsrc, index.data(), ndst, dst.data(), nfields, nullptr);
    return dst;
  });
  EXPECT_TRUE(rf::simtest::same_bits(got, want));
}

TEST(SimRegrid, WeightedGatherMatchesCpu) {
  const int64_t nsrc = 301, ndst = 1001, nfields = 2;
  const int planes = 4, terms = 16;
  std::vector<float> src = random_vec(size_t(nsrc * planes * nfields), 3);
  src[100] = NAN;
  std::mt19937_64 g(4);
  std::vector<int64_t> index(size_t(ndst * terms));
  std::vector<double> weight(index.size());
  for (size_t i = 0; i < index.size(); ++i) {
    index[i] = g() % 7 == 0 ? -1 : int64_t(g() % (nsrc * planes));
    weight[i] = double(g() % 1000) / 1000.0 - 0.3;
  }
  for (int t = 0; t < terms; ++t) index[size_t(5 * terms + t)] = -1;  // a target with no terms
  std::vector<float> want(size_t(ndst * nfields));
  k::regrid_weighted_cpu(src.data(), nsrc, planes, index.data(), weight.data(), terms, ndst, want.data(), nfields);
  const auto got = rf::simtest::race_checked([&] {
    std::vector<float> dst(want.size(), 5.0f);
    k::regrid_weighted_cuda(src.data(), nsrc, planes, index.data(), weight.data(), terms, ndst, dst.data(), nfields,
                            nullptr);
    return dst;
  });
  int nan_count = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(std::isnan(got[i]), std::isnan(want[i])) << i;
    nan_count += std::isnan(got[i]);
    if (!std::isnan(want[i])) {
      ASSERT_NEAR(got[i], want[i], 1e-6 * (1.0 + std::fabs(want[i]))) << i;
    }
  }
  EXPECT_GT(nan_count, 0);
}

}  // namespace
