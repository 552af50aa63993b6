#include "train/pipeline/eval_standalone.h"

#include <netcdf.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include "io/cf/nc_util.h"
#include "io/cf/writer.h"
#include "io/gauges/gauges.h"
#include "io/sample/point_series.h"
#include "train/pipeline/eval_grid.h"
#include "train/pipeline/eval_report.h"

namespace rf::pipe {
namespace {

// The files a PATH names: itself, or the sorted matches of a glob; `flag`
// names the argument in errors ("--product NAME", "--gauges").
std::vector<std::string> expand_path(const std::string& flag, const std::string& path) {
  if (path.find_first_of("*?[") == std::string::npos) return {path};
  try {
    return glob_files(path);
  } catch (const std::exception& e) {
    throw std::runtime_error(flag + ": " + e.what());
  }
}

// Units that already mean mm per day (anything else is used as is, with a warning).
bool is_mm_per_day(const std::string& u) {
  static const std::set<std::string> ok = {"",       "mm day-1", "mm/day", "mm d-1", "mm day^-1", "mm",
                                           "kg m-2", "mm/d",     "mm.day-1", "kg m-2 day-1", "kg m-2 d-1"};
  return ok.count(u) > 0;
}

}  // namespace

ProductArg parse_product_arg(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    throw std::runtime_error("--product '" + arg + "': expected NAME=PATH");
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

bool is_netcdf_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  char b[4] = {0, 0, 0, 0};
  in.read(b, 4);
  if (in.gcount() < 4) return false;
  if (b[0] == 'C' && b[1] == 'D' && b[2] == 'F' && (b[3] == 1 || b[3] == 2 || b[3] == 5)) return true;
  return static_cast<unsigned char>(b[0]) == 0x89 && b[1] == 'H' && b[2] == 'D' && b[3] == 'F';
}

std::string pick_grid_variable(const std::string& path, const std::string& wanted) {
  io::nc::File f(path, NC_NOWRITE);
  int v;
  if (!wanted.empty()) {
    if (nc_inq_varid(f.id, wanted.c_str(), &v) != NC_NOERR)
      throw std::runtime_error(path + ": no variable '" + wanted + "'");
    return wanted;
  }
  if (nc_inq_varid(f.id, "precipitation", &v) == NC_NOERR) return "precipitation";
  int nvars = 0;
  io::nc::check(nc_inq_nvars(f.id, &nvars), path, "listing variables");
  std::vector<std::string> three_d;
  for (int i = 0; i < nvars; ++i) {
    int nd = 0;
    nc_inq_varndims(f.id, i, &nd);
    char name[NC_MAX_NAME + 1];
    nc_inq_varname(f.id, i, name);
    if (nd == 3 && std::string(name) != "valid_steps") three_d.emplace_back(name);
  }
  if (three_d.size() == 1) return three_d[0];
  std::string list;
  for (const auto& n : three_d) list += (list.empty() ? "" : ", ") + n;
  throw std::runtime_error(path + ": no variable 'precipitation' and " + std::to_string(three_d.size()) +
                           " three-dimensional variables (" + list + "): choose one with --var");
}

StandaloneGauges load_standalone_gauges(const StandaloneEvalOptions& opt) {
  StandaloneGauges g;
  const std::vector<std::string> files = expand_path("--gauges", opt.gauges);
  const bool txt = io::is_cma_daily_txt_file(files[0]);
  if (!txt && files.size() > 1) throw std::runtime_error("--gauges " + opt.gauges + ": a glob must name CMA daily TXT files");
  if (txt) {
    io::GaugeOptions o;
    o.convention = opt.day == "utc" ? io::DayConvention::UTC : io::DayConvention::CMA;
    o.format = io::GaugeFileFormat::CmaDailyTxt;
    const auto [first, last] = io::gauge_daily_span(files, o.format);
    const io::GaugeDaily d = io::read_gauges_daily(files, first, last, o);
    for (size_t s = 0; s < d.ids.size(); ++s)
      for (size_t t = 0; t < d.days.size(); ++t)
        if (const float v = d.mm[s * d.days.size() + t]; !std::isnan(v)) g.values[{d.ids[s], d.days[t]}] = v;
    g.national = true;
  } else {
    g.values = eval::read_point_csv(files[0]);
  }
  if (!opt.stations.empty()) {
    g.stations = io::read_gauge_stations(opt.stations);
    g.stations_from = opt.stations;
  } else if (txt) {
    for (const auto& f : files)
      for (auto& s : io::read_gauge_stations(f)) g.stations.push_back(std::move(s));
    g.stations_from = "the coordinates of " + opt.gauges;
  } else {
    g.stations = io::builtin_qinghai_stations();
    g.stations_from = "the built-in Qinghai station list (give --stations FILE)";
  }
  return g;
}

eval::PointValues load_product(const ProductArg& product, const StandaloneGauges& gauges, const std::string& var) {
  const auto files = expand_path("--product " + product.name, product.path);
  if (!is_netcdf_file(files[0])) {
    if (files.size() > 1) throw std::runtime_error(product.path + ": a glob must name netCDF files");
    return eval::read_point_csv(files[0]);
  }
  // Gridded: every gauge station needs coordinates.
  std::map<std::string, const io::GaugeStation*> by_id;
  for (const auto& s : gauges.stations) by_id.try_emplace(s.id, &s);
  std::vector<io::PointRequest> pts;
  for (const auto& [key, value] : gauges.values) {
    if (!pts.empty() && pts.back().id == key.first) continue;  // keys are sorted by station
    auto it = by_id.find(key.first);
    if (it == by_id.end())
      throw std::runtime_error("station " + key.first + " of the gauges is not in " + gauges.stations_from +
                               ", so product '" + product.name + "' cannot be sampled at it");
    pts.push_back({key.first, it->second->lon, it->second->lat});
  }
  eval::PointValues out;
  for (const auto& file : files) {
    if (!is_netcdf_file(file)) throw std::runtime_error(file + ": not a netCDF file (product '" + product.name + "')");
    const std::string v = pick_grid_variable(file, var);
    const auto units = io::read_cf_var_info(file, v).units;
    if (!is_mm_per_day(units))
      std::fprintf(stderr, "evaluate: %s: units of '%s' are '%s', used as mm/day\n", file.c_str(), v.c_str(),
                   units.c_str());
    const auto s = io::sample_points(file, v, pts, gauges.national);
    if (!s.outside.empty())
      std::fprintf(stderr, "evaluate: %s: %zu of %zu gauge stations lie outside its grid and are skipped\n",
                   file.c_str(), s.outside.size(), pts.size());
    for (size_t p = 0; p < pts.size(); ++p)
      for (size_t t = 0; t < s.days.size(); ++t) out[{pts[p].id, s.days[t]}] = s.values[p][t];
  }
  return out;
}

std::vector<eval::ScoreRow> run_standalone_evaluate(const StandaloneEvalOptions& opt) {
  if (opt.products.empty()) throw std::runtime_error("no --product NAME=PATH given");
  std::set<std::string> names;
  for (const auto& p : opt.products)
    if (!names.insert(p.name).second) throw std::runtime_error("--product " + p.name + " given twice (duplicate NAME)");
  const StandaloneGauges sg = load_standalone_gauges(opt);
  const eval::PointValues& gauges = sg.values;
  if (gauges.empty()) throw std::runtime_error(opt.gauges + ": no gauge rows");

  std::vector<eval::MethodSeries> methods;
  for (const auto& p : opt.products) {
    methods.push_back({p.name, load_product(p, sg, opt.var)});
    long shared = 0;
    for (const auto& [key, v] : methods.back().values)
      if (std::isfinite(v)) {
        auto g = gauges.find(key);
        shared += g != gauges.end() && std::isfinite(g->second);
      }
    if (shared == 0)
      std::fprintf(stderr, "evaluate: product '%s' (%s) has no valid value on any gauge station-day\n", p.name.c_str(),
                   p.path.c_str());
  }
  eval::EvalOptions eo;
  eo.thresholds = opt.thresholds;
  eo.common_pairs = !opt.all_pairs;
  return write_eval_report(opt.out, gauges, methods, eo, opt.plots);
}

}  // namespace rf::pipe
