// rainfuse daily: daily totals (mm/day) of one product from its files as
// distributed, on the native grid cut to the region (+ halo) or regridded to a
// target grid, written as CF netCDF (precipitation + valid_steps).
#include <cstdio>
#include <map>
#include <string>

#include "io/aggregate/daily_from_files.h"
#include "io/cf/writer.h"
#include "io/regrid/regrid.h"
#include "train/cli/args.h"
#include "train/cli/commands.h"

namespace rf::cli {
namespace {

constexpr const char* kUsage =
    "usage: rainfuse daily --product era5|imerg|gldas|gsmap|cmorph|grads --input GLOB --start YYYY-MM-DD\n"
    "         --end YYYY-MM-DD --out OUT.nc [--ctl FILE --units mm/hr|mm [--var NAME]] [--day cma|utc]\n"
    "         [--grid GRID --method nearest|bilinear|bicubic] [--region lon0,lon1,lat0,lat1] [--halo N]\n"
    "         [--max-missing N] [--stamp start|end] [--on-bad-file skip|fail] [--deflate 0-9]\n"
    "  --day cma    (default) 20:00-20:00 Beijing = 12-12 UTC, dated by the day it ends on\n"
    "  --day utc    00-24 UTC\n"
    "  --max-missing N  steps a cell-day may miss (rescaled by expected/valid); default 0\n"
    "  --stamp      GLDAS: the time stamp is the start or end of its 3 h mean; decides over the file's\n"
    "               time_bnds/begin_time/tavg_definision (needed when they disagree or are absent)\n"
    "  --on-bad-file skip (default): a file that cannot be read (truncated, corrupt) is named on stderr\n"
    "               and in the output's history, its steps count as missing; fail: stop at it\n"
    "  GLOB is a shell pattern (quote it); several files; files outside [start-1, end+1] are skipped\n";

io::Region parse_region(const std::string& s) {
  io::Region r{};
  char tail;
  if (std::sscanf(s.c_str(), "%lf,%lf,%lf,%lf%c", &r.lon0, &r.lon1, &r.lat0, &r.lat1, &tail) != 4 || r.lon0 >= r.lon1 ||
      r.lat0 >= r.lat1)
    throw UsageError("--region expects lon0,lon1,lat0,lat1 with lon0 < lon1, lat0 < lat1");
  return r;
}

}  // namespace

int cmd_daily(const Argv& argv) {
  const Args args(argv, {"product", "input", "ctl", "units", "var", "start", "end", "day", "grid", "method", "region",
                         "halo", "max-missing", "stamp", "out", "deflate", "on-bad-file"});
  if (args.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const io::Product product = io::parse_product(args.required("product"));
  const io::DayNumber first = io::parse_date(args.required("start")), last = io::parse_date(args.required("end"));
  if (last < first) throw UsageError("--end is before --start");
  const std::string out = args.required("out");
  io::DayOptions day;
  const std::string conv = args.get_or("day", "cma");
  if (conv == "cma") day.convention = io::DayConvention::CMA;
  else if (conv == "utc") day.convention = io::DayConvention::UTC;
  else throw UsageError("--day must be cma or utc");
  day.max_missing_steps = int(args.get_int("max-missing", 0));

  io::ReaderOptions ro;
  if (args.has("region")) ro.region = parse_region(*args.get("region"));
  ro.halo = int(args.get_int("halo", 2));
  if (ro.halo < 0) throw UsageError("--halo must be >= 0");
  if (args.has("stamp")) {
    const std::string s = *args.get("stamp");
    if (s != "start" && s != "end") throw UsageError("--stamp must be start or end");
    ro.gldas_stamp = s == "start" ? io::StampConvention::Start : io::StampConvention::End;
  }
  std::string input;
  if (product == io::Product::GrADS) {
    ro.ctl = io::load_grads_ctl(args.required("ctl"));
    const std::string units = args.required("units");
    if (units != "mm/hr" && units != "mm") throw UsageError("--units must be mm/hr (rate) or mm (amount per step)");
    ro.grads.rate_per_hour = units == "mm/hr";
    ro.grads.var = args.get_or("var", "");
    input = args.get_or("input", ro.ctl->glob_pattern());
  } else {
    input = args.required("input");
  }
  io::OnBadFile on_bad;
  try {
    on_bad = io::parse_on_bad_file(args.get_or("on-bad-file", "skip"));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--") + e.what());
  }
  io::FilesRead report;
  const io::DailyCube cube = io::daily_from_files(product, ro, io::glob_files(input), first, last, day, &report, on_bad);
  for (const auto& s : report.skipped) std::fprintf(stderr, "rainfuse daily: skipped unreadable file %s\n", s.c_str());
  for (const auto& [rule, files] : report.stamp_rules)
    std::printf("rainfuse daily: %s time stamps: %s (%zu files)\n", io::product_name(product), rule.c_str(), files);

  io::CfOptions opt;
  opt.source = std::string(io::product_name(product)) + " files " + input;
  opt.model = "none";
  opt.history = "rainfuse daily";
  for (const auto& a : argv) opt.history += " " + a;
  if (!report.skipped.empty()) opt.history += "\n" + io::skipped_files_note(report.skipped);
  opt.deflate_level = int(args.get_int("deflate", 4));
  opt.title = std::string("daily precipitation of ") + io::product_name(product) + " (" +
              (day.convention == io::DayConvention::CMA ? "CMA day 20:00-20:00 Beijing = 12-12 UTC" : "UTC day") + ")";
  if (args.has("grid")) {
    const io::RegridPlan plan = io::make_regrid_plan(cube.grid, io::parse_grid_spec(*args.get("grid")),
                                                     io::parse_regrid_method(args.get_or("method", "nearest")));
    io::write_cf_regridded(out, cube, plan, opt);
  } else {
    io::write_cf_daily(out, cube, opt);
  }
  std::printf("rainfuse daily: %s, %zu files read (%zu skipped as unreadable), %zu days on %zux%zu -> %s\n",
              io::product_name(product), report.read, report.skipped.size(), cube.nt(), cube.grid.nx(), cube.grid.ny(),
              out.c_str());
  return 0;
}

}  // namespace rf::cli
