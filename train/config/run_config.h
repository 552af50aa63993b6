// One run of the pipeline (prepare -> train -> fuse -> evaluate), as described
// by a TOML file (`rainfuse config --example` prints a commented one) and
// overridden by command-line flags. Every path in the file is relative to the
// file's own folder unless absolute. Defaults are the Qinghai 0.01-degree
// production run.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/dates.h"
#include "io/grid.h"

namespace rf::pipe {

// The five model input sources, in qh-ref channel order (channels 0-4).
inline constexpr const char* kSourceNames[5] = {"era5", "imerg", "gldas", "gsmap", "cmorph"};
int source_index(const std::string& name);  // 0..4, throws for an unknown name

struct SourceConfig {
  std::string name;                 // one of kSourceNames (the channel it feeds)
  std::string product;              // reader: era5|imerg|gldas|gsmap|cmorph|grads (default = name)
  std::vector<std::string> paths;   // glob patterns (glob(3); several allowed)
  std::string ctl;                  // GrADS descriptor (product = grads, or to override a built-in)
  std::string variable;             // optional variable name override
  std::string stamp = {};           // GLDAS: "start" | "end" of the 3-hour mean ("" = the files decide)
};

struct RunConfig {
  std::string config_path;          // the TOML file read ("" when built from defaults)
  std::string out_dir = "rainfuse-run";
  // [run] device: where train and fuse run qh-ref: "cpu", "cuda", or "auto" =
  // the CUDA device when this build has the CUDA backend and a GPU is present,
  // else the CPU (run_device.h resolves it).
  std::string device = "auto";

  // [grid] working grid = `spec` (CDO griddes file or "lon0,lon1,dlon,lat0,lat1,dlat")
  // if given, else the region box at `resolution` (cell edges; centres at +res/2).
  io::Region region = io::kQinghai;
  double resolution = 0.01;
  std::string grid_spec;
  std::string regrid_method = "nearest";  // nearest|bilinear|bicubic (io/regrid)

  // [period] data used by prepare/train; fuse period defaults to it.
  io::DayNumber start = 0, end = 0;
  io::DayNumber fuse_start = 0, fuse_end = 0;  // 0 = same as start/end
  std::string day = "cma";          // cma|utc day convention
  int max_missing_steps = 0;        // io/aggregate tolerance per day
  double min_coverage = 0.5;        // a source is "available" on a day when at least this
                                    // fraction of its pixels over the region is valid

  // [prepare]
  std::string on_bad_file = "skip";  // skip (named in the log and the cache's history) | fail

  // [[sources]]
  std::vector<SourceConfig> sources;

  // [gauges]
  std::vector<std::string> gauge_files;  // globs of daily or hourly CSVs
  std::string gauge_format = "daily";    // daily (CSV or CMA daily TXT, by content)|hourly|cma-daily-txt
  std::string stations;                  // station metadata CSV or CMA daily TXT ("" = built-in Qinghai list)
  double gauge_scale = 1.0;              // mm per file unit of a CSV (the CMA daily TXT is 0.1 mm by definition)
  int gauge_utc_offset_hours = 0;        // hourly stamps in UTC + this (8 = Beijing time)
  std::string gauge_coordinates = "auto";  // station coordinates: auto|decimal|ddmm|dd.mm

  // [dem]
  std::string dem;                  // netCDF with an elevation variable ("" = channel 5 is 0)
  std::string dem_var = "elevation";

  // [model]
  std::string model = "qh-ref";     // nn::QhRefConfig::by_name

