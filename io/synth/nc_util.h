// netCDF-C helpers for the twin's writers: checked calls that throw one line
// naming the file and the failing call, and attribute shorthands. netCDF-C and
// HDF5 are not thread-safe here: callers serialise every netCDF call.
#pragma once
#include <netcdf.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace rf::io::synth {

inline void nc_ok(int status, const std::string& path, const char* what) {
  if (status != NC_NOERR) throw std::runtime_error(path + ": netCDF " + what + ": " + nc_strerror(status));
}
inline void nc_text(int nc, int var, const char* name, const std::string& v, const std::string& path) {
  nc_ok(nc_put_att_text(nc, var, name, v.size(), v.c_str()), path, name);
}
inline void nc_float(int nc, int var, const char* name, float v, const std::string& path) {
  nc_ok(nc_put_att_float(nc, var, name, NC_FLOAT, 1, &v), path, name);
}
inline void nc_double(int nc, int var, const char* name, double v, const std::string& path) {
  nc_ok(nc_put_att_double(nc, var, name, NC_DOUBLE, 1, &v), path, name);
}
// Creates parent directories of a file path.
void make_parent_dirs(const std::string& path);

}  // namespace rf::io::synth
