// rainfuse train: leave-stations-out CV training of qh-ref, OOF predictions and
// the final models per source set (train/fit/trainer.h).
#include <cstdio>
#include <string>

#include "train/cli/args.h"
#include "train/cli/commands.h"
#include "train/config/config_args.h"
#include "train/config/run_device.h"
#include "train/fit/trainer.h"
#include "train/common/log.h"
#include "train/prepare/prepared.h"
#include "train/pipeline/run_lock.h"

namespace rf::cli {

static const char* kUsage =
    "usage: rainfuse train [--config FILE] [--out DIR] [--start/--end YYYY-MM-DD] [--set KEY=VALUE ...]\n"
    "                      [--resume] [--folds K] [--fold-mode random|blocked] [--epochs N] [--quiet]\n"
    "Prepares the data (or loads the cache), then trains qh-ref with leave-stations-out\n"
    "cross-validation for every source set (train.source_sets, default all configured sources):\n"
    "fold k's model trains on the other folds except the validation fold (k+1) mod K, which\n"
    "decides early stopping; its best epoch predicts fold k's stations on every day\n"
    "(out-of-fold). Then one final model per set on all stations for the median best epoch count.\n"
    "Writes under <out>/: train/folds.csv, train/<set>/fold<k>/{best.safetensors,norm.txt,\n"
    "history.csv,oof.csv,checkpoint/}, train/oof_<set>.csv (station_id,date,value mm/day),\n"
    "models/<set>.safetensors + models/<set>.norm.txt (what `rainfuse fuse` uses).\n"
    "  --resume           continue every unfinished fold from its last checkpoint (one per\n"
    "                     epoch, atomic); finished folds are skipped; the files equal those of\n"
    "                     an uninterrupted run (same thread count)\n"
    "  --folds K          number of station folds (train.folds, >= 3)\n"
    "  --fold-mode M      random (seeded shuffle) or blocked (spatial k-means blocks)\n"
    "  --epochs N         maximum epochs per fold (train.epochs)\n";

int cmd_train(const Argv& argv) {
  auto valued = pipe::pipeline_flags();
  for (const char* f : {"folds", "fold-mode", "epochs"}) valued.emplace_back(f);
  Args a(argv, valued, {"resume", "quiet"});
  if (a.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!a.positional().empty()) throw UsageError("unexpected argument '" + a.positional()[0] + "'");
  pipe::RunConfig cfg = pipe::run_config_from_args(a);
  if (auto v = a.get("folds")) pipe::apply_override(cfg, "train.folds=" + *v);
  if (auto v = a.get("fold-mode")) pipe::apply_override(cfg, "train.fold_mode=\"" + *v + "\"");
  if (auto v = a.get("epochs")) pipe::apply_override(cfg, "train.epochs=" + *v);
  pipe::validate_run_config(cfg);
  if (cfg.folds < 3) throw UsageError("--folds: need at least 3 (test, validation and training folds)");
  if (cfg.fold_mode != "random" && cfg.fold_mode != "blocked")
    throw UsageError("--fold-mode '" + cfg.fold_mode + "': expected random or blocked");
  if (cfg.epochs < 1) throw UsageError("--epochs: need at least 1");
  pipe::set_quiet(a.has("quiet"));
  pipe::resolve_device(cfg.device);  // run.device = "cuda" without a device fails before prepare
  const pipe::RunLock lock(cfg.out_dir, "train");

  const pipe::Prepared p = pipe::prepare(cfg, pipe::progress_fn());
  pipe::log("train: %zu stations, %zu days, grid %lld x %lld, %d folds (%s), patch %d, batch %d, %d steps/epoch",
            p.stations.size(), p.days.size(), (long long)p.ny(), (long long)p.nx(), cfg.folds, cfg.fold_mode.c_str(),
            cfg.patch, cfg.batch, cfg.steps_per_epoch);
  pipe::run_training(cfg, p, a.has("resume"));
  std::fprintf(stderr, "train: OOF predictions in %s, final models in %s\n", cfg.path("train").c_str(),
               cfg.path("models").c_str());
  return 0;
}

}  // namespace rf::cli
