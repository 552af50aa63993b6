// Resumable training state of one model (a CV fold or a final model), written
// atomically after every epoch: temp file in the same directory, fsync,
// rename, fsync of the directory. A kill at any moment leaves either the
// previous or the new checkpoint, never a torn one.
//
// Binary layout (little endian, host order): "RFCKPT2\n", then the scalars of
// TrainState in declaration order, the history rows, then model parameters,
// Adam first and second moments (each: count, then per tensor numel + floats),
// then the CRC-32 of all bytes before it ("RFCKPT1\n" files, without it, load).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn/optim.h"
#include "nn/qh_ref.h"

namespace rf::pipe {

struct EpochRecord {
  int epoch = 0;
  double train_loss = 0, val_loss = 0, seconds = 0;
};

struct TrainState {
  int epochs_done = 0;       // completed epochs
  int64_t adam_steps = 0;
  uint64_t sample_rng = 0;   // Rng::state of the batch sampler
  uint64_t dropout_seed = 0, dropout_offset = 0;  // rf::rng_state() of the training thread
  double best_val = 0;       // best validation loss so far (NaN/inf before the first)
  int best_epoch = 0;        // 1-based epoch of best_val (0 = none yet)
  int bad_epochs = 0;        // epochs since the last improvement
  std::vector<EpochRecord> history;
};

void save_checkpoint(const std::string& path, const TrainState& st, const nn::QhRef& model, const nn::Adam& opt);
// Restores everything; throws naming the file when it is unreadable or does not
// match the model's parameter shapes.
TrainState load_checkpoint(const std::string& path, nn::QhRef& model, nn::Adam& opt);
// The scalars and history only (summaries of finished folds).
TrainState read_checkpoint_state(const std::string& path);

// Atomic publication of a file written at `tmp` (same directory as `path`).
void commit_file(const std::string& tmp, const std::string& path);
void write_file_atomic(const std::string& path, const std::string& bytes);
// `bytes` into `tmp`, every write, the flush and the close checked; on failure
// tmp is removed and the error names `path` and the cause (a full disk).
void write_file_checked(const std::string& tmp, const std::string& path, const std::string& bytes);
// QhRef::save through a temp name + commit_file.
void save_model_atomic(const nn::QhRef& model, const std::string& path);
// Removes the temp files a killed run left in `dir` (names containing ".tmp").
void remove_stale_temps(const std::string& dir);

}  // namespace rf::pipe
