// The commented example printed by `rainfuse config --example`: the Qinghai
// 0.01-degree production run over downloaded archives (tests load it).
#include "train/config/run_config.h"

namespace rf::pipe {

const char* example_config() {
  return R"TOML(# rainfuse run configuration (TOML): the Qinghai 0.01-degree production run.
# Every relative path (and glob pattern) is relative to THIS file's folder.
# Command-line flags override keys: --out DIR, --start/--end YYYY-MM-DD and
# --set section.key=value (e.g. --set train.epochs=3, --set sources.era5.paths=/d/*.nc).
# Unknown keys are errors. Check a file with: rainfuse config --check FILE

[run]
out_dir = "runs/qinghai-001"     # everything a run writes: cache/, train/, models/, fused/, eval/
device = "auto"                  # where train and fuse run the model: cpu | cuda | auto (the GPU
                                 # when the build has the CUDA backend and one is present)

[grid]
# Working grid: the region's box (cell EDGES, degrees) at `resolution`; cell
# centres at edge + resolution/2. 0.01 deg over Qinghai = 1390 x 850 pixels.
region = [89.5, 103.4, 31.37, 39.87]   # [lon0, lon1, lat0, lat1]
resolution = 0.01
# spec = "grids/qinghai_001.txt"  # instead of region+resolution: a CDO griddes file
#                                 # or "lon0,lon1,dlon,lat0,lat1,dlat"
method = "nearest"               # regridding of the sources: nearest|bilinear|bicubic|keys
                                 # (value-for-value cdo remapnn/remapbil/remapbic)

[period]
start = 2001-01-01               # days prepared and trained on (TOML dates or "YYYY-MM-DD")
end = 2020-12-31
fuse_start = 2001-01-01          # days written by `fuse` (default: start..end)
fuse_end = 2020-12-31
day = "cma"                      # daily totals over the CMA day (20:00-20:00 Beijing time) | "utc"
max_missing_steps = 0            # time steps a day may miss and still count (0 = complete days only)
min_coverage = 0.5               # a source is available on a day when >= this fraction of its
                                 # pixels over the region is valid; a day without a source uses
                                 # the model of the largest available source set

[prepare]
on_bad_file = "skip"             # a downloaded file that cannot be read (truncated, corrupt) is skipped,
                                 # named in the log and in the cache file's history, its steps missing
                                 # (then max_missing_steps decides each cell-day) | "fail": stop at it

# One [[sources]] per model input. name = the channel it feeds
# (era5|imerg|gldas|gsmap|cmorph); product = its reader (default: name;
# "grads" = any flat binary described by `ctl`); paths = glob patterns
# (glob(3), one `*` per folder level, no `**`).
[[sources]]
name = "era5"                    # ERA5 hourly total precipitation (CDS netCDF, legacy or new layout)
paths = "download/era5/era5_tp_*.nc"
variable = "tp"                  # optional: the variable name when the file uses another one

[[sources]]
name = "imerg"                   # GPM IMERG Final half-hourly HDF5 (V06B and V07B)
paths = ["download/imerg/*/*/3B-HHR.MS.MRG.3IMERG.*.HDF5"]

[[sources]]
name = "gldas"                   # GLDAS-2.1 Noah 3-hourly (2000-); GLDAS-2.0 (1948-2014, files
                                 # *.020.nc4) for earlier periods: never both for one day
paths = ["download/gldas/*/*/GLDAS_NOAH025_3H.A*.021.nc4"]
# stamp = "end"                  # the files' time stamp is the "start" | "end" of its 3-hour mean;
                                 # decides over the files' own statements (time_bnds, begin_time,
                                 # tavg_definision) and is needed where they disagree or are absent
                                 # (docs/formats.md, GLDAS); leave out: the files decide

[[sources]]
name = "gsmap"                   # GSMaP Gauge v6/v7/v8 hourly flat binary, gzip'ed or not (built-in
                                 # descriptor), or JAXA's hourly netCDF
paths = ["download/gsmap/*/*/*/gsmap_gauge.*.dat.gz"]

[[sources]]
name = "cmorph"                  # CMORPH V1.0 ADJ 8 km 30 min CPC binary (bzip2'ed or not) or NCEI netCDF
product = "cmorph"
paths = ["download/cmorph/*/*/CMORPH_V1.0_ADJ_8km-30min_*.bz2"]
# ctl = "descriptors/cmorph_8km.ctl"   # a GrADS descriptor overriding the built-in one
                                       # (needed when product = "grads")

[gauges]
files = ["download/gauges/daily_*.csv"]  # station_id,date,PRE_20_08,PRE_08_20,PRE_20_20,QC, or the CMA
                                 # SURF_CLI_CHN_MUL_DAY-PRE-13011-YYYYMM.TXT files as distributed
format = "daily"                 # daily (a CSV, or the CMA daily TXT recognised by its content) | hourly
                                 # (station_id,time,PRE_1h,Q_PRE_1h, summed to days) | cma-daily-txt (forced)
stations = "download/gauges/stations.csv"  # station_id,name,...,lat,lon,elevation_m (or a CMA daily TXT)
                                 # (leave out: the built-in list of Qinghai's national stations);
                                 # stations of the gauge files not listed here are skipped and counted
scale = 1.0                      # mm per file unit of a CSV (0.1 for tenths of mm; the TXT is always 0.1 mm)
utc_offset_hours = 0             # hourly files: 8 when stamped in Beijing time (the hour ENDING at the stamp)
coordinates = "auto"             # station lat/lon: auto (decimal, or DDMM integers), decimal, ddmm, or
                                 # dd.mm (36.37 meaning 36 deg 37': never guessed, a warning says when it looks so)

[dem]
path = "download/dem/qinghai_dem_001.nc"  # netCDF elevation (m), any lon/lat grid; leave out = no DEM
variable = "elevation"

[model]
name = "qh-fuse"                 # qh-fuse: the production network, a correction to a bias-corrected
                                 # source mean with lon/lat inputs (docs/model.md); qh-ref: the fixed
                                 # reference network of the benchmarks; qh-fuse-mm: qh-fuse in mm

[train]
folds = 5                        # leave-stations-out cross-validation folds (>= 3)
fold_mode = "random"             # random | blocked (spatial blocks of stations)
seed = 1                         # every random choice (folds, samples, init) derives from it
epochs = 30                      # epochs per model (with validation = "fold": an upper bound)
patience = 5                     # validation = "fold": epochs without improvement before stopping
steps_per_epoch = 200            # optimiser steps per epoch
batch = 16                       # patches per step
patch = 32                       # patch side in working-grid pixels (multiple of 8)
lr = 1e-3                        # AdamW learning rate
lr_schedule = "cosine"           # constant | cosine (5 % warm-up, then cosine to 0 over epochs x steps)
weight_decay = 0.0
recompute = 0                    # activation recomputation chunk to save memory (0 = off)
memory_budget = ""               # e.g. "4GiB": the fastest recompute plan whose predicted training-step peak
                                 # fits is chosen and logged (docs/memory.md); "" = every activation kept
activation_storage = "fp32"      # bf16: activations saved for backward kept in bf16, about half the training
                                 # memory, gradients within ~0.5 % (not exact; docs/memory.md); also under a budget
sampling = "centred"             # centred: the station in the middle half of its patch (as at prediction)
                                 # | random: anywhere in the patch
loss_pixels = "anchor"           # anchor: the loss at the sampled station, the ConvLSTMs on its 9x9 box (~2x the
                                 # samples/s) | patch: at every training station in the patch
validation = "none"              # none: fold models train on every non-test fold for `epochs` epochs
                                 # | fold: one fold held aside for early stopping (`patience`)
prior = "mlp"                    # the residual's prior: mlp (per-pixel MLP on the training stations)
                                 # | linear (a + b * source mean); docs/model.md
calibrate = true                 # match the training gauges' wet-day share and volume (docs/model.md)
# One model per source set; empty = one set of every configured source. Before
# 2000-06 only ERA5 and GLDAS exist, so a long run trains that set too.
source_sets = [["era5", "imerg", "gldas", "gsmap", "cmorph"], ["era5", "gldas"]]

[fuse]
tile = 256                       # tile interior in pixels (multiple of 8); memory of one tile
halo = 16                        # halo per side (multiple of 8, >= 16: exact tiling)
pack_int16 = false               # store precipitation as int16 with scale_factor 0.01 mm
fast_deflate = false             # faster, slightly larger compression of the yearly files
qinghai_mask = true              # add a variable mask(lat, lon): 1 inside Qinghai (gmt-dcw CN.QH), 0 outside;
                                 # precipitation itself is fused on the whole grid, never set to NaN outside

[evaluate]
thresholds = [0.1, 1.0]          # event thresholds (mm/day) of POD/FAR/CSI
baselines = ["mean", "bias_corrected_mean", "calibrated_mean", "mlp_prior", "idw", "xgboost", "random_forest"]
# truth = "twin/truth/truth_*.nc"  # synthetic twin only: score every method over the whole grid
plots = true                     # PNG maps, scatter plots and bar charts under eval/
)TOML";
}

}  // namespace rf::pipe
