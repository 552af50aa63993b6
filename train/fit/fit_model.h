// Training of one qh-ref model (a CV fold or a final model) with early
// stopping and an atomic checkpoint after every epoch (trainer.h for the files).
// Everything random comes from `seed` (model init, batch sampler, dropout
// stream, validation subset), so a resumed run equals an uninterrupted one.
// The model, its Adam moments and every batch live on the run's device
// (RunConfig::device; batches are assembled on the host and uploaded, the loss
// is read back); checkpoints and safetensors are host data, so a run may be
// resumed, or its models fused, on either device.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "train/config/run_config.h"
#include "train/data/model_input.h"
#include "train/fit/checkpoint.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {

struct FitJob {
  std::string dir;                      // <out>/train/<set>/fold<k> or .../final
  std::string label;                    // for log lines: "fold 2" / "final"
  SourceSet set = 0;
  std::vector<uint8_t> train_use;       // [station] 1 = training station
  std::vector<uint8_t> val_use;         // [station] 1 = validation station; empty = no validation
  int max_epochs = 1;
  uint64_t seed = 0;
};

// The learning rate of Adam step `step` (0-based, counted over the job's whole
// run, resumes included) under cfg.lr_schedule: constant, or a linear warm-up
// over the first 5 % of max_epochs * steps_per_epoch steps, then a cosine decay
// to 0 at the last step (short CPU budgets end on a small step, not mid-noise).
double scheduled_lr(const RunConfig& cfg, int max_epochs, int64_t step);

// Validation samples per fold: a fixed, deterministic subset of
// min(256, max(64, samples per epoch)) patches, so that validation (forward
// only, ~1/3 of a step per sample) costs at most about a third of an epoch.
size_t validation_sample_count(const RunConfig& cfg);

// Trains (or continues from dir/checkpoint/state.bin when `resume`) until early
// stopping or max_epochs; leaves dir/best.safetensors (best validation epoch, or
// the last epoch without validation), dir/norm.txt, dir/history.csv. Returns
// the final state (best_epoch, best_val, history).
TrainState fit_model(const RunConfig& cfg, const Prepared& p, const FitJob& job, bool resume);

// True when the state has nothing left to train.
bool fit_finished(const TrainState& st, const FitJob& job, int patience);

std::string checkpoint_path(const std::string& dir);

}  // namespace rf::pipe
