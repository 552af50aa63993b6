#include <stdexcept>

#include "train/baselines/baseline.h"
#include "train/baselines/baseline_kinds.h"

namespace rf::pipe {

std::unique_ptr<Baseline> make_baseline(const std::string& name, const RunConfig& cfg) {
  if (name == "mean") return make_mean_baseline();
  if (name == "bias_corrected_mean") return make_bias_corrected_mean_baseline();
  if (name == "calibrated_mean") return make_calibrated_mean_baseline();
  if (name == "linear_blend") return make_linear_blend_baseline();
  if (name == "mlp_prior") return make_mlp_prior_baseline(cfg.seed);
  if (name == "idw") return make_idw_baseline();
  if (name == "xgboost") return make_xgboost_baseline(cfg.seed);
  if (name == "random_forest") return make_random_forest_baseline(cfg.seed);
  throw std::runtime_error("unknown baseline '" + name + "' (mean, bias_corrected_mean, calibrated_mean, linear_blend, mlp_prior, idw, xgboost, random_forest)");
}

}  // namespace rf::pipe
