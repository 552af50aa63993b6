// CF-1.8 netCDF-4 writer for daily fields (see writer.h). The metadata and
// coordinates go through netCDF-C (cf_define.h); the big (time, lat, lon)
// variables are compressed in parallel and stored with HDF5 direct chunk writes
// (chunk_writer.h). Everything is written to "<path>.part-<pid>" and renamed
// into place only when complete; on any error the partial file is removed.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/cf/cf_define.h"
#include "io/cf/chunk_writer.h"
#include "io/cf/writer.h"

namespace rf::io {

namespace {

// Removes the temporary file unless the write committed.
struct TempFile {
  std::string path;
  bool committed = false;
  ~TempFile() {
    if (!committed) std::remove(path.c_str());
  }
};

// Values of cube row (t, y) (grid storage order), columns [x0, x0 + n).
using FloatRows = std::function<void(size_t t, size_t y, size_t x0, size_t n, float* out)>;
using StepRows = std::function<void(size_t t, size_t y, size_t x0, size_t n, uint16_t* out)>;

void write_cf(const std::string& path, const CfLayout& lay, const FloatRows& precip, const StepRows* steps_rows,
              uint16_t max_steps, const CfOptions& opt) {
  const Grid& g = *lay.grid;
  const size_t nt = lay.days->size(), ny = g.ny(), nx = g.nx();
  const bool steps = steps_rows != nullptr;
  const bool steps_u8 = max_steps < 255;

  TempFile tmp{path + ".part-" + std::to_string(::getpid())};
  const CfFileShape shape = define_cf_file(tmp.path, path, lay, steps, steps_u8, opt);
  const size_t ct = shape.ct, cy = shape.cy, cx = shape.cx;
  const int level = shape.level;
  auto src_row = [&](size_t y) { return shape.flip ? ny - 1 - y : y; };

  // The big variables: parallel compression + direct chunk writes. Each chunk
  // row is produced by the row source (a cube copy, or regridding on the fly)
  // and converted to the stored type.
  std::atomic<int64_t> clipped{0};
  auto chunk_fill = [&]<class Src>(const std::function<void(size_t, size_t, size_t, size_t, Src*)>& rows,
                                   auto convert, auto fill_value) -> ChunkFill {
    using Dst = decltype(fill_value);
    return [&, convert, fill_value](size_t t0, size_t y0, size_t x0, void* buf) {
      Dst* o = static_cast<Dst*>(buf);
      const size_t n = x0 < nx ? std::min(cx, nx - x0) : 0;
      thread_local std::vector<Src> tmp;
      tmp.resize(cx);
      for (size_t t = 0; t < ct; ++t)
        for (size_t y = 0; y < cy; ++y) {
          Dst* row = o + (t * cy + y) * cx;
          const size_t tt = t0 + t, yy = y0 + y;
          size_t k = 0;
          if (tt < nt && yy < ny && n > 0) {
            rows(tt, src_row(yy), x0, n, tmp.data());
            for (; k < n; ++k) row[k] = convert(tmp[k]);
          }
          for (; k < cx; ++k) row[k] = fill_value;
        }
    };
  };
  if (opt.pack_int16) {
    auto pack = [&clipped](float v) -> short { return cf_pack_int16(v, clipped); };
    write_chunks_direct(tmp.path, opt.var_name, 2, chunk_fill(precip, pack, kCfShortFill), level, opt.fast_deflate);
    finish_int16_packing(tmp.path, path, opt, clipped);
  } else {
    auto val = [](float v) -> float { return std::isnan(v) ? kCfFloatFill : v; };
    write_chunks_direct(tmp.path, opt.var_name, 4, chunk_fill(precip, val, kCfFloatFill), level, opt.fast_deflate);
  }
  if (steps) {
    if (steps_u8) {
      auto v = [](uint16_t x) -> uint8_t { return uint8_t(x); };
      write_chunks_direct(tmp.path, "valid_steps", 1, chunk_fill(*steps_rows, v, uint8_t(0)), level,
                          opt.fast_deflate);
    } else {
      auto v = [](uint16_t x) -> uint16_t { return x; };
      write_chunks_direct(tmp.path, "valid_steps", 2, chunk_fill(*steps_rows, v, uint16_t(0)), level,
                          opt.fast_deflate);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp.path, path, ec);
  if (ec) throw std::runtime_error(path + ": cannot rename the finished file into place: " + ec.message());
  tmp.committed = true;
}

}  // namespace

void write_cf_daily(const std::string& path, const DailyCube& cube, const CfOptions& opt) {
  const size_t plane = cube.grid.size(), nx = cube.grid.nx();
  if (cube.precip.size() != cube.nt() * plane)
    throw std::runtime_error(path + ": cube holds " + std::to_string(cube.precip.size()) + " values, expected " +
                             std::to_string(cube.nt() * plane));
  const bool steps = opt.write_valid_steps && !cube.valid_steps.empty();
  if (steps && cube.valid_steps.size() != cube.precip.size())
    throw std::runtime_error(path + ": valid_steps size mismatch");
  const CfLayout lay{&cube.grid, &cube.days, cube.convention, cube.product, cube.steps_per_day};
  const FloatRows precip = [&](size_t t, size_t y, size_t x0, size_t n, float* out) {
    std::copy_n(cube.precip.data() + t * plane + y * nx + x0, n, out);
  };
  const StepRows step_rows = [&](size_t t, size_t y, size_t x0, size_t n, uint16_t* out) {
    std::copy_n(cube.valid_steps.data() + t * plane + y * nx + x0, n, out);
  };
  const uint16_t max_steps = steps ? *std::max_element(cube.valid_steps.begin(), cube.valid_steps.end()) : 0;
  write_cf(path, lay, precip, steps ? &step_rows : nullptr, max_steps, opt);
}

void write_cf_regridded(const std::string& path, const DailyCube& src, const RegridPlan& plan, const CfOptions& opt) {
  if (!(plan.src == src.grid)) throw std::runtime_error(path + ": the regrid plan was made for another source grid");
  const size_t nsrc = src.grid.size(), nt = src.nt(), nx = plan.dst.nx();
  if (src.precip.size() != nt * nsrc) throw std::runtime_error(path + ": source cube size mismatch");
  // The (small) source side is prepared once: bicubic needs each field's gradients.
  const int planes = regrid_source_planes(plan);
  std::vector<float> prepared;
  const float* source = src.precip.data();
  if (planes > 1) {
    prepared.resize(nt * nsrc * size_t(planes));
    for (size_t t = 0; t < nt; ++t)
      make_regrid_source(plan, src.precip.data() + t * nsrc, prepared.data() + t * nsrc * size_t(planes));
    source = prepared.data();
  }
  const size_t field_stride = nsrc * size_t(planes);
  const FloatRows precip = [&](size_t t, size_t y, size_t x0, size_t n, float* out) {
    apply_regrid_span(plan, source + t * field_stride, int64_t(y * nx + x0), int64_t(n), out);
  };
  const bool steps = opt.write_valid_steps && plan.method == RegridMethod::Nearest && !src.valid_steps.empty();
  const StepRows step_rows = [&](size_t t, size_t y, size_t x0, size_t n, uint16_t* out) {
    const int64_t* idx = plan.src_index.data() + y * nx + x0;
    const uint16_t* s = src.valid_steps.data() + t * nsrc;
    for (size_t k = 0; k < n; ++k) out[k] = idx[k] < 0 ? 0 : s[idx[k]];
  };
  const uint16_t max_steps = steps ? *std::max_element(src.valid_steps.begin(), src.valid_steps.end()) : 0;
  const CfLayout lay{&plan.dst, &src.days, src.convention, src.product, src.steps_per_day};
  write_cf(path, lay, precip, steps ? &step_rows : nullptr, max_steps, opt);
}

}  // namespace rf::io
