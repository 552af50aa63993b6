// GrADS data descriptors (.ctl) for flat binary products: DSET (with ^ and
// %y4 %y2 %m2 %m1 %mc %d2 %d1 %h2 %h1 %n2 %j3 templates, plus `*` matching any
// text, an extension used by the built-in descriptors to cover version
// suffixes), UNDEF, XDEF/YDEF LINEAR or LEVELS, TDEF LINEAR (mn hr dy mo yr),
// OPTIONS template / little_endian / big_endian / yrev, FILEHEADER, VARS.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "io/dates.h"

namespace rf::io {

struct GradsVar {
  std::string name;
  int levels = 1;
  std::string description;
};

struct GradsCtl {
  std::string source;     // file name or "built-in <name>" (for messages)
  std::string dset;       // with a leading ^ resolved against the ctl's folder
  bool templated = false, yrev = false, big_endian = false;
  double undef = -9.99e8;
  size_t fileheader = 0;  // bytes before the first record
  std::vector<double> x;  // lon centres
  std::vector<double> y;  // lat centres as YDEF defines them (ascending)
  UnixSeconds t0 = 0;
  int64_t dt_seconds = 0;  // TDEF increment in seconds (0 when in months)
  int dt_months = 0;
  size_t nt = 0;
  std::vector<GradsVar> vars;

  size_t nx() const { return x.size(); }
  size_t ny() const { return y.size(); }
  // Latitudes in file storage order (reversed under yrev).
  std::vector<double> storage_lat() const;
  // Start time of step k.
  UnixSeconds step_time(size_t k) const;
  // Time encoded in a file's base name by the DSET template; nullopt if the
  // name does not match (a trailing .gz/.bz2 of the name or the template is ignored).
  std::optional<UnixSeconds> time_from_name(const std::string& basename) const;
  // Number of steps one file holds (the template's period / TDEF increment, or nt).
  size_t steps_per_file(UnixSeconds file_time) const;
  // A glob(3) pattern for the files the DSET template names, compressed or not.
  std::string glob_pattern() const;
};

GradsCtl parse_grads_ctl(const std::string& text, const std::string& source, const std::string& folder);
GradsCtl load_grads_ctl(const std::string& path);
// "x.dat.gz" -> "x.dat", "x.bz2" -> "x"; other names unchanged.
std::string without_compression_suffix(const std::string& name);

// Built-in descriptors: "gsmap" (GSMaP Gauge v6/v7/v8 hourly, JAXA ctl) and "cmorph"
// (CMORPH V1.0 8 km 30 min, CPC ctl). `folder` resolves the ^ of DSET.
GradsCtl builtin_grads_ctl(const std::string& name, const std::string& folder = ".");

// "00z01jan1998", "12:30z1feb2000", "1jan1998" -> UNIX seconds.
UnixSeconds parse_grads_time(const std::string& s);

}  // namespace rf::io
