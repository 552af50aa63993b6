// `rainfuse train`: qh-ref trained on gauge patches with leave-stations-out CV.
//
// For every source set (RunConfig::source_sets) and every fold k:
//   train stations = folds other than k and validation_fold(k); samples are
//   (centre day, station) pairs with a valid gauge value, drawn with the seed;
//   a patch of cfg.patch px containing the station at a random offset; loss =
//   masked MSE at every training station inside the patch (log1p space).
//   An epoch = cfg.steps_per_epoch steps of cfg.batch; after each epoch the
//   validation loss (fixed validation sample list) decides early stopping; the
//   full training state is checkpointed atomically every epoch.
//   The best-epoch model predicts fold k's stations on every day of the fuse
//   period (RunConfig::fuse_first..fuse_last) where the set is available -> OOF values.
// Then a final model per set on all stations for the median best epoch count.
//
// Files under <out>/:
//   train/folds.csv                          station_id,fold
//   train/<set>/fold<k>/checkpoint/...        resumable state (atomic, every epoch)
//   train/<set>/fold<k>/best.safetensors, norm.txt, history.csv (epoch,train_loss,val_loss,seconds)
//   train/<set>/final/...                     same for the final model
//   train/oof_<set>.csv                       station_id,date,value (mm/day) held-out predictions
//   models/<set>.safetensors, models/<set>.norm.txt   the final models fuse uses
// `--resume` continues from the checkpoints and gives files identical to an
// uninterrupted run (same RNG streams, same order of work).
#pragma once
#include <string>
#include <vector>

#include "train/config/run_config.h"
#include "train/data/model_input.h"
#include "train/prepare/prepared.h"

namespace rf::pipe {

void run_training(const RunConfig& cfg, const Prepared& p, bool resume);

struct TrainedModel {
  SourceSet set = 0;
  std::string weights, norm;  // models/<set>.safetensors, models/<set>.norm.txt
};
// The final models present under <out>/models (throws when none).
std::vector<TrainedModel> find_trained_models(const RunConfig& cfg);
// The largest trained set whose sources are all in `available` (0 if none).
const TrainedModel* pick_model(const std::vector<TrainedModel>& models, SourceSet available);

}  // namespace rf::pipe
