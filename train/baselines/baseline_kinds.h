// The concrete baselines behind make_baseline (one file each).
#pragma once
#include <cstdint>
#include <memory>

#include "train/baselines/baseline.h"

namespace rf::pipe {

std::unique_ptr<Baseline> make_mean_baseline();
std::unique_ptr<Baseline> make_bias_corrected_mean_baseline();
std::unique_ptr<Baseline> make_calibrated_mean_baseline();
std::unique_ptr<Baseline> make_linear_blend_baseline();
std::unique_ptr<Baseline> make_mlp_prior_baseline(uint64_t seed);
std::unique_ptr<Baseline> make_idw_baseline();
std::unique_ptr<Baseline> make_xgboost_baseline(uint64_t seed);
std::unique_ptr<Baseline> make_random_forest_baseline(uint64_t seed);

}  // namespace rf::pipe
