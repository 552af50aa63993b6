#include "io/readers/nc_field.h"

#include <netcdf.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include "io/readers/window.h"

namespace rf::io {
namespace {

std::string lower_nospace(const std::string& s) {
  std::string o;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) o += char(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

bool text_att(int g, int v, const char* name, std::string& out) {
  nc_type type;
  size_t len = 0;
  if (nc_inq_att(g, v, name, &type, &len) != NC_NOERR) return false;
  if (type == NC_CHAR) {
    out.assign(len, '\0');
    if (len && nc_get_att_text(g, v, name, out.data()) != NC_NOERR) return false;
    while (!out.empty() && out.back() == '\0') out.pop_back();
    return true;
  }
  if (type == NC_STRING && len >= 1) {
    std::vector<char*> s(len);
    if (nc_get_att_string(g, v, name, s.data()) != NC_NOERR) return false;
    out = s[0] ? s[0] : "";
    nc_free_string(len, s.data());
    return true;
  }
  std::vector<double> d(std::max<size_t>(len, 1));
  if (nc_get_att_double(g, v, name, d.data()) != NC_NOERR) return false;
  char b[64];
  std::snprintf(b, sizeof b, "%.17g", d[0]);
  out = b;
  return true;
}

bool num_att(int g, int v, const char* name, double& out) {
  nc_type type;
  size_t len = 0;
  if (nc_inq_att(g, v, name, &type, &len) != NC_NOERR || len < 1 || type == NC_CHAR || type == NC_STRING) return false;
  std::vector<double> d(len);
  if (nc_get_att_double(g, v, name, d.data()) != NC_NOERR) return false;
  out = d[0];
  return true;
}

// A variable named `name` in group g or one of its ancestors; -1 if none.
bool find_var_up(int g, const std::string& name, int& grp, int& var) {
  for (int cur = g;;) {
    if (nc_inq_varid(cur, name.c_str(), &var) == NC_NOERR) {
      grp = cur;
      return true;
    }
    int parent;
    if (nc_inq_grp_parent(cur, &parent) != NC_NOERR) return false;
    cur = parent;
  }
}

enum Axis { kOther, kTime, kLat, kLon };
Axis classify(const std::string& n) {
  const std::string s = lower_nospace(n);
  if (s == "time" || s == "valid_time" || s == "t") return kTime;
  if (s == "lat" || s == "latitude" || s == "y" || s == "nlat") return kLat;
  if (s == "lon" || s == "longitude" || s == "x" || s == "nlon") return kLon;
  return kOther;
}

}  // namespace

void NcField::fail(const std::string& problem) const {
  throw std::runtime_error(shown_ + ": variable '" + (var_name_.empty() ? spec_.vars.front() : var_name_) + "': " + problem);
}

NcField::NcField(const std::string& path, const NcFieldSpec& spec, const Region& region, int halo,
                 const std::string& shown)
    : shown_(shown.empty() ? path : shown), spec_(spec) {
  const int st = nc_open(path.c_str(), NC_NOWRITE, &ncid_);
  if (st != NC_NOERR) {
    ncid_ = -1;
    fail(std::string("cannot open (corrupt, truncated or not netCDF/HDF5): ") + nc_strerror(st));
  }
  try {
    init(region, halo);
  } catch (...) {
    nc_close(ncid_);  // the destructor does not run for a throwing constructor
    ncid_ = -1;
    throw;
  }
}

void NcField::init(const Region& region, int halo) {
  const NcFieldSpec& spec = spec_;
  for (const auto& gname : spec.groups) {
    int g = ncid_;
    if (!gname.empty() && nc_inq_grp_ncid(ncid_, gname.c_str(), &g) != NC_NOERR) continue;
    for (const auto& v : spec.vars)
      if (nc_inq_varid(g, v.c_str(), &var_) == NC_NOERR) {
        grp_ = g;
        var_name_ = (gname.empty() ? "" : "/" + gname + "/") + v;
        break;
      }
    if (grp_ >= 0) break;
  }
  if (grp_ < 0) fail("variable not found in the file");

  std::string units;
  if (!text_att(grp_, var_, "units", units)) fail("has no units attribute");
  bool units_ok = false;
  for (const auto& u : spec.units) units_ok |= lower_nospace(u) == lower_nospace(units);
  if (!units_ok) fail("units '" + units + "' are not the expected '" + spec.units.front() + "'");

  int dimids[NC_MAX_VAR_DIMS];
  nc_type vtype;
  if (nc_inq_var(grp_, var_, nullptr, &vtype, &ndims_, dimids, nullptr) != NC_NOERR) fail("cannot inquire");
  std::vector<std::string> names(static_cast<size_t>(ndims_));
  std::string dimnames_att;
  const bool have_dn = text_att(grp_, var_, "DimensionNames", dimnames_att);  // HDF5 (GPM) without dim scales
  std::vector<std::string> dn;
  if (have_dn) {
    size_t p = 0;
    while (p <= dimnames_att.size()) {
      const size_t q = dimnames_att.find(',', p);
      dn.push_back(dimnames_att.substr(p, q == std::string::npos ? std::string::npos : q - p));
      if (q == std::string::npos) break;
      p = q + 1;
    }
  }
  std::vector<size_t> lens(static_cast<size_t>(ndims_));
  for (int d = 0; d < ndims_; ++d) {
    char nm[NC_MAX_NAME + 1];
    nc_inq_dimname(grp_, dimids[d], nm);
    nc_inq_dimlen(grp_, dimids[d], &lens[size_t(d)]);
    names[size_t(d)] = nm;
    Axis a = classify(nm);
    if (a == kOther && have_dn && dn.size() == size_t(ndims_)) {
      names[size_t(d)] = dn[size_t(d)];
      a = classify(dn[size_t(d)]);
    }
    if (a == kTime) dim_t_ = d;
    else if (a == kLat) dim_lat_ = d;
    else if (a == kLon) dim_lon_ = d;
    else if (lower_nospace(names[size_t(d)]) == "expver" && lens[size_t(d)] > 1) dim_expver_ = d, n_expver_ = lens[size_t(d)];
    else if (lens[size_t(d)] != 1) fail("unexpected dimension '" + std::string(nm) + "' of length " + std::to_string(lens[size_t(d)]));
  }
  if (dim_lat_ < 0 || dim_lon_ < 0) fail("no latitude/longitude dimensions");
  lon_fastest_ = dim_lon_ > dim_lat_;
  if (dim_t_ >= 0) nt_ = lens[size_t(dim_t_)];

  auto axis = [&](int d) {
    int g, v;
    const std::string& n = names[size_t(d)];
    if (!find_var_up(grp_, n, g, v)) fail("no coordinate variable '" + n + "'");
    int nd;
    int ids[NC_MAX_VAR_DIMS];
    nc_inq_var(g, v, nullptr, nullptr, &nd, ids, nullptr);
    size_t len = 0;
    if (nd == 1) nc_inq_dimlen(g, ids[0], &len);
    if (nd != 1 || len != lens[size_t(d)])
      fail("coordinate '" + n + "' does not match the variable's dimension (wrong grid size)");
    std::vector<double> a(len);
    if (nc_get_var_double(g, v, a.data()) != NC_NOERR) fail("cannot read coordinate '" + n + "' (corrupt file?)");
    return a;
  };
  const std::vector<double> lon = axis(dim_lon_), lat = axis(dim_lat_);
  win_ = region_window(lon, lat, region, halo, shown_ + ": variable '" + var_name_ + "'");
  grid_ = window_grid(lon, lat, win_);

  if (dim_t_ >= 0) {
    time_name_ = names[size_t(dim_t_)];
    if (!find_var_up(grp_, time_name_, time_grp_, time_var_)) time_var_ = -1;
  }
  const bool has_scale = num_att(grp_, var_, "scale_factor", scale_), has_offset = num_att(grp_, var_, "add_offset", offset_);
  packed_ = has_scale || has_offset;
  has_fill_ = num_att(grp_, var_, "_FillValue", fill_);
  has_missing_ = num_att(grp_, var_, "missing_value", missing_);
  nan_fill_ = (has_fill_ && std::isnan(fill_)) || (has_missing_ && std::isnan(missing_));
  (void)vtype;
}

NcField::~NcField() {
  if (ncid_ >= 0) nc_close(ncid_);
}

std::vector<double> NcField::time_values() const {
  if (dim_t_ < 0) return {};
  if (time_var_ < 0) fail("no time coordinate variable '" + time_name_ + "'");
  std::vector<double> t(nt_);
  if (nt_ && nc_get_var_double(time_grp_, time_var_, t.data()) != NC_NOERR) fail("cannot read time '" + time_name_ + "'");
  return t;
}

std::string NcField::time_units() const {
  std::string u;
  if (time_var_ < 0 || !text_att(time_grp_, time_var_, "units", u)) fail("time '" + time_name_ + "' has no units");
  return u;
}

CfTimeUnits NcField::parsed_time_units() const {
  try {
    return parse_cf_time_units(time_units());
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
}

std::vector<UnixSeconds> NcField::time_stamps() const {
  const auto raw = time_values();
  if (raw.empty()) fail("has no time axis");
  const CfTimeUnits u = parsed_time_units();
  std::vector<UnixSeconds> t;
  for (double v : raw) {
    if (!std::isfinite(v)) fail("non-finite time value");
    try {
      t.push_back(u.to_unix(v));
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
  }
  return t;
}

std::vector<double> NcField::time_bounds() const {
  if (time_var_ < 0) return {};
  std::string bname;
  if (!text_att(time_grp_, time_var_, "bounds", bname)) bname = time_name_ + "_bnds";
  int g, v;
  if (!find_var_up(time_grp_, bname, g, v)) return {};
  std::vector<double> b(nt_ * 2);
  if (nc_get_var_double(g, v, b.data()) != NC_NOERR) fail("cannot read time bounds '" + bname + "'");
  return b;
}

std::string NcField::time_attribute(const char* name) const {
  std::string s;
  if (time_var_ >= 0 && text_att(time_grp_, time_var_, name, s)) return s;
  return "";
}

std::string NcField::global_attribute(const char* name) const {
  std::string s;
  if (text_att(ncid_, NC_GLOBAL, name, s)) return s;
  return "";
}

std::vector<float> NcField::read_mm(size_t t, double seconds) const {
  size_t start[NC_MAX_VAR_DIMS], count[NC_MAX_VAR_DIMS];
  for (int d = 0; d < ndims_; ++d) start[d] = 0, count[d] = 1;
  if (dim_t_ >= 0) start[dim_t_] = t;
  start[dim_lat_] = win_.j0, count[dim_lat_] = win_.nj;
  start[dim_lon_] = win_.i0, count[dim_lon_] = win_.ni;
  const size_t ni = win_.ni, nj = win_.nj;
  std::vector<float> raw(ni * nj), out(ni * nj, NAN);
  const double factor = spec_.to_mm * (spec_.rate ? seconds : 1.0);
  const double clamp = std::max(spec_.negative_clamp, packed_ ? std::abs(scale_) : 0.0);
  const float ffill = float(fill_), fmiss = float(missing_);
  // Legacy ERA5 files mixing final and preliminary data carry an `expver`
  // axis (ERA5 = 1, ERA5T = 5) where each time step is valid in one slice only.
  for (size_t e = 0; e < n_expver_; ++e) {
    if (dim_expver_ >= 0) start[dim_expver_] = e;
    const int st = nc_get_vara_float(grp_, var_, start, count, raw.data());
    if (st != NC_NOERR && st != NC_ERANGE) fail(std::string("read failed (corrupt or truncated file?): ") + nc_strerror(st));
    for (size_t j = 0; j < nj; ++j)
      for (size_t i = 0; i < ni; ++i) {
        float& o = out[j * ni + i];
        if (!std::isnan(o)) continue;
        const float v = lon_fastest_ ? raw[j * ni + i] : raw[i * nj + j];
        if (std::isnan(v)) {
          if (!nan_fill_) fail("NaN values but the fill value is not NaN");
        } else if (std::isinf(v)) {
          fail("infinite values");
        } else if (!((has_fill_ && v == ffill) || (has_missing_ && v == fmiss))) {
          double x = packed_ ? double(v) * scale_ + offset_ : double(v);
          if (x < 0) x = x >= -clamp ? 0.0 : NAN;
          o = float(x * factor);
        }
      }
  }
  return out;
}

}  // namespace rf::io
