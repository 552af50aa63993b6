// rainfuse evaluate: scores at gauges, in two forms.
//  standalone (--gauges/--product): products the user already has, any region;
//  pipeline (no --gauges): the run's fused OOF predictions, raw sources and
//  baselines under the same CV folds (train/pipeline/evaluate_run.h).
#include <cstdio>
#include <sstream>

#include "train/cli/args.h"
#include "train/cli/commands.h"
#include "train/config/config_args.h"
#include "train/pipeline/eval_report.h"
#include "train/pipeline/eval_standalone.h"
#include "train/pipeline/evaluate_run.h"
#include "train/common/log.h"
#include "train/pipeline/run_lock.h"

namespace rf::cli {

static const char* kUsage =
    "usage: rainfuse evaluate --gauges G.csv --product NAME=PATH [--product NAME=PATH ...] --out DIR\n"
    "                         [--stations FILE] [--day cma|utc] [--thresholds 0.1,1] [--var precipitation]\n"
    "                         [--all-pairs] [--no-plots]\n"
    "       rainfuse evaluate [--config FILE] [--out DIR] [--start/--end YYYY-MM-DD] [--set KEY=VALUE ...]\n"
    "                         [--thresholds 0.1,1] [--no-plots] [--quiet]\n"
    "Standalone form: scores products against gauges. G.csv and point products are CSV\n"
    "station_id,date,value (mm/day); G may also be the CMA daily TXT as distributed\n"
    "(SURF_CLI_CHN_MUL_DAY-PRE-13011-YYYYMM.TXT, a file or a quoted glob): its 20-20 BJT totals\n"
    "(--day utc: P08-20(D) + P20-08(D+1)) are scored, its own coordinates place the stations\n"
    "and stations outside a product's grid are skipped. A gridded PATH is CF netCDF (time, lat, lon) or a glob of\n"
    "such files, sampled at the cell holding each gauge (station coordinates from --stations,\n"
    "default the built-in Qinghai list). By default every method is scored on the same\n"
    "station-days (those where the gauge and every product are valid); --all-pairs scores each\n"
    "product on all its own pairs.\n"
    "Pipeline form: the run's fused out-of-fold predictions, each raw source and the baselines\n"
    "under the same folds -> <out>/eval/ (and metrics_truth_grid.csv on the synthetic twin).\n"
    "--quiet: no log lines; the tables are still printed.\n"
    "Both write metrics.csv (method,scope,n,rb_pct,mae,rmse,cc,kge,pod_<t>,far_<t>,csi_<t>...),\n"
    "metrics.md, a scatter PNG per method and a bar chart (scores.png).\n";

static std::vector<double> parse_thresholds(const std::string& s) {
  std::vector<double> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    double t = 0;
    try {
      t = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || item.empty() || !(t > 0))
      throw UsageError("--thresholds '" + s + "': expected positive numbers separated by commas");
    out.push_back(t);
  }
  if (out.empty()) throw UsageError("--thresholds: empty list");
  return out;
}

int cmd_evaluate(const Argv& argv) {
  auto valued = pipe::pipeline_flags();
  for (const char* f : {"gauges", "product", "stations", "thresholds", "var", "day"}) valued.emplace_back(f);
  Args a(argv, valued, {"all-pairs", "no-plots", "quiet"});
  if (a.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!a.positional().empty()) throw UsageError("unexpected argument '" + a.positional()[0] + "'");
  if (a.has("gauges") || a.has("product")) {
    for (const auto& f : pipe::pipeline_flags())
      if (f != "out" && a.has(f)) throw UsageError("--" + f + " belongs to the pipeline form, not to --gauges/--product");
    pipe::StandaloneEvalOptions o;
    o.gauges = a.required("gauges");
    o.out = a.required("out");
    for (const auto& p : a.all("product")) o.products.push_back(pipe::parse_product_arg(p));
    if (o.products.empty()) throw UsageError("--product NAME=PATH is required with --gauges");
    o.stations = a.get_or("stations", "");
    o.var = a.get_or("var", "");
    o.day = a.get_or("day", "cma");
    if (o.day != "cma" && o.day != "utc") throw UsageError("--day must be cma or utc");
    if (auto t = a.get("thresholds")) o.thresholds = parse_thresholds(*t);
    o.all_pairs = a.has("all-pairs");
    o.plots = !a.has("no-plots");
    const auto rows = pipe::run_standalone_evaluate(o);
    pipe::print_pooled_table(stdout, rows, o.thresholds);
    if (!a.has("quiet")) std::fprintf(stderr, "evaluate: wrote %s/metrics.csv and %s/metrics.md\n", o.out.c_str(), o.out.c_str());
    return 0;
  }
  for (const char* f : {"stations", "var", "all-pairs", "day"})
    if (a.has(f)) throw UsageError(std::string("--") + f + " belongs to the standalone form (--gauges/--product)");
  pipe::set_quiet(a.has("quiet"));
  auto cfg = pipe::run_config_from_args(a);
  if (auto t = a.get("thresholds")) cfg.thresholds = parse_thresholds(*t);
  if (a.has("no-plots")) cfg.plots = false;
  const pipe::RunLock lock(cfg.out_dir, "evaluate");
  pipe::run_evaluate(cfg);
  return 0;
}

}  // namespace rf::cli
