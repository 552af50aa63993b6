#include "io/grads/binary.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "io/grads/byte_source.h"
#include "io/readers/window.h"

namespace rf::io {
namespace {

inline float decode(const unsigned char* b, bool swap) {
  uint32_t u;
  std::memcpy(&u, b, 4);
  if (swap) u = __builtin_bswap32(u);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

bool insane(float v) {
  if (std::isinf(v)) return true;
  const float a = std::fabs(v);
  return a > 1e4f && v > 0 ? true : (a != 0 && a < 1e-30f);
}

}  // namespace

FileSteps read_grads_file(const GradsCtl& ctl, const std::string& path, const GradsReadSpec& spec, const Region& region,
                          int halo) {
  size_t var = 0, level_offset = 0, levels_total = 0;
  bool found = spec.var.empty();
  for (size_t k = 0; k < ctl.vars.size(); ++k) {
    if (!found && ctl.vars[k].name == spec.var) {
      found = true;
      var = k;
      level_offset = levels_total;
    }
    levels_total += size_t(ctl.vars[k].levels);
  }
  const std::string vname = found ? ctl.vars[var].name : spec.var;
  auto fail = [&](const std::string& what) { throw std::runtime_error(path + ": variable '" + vname + "': " + what); };
  if (!found) fail("not in the descriptor " + ctl.source);

  UnixSeconds ft = ctl.t0;
  if (ctl.templated) {
    const std::string base = path.substr(path.find_last_of('/') + 1);
    const auto t = ctl.time_from_name(base);
    if (!t) fail("file name does not match the DSET template of " + ctl.source);
    ft = *t;
  }
  const size_t nsteps = ctl.steps_per_file(ft);
  const std::vector<double> lat = ctl.storage_lat();
  const IndexWindow w = region_window(ctl.x, lat, region, halo, path + ": variable '" + vname + "'");
  FileSteps out;
  out.grid = window_grid(ctl.x, lat, w);

  const size_t nx = ctl.nx(), ny = ctl.ny(), row = nx * 4, rec = row * ny;
  const bool swap = ctl.big_endian;  // hosts are little-endian
  auto src = ByteSource::open(path);
  std::vector<unsigned char> buf(row);
  src->skip(ctl.fileheader);
  size_t bad = 0, bad_swapped_sane = 0;
  const float undef = float(ctl.undef);
  for (size_t s = 0; s < nsteps; ++s) {
    Step st;
    st.start = ctl.dt_months ? ft : ft + UnixSeconds(s) * ctl.dt_seconds;
    st.seconds = int32_t(ctl.dt_months ? 0 : ctl.dt_seconds);
    if (ctl.dt_months) fail("monthly TDEF steps are not sub-daily");
    const double factor = spec.rate_per_hour ? st.seconds / 3600.0 : 1.0;
    st.mm.resize(w.ni * w.nj);
    try {
      src->skip(level_offset * rec);  // records of earlier variables of this step
      src->skip(w.j0 * row);
      for (size_t j = 0; j < w.nj; ++j) {
        src->read(buf.data(), row);
        for (size_t i = 0; i < w.ni; ++i) {
          const unsigned char* b = buf.data() + (w.i0 + i) * 4;
          const float v = decode(b, swap);
          float o;
          if (std::isnan(v) || v == undef || v < 0) o = NAN;
          else if (insane(v)) {
            ++bad;
            bad_swapped_sane += !insane(decode(b, !swap));
            o = NAN;
          } else o = float(v * factor);
          st.mm[j * w.ni + i] = o;
        }
      }
      const bool last = s + 1 == nsteps;
      if (!last) src->skip((ny - w.j0 - w.nj) * row + (levels_total - level_offset - 1) * rec);
    } catch (const std::runtime_error& e) {
      fail(std::string(e.what()).substr(path.size() + 2));
    }
    out.steps.push_back(std::move(st));
  }
  if (bad)
    fail(std::to_string(bad) + " insane values as " + (swap ? "big" : "little") + "-endian float32 (the descriptor's order)" +
         (bad_swapped_sane == bad ? "; byte-swapped they look sane: fix OPTIONS in the descriptor" : ""));
  return out;
}

}  // namespace rf::io
