#include "io/readers/products.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "io/readers/cf_time.h"
#include "io/readers/era5.h"
#include "io/readers/nc_field.h"

namespace rf::io {
namespace {

std::string basename_of(const std::string& p) { return p.substr(p.find_last_of('/') + 1); }

bool ends_with(const std::string& s, const std::string& e) {
  return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

std::vector<UnixSeconds> stamps(const NcField& f) {
  const auto raw = f.time_values();
  if (raw.empty()) f.fail("has no time axis");
  CfTimeUnits u;
  try {
    u = parse_cf_time_units(f.time_units());
  } catch (const std::invalid_argument& e) {
    f.fail(e.what());
  }
  std::vector<UnixSeconds> t;
  for (double v : raw) {
    try {
      t.push_back(u.to_unix(v));
    } catch (const std::invalid_argument& e) {
      f.fail(e.what());
    }
  }
  return t;
}

// "YYYYMMDD" + "HHMMSS" digits at a position -> seconds; -1 when not digits.
UnixSeconds ymd_hms(const std::string& s, size_t p_date, size_t p_time) {
  int y, m, d, hh = 0, mm = 0, ss = 0;
  if (std::sscanf(s.c_str() + p_date, "%4d%2d%2d", &y, &m, &d) != 3) return -1;
  if (p_time != std::string::npos && std::sscanf(s.c_str() + p_time, "%2d%2d%2d", &hh, &mm, &ss) != 3) return -1;
  try {
    return day_start(day_from_ymd(y, m, d)) + hh * 3600 + mm * 60 + ss;
  } catch (...) {
    return -1;
  }
}

}  // namespace

Product parse_product(const std::string& n) {
  if (n == "era5") return Product::ERA5;
  if (n == "imerg") return Product::IMERG;
  if (n == "gldas") return Product::GLDAS;
  if (n == "gsmap") return Product::GSMaP;
  if (n == "cmorph") return Product::CMORPH;
  if (n == "grads") return Product::GrADS;
  throw std::invalid_argument("unknown product '" + n + "' (era5|imerg|gldas|gsmap|cmorph|grads)");
}

const char* product_name(Product p) {
  switch (p) {
    case Product::ERA5: return "era5";
    case Product::IMERG: return "imerg";
    case Product::GLDAS: return "gldas";
    case Product::GSMaP: return "gsmap";
    case Product::CMORPH: return "cmorph";
    case Product::GrADS: return "grads";
  }
  return "?";
}

std::optional<std::pair<UnixSeconds, UnixSeconds>> imerg_span_from_name(const std::string& b) {
  const size_t k = b.find("3IMERG.");
  if (k == std::string::npos) return std::nullopt;
  const size_t p = k + 7;
  if (b.find("3B-DAY") != std::string::npos) {
    const UnixSeconds t = ymd_hms(b, p, std::string::npos);
    if (t < 0) return std::nullopt;
    return std::make_pair(t, t + 86400);
  }
  if (b.size() < p + 25 || b[p + 8] != '-' || b[p + 9] != 'S' || b[p + 16] != '-' || b[p + 17] != 'E') return std::nullopt;
  const UnixSeconds s = ymd_hms(b, p, p + 10), e = ymd_hms(b, p, p + 18);
  if (s < 0 || e < 0) return std::nullopt;
  return std::make_pair(s, e + 1);  // E is the last second of the half hour (…E002959)
}

ProductReader::ProductReader(Product p, ReaderOptions opt)
    : p_(p), opt_(std::move(opt)), gsmap_(builtin_grads_ctl("gsmap")), cmorph_(builtin_grads_ctl("cmorph")) {
  if (p_ == Product::GrADS && !opt_.ctl) throw std::invalid_argument("--product grads needs a descriptor (--ctl FILE)");
}

bool ProductReader::thread_safe(const std::string& path) const {
  return p_ == Product::GrADS || ((p_ == Product::GSMaP || p_ == Product::CMORPH) && !ends_with(path, ".nc"));
}

std::optional<std::pair<UnixSeconds, UnixSeconds>> ProductReader::span_from_name(const std::string& path) const {
  const std::string b = basename_of(path);
  auto grads_span = [&](const GradsCtl& c) -> std::optional<std::pair<UnixSeconds, UnixSeconds>> {
    const auto t = c.time_from_name(b);
    if (!t || c.dt_months) return std::nullopt;
    return std::make_pair(*t, *t + UnixSeconds(c.steps_per_file(*t)) * c.dt_seconds);
  };
  switch (p_) {
    case Product::ERA5: return std::nullopt;  // user-chosen names
    case Product::IMERG: return imerg_span_from_name(b);
    case Product::GLDAS: {
      const size_t k = b.find(".A");
      if (k == std::string::npos || b.size() < k + 16 || b[k + 10] != '.') return std::nullopt;
      const UnixSeconds t = ymd_hms(b, k + 2, std::string::npos);
      int hh, mm;
      if (t < 0 || std::sscanf(b.c_str() + k + 11, "%2d%2d", &hh, &mm) != 2) return std::nullopt;
      const UnixSeconds s = t + hh * 3600 + mm * 60;
      return std::make_pair(s - 3 * 3600, s + 3 * 3600);  // start or end stamp: either way inside
    }
    case Product::GSMaP: {
      if (!ends_with(b, ".nc")) return grads_span(gsmap_);
      const auto t = gsmap_nc_hour_from_name(b);
      if (!t) return std::nullopt;
      return std::make_pair(*t, *t + 3600);
    }
    case Product::CMORPH: {
      if (ends_with(b, ".nc")) {
        const size_t k = b.find("8km-30min_");
        if (k == std::string::npos) return std::nullopt;
        int hh;
        const UnixSeconds t = ymd_hms(b, k + 10, std::string::npos);
        if (t < 0 || std::sscanf(b.c_str() + k + 18, "%2d", &hh) != 1) return std::nullopt;
        return std::make_pair(t + hh * 3600, t + hh * 3600 + 3600);
      }
      return grads_span(cmorph_);
    }
    case Product::GrADS: return grads_span(*opt_.ctl);
  }
  return std::nullopt;
}

FileSteps ProductReader::read(const std::string& path) const {
  switch (p_) {
    case Product::ERA5: return read_era5(path);
    case Product::IMERG: return read_imerg(path);
    case Product::GLDAS: return read_gldas(path);
    case Product::CMORPH:
      if (ends_with(path, ".nc")) return read_cmorph_nc(path);
      [[fallthrough]];
    case Product::GSMaP:
      if (p_ == Product::GSMaP && ends_with(path, ".nc")) return read_gsmap_nc(path);
      [[fallthrough]];
    case Product::GrADS: {
      const GradsCtl& c = p_ == Product::GSMaP ? gsmap_ : p_ == Product::CMORPH ? cmorph_ : *opt_.ctl;
      const GradsReadSpec spec = p_ == Product::GrADS ? opt_.grads : GradsReadSpec{};
      FileSteps fs = read_grads_file(c, path, spec, opt_.region, opt_.halo);
      std::erase_if(fs.steps, [&](const Step& s) { return !keep(s.start, s.seconds); });
      return fs;
    }
  }
  throw std::logic_error("unknown product");
}

// ERA5 / ERA5-Land tp (netCDF, zip of netCDF, GRIB; by the file's first bytes): io/readers/era5.h.
FileSteps ProductReader::read_era5(const std::string& path) const { return read_era5_file(path, opt_); }

// IMERG: the half hour (or UTC day for 3B-DAY) comes from the file name; the
// in-file `time` epoch changed between V06 and V07 and is not used.
FileSteps ProductReader::read_imerg(const std::string& path) const {
  const auto span = imerg_span_from_name(basename_of(path));
  if (!span) throw std::runtime_error(path + ": not an IMERG file name (3B-HHR…YYYYMMDD-SHHMMSS-EHHMMSS… or 3B-DAY…YYYYMMDD…)");
  const bool daily = basename_of(path).find("3B-DAY") != std::string::npos;
  const int32_t secs = int32_t(span->second - span->first);
  if (!daily && secs != 1800) throw std::runtime_error(path + ": file name spans " + std::to_string(secs) + " s, not a half hour");
  NcFieldSpec spec = daily ? NcFieldSpec{{"precipitationCal", "precipitation"}, {"", "Grid"}, {"mm", "mm/day", "mm day-1"}, false, 1.0, 0}
                           : NcFieldSpec{{"precipitationCal", "precipitation"}, {"Grid", ""}, {"mm/hr", "mm hr-1", "mm/h"}, true, 1.0 / 3600, 0};
  NcField f(path, spec, opt_.region, opt_.halo);
  if (f.nt() != 1) f.fail("expected one time step, found " + std::to_string(f.nt()));
  FileSteps out{f.grid(), {}};
  if (keep(span->first, secs)) out.steps.push_back(Step{span->first, secs, f.read_mm(0, secs)});
  return out;
}

// CMORPH netCDF (NCEI CDR): `cmorph` mm/hr, 2 half hours per file stamped at
// their starts; negative values are missing.
FileSteps ProductReader::read_cmorph_nc(const std::string& path) const {
  NcFieldSpec spec{{"cmorph"}, {""}, {"mm/hr", "mm hr-1", "mm/h"}, true, 1.0 / 3600, 0};
  NcField f(path, spec, opt_.region, opt_.halo);
  FileSteps out{f.grid(), {}};
  for (size_t k = 0; const UnixSeconds s : stamps(f)) {
    if (keep(s, 1800)) out.steps.push_back(Step{s, 1800, f.read_mm(k, 1800)});
    ++k;
  }
  return out;
}

}  // namespace rf::io
