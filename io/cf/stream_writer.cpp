// Streaming CF writer (stream_writer.h): define_cf_file for the skeleton, then
// one DirectChunkWriter time block per CfOptions::time_chunk days.
#include "io/cf/stream_writer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "io/cf/chunk_writer.h"

namespace rf::io {

struct CfStreamWriter::Impl {
  std::string path, tmp;
  Grid grid;
  std::vector<DayNumber> days;
  CfOptions opt;
  CfFileShape shape{};
  std::optional<DirectChunkWriter> chunks;
  std::vector<float> block;   // [shape.ct][ny][nx] the days of the current time block
  size_t added = 0, block_days = 0, next_block = 0;
  std::atomic<int64_t> clipped{0};
  bool finished = false;

  // Stores the buffered days as time block next_block (days beyond them are fill).
  void write_block() {
    const size_t ny = grid.ny(), nx = grid.nx(), plane = ny * nx;
    const size_t ct = shape.ct, cy = shape.cy, cx = shape.cx, filled = block_days;
    const bool flip = shape.flip;
    auto fill_chunk = [&]<class Dst>(size_t y0, size_t x0, Dst* o, auto convert, Dst fill_value) {
      const size_t n = x0 < nx ? std::min(cx, nx - x0) : 0;
      for (size_t t = 0; t < ct; ++t)
        for (size_t y = 0; y < cy; ++y) {
          Dst* row = o + (t * cy + y) * cx;
          const size_t yy = y0 + y;
          size_t k = 0;
          if (t < filled && yy < ny && n > 0) {
            const float* src = block.data() + t * plane + (flip ? ny - 1 - yy : yy) * nx + x0;
            for (; k < n; ++k) row[k] = convert(src[k]);
          }
          for (; k < cx; ++k) row[k] = fill_value;
        }
    };
    if (opt.pack_int16) {
      chunks->write_time_block(next_block, [&](size_t, size_t y0, size_t x0, void* buf) {
        fill_chunk(y0, x0, static_cast<short*>(buf), [&](float v) { return cf_pack_int16(v, clipped); },
                   kCfShortFill);
      });
    } else {
      chunks->write_time_block(next_block, [&](size_t, size_t y0, size_t x0, void* buf) {
        fill_chunk(y0, x0, static_cast<float*>(buf), [](float v) { return std::isnan(v) ? kCfFloatFill : v; },
                   kCfFloatFill);
      });
    }
    ++next_block;
    block_days = 0;
  }
};

CfStreamWriter::CfStreamWriter(const std::string& path, const Grid& grid, const std::vector<DayNumber>& days,
                               DayConvention convention, const std::string& product, const CfOptions& opt,
                               const std::vector<CfDayVariable>& day_vars)
    : impl_(new Impl) {
  Impl& m = *impl_;
  m.path = path;
  m.tmp = path + ".part-" + std::to_string(::getpid());
  m.grid = grid;
  m.days = days;
  m.opt = opt;
  const CfLayout lay{&m.grid, &m.days, convention, product, 0};
  try {
    m.shape = define_cf_file(m.tmp, path, lay, false, false, opt, day_vars);
    m.chunks.emplace(m.tmp, opt.var_name, opt.pack_int16 ? 2 : 4, m.shape.level, opt.fast_deflate);
  } catch (...) {
    std::remove(m.tmp.c_str());
    throw;
  }
  m.block.resize(m.shape.ct * grid.size());
}

CfStreamWriter::~CfStreamWriter() {
  if (impl_->finished) return;
  impl_->chunks.reset();
  std::remove(impl_->tmp.c_str());
}

void CfStreamWriter::add_day(const float* field) {
  Impl& m = *impl_;
  if (m.finished || m.added >= m.days.size())
    throw std::runtime_error(m.path + ": more days added than the file holds (" + std::to_string(m.days.size()) + ")");
  const size_t plane = m.grid.size();
  std::copy_n(field, plane, m.block.data() + m.block_days * plane);
  ++m.block_days;
  ++m.added;
  if (m.block_days == m.shape.ct) m.write_block();
}

void CfStreamWriter::finish(const std::function<void(const std::string&)>& before_rename) {
  Impl& m = *impl_;
  if (m.finished) return;
  if (m.added != m.days.size())
    throw std::runtime_error(m.path + ": " + std::to_string(m.added) + " of " + std::to_string(m.days.size()) +
                             " days written");
  if (m.block_days > 0) m.write_block();
  m.chunks->flush();
  m.chunks.reset();  // closes the HDF5 file
  finish_int16_packing(m.tmp, m.path, m.opt, m.clipped);
  if (before_rename) before_rename(m.tmp);
  std::error_code ec;
  std::filesystem::rename(m.tmp, m.path, ec);
  if (ec) throw std::runtime_error(m.path + ": cannot rename the finished file into place: " + ec.message());
  m.finished = true;
}

size_t CfStreamWriter::days_written() const { return impl_->added; }
int64_t CfStreamWriter::clipped_values() const { return impl_->clipped; }
const std::string& CfStreamWriter::temp_path() const { return impl_->tmp; }

}  // namespace rf::io
