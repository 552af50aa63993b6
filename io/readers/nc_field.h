// A precipitation variable of a netCDF-3/4 or HDF5 file (through netCDF-C),
// read as hyperslabs of the region window only. Knows the variable's axes
// ((time,) lat, lon) or ((time,) lon, lat), its packing (scale_factor /
// add_offset), its fill (_FillValue / missing_value, NaN), and checks its
// units against the product's expectation. Every error is one line naming the
// file, the variable and the problem.
#pragma once
#include <string>
#include <vector>

#include "io/grid.h"
#include "io/readers/cf_time.h"
#include "io/readers/step.h"

namespace rf::io {

struct NcFieldSpec {
  std::vector<std::string> vars;    // candidate names, the first present wins
  std::vector<std::string> groups;  // "" = root, "Grid" = HDF5 group /Grid
  std::vector<std::string> units;   // accepted spellings (compared without spaces, case-insensitive)
  // mm = value * to_mm (amount per step) or value * to_mm * step seconds (rate).
  bool rate = false;
  double to_mm = 1;
  // Negative values down to -negative_clamp (file units) are packing noise and
  // become 0; more negative values are missing codes (NaN).
  double negative_clamp = 0;
};

class NcField {
 public:
  // `shown` names the file in errors when `path` is not what the user gave (a
  // zip member extracted to a temporary file); empty = `path`.
  NcField(const std::string& path, const NcFieldSpec& spec, const Region& region, int halo, const std::string& shown = "");
  ~NcField();
  NcField(const NcField&) = delete;
  NcField& operator=(const NcField&) = delete;

  const Grid& grid() const { return grid_; }
  const std::string& var() const { return var_name_; }
  size_t nt() const { return nt_; }
  // The raw time coordinate (empty when the variable has no time axis) and its units.
  std::vector<double> time_values() const;
  std::string time_units() const;
  // The time units parsed, and each time value as UNIX seconds; both fail
  // naming the file for unsupported units, no time axis or a non-finite value.
  CfTimeUnits parsed_time_units() const;
  std::vector<UnixSeconds> time_stamps() const;
  // time_bnds (via the time variable's `bounds` attribute): [nt][2]; empty when absent.
  std::vector<double> time_bounds() const;
  // A text or numeric attribute of the time variable or (varid -1) global, as text; "" if absent.
  std::string time_attribute(const char* name) const;
  std::string global_attribute(const char* name) const;
  // mm over a step of `seconds` at time index t, [nj][ni] in the file's lat order.
  std::vector<float> read_mm(size_t t, double seconds) const;
  [[noreturn]] void fail(const std::string& problem) const;

 private:
  void init(const Region& region, int halo);
  std::string shown_, var_name_, time_name_;
  NcFieldSpec spec_;
  int ncid_ = -1, grp_ = -1, var_ = -1, time_grp_ = -1, time_var_ = -1;
  int ndims_ = 0, dim_t_ = -1, dim_lat_ = -1, dim_lon_ = -1, dim_expver_ = -1;
  size_t n_expver_ = 1;
  bool lon_fastest_ = true;
  size_t nt_ = 1;
  IndexWindow win_;
  Grid grid_;
  double scale_ = 1, offset_ = 0;
  bool packed_ = false, has_fill_ = false, has_missing_ = false, nan_fill_ = false;
  double fill_ = 0, missing_ = 0;
};

}  // namespace rf::io
