// netCDF attributes as our readers interpret them: the variable's units,
// scale_factor / add_offset, _FillValue / missing_value, the time units and
// calendar strings, time values and the global day_convention, written into a
// small classic netCDF file (time x 2 x 2 `cmorph` on 100-101E, 35-36N) read
// by the CMORPH netCDF reader, the point sampler of `evaluate` and the CF
// daily readers. Input: lines "key=value" (keys as above, `time` and `data`
// comma-separated numbers); a value that is not a number is written as text.
#include <netcdf.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <map>
#include <sstream>
#include <vector>

#include "io/cf/writer.h"
#include "io/readers/products.h"
#include "io/sample/point_series.h"
#include "tests/fuzz/fuzz_input.h"

using namespace rf::io;

namespace {

std::vector<double> numbers(const std::string& s, size_t max) {
  std::vector<double> v;
  std::stringstream ss(s);
  for (std::string item; v.size() < max && std::getline(ss, item, ',');) v.push_back(std::strtod(item.c_str(), nullptr));
  return v;
}

// A numeric attribute of `type` when the text is a number, else a text attribute.
void put_att(int nc, int var, const char* name, const std::string& text, nc_type type) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (!text.empty() && *end == 0) nc_put_att_double(nc, var, name, type, 1, &v);
  else nc_put_att_text(nc, var, name, text.size(), text.data());
}

// The file the attributes describe; false when netCDF refuses them (not a finding).
bool write_file(const std::string& path, std::map<std::string, std::string>& a) {
  std::vector<double> time = numbers(a["time"], 8), data = numbers(a["data"], 32);
  if (time.empty()) time = {0};
  int nc, dt, dy, dx, vt, vy, vx, v;
  if (nc_create(path.c_str(), NC_CLOBBER, &nc) != NC_NOERR) return false;
  nc_def_dim(nc, "time", time.size(), &dt);
  nc_def_dim(nc, "lat", 2, &dy);
  nc_def_dim(nc, "lon", 2, &dx);
  nc_def_var(nc, "time", NC_DOUBLE, 1, &dt, &vt);
  nc_def_var(nc, "lat", NC_DOUBLE, 1, &dy, &vy);
  nc_def_var(nc, "lon", NC_DOUBLE, 1, &dx, &vx);
  const int dims[3] = {dt, dy, dx};
  nc_def_var(nc, "cmorph", NC_FLOAT, 3, dims, &v);
  nc_put_att_text(nc, vy, "units", 13, "degrees_north");
  nc_put_att_text(nc, vx, "units", 12, "degrees_east");
  for (const char* k : {"units", "calendar"})
    if (a.count(std::string("time_") + k)) put_att(nc, vt, k, a[std::string("time_") + k], NC_DOUBLE);
  for (const char* k : {"units", "scale_factor", "add_offset"})
    if (a.count(k)) put_att(nc, v, k, a[k], NC_DOUBLE);
  for (const char* k : {"_FillValue", "missing_value"})
    if (a.count(k)) put_att(nc, v, k, a[k], NC_FLOAT);
  if (a.count("day_convention")) put_att(nc, NC_GLOBAL, "day_convention", a["day_convention"], NC_INT);
  if (nc_enddef(nc) != NC_NOERR) return nc_close(nc), false;
  const double lat[2] = {35.25, 35.75}, lon[2] = {100.25, 100.75};
  std::vector<float> values(time.size() * 4);
  for (size_t i = 0; i < values.size(); ++i) values[i] = data.empty() ? 1.f : float(data[i % data.size()]);
  nc_put_var_double(nc, vt, time.data());
  nc_put_var_double(nc, vy, lat);
  nc_put_var_double(nc, vx, lon);
  nc_put_var_float(nc, v, values.data());
  return nc_close(nc) == NC_NOERR;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::map<std::string, std::string> a;
  std::istringstream in(rf::fuzz::as_string(data, size));
  for (std::string line; std::getline(in, line);)
    if (const size_t eq = line.find('='); eq != std::string::npos) a[line.substr(0, eq)] = line.substr(eq + 1);
  const std::string path = (rf::fuzz::scratch_dir() / "cmorph.nc").string();
  if (!write_file(path, a)) return 0;
  try {
    ReaderOptions opt;
    opt.region = Region{100, 101, 35, 36};
    opt.halo = 0;
    ProductReader(Product::CMORPH, opt).read(path);
  } catch (const std::exception&) {
  }
  try {
    sample_points(path, "cmorph", {{"s1", 100.3, 35.3}, {"s2", 120, 10}}, true);
  } catch (const std::exception&) {
  }
  try {
    read_cf_daily(path, "cmorph");
    read_cf_time_axis(path, "cmorph");
    read_cf_var_info(path, "cmorph");
  } catch (const std::exception&) {
  }
  return 0;
}
