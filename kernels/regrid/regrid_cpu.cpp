#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/regrid/regrid.h"

namespace rf::kernels {

namespace {
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
}

void regrid_gather_span_cpu(const float* src, const int64_t* index, int64_t d0, int64_t n, float* dst) {
  const int64_t* idx = index + d0;
  for (int64_t i = 0; i < n; ++i) dst[i] = idx[i] < 0 ? kNaN : src[idx[i]];
}

void regrid_weighted_span_cpu(const float* src, const int64_t* index, const double* weight, int terms, int64_t d0,
                              int64_t n, float* dst) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t* idx = index + (d0 + i) * terms;
    const double* w = weight + (d0 + i) * terms;
    double acc = 0.0;
    bool any = false;
    for (int t = 0; t < terms; ++t) {
      if (idx[t] < 0) continue;
      any = true;
      acc += w[t] * double(src[idx[t]]);  // NaN in any used term propagates
    }
    dst[i] = any ? float(acc) : kNaN;
  }
}

void regrid_gather_cpu(const float* src, int64_t nsrc, const int64_t* index, int64_t ndst, float* dst,
                       int64_t nfields) {
  // One parallel loop over (field, target block): fields are independent and a
  // year of 0.01-degree targets is ~4e8 gathers, all memory bound.
  constexpr int64_t kBlock = 16384;
  const int64_t nblocks = (ndst + kBlock - 1) / kBlock;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t f = 0; f < nfields; ++f)
    for (int64_t b = 0; b < nblocks; ++b) {
      const float* s = src + f * nsrc;
      float* d = dst + f * ndst;
      const int64_t d0 = b * kBlock;
      regrid_gather_span_cpu(s, index, d0, std::min(kBlock, ndst - d0), d + d0);
    }
}

void regrid_weighted_cpu(const float* src, int64_t nsrc, int src_planes, const int64_t* index, const double* weight,
                         int terms, int64_t ndst, float* dst, int64_t nfields) {
  constexpr int64_t kBlock = 4096;
  const int64_t nblocks = (ndst + kBlock - 1) / kBlock;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t f = 0; f < nfields; ++f)
    for (int64_t b = 0; b < nblocks; ++b) {
      const int64_t d0 = b * kBlock, n = std::min(kBlock, ndst - d0);
      regrid_weighted_span_cpu(src + f * nsrc * src_planes, index, weight, terms, d0, n, dst + f * ndst + d0);
    }
}

void regrid_hermite_planes_cpu(const float* f, int64_t nx, int64_t ny, float* out) {
  const int64_t n_all = nx * ny;
  float* gi = out + n_all;
  float* gj = out + 2 * n_all;
  float* gij = out + 3 * n_all;
  auto valid = [&](int64_t k) { return !std::isnan(f[k]); };
  // 1-based (i, j) as in CDO's remap_gradients, j = storage row.
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < n_all; ++n) {
    out[n] = f[n];
    if (!valid(n)) {
      gi[n] = gj[n] = gij[n] = 0.0f;
      continue;
    }
    const int64_t j = n / nx + 1, i = n - (j - 1) * nx + 1;
    double delew = 0.5, delns = 0.5;
    int64_t ip1 = i + 1, im1 = i - 1, jp1 = j + 1, jm1 = j - 1;
    if (ip1 > nx) ip1 -= nx;  // cyclic in i, even for regional grids (CDO quirk)
    if (im1 < 1) im1 = nx;
    if (jp1 > ny) { jp1 = j; delns = 1.0; }
    if (jm1 < 1) { jm1 = j; delns = 1.0; }
    auto at = [&](int64_t jj, int64_t ii) { return (jj - 1) * nx + ii - 1; };
    int64_t in = at(jp1, i), is = at(jm1, i), ie = at(j, ip1), iw = at(j, im1);
    int64_t ine = at(jp1, ip1), inw = at(jp1, im1), ise = at(jm1, ip1), isw = at(jm1, im1);

    if (!valid(ie)) { ie = n; delew = 1.0; }
    if (!valid(iw)) { iw = n; delew = 1.0; }
    gi[n] = float(delew * (double(f[ie]) - double(f[iw])));
    if (!valid(in)) { in = n; delns = 1.0; }
    if (!valid(is)) { is = n; delns = 1.0; }
    gj[n] = float(delns * (double(f[in]) - double(f[is])));

    // Cross gradient with CDO's substitution rules for missing diagonal neighbours.
    delew = 0.5;
    delns = (jp1 == j || jm1 == j) ? 1.0 : 0.5;
    if (!valid(ine)) {
      if (in != n) { ine = in; delew = 1.0; }
      else if (ie != n) { ine = ie; inw = iw; if (inw == n) delew = 1.0; delns = 1.0; }
      else { ine = n; inw = iw; delew = 1.0; delns = 1.0; }
    }
    if (!valid(inw)) {
      if (in != n) { inw = in; delew = 1.0; }
      else if (iw != n) { inw = iw; ine = ie; if (ie == n) delew = 1.0; delns = 1.0; }
      else { inw = n; ine = ie; delew = 1.0; delns = 1.0; }
    }
    const double north = delew * (double(f[ine]) - double(f[inw]));
    if (!valid(ise)) {
      if (is != n) { ise = is; delew = 1.0; }
      else if (ie != n) { ise = ie; isw = iw; if (isw == n) delew = 1.0; delns = 1.0; }
      else { ise = n; isw = iw; delew = 1.0; delns = 1.0; }
    }
    if (!valid(isw)) {
      if (is != n) { isw = is; delew = 1.0; }
      else if (iw != n) { isw = iw; ise = ie; if (ie == n) delew = 1.0; delns = 1.0; }
      else { isw = n; ise = ie; delew = 1.0; delns = 1.0; }
    }
    const double south = delew * (double(f[ise]) - double(f[isw]));
    gij[n] = float(delns * (north - south));
  }
}

}  // namespace rf::kernels
