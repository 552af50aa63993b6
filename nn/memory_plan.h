// Picking a recompute plan (nn/recompute_plan.h) for a memory budget:
// candidates in order of predicted step time, the first whose predicted
// allocator peak fits (docs/memory.md).
//
// Peak: measured, not modelled. One training step (forward, masked MSE,
// backward, the Adam moments added) of a fresh model under the plan runs on
// the CPU at four small grids (H1, H2) x (W1, W2) with the real batch; the
// peak is bilinear in H and W (every tensor is a band of rows or the whole
// grid), so the four points extrapolate it to the real grid. The CUDA backend
// records the same tape (docs/performance.md: what differs on the device).
// Time: the FLOP model of each layer (rows computed under bands, forwards
// rerun under regions), relative to the plain step.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn/qh_ref.h"
#include "nn/recompute_plan.h"

namespace rf::nn {

struct StepShape {
  int64_t B = 1, H = 1, W = 1;
  bool anchored = false;  // loss at one pixel per sample (forward_anchored): no bands
};

struct PlannedStep {
  RecomputePlan plan;
  int64_t predicted_peak = 0;  // bytes
  double predicted_time = 1;   // relative to the plain plan
};

// The counting allocator's peak over one step at exactly this shape (CPU; the
// CPU peak counter is reset). Includes the input, target and mask.
int64_t measure_step_peak(const QhRefConfig& config, const RecomputePlan& plan, const StepShape& shape);
// measure_step_peak extrapolated from four small grids (exact for small grids).
int64_t predict_step_peak(const QhRefConfig& config, const RecomputePlan& plan, const StepShape& shape);
double predict_step_time(const QhRefConfig& config, const RecomputePlan& plan, const StepShape& shape);

// The plans worth trying at this shape, fastest first (peaks not yet predicted);
// bf16: every one keeps its saved activations in bf16 (RecomputePlan::bf16).
std::vector<PlannedStep> candidate_plans(const QhRefConfig& config, const StepShape& shape, bool bf16 = false);
// The fastest plan whose predicted peak is <= budget_bytes; throws
// std::runtime_error listing the smallest predicted peak when none fits.
PlannedStep plan_for_budget(const QhRefConfig& config, const StepShape& shape, int64_t budget_bytes,
                            bool bf16 = false);

// "recompute plan bands64, predicted peak 1.89 GiB, ~1.27x the plain step's time"
std::string describe(const PlannedStep& step);

// "4GiB", "512 MiB", "1.5GiB", "2G" (binary), "4GB" (decimal), "1000000" (bytes).
// Throws std::runtime_error naming the text.
int64_t parse_bytes(const std::string& text);
std::string format_bytes(int64_t bytes);  // "3.81 GiB", "512 MiB"

}  // namespace rf::nn
