// Regrid plan application (kernels/regrid/regrid.h) against the rules its
// header states, written out independently here: the gather (-1 = NaN), the
// weighted sum in double with its missing-value rules, the serial span
// versions equal to the parallel ones, and CDO's bicubic gradient planes on a
// field whose centred differences are known (bilinear in i and j), at the
// interior, the one-sided first/last rows, the cyclic first/last columns and
// next to a missing value. (Whole-plan agreement with cdo: tests/io.)
#include "kernels/regrid/regrid.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace rf::kernels {
namespace {

const float kNaN = std::nanf("");

std::vector<float> random_field(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(0.0f, 20.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(gen);
  return v;
}

TEST(Regrid, GatherCopiesIndexedValuesAndMarksUnmappedNaN) {
  const int64_t nsrc = 1000, ndst = 70001, nfields = 3;  // odd sizes; several fields
  const std::vector<float> src = random_field(size_t(nsrc * nfields), 1);
  std::vector<int64_t> index(ndst);
  std::mt19937 gen(2);
  for (auto& k : index) k = int64_t(gen() % (nsrc + 50)) - 50;  // about 5 % unmapped
  std::vector<float> dst(size_t(ndst * nfields)), span(static_cast<size_t>(ndst));
  regrid_gather_cpu(src.data(), nsrc, index.data(), ndst, dst.data(), nfields);
  for (int64_t f = 0; f < nfields; ++f)
    for (int64_t d = 0; d < ndst; ++d) {
      const float got = dst[size_t(f * ndst + d)];
      if (index[size_t(d)] < 0)
        ASSERT_TRUE(std::isnan(got)) << d;
      else
        ASSERT_EQ(got, src[size_t(f * nsrc + index[size_t(d)])]) << d;
    }
  regrid_gather_span_cpu(src.data() + nsrc, index.data(), 123, 4567, span.data());
  for (int64_t d = 0; d < 4567; ++d) {
    const float want = dst[size_t(ndst + 123 + d)];
    ASSERT_TRUE(std::isnan(want) ? std::isnan(span[size_t(d)]) : span[size_t(d)] == want) << d;
  }
}

TEST(Regrid, WeightedSumsInDoubleWithTheMissingValueRules) {
  const int64_t nsrc = 500, ndst = 40000, nfields = 2;
  const int terms = 4, planes = 1;
  std::vector<float> src = random_field(size_t(nsrc * nfields), 3);
  src[7] = kNaN;  // a missing source value of field 0
  std::vector<int64_t> index(size_t(ndst * terms));
  std::vector<double> weight(size_t(ndst * terms));
  std::mt19937 gen(4);
  std::uniform_real_distribution<double> w(-0.5, 1.5);
  for (size_t k = 0; k < index.size(); ++k) {
    index[k] = gen() % 10 == 0 ? -1 : int64_t(gen() % nsrc);
    weight[k] = gen() % 10 == 1 ? 0.0 : w(gen);
  }
  for (int t = 0; t < terms; ++t) index[size_t(5 * terms + t)] = -1;                // no used term
  index[size_t(6 * terms)] = 7, weight[size_t(6 * terms)] = 0.0;                   // NaN at weight 0
  std::vector<float> dst(size_t(ndst * nfields)), span(static_cast<size_t>(ndst));
  regrid_weighted_cpu(src.data(), nsrc, planes, index.data(), weight.data(), terms, ndst, dst.data(), nfields);
  for (int64_t f = 0; f < nfields; ++f)
    for (int64_t d = 0; d < ndst; ++d) {
      double sum = 0;
      bool used = false, missing = false;
      for (int t = 0; t < terms; ++t) {
        const int64_t k = index[size_t(d * terms + t)];
        if (k < 0) continue;
        used = true;
        const float v = src[size_t(f * nsrc + k)];
        missing = missing || std::isnan(v);
        sum += weight[size_t(d * terms + t)] * double(v);
      }
      const float got = dst[size_t(f * ndst + d)];
      if (!used || missing)
        ASSERT_TRUE(std::isnan(got)) << f << " " << d;
      else
        ASSERT_EQ(got, float(sum)) << f << " " << d;
    }
  EXPECT_TRUE(std::isnan(dst[5]) && std::isnan(dst[6]));
  EXPECT_FALSE(std::isnan(dst[size_t(ndst + 6)]));  // field 1 has no NaN there
  regrid_weighted_span_cpu(src.data(), index.data(), weight.data(), terms, 1000, 3000, span.data());
  for (int64_t d = 0; d < 3000; ++d) {
    const float want = dst[size_t(1000 + d)];
    ASSERT_TRUE(std::isnan(want) ? std::isnan(span[size_t(d)]) : span[size_t(d)] == want) << d;
  }
}

// f(i, j) = a + b i + c j + e i j (0-based column i, row j). Centred
// differences (factor 0.5) of a bilinear field are its exact derivatives:
// di = b + e j, dj = c + e i, dij = e; one-sided at the first/last row
// (factor 1) likewise; at the first/last column the i neighbour wraps to the
// other edge, so di and dij there come from the wrapped values.
TEST(Regrid, HermitePlanesAreCdosGradients) {
  const int64_t nx = 9, ny = 6;
  const double a = 1.5, b = 0.25, c = -0.75, e = 0.125;
  std::vector<float> f(size_t(nx * ny));
  for (int64_t j = 0; j < ny; ++j)
    for (int64_t i = 0; i < nx; ++i)
      f[size_t(j * nx + i)] = float(a + b * double(i) + c * double(j) + e * double(i * j));
  std::vector<float> out(size_t(4 * nx * ny));
  regrid_hermite_planes_cpu(f.data(), nx, ny, out.data());
  const float* gi = out.data() + nx * ny;
  const float* gj = gi + nx * ny;
  const float* gij = gj + nx * ny;
  auto F = [&](int64_t i, int64_t j) { return double(f[size_t(j * nx + i)]); };
  for (int64_t j = 0; j < ny; ++j)
    for (int64_t i = 0; i < nx; ++i) {
      const size_t n = size_t(j * nx + i);
      ASSERT_EQ(out[n], f[n]);
      const int64_t ip = (i + 1) % nx, im = (i + nx - 1) % nx;
      const bool edge_row = j == 0 || j == ny - 1;
      EXPECT_NEAR(gi[n], 0.5 * (F(ip, j) - F(im, j)), 1e-5) << i << " " << j;
      if (i > 0 && i < nx - 1) {
        EXPECT_NEAR(gi[n], b + e * double(j), 1e-5) << i << " " << j;
      }
      EXPECT_NEAR(gj[n], c + e * double(i), 1e-5) << i << " " << j << (edge_row ? " (one-sided)" : "");
      if (i > 0 && i < nx - 1) {
        EXPECT_NEAR(gij[n], e, 1e-5) << i << " " << j;
      }
    }
  // A missing east neighbour: the one-sided difference to the west (factor 1);
  // the missing point itself gets zero gradients.
  f[size_t(2 * nx + 5)] = kNaN;
  regrid_hermite_planes_cpu(f.data(), nx, ny, out.data());
  const size_t n = size_t(2 * nx + 4), m = size_t(2 * nx + 5);
  EXPECT_NEAR(gi[n], F(4, 2) - F(3, 2), 1e-5);
  EXPECT_TRUE(std::isnan(out[m]));
  EXPECT_EQ(gi[m], 0.0f);
  EXPECT_EQ(gj[m], 0.0f);
  EXPECT_EQ(gij[m], 0.0f);
}

}  // namespace
}  // namespace rf::kernels
