// Applies a plan with the CPU regrid kernels. Bicubic first expands each source
// field into its 4 Hermite planes (value, i/j/cross gradients), since CDO's
// gradients depend on which neighbours are missing in that field.
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "io/regrid/regrid.h"
#include "kernels/regrid/regrid.h"

namespace rf::io {

void apply_regrid(const RegridPlan& plan, const float* src, float* dst, int64_t nfields) {
  const int64_t nsrc = int64_t(plan.src.size()), ndst = int64_t(plan.dst.size());
  if (plan.method == RegridMethod::Nearest) {
    if (int64_t(plan.src_index.size()) != ndst) throw std::runtime_error("apply_regrid: nearest plan has no index map");
    kernels::regrid_gather_cpu(src, nsrc, plan.src_index.data(), ndst, dst, nfields);
    return;
  }
  if (int64_t(plan.term_index.size()) != ndst * plan.terms)
    throw std::runtime_error("apply_regrid: plan has no weights");
  if (plan.method != RegridMethod::Bicubic) {
    kernels::regrid_weighted_cpu(src, nsrc, 1, plan.term_index.data(), plan.term_weight.data(), plan.terms, ndst, dst,
                                 nfields);
    return;
  }
  std::vector<float> planes(size_t(4 * nsrc));
  for (int64_t f = 0; f < nfields; ++f) {
    kernels::regrid_hermite_planes_cpu(src + f * nsrc, int64_t(plan.src.nx()), int64_t(plan.src.ny()), planes.data());
    kernels::regrid_weighted_cpu(planes.data(), nsrc, 4, plan.term_index.data(), plan.term_weight.data(), plan.terms,
                                 ndst, dst + f * ndst, 1);
  }
}

int regrid_source_planes(const RegridPlan& plan) { return plan.method == RegridMethod::Bicubic ? 4 : 1; }

void make_regrid_source(const RegridPlan& plan, const float* field, float* planes) {
  if (plan.method == RegridMethod::Bicubic)
    kernels::regrid_hermite_planes_cpu(field, int64_t(plan.src.nx()), int64_t(plan.src.ny()), planes);
  else
    std::copy(field, field + plan.src.size(), planes);
}

void apply_regrid_span(const RegridPlan& plan, const float* src, int64_t d0, int64_t n, float* dst) {
  if (plan.method == RegridMethod::Nearest)
    kernels::regrid_gather_span_cpu(src, plan.src_index.data(), d0, n, dst);
  else
    kernels::regrid_weighted_span_cpu(src, plan.term_index.data(), plan.term_weight.data(), plan.terms, d0, n, dst);
}

}  // namespace rf::io
