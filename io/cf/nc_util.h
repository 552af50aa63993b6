// Small netCDF-C helpers shared by the CF reader and writer: error checks that
// name the file and the call, attribute getters, an RAII handle.
#pragma once
#include <netcdf.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace rf::io::nc {

inline void check(int status, const std::string& path, const std::string& what) {
  if (status != NC_NOERR) throw std::runtime_error(path + ": " + what + ": " + nc_strerror(status));
}

// Closes the file on scope exit unless released.
struct File {
  int id = -1;
  std::string path;
  File(const std::string& p, int mode) : path(p) { check(nc_open(p.c_str(), mode, &id), p, "cannot open"); }
  File(const std::string& p, int cmode, bool /*create*/) : path(p) {
    check(nc_create(p.c_str(), cmode, &id), p, "cannot create");
  }
  ~File() {
    if (id >= 0) nc_close(id);
  }
  void close() {
    const int i = id;
    id = -1;
    check(nc_close(i), path, "close");
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
};

inline bool get_text_att(int ncid, int varid, const char* name, std::string& out) {
  size_t len = 0;
  nc_type type;
  if (nc_inq_att(ncid, varid, name, &type, &len) != NC_NOERR || type != NC_CHAR) return false;
  out.assign(len, '\0');
  if (len && nc_get_att_text(ncid, varid, name, out.data()) != NC_NOERR) return false;
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return true;
}

inline bool get_double_att(int ncid, int varid, const char* name, double& out) {
  size_t len = 0;
  nc_type type;
  if (nc_inq_att(ncid, varid, name, &type, &len) != NC_NOERR || len < 1 || type == NC_CHAR || type == NC_STRING)
    return false;
  std::vector<double> v(len);
  if (nc_get_att_double(ncid, varid, name, v.data()) != NC_NOERR) return false;
  out = v[0];
  return true;
}

inline void put_text(int ncid, int varid, const char* name, const std::string& v, const std::string& path) {
  check(nc_put_att_text(ncid, varid, name, v.size(), v.c_str()), path, std::string("attribute ") + name);
}
inline void put_float(int ncid, int varid, const char* name, float v, const std::string& path) {
  check(nc_put_att_float(ncid, varid, name, NC_FLOAT, 1, &v), path, std::string("attribute ") + name);
}
inline void put_double(int ncid, int varid, const char* name, double v, const std::string& path) {
  check(nc_put_att_double(ncid, varid, name, NC_DOUBLE, 1, &v), path, std::string("attribute ") + name);
}

}  // namespace rf::io::nc
