// RunConfig from TOML (toml++): one setter per dotted key, shared by the file
// reader and by --set overrides, so a key is parsed and checked the same way
// wherever it comes from. Per-key problems are reported as
// "FILE: key 'sec.key': problem"; relations between keys (end < start, a
// source set naming an unconfigured source...) are checked by
// validate_run_config once everything is applied.
#include "train/config/run_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "io/readers/products.h"
#include "io/regrid/regrid.h"
#include "nn/memory_plan.h"
#include "nn/qh_ref.h"

namespace rf::pipe {

namespace fs = std::filesystem;

int source_index(const std::string& name) {
  for (int i = 0; i < 5; ++i)
    if (name == kSourceNames[i]) return i;
  throw std::runtime_error("unknown source '" + name + "' (era5|imerg|gldas|gsmap|cmorph)");
}

namespace {

// A problem with one key's value; the caller adds the file and the key.
struct KeyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The value has the wrong TOML type (an override then retries it as a string).
struct TypeError : KeyError {
  using KeyError::KeyError;
};

const char* kBaselineNames[] = {"mean", "bias_corrected_mean", "calibrated_mean", "linear_blend", "mlp_prior", "idw", "xgboost", "random_forest"};

const char* type_name(const toml::node& v) {
  switch (v.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

[[noreturn]] void wrong_type(const toml::node& v, const char* expected) {
  throw TypeError(std::string("expected ") + expected + ", got " + type_name(v));
}

std::string get_string(const toml::node& v) {
  if (!v.is_string()) wrong_type(v, "a string");
  return v.as_string()->get();
}

int64_t get_int64(const toml::node& v) {
  if (!v.is_integer()) wrong_type(v, "an integer");
  return v.as_integer()->get();
}

int get_int(const toml::node& v, int64_t lo, int64_t hi = INT32_MAX) {
  const int64_t x = get_int64(v);
  if (x < lo || x > hi)
    throw KeyError("must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(x));
  return int(x);
}

double get_double(const toml::node& v) {
  if (v.is_integer()) return double(v.as_integer()->get());
  if (!v.is_floating_point()) wrong_type(v, "a number");
  return v.as_floating_point()->get();
}

double get_positive(const toml::node& v) {
  const double x = get_double(v);
  if (!(x > 0) || !std::isfinite(x)) throw KeyError("must be a positive number");
  return x;
}

bool get_bool(const toml::node& v) {
  if (!v.is_boolean()) wrong_type(v, "true or false");
  return v.as_boolean()->get();
}

// A TOML date (2020-01-01) or a string "2020-01-01".
io::DayNumber get_date(const toml::node& v) {
  if (v.is_date()) {
    const toml::date d = v.as_date()->get();
    const io::DayNumber n = io::day_from_ymd(d.year, d.month, d.day);
    int y, m, dd;
    io::ymd_from_day(n, y, m, dd);
    if (y != d.year || m != d.month || dd != d.day) throw KeyError("not a valid date");
    return n;
  }
  if (!v.is_string()) wrong_type(v, "a date (YYYY-MM-DD)");
  const std::string& s = v.as_string()->get();
  io::DayNumber n = 0;
  try {
    n = io::parse_date(s);
  } catch (const std::exception&) {
  }
  if (io::format_date(n) != s) throw KeyError("bad date '" + s + "' (expected a valid YYYY-MM-DD)");
  return n;
}

// A string or an array of strings. A plain string is split at commas when
// `split` (lists of names given on the command line: "mean,idw").
std::vector<std::string> get_strings(const toml::node& v, bool split) {
  std::vector<std::string> out;
  if (v.is_string()) {
    const std::string s = v.as_string()->get();
    if (!split) return {s};
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
      if (!item.empty()) out.push_back(item);
    return out;
  }
  if (!v.is_array()) wrong_type(v, "a string or an array of strings");
  for (const auto& e : *v.as_array()) {
    if (!e.is_string()) throw KeyError(std::string("array elements must be strings, got ") + type_name(e));
    out.push_back(e.as_string()->get());
  }
  return out;
}

std::vector<double> get_doubles(const toml::node& v) {
  if (!v.is_array()) wrong_type(v, "an array of numbers");
  std::vector<double> out;
  for (const auto& e : *v.as_array()) out.push_back(get_double(e));
  return out;
}

std::string one_of(const std::string& s, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (s == a) return s;
    list += list.empty() ? a : std::string("|") + a;
  }
  throw KeyError("'" + s + "' is not one of " + list);
}

// Relative paths (and glob patterns) are relative to the TOML file's folder.
std::string resolve(const std::string& p, const std::string& base) {
  if (p.empty() || base.empty() || fs::path(p).is_absolute()) return p;
  std::string r = (fs::path(base) / p).lexically_normal().string();
  if (r.size() > 1 && r.back() == '/') r.pop_back();  // "dir/." -> "dir", not "dir/"
  return r;
}

void set_source_key(SourceConfig& s, const std::string& key, const toml::node& v, const std::string& base) {
  if (key == "name") {
    s.name = get_string(v);
    try {
      source_index(s.name);
    } catch (const std::exception& e) {
      throw KeyError(e.what());
    }
  } else if (key == "product") {
    s.product = get_string(v);
    try {
      io::parse_product(s.product);
    } catch (const std::exception&) {
      throw KeyError("unknown product '" + s.product + "' (era5|imerg|gldas|gsmap|cmorph|grads)");
    }
  } else if (key == "paths") {
    s.paths = get_strings(v, false);
    if (s.paths.empty()) throw KeyError("needs at least one path or glob pattern");
    for (auto& p : s.paths) p = resolve(p, base);
  } else if (key == "ctl") {
    s.ctl = resolve(get_string(v), base);
  } else if (key == "variable") {
    s.variable = get_string(v);
  } else if (key == "stamp") {
    s.stamp = one_of(get_string(v), {"start", "end"});
  } else {
    throw KeyError("unknown key (name|product|paths|ctl|variable|stamp)");
  }
}

// Sets one key "section.key" of cfg from a TOML value. Throws KeyError.
void set_key(RunConfig& c, const std::string& sec, const std::string& key, const toml::node& v,
             const std::string& base) {
  auto is = [&](const char* s, const char* k) { return sec == s && key == k; };
  if (is("run", "out_dir")) {
    c.out_dir = resolve(get_string(v), base);
    if (c.out_dir.empty()) throw KeyError("must not be empty");
  } else if (is("run", "device")) {
    c.device = one_of(get_string(v), {"auto", "cpu", "cuda"});
  } else if (is("grid", "region")) {
    const auto r = get_doubles(v);
    if (r.size() != 4) throw KeyError("expected [lon0, lon1, lat0, lat1]");
    if (!(r[0] < r[1]) || !(r[2] < r[3]) || r[2] < -90 || r[3] > 90)
      throw KeyError("expected lon0 < lon1 and -90 <= lat0 < lat1 <= 90");
    c.region = io::Region{r[0], r[1], r[2], r[3]};
  } else if (is("grid", "resolution")) {
    c.resolution = get_positive(v);
  } else if (is("grid", "spec")) {
    const std::string s = get_string(v);
    // A CDO griddes file (a path) or the inline "lon0,lon1,dlon,lat0,lat1,dlat".
    c.grid_spec = s.find(',') != std::string::npos ? s : resolve(s, base);
  } else if (is("grid", "method")) {
    c.regrid_method = get_string(v);
    try {
      io::parse_regrid_method(c.regrid_method);
    } catch (const std::exception&) {
      throw KeyError("unknown method '" + c.regrid_method + "' (nearest|bilinear|bicubic|keys)");
    }
  } else if (is("period", "start")) {
    c.start = get_date(v);
  } else if (is("period", "end")) {
    c.end = get_date(v);
  } else if (is("period", "fuse_start")) {
    c.fuse_start = get_date(v);
  } else if (is("period", "fuse_end")) {
    c.fuse_end = get_date(v);
  } else if (is("period", "day")) {
    c.day = one_of(get_string(v), {"cma", "utc"});
  } else if (is("period", "max_missing_steps")) {
    c.max_missing_steps = get_int(v, 0);
  } else if (is("period", "min_coverage")) {
    c.min_coverage = get_double(v);
    if (!(c.min_coverage >= 0 && c.min_coverage <= 1)) throw KeyError("must be in [0, 1]");
  } else if (is("prepare", "on_bad_file")) {
    c.on_bad_file = one_of(get_string(v), {"skip", "fail"});
  } else if (is("gauges", "files")) {
    c.gauge_files = get_strings(v, false);
    for (auto& p : c.gauge_files) p = resolve(p, base);
  } else if (is("gauges", "format")) {
    c.gauge_format = one_of(get_string(v), {"daily", "hourly", "cma-daily-txt"});
  } else if (is("gauges", "stations")) {
    c.stations = resolve(get_string(v), base);
  } else if (is("gauges", "scale")) {
    c.gauge_scale = get_positive(v);
  } else if (is("gauges", "utc_offset_hours")) {
    c.gauge_utc_offset_hours = get_int(v, -12, 14);
  } else if (is("gauges", "coordinates")) {
    c.gauge_coordinates = one_of(get_string(v), {"auto", "decimal", "ddmm", "dd.mm"});
  } else if (is("dem", "path")) {
    c.dem = resolve(get_string(v), base);
  } else if (is("dem", "variable")) {
    c.dem_var = get_string(v);
  } else if (is("model", "name")) {
    c.model = get_string(v);
    try {
      nn::QhRefConfig::by_name(c.model);
    } catch (const std::exception& e) {
      throw KeyError(e.what());
    }
  } else if (is("train", "folds")) {
    c.folds = get_int(v, 3, 100);  // k folds + a validation fold per k need >= 3
  } else if (is("train", "fold_mode")) {
    c.fold_mode = one_of(get_string(v), {"random", "blocked"});
  } else if (is("train", "seed")) {
    const int64_t s = get_int64(v);
    if (s < 0) throw KeyError("must be >= 0");
    c.seed = uint64_t(s);
  } else if (is("train", "epochs")) {
    c.epochs = get_int(v, 1);
  } else if (is("train", "patience")) {
    c.patience = get_int(v, 1);
  } else if (is("train", "steps_per_epoch")) {
    c.steps_per_epoch = get_int(v, 1);
  } else if (is("train", "batch")) {
    c.batch = get_int(v, 1, 4096);
  } else if (is("train", "patch")) {
    c.patch = get_int(v, 8, 4096);
    if (c.patch % 8) throw KeyError("must be a multiple of 8 (qh-ref's attention window), got " + std::to_string(c.patch));
  } else if (is("train", "lr")) {
    c.lr = get_positive(v);
  } else if (is("train", "lr_schedule")) {
    c.lr_schedule = get_string(v);
    if (c.lr_schedule != "constant" && c.lr_schedule != "cosine")
      throw KeyError("must be \"constant\" or \"cosine\", got \"" + c.lr_schedule + "\"");
  } else if (is("train", "weight_decay")) {
    c.weight_decay = get_double(v);
    if (!(c.weight_decay >= 0)) throw KeyError("must be >= 0");
  } else if (is("train", "sampling")) {
    c.sampling = one_of(get_string(v), {"random", "centred"});
  } else if (is("train", "loss_pixels")) {
    c.loss_pixels = one_of(get_string(v), {"patch", "anchor"});
  } else if (is("train", "validation")) {
    c.validation = one_of(get_string(v), {"fold", "none"});
  } else if (is("train", "prior")) {
    c.prior = one_of(get_string(v), {"mlp", "linear"});
  } else if (is("train", "calibrate")) {
    c.calibrate = get_bool(v);
  } else if (is("train", "recompute")) {
    c.recompute = get_int(v, 0);
  } else if (is("train", "memory_budget")) {
    c.memory_budget = get_string(v);
    if (!c.memory_budget.empty()) {
      try {
        nn::parse_bytes(c.memory_budget);
      } catch (const std::runtime_error& e) {
        throw KeyError(e.what());
      }
    }
  } else if (is("train", "activation_storage")) {
    c.activation_storage = one_of(get_string(v), {"fp32", "bf16"});
  } else if (is("train", "source_sets")) {
    if (!v.is_array()) wrong_type(v, "an array of arrays of source names");
    c.source_sets.clear();
    for (const auto& e : *v.as_array()) {
      auto names = get_strings(e, true);
      if (names.empty()) throw KeyError("a source set must name at least one source");
      for (const auto& n : names) {
        try {
          source_index(n);
        } catch (const std::exception& ex) {
          throw KeyError(ex.what());
        }
      }
      c.source_sets.push_back(std::move(names));
    }
  } else if (is("fuse", "tile")) {
    c.tile = get_int(v, 8, 65536);
    if (c.tile % 8) throw KeyError("must be a multiple of 8, got " + std::to_string(c.tile));
  } else if (is("fuse", "halo")) {
    c.halo = get_int(v, 16, 4096);  // qh-ref's exact tiling: 2 attention windows at least
    if (c.halo % 8) throw KeyError("must be a multiple of 8, got " + std::to_string(c.halo));
  } else if (is("fuse", "pack_int16")) {
    c.pack_int16 = get_bool(v);
  } else if (is("fuse", "fast_deflate")) {
    c.fast_deflate = get_bool(v);
  } else if (is("fuse", "qinghai_mask")) {
    c.qinghai_mask = get_bool(v);
  } else if (is("evaluate", "thresholds")) {
    c.thresholds = get_doubles(v);
    if (c.thresholds.empty()) throw KeyError("needs at least one threshold");
    for (double t : c.thresholds)
      if (!(t > 0)) throw KeyError("thresholds must be > 0 mm/day");
  } else if (is("evaluate", "baselines")) {
    c.baselines = get_strings(v, true);
    for (const auto& b : c.baselines)
      if (std::none_of(std::begin(kBaselineNames), std::end(kBaselineNames), [&](const char* n) { return b == n; }))
        throw KeyError("unknown baseline '" + b + "' (mean|bias_corrected_mean|calibrated_mean|linear_blend|mlp_prior|idw|xgboost|random_forest)");
  } else if (is("evaluate", "truth")) {
    c.truth = resolve(get_string(v), base);
  } else if (is("evaluate", "plots")) {
    c.plots = get_bool(v);
  } else {
    throw KeyError("unknown key");
  }
}

const char* kSections[] = {"run", "grid", "period", "prepare", "gauges", "dem", "model", "train", "fuse", "evaluate"};

std::string where_of(const RunConfig& c) { return c.config_path.empty() ? "run configuration" : c.config_path; }

// ---- canonical TOML output ----

std::string fmt_double(double x) {
  char b[64];
  auto r = std::to_chars(b, b + sizeof b, x);  // shortest round-trip form
  std::string s(b, r.ptr);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

// A TOML basic string: quotes, backslashes and control characters (TOML
// forbids them raw, save tab) escaped, so the text always loads back.
std::string quote(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') o += '\\';
    if (ch == '\n') {
      o += "\\n";
    } else if ((u < 0x20 && ch != '\t') || u == 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04X", unsigned(u));
      o += esc;
    } else {
      o += ch;
    }
  }
  return o + "\"";
}

std::string quote_list(const std::vector<std::string>& v) {
  std::string o = "[";
  for (size_t i = 0; i < v.size(); ++i) o += (i ? ", " : "") + quote(v[i]);
  return o + "]";
}

std::string double_list(const std::vector<double>& v) {
  std::string o = "[";
  for (size_t i = 0; i < v.size(); ++i) o += (i ? ", " : "") + fmt_double(v[i]);
  return o + "]";
}

std::string date_or_empty(io::DayNumber d) { return d ? io::format_date(d) : std::string(); }

void write_sources(std::ostringstream& o, const RunConfig& c) {
  for (const auto& s : c.sources) {
    o << "\n[[sources]]\nname = " << quote(s.name) << "\n";
    if (!s.product.empty()) o << "product = " << quote(s.product) << "\n";
    o << "paths = " << quote_list(s.paths) << "\n";
    if (!s.ctl.empty()) o << "ctl = " << quote(s.ctl) << "\n";
    if (!s.variable.empty()) o << "variable = " << quote(s.variable) << "\n";
    if (!s.stamp.empty()) o << "stamp = " << quote(s.stamp) << "\n";
  }
}

void write_grid(std::ostringstream& o, const RunConfig& c) {
  o << "[grid]\nregion = " << double_list({c.region.lon0, c.region.lon1, c.region.lat0, c.region.lat1}) << "\n"
    << "resolution = " << fmt_double(c.resolution) << "\n";
  if (!c.grid_spec.empty()) o << "spec = " << quote(c.grid_spec) << "\n";
  o << "method = " << quote(c.regrid_method) << "\n";
}

void write_gauges_dem(std::ostringstream& o, const RunConfig& c) {
  o << "\n[gauges]\nfiles = " << quote_list(c.gauge_files) << "\nformat = " << quote(c.gauge_format) << "\n";
  if (!c.stations.empty()) o << "stations = " << quote(c.stations) << "\n";
  o << "scale = " << fmt_double(c.gauge_scale) << "\n";
  o << "utc_offset_hours = " << c.gauge_utc_offset_hours << "\ncoordinates = " << quote(c.gauge_coordinates) << "\n";
  o << "\n[dem]\n";
  if (!c.dem.empty()) o << "path = " << quote(c.dem) << "\n";
  o << "variable = " << quote(c.dem_var) << "\n";
}

// Reads the file and sets every key; no cross-key checks.
RunConfig parse_run_config_file(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    if (!fs::exists(path)) throw std::runtime_error(path + ": cannot open");
    throw std::runtime_error(path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  RunConfig c;
  c.config_path = path;
  const std::string base = fs::absolute(fs::path(path)).parent_path().string();
  auto fail = [&](const std::string& key, const std::string& what) {
    throw std::runtime_error(path + ": key '" + key + "': " + what);
  };
  for (auto&& [k, node] : root) {
    const std::string sec(k.str());
    if (sec == "sources") {
      if (!node.is_array_of_tables()) fail(sec, "expected [[sources]] tables");
      size_t i = 0;
      for (auto& t : *node.as_array()) {
        SourceConfig s;
        const std::string at = "sources[" + std::to_string(i++) + "]";
        for (auto&& [sk, sv] : *t.as_table()) {
          try {
            set_source_key(s, std::string(sk.str()), sv, base);
          } catch (const KeyError& e) {
            fail(at + "." + std::string(sk.str()), e.what());
          }
        }
        if (s.name.empty()) fail(at + ".name", "missing");
        if (s.paths.empty()) fail(at + ".paths", "missing");
        c.sources.push_back(std::move(s));
      }
      continue;
    }
    if (std::none_of(std::begin(kSections), std::end(kSections), [&](const char* n) { return sec == n; }))
      fail(sec, "unknown section");
    if (!node.is_table()) fail(sec, "expected a [" + sec + "] table");
    for (auto&& [kk, v] : *node.as_table()) {
      const std::string key(kk.str());
      try {
        set_key(c, sec, key, v, base);
      } catch (const KeyError& e) {
        fail(sec + "." + key, e.what());
      }
    }
  }
  return c;
}

}  // namespace

// Relations between keys, once the file and every override are applied.
void validate_run_config(const RunConfig& c) {
  const std::string w = where_of(c);
  auto fail = [&](const std::string& key, const std::string& what) {
    throw std::runtime_error(w + ": key '" + key + "': " + what);
  };
  if (!c.start) fail("period.start", "missing");
  if (!c.end) fail("period.end", "missing");
  if (c.end < c.start)
    fail("period.end", io::format_date(c.end) + " is before period.start " + io::format_date(c.start));
  if (c.fuse_last() < c.fuse_first())
    fail("period.fuse_end", io::format_date(c.fuse_last()) + " is before the fuse start " + io::format_date(c.fuse_first()));
  if (c.sources.empty()) fail("sources", "no [[sources]] configured");
  if (!c.memory_budget.empty() && c.recompute > 0)
    fail("train.memory_budget", "set either train.memory_budget (a plan is chosen to fit) or train.recompute, not both");
  for (size_t i = 0; i < c.sources.size(); ++i) {
    const auto& s = c.sources[i];
    for (size_t j = 0; j < i; ++j)
      if (c.sources[j].name == s.name) fail("sources", "source '" + s.name + "' is configured twice");
    if (s.product == "grads" && s.ctl.empty()) fail("sources." + s.name + ".ctl", "product 'grads' needs a .ctl descriptor");
    if (!s.stamp.empty() && (s.product.empty() ? s.name : s.product) != "gldas")
      fail("sources." + s.name + ".stamp", "applies to a GLDAS source only (product gldas)");
  }
  for (const auto& set : c.source_sets)
    for (const auto& n : set)
      if (std::none_of(c.sources.begin(), c.sources.end(), [&](const SourceConfig& s) { return s.name == n; }))
        fail("train.source_sets", "'" + n + "' is not a configured source");
  if (c.gauge_files.empty()) fail("gauges.files", "missing");
  if (c.tile <= 2 * c.halo) fail("fuse.tile", "must be larger than twice fuse.halo");
  try {
    c.working_grid();
  } catch (const std::exception& e) {
    fail(c.grid_spec.empty() ? "grid.resolution" : "grid.spec", e.what());
  }
}

io::Grid RunConfig::working_grid() const {
  if (!grid_spec.empty()) return io::parse_grid_spec(grid_spec);
  // Cell edges = the region; centres at edge + res/2 (rounded to 1e-9 deg so
  // 0.01 over Qinghai gives exactly Grid::qinghai_001's first centres).
  auto count = [&](double a, double b) {
    const double n = (b - a) / resolution;
    return size_t(std::max(1.0, std::ceil(n - 1e-6)));
  };
  auto centre = [&](double edge) { return std::round((edge + resolution / 2) * 1e9) / 1e9; };
  const size_t nx = count(region.lon0, region.lon1), ny = count(region.lat0, region.lat1);
  if (nx * ny > size_t(1) << 31) throw std::runtime_error("the working grid is too large");
  return io::Grid::regular(centre(region.lon0), resolution, nx, centre(region.lat0), resolution, ny);
}

std::string RunConfig::path(const std::string& rel) const { return out_dir + "/" + rel; }

RunConfig load_run_config(const std::string& path) {
  RunConfig c = parse_run_config_file(path);
  validate_run_config(c);
  return c;
}

RunConfig load_run_config_unchecked(const std::string& path) { return parse_run_config_file(path); }

void apply_override(RunConfig& cfg, const std::string& key_eq_value) {
  const size_t eq = key_eq_value.find('=');
  if (eq == std::string::npos || eq == 0) throw std::runtime_error("--set '" + key_eq_value + "': expected KEY=VALUE");
  const std::string key = key_eq_value.substr(0, eq), raw = key_eq_value.substr(eq + 1);
  auto fail = [&](const std::string& what) { throw std::runtime_error("--set: key '" + key + "': " + what); };
  const size_t dot = key.find('.');
  if (dot == std::string::npos) fail("expected section.key");
  const std::string sec = key.substr(0, dot), rest = key.substr(dot + 1);
  // The value as a TOML value (3, 1e-3, true, 2020-01-01, [..]); anything that
  // does not parse is taken as a bare string (paths, names).
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + raw);
  } catch (const toml::parse_error&) {
    parsed = toml::table{{"v", raw}};
  }
  const toml::node& v = *parsed.get("v");
  const toml::value<std::string> as_string(raw);
  try {
    if (sec == "sources") {
      // sources.<name>.<key>: that source's key (a new source when absent).
      const size_t d2 = rest.find('.');
      if (d2 == std::string::npos) fail("expected sources.<name>.<key>");
      const std::string name = rest.substr(0, d2), sk = rest.substr(d2 + 1);
      source_index(name);
      auto it = std::find_if(cfg.sources.begin(), cfg.sources.end(), [&](const SourceConfig& s) { return s.name == name; });
      if (it == cfg.sources.end()) {
        SourceConfig s;
        s.name = name;
        cfg.sources.push_back(s);
        it = cfg.sources.end() - 1;
      }
      if (sk == "name") fail("the name is part of the key");
      try {
        set_source_key(*it, sk, v, "");
      } catch (const TypeError&) {
        if (v.is_string()) throw;
        set_source_key(*it, sk, as_string, "");
      }
      return;
    }
    if (std::none_of(std::begin(kSections), std::end(kSections), [&](const char* n) { return sec == n; }))
      fail("unknown section '" + sec + "'");
    try {
      set_key(cfg, sec, rest, v, "");
    } catch (const TypeError&) {
      if (v.is_string()) throw;
      set_key(cfg, sec, rest, as_string, "");  // e.g. model.name=123 is a name
    }
  } catch (const KeyError& e) {
    fail(e.what());
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).rfind("--set", 0) == 0) throw;
    fail(e.what());
  }
}