  // [train]
  int folds = 5;
  std::string fold_mode = "random"; // random | blocked (spatial blocks of stations)
  uint64_t seed = 1;
  int epochs = 30;                  // upper bound; early stopping ends sooner
  int patience = 5;                 // epochs without validation improvement
  int steps_per_epoch = 200;
  int batch = 16;
  int patch = 32;                   // patch side in working-grid pixels (multiple of 8)
  double lr = 1e-3;
  // constant | cosine: lr * (1 + cos(pi * step / steps)) / 2 over the job's
  // max_epochs * steps_per_epoch steps, after a linear warm-up of 5 %.
  std::string lr_schedule = "constant";
  double weight_decay = 0.0;
  int recompute = 0;                // nn::QhRef::set_recompute chunk (0 = off)
  std::string memory_budget;        // "4GiB": the training step's recompute plan fits it (nn/memory_plan.h); "" = off
  std::string activation_storage = "fp32";  // fp32 | bf16: saved activations (autograd/saved.h, nn RecomputePlan::bf16)
  // Where a training patch lies around its station: "random" (anywhere in
  // the patch) or "centred" (the middle half of the patch, samples.h gauge_box).
  std::string sampling = "random";
  // Which pixels of a training patch carry the loss: "patch" (every training
  // gauge inside it) or "anchor" (the sampled gauge only; the ConvLSTMs and
  // the head then run on its 9 x 9 box alone, QhRef::forward_anchored).
  std::string loss_pixels = "patch";
  // "fold": fold models train on k-2 folds and stop early on the next fold;
  // "none": fold models train on every non-test fold for `epochs` epochs (a
  // fixed schedule; with lr_schedule = "cosine" the last epoch is the model).
  std::string validation = "fold";
  // A residual model's prior (model_input.h channel 10): "mlp" (the per-pixel
  // MLP of train/data/pixel_prior.h, fitted per model on its training
  // stations) or "linear" (a + b * source mean).
  std::string prior = "linear";
  // Calibrate each model's mm output on its training station-days (wet-day
  // frequency and volume; train/fit/calibrate.h).
  bool calibrate = false;
  // Source sets to train one model each for (names); empty = one set of every
  // configured source. fuse picks, per day, the largest trained set whose
  // sources are all available that day.
  std::vector<std::vector<std::string>> source_sets;

  // [fuse]
  int tile = 256, halo = 16;
  bool pack_int16 = false;
  bool fast_deflate = false;
  bool qinghai_mask = true;

  // [evaluate]
  std::vector<double> thresholds{0.1, 1.0};
  std::vector<std::string> baselines{"mean", "bias_corrected_mean", "calibrated_mean", "mlp_prior", "idw", "xgboost", "random_forest"};
  std::string truth;                // twin only: glob of truth_YYYY.nc for whole-grid scores
  bool plots = true;

  // Derived helpers.
  io::Grid working_grid() const;    // from grid_spec or region + resolution
  io::DayNumber fuse_first() const { return fuse_start ? fuse_start : start; }
  io::DayNumber fuse_last() const { return fuse_end ? fuse_end : end; }
  std::string path(const std::string& rel) const;  // out_dir + "/" + rel
};

// Reads and validates a TOML file. Errors: one line "FILE: key 'x.y': problem"
// (unknown keys are errors too: a typo must not silently fall back to a default).
RunConfig load_run_config(const std::string& path);

// The same without the checks between keys (run_config_from_args applies the
// overrides first, then validates).
RunConfig load_run_config_unchecked(const std::string& path);
// Checks between keys once everything is applied (period set and end >= start,
// sources configured once, source sets naming configured sources, gauges,
// the working grid). Errors: "FILE: key 'x.y': problem".
void validate_run_config(const RunConfig& cfg);

// "key=value" overrides with dotted keys as in the file ("train.epochs=3",
// "period.start=2020-01-01", "sources.era5.paths=/data/era5/*.nc"); the value
// is read as TOML (a bare word is a string, "a,b" a list for name lists) and
// parsed by the key's type; used by --set and by the per-command flags.
void apply_override(RunConfig& cfg, const std::string& key_eq_value);

// The settings as canonical TOML (what `rainfuse config --check` prints; it
// loads back to the same RunConfig). Paths are written as held (resolved).
std::string run_config_toml(const RunConfig& cfg);

// The commented example printed by `rainfuse config --example` (it loads
// without error and describes every key).
const char* example_config();

// Serialised canonical form (TOML) of the settings that determine prepared
// data; prepare hashes it to decide whether its cache is still valid.
std::string prepare_fingerprint(const RunConfig& cfg);

}  // namespace rf::pipe
