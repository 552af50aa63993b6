#include "train/pipeline/eval_grid.h"

#include <glob.h>
#include <netcdf.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "io/cf/nc_util.h"
#include "io/sample/point_series.h"

namespace rf::pipe {

namespace {

std::vector<double> read_axis(int ncid, int dimid, const std::string& path) {
  char name[NC_MAX_NAME + 1];
  size_t len;
  io::nc::check(nc_inq_dim(ncid, dimid, name, &len), path, "dimension");
  int v;
  io::nc::check(nc_inq_varid(ncid, name, &v), path, std::string("coordinate variable ") + name);
  std::vector<double> out(len);
  if (len) io::nc::check(nc_get_var_double(ncid, v, out.data()), path, std::string("reading ") + name);
  return out;
}

bool same_axis(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::fabs(a[i] - b[i]) > 1e-6) return false;
  return true;
}

// Index of the centre nearest x on a monotonic axis, or -1 when x lies outside
// the cells (centre +- half the local spacing).
int64_t containing_cell(const std::vector<double>& c, double x) {
  if (c.empty()) return -1;
  size_t best = 0;
  for (size_t i = 1; i < c.size(); ++i)
    if (std::fabs(c[i] - x) < std::fabs(c[best] - x)) best = i;
  const double half = c.size() > 1 ? std::fabs(c[std::min(best + 1, c.size() - 1)] - c[best == c.size() - 1 ? best - 1 : best]) / 2 : 0.5;
  return std::fabs(c[best] - x) <= half * (1 + 1e-9) ? int64_t(best) : -1;
}

}  // namespace

struct CfDaySeries::File {
  io::nc::File nc;
  int var = -1;
  std::vector<io::DayNumber> days;
  size_t chunk = 1;                  // days per read (the variable's time chunk)
  double fill = NAN, missing = NAN, scale = 1, offset = 0;
  mutable int64_t cached_block = -1;
  mutable std::vector<float> block;  // [chunk][ny][nx]
  explicit File(const std::string& p) : nc(p, NC_NOWRITE) {}
};

CfDaySeries::~CfDaySeries() = default;

CfDaySeries::CfDaySeries(const std::vector<std::string>& paths, const std::string& var) {
  if (paths.empty()) throw std::runtime_error("no daily netCDF file given");
  for (const auto& path : paths) {
    auto f = std::make_unique<File>(path);
    const int id = f->nc.id;
    if (nc_inq_varid(id, var.c_str(), &f->var) != NC_NOERR) throw std::runtime_error(path + ": no variable '" + var + "'");
    int nd = 0, dims[NC_MAX_VAR_DIMS];
    nc_inq_varndims(id, f->var, &nd);
    if (nd != 3) throw std::runtime_error(path + ": variable '" + var + "' is not (time, lat, lon)");
    nc_inq_vardimid(id, f->var, dims);
    io::Grid g;
    g.lat = read_axis(id, dims[1], path);
    g.lon = read_axis(id, dims[2], path);
    if (files_.empty()) grid_ = g;
    else if (!same_axis(g.lat, grid_.lat) || !same_axis(g.lon, grid_.lon))
      throw std::runtime_error(path + ": grid differs from " + files_[0]->nc.path);
    const auto time = read_axis(id, dims[0], path);
    char tname[NC_MAX_NAME + 1];
    nc_inq_dimname(id, dims[0], tname);
    int tv;
    io::nc::check(nc_inq_varid(id, tname, &tv), path, "time variable");
    std::string units;
    if (!io::nc::get_text_att(id, tv, "units", units)) throw std::runtime_error(path + ": time has no units");
    try {
      for (double t : time) f->days.push_back(io::cf_time_to_day(t, units));
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ": " + e.what());
    }
    int storage = 0;
    size_t chunks[3] = {1, 1, 1};
    if (nc_inq_var_chunking(id, f->var, &storage, chunks) == NC_NOERR && storage == NC_CHUNKED)
      f->chunk = std::max<size_t>(1, chunks[0]);
    io::nc::get_double_att(id, f->var, "_FillValue", f->fill);
    io::nc::get_double_att(id, f->var, "missing_value", f->missing);
    io::nc::get_double_att(id, f->var, "scale_factor", f->scale);
    io::nc::get_double_att(id, f->var, "add_offset", f->offset);
    for (auto d : f->days) days_.push_back(d);
    files_.push_back(std::move(f));
  }
  std::sort(days_.begin(), days_.end());
  days_.erase(std::unique(days_.begin(), days_.end()), days_.end());
}