std::string run_config_toml(const RunConfig& c) {
  std::ostringstream o;
  o << "[run]\nout_dir = " << quote(c.out_dir) << "\ndevice = " << quote(c.device) << "\n\n";
  write_grid(o, c);
  o << "\n[period]\n";
  if (c.start) o << "start = " << date_or_empty(c.start) << "\n";
  if (c.end) o << "end = " << date_or_empty(c.end) << "\n";
  if (c.fuse_start) o << "fuse_start = " << date_or_empty(c.fuse_start) << "\n";
  if (c.fuse_end) o << "fuse_end = " << date_or_empty(c.fuse_end) << "\n";
  o << "day = " << quote(c.day) << "\nmax_missing_steps = " << c.max_missing_steps
    << "\nmin_coverage = " << fmt_double(c.min_coverage) << "\n";
  o << "\n[prepare]\non_bad_file = " << quote(c.on_bad_file) << "\n";
  write_sources(o, c);
  write_gauges_dem(o, c);
  o << "\n[model]\nname = " << quote(c.model) << "\n";
  o << "\n[train]\nfolds = " << c.folds << "\nfold_mode = " << quote(c.fold_mode) << "\nseed = " << c.seed
    << "\nepochs = " << c.epochs << "\npatience = " << c.patience << "\nsteps_per_epoch = " << c.steps_per_epoch
    << "\nbatch = " << c.batch << "\npatch = " << c.patch << "\nlr = " << fmt_double(c.lr)
    << "\nlr_schedule = " << quote(c.lr_schedule)
    << "\nweight_decay = " << fmt_double(c.weight_decay) << "\nrecompute = " << c.recompute
    << "\nmemory_budget = " << quote(c.memory_budget) << "\nactivation_storage = " << quote(c.activation_storage)
    << "\nsampling = " << quote(c.sampling) << "\nloss_pixels = " << quote(c.loss_pixels)
    << "\nvalidation = " << quote(c.validation)
    << "\nprior = " << quote(c.prior) << "\ncalibrate = " << (c.calibrate ? "true" : "false") << "\nsource_sets = [";
  for (size_t i = 0; i < c.source_sets.size(); ++i) o << (i ? ", " : "") << quote_list(c.source_sets[i]);
  o << "]\n";
  o << "\n[fuse]\ntile = " << c.tile << "\nhalo = " << c.halo << "\npack_int16 = " << (c.pack_int16 ? "true" : "false")
    << "\nfast_deflate = " << (c.fast_deflate ? "true" : "false")
    << "\nqinghai_mask = " << (c.qinghai_mask ? "true" : "false") << "\n";
  o << "\n[evaluate]\nthresholds = " << double_list(c.thresholds) << "\nbaselines = " << quote_list(c.baselines) << "\n";
  if (!c.truth.empty()) o << "truth = " << quote(c.truth) << "\n";
  o << "plots = " << (c.plots ? "true" : "false") << "\n";
  return o.str();
}

std::string prepare_fingerprint(const RunConfig& c) {
  // Everything that changes the cached daily data, in a fixed order. The period
  // is not part of it: the cache is per source and year. The working grid is
  // written as resolved (so an equivalent spec and region give the same text).
  const io::Grid g = c.working_grid();
  std::ostringstream o;
  o << "[grid]\nnx = " << g.nx() << "\nny = " << g.ny() << "\nlon = " << double_list({g.lon.front(), g.lon.back()})
    << "\nlat = " << double_list({g.lat.front(), g.lat.back()}) << "\nmethod = " << quote(c.regrid_method) << "\n"
    << "\n[period]\nday = " << quote(c.day) << "\nmax_missing_steps = " << c.max_missing_steps
    << "\nmin_coverage = " << fmt_double(c.min_coverage) << "\n"
    << "\n[prepare]\non_bad_file = " << quote(c.on_bad_file) << "\n";
  std::vector<SourceConfig> sorted = c.sources;
  std::sort(sorted.begin(), sorted.end(), [](const SourceConfig& a, const SourceConfig& b) {
    return source_index(a.name) < source_index(b.name);
  });
  RunConfig s;
  s.sources = sorted;
  s.gauge_files = c.gauge_files;
  s.gauge_format = c.gauge_format;
  s.stations = c.stations;
  s.gauge_scale = c.gauge_scale;
  s.gauge_utc_offset_hours = c.gauge_utc_offset_hours;
  s.gauge_coordinates = c.gauge_coordinates;
  s.dem = c.dem;
  s.dem_var = c.dem_var;
  write_sources(o, s);
  write_gauges_dem(o, s);
  return o.str();
}

}  // namespace rf::pipe