bool CfDaySeries::has(io::DayNumber d) const { return std::binary_search(days_.begin(), days_.end(), d); }

void CfDaySeries::read(io::DayNumber d, float* out) const {
  const size_t plane = grid_.size();
  for (const auto& f : files_) {
    auto it = std::find(f->days.begin(), f->days.end(), d);
    if (it == f->days.end()) continue;
    const size_t t = size_t(it - f->days.begin());
    const int64_t b = int64_t(t / f->chunk);
    const size_t t0 = size_t(b) * f->chunk, nt = std::min(f->chunk, f->days.size() - t0);
    if (f->cached_block != b) {
      f->block.resize(nt * plane);
      const size_t start[3] = {t0, 0, 0}, count[3] = {nt, grid_.ny(), grid_.nx()};
      io::nc::check(nc_get_vara_float(f->nc.id, f->var, start, count, f->block.data()), f->nc.path, "reading a day");
      f->cached_block = b;
    }
    // Fill and missing markers compare in float (the type read), then unpacking.
    const float fill = float(f->fill), missing = float(f->missing);
    const float* src = f->block.data() + (t - t0) * plane;
    for (size_t i = 0; i < plane; ++i) {
      const float r = src[i];
      out[i] = (std::isnan(r) || r == fill || r == missing) ? NAN : float(r * f->scale + f->offset);
    }
    return;
  }
  throw std::runtime_error(files_[0]->nc.path + ": no day " + io::format_date(d) + " in the files");
}

std::vector<std::string> glob_files(const std::string& pattern) {
  glob_t g{};
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  if (out.empty()) throw std::runtime_error(pattern + ": no file matches");
  std::sort(out.begin(), out.end());
  return out;
}

BlockMean::BlockMean(const io::Grid& fine, const io::Grid& coarse) : coarse_size_(coarse.size()) {
  std::vector<int64_t> col(fine.nx()), row(fine.ny());
  for (size_t i = 0; i < fine.nx(); ++i) col[i] = containing_cell(coarse.lon, fine.lon[i]);
  for (size_t j = 0; j < fine.ny(); ++j) row[j] = containing_cell(coarse.lat, fine.lat[j]);
  cell_of_fine_.assign(fine.size(), -1);
  std::vector<uint8_t> covered(coarse.size(), 0);
  for (size_t j = 0; j < fine.ny(); ++j)
    for (size_t i = 0; i < fine.nx(); ++i)
      if (row[j] >= 0 && col[i] >= 0) {
        const int64_t c = row[j] * int64_t(coarse.nx()) + col[i];
        cell_of_fine_[j * fine.nx() + i] = c;
        covered[size_t(c)] = 1;
      }
  // Cells without a fine centre (fine grid not finer there): nearest fine cell,
  // when the coarse centre lies inside the fine grid.
  nearest_fine_.assign(coarse.size(), -1);
  std::vector<int64_t> fcol(coarse.nx()), frow(coarse.ny());
  for (size_t i = 0; i < coarse.nx(); ++i) fcol[i] = containing_cell(fine.lon, coarse.lon[i]);
  for (size_t j = 0; j < coarse.ny(); ++j) frow[j] = containing_cell(fine.lat, coarse.lat[j]);
  for (size_t j = 0; j < coarse.ny(); ++j)
    for (size_t i = 0; i < coarse.nx(); ++i)
      if (!covered[j * coarse.nx() + i] && frow[j] >= 0 && fcol[i] >= 0)
        nearest_fine_[j * coarse.nx() + i] = frow[j] * int64_t(fine.nx()) + fcol[i];
}

void BlockMean::apply(const float* fine, float* coarse) const {
  std::vector<double> sum(coarse_size_, 0.0);
  std::vector<int32_t> n(coarse_size_, 0);
  for (size_t k = 0; k < cell_of_fine_.size(); ++k) {
    const int64_t c = cell_of_fine_[k];
    if (c >= 0 && std::isfinite(fine[k])) sum[size_t(c)] += fine[k], ++n[size_t(c)];
  }
  for (size_t c = 0; c < coarse_size_; ++c) {
    if (n[c]) coarse[c] = float(sum[c] / n[c]);
    else coarse[c] = nearest_fine_[c] >= 0 ? fine[nearest_fine_[c]] : NAN;
  }
}

}  // namespace rf::pipe
