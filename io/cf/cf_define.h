// The CF file skeleton shared by write_cf_daily / write_cf_regridded and the
// streaming writer (stream_writer.h): dimensions, coordinates with bounds, crs,
// the data variable's definition (chunking, filters, packing attributes), the
// optional Qinghai mask, per-day integer variables and the global attributes.
// Everything except the big (time, lat, lon) chunks, which are stored afterwards
// with HDF5 direct chunk writes (chunk_writer.h).
#pragma once
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/cf/writer.h"
#include "io/daily.h"

namespace rf::io {

// What the file describes.
struct CfLayout {
  const Grid* grid;
  const std::vector<DayNumber>* days;
  DayConvention convention;
  std::string product;
  int steps_per_day;
};

// A per-day integer variable (time), e.g. the fused product's source_set flags
// (CF flag_masks / flag_meanings when given).
struct CfDayVariable {
  std::string name, long_name;
  std::vector<int> values;          // one per day
  std::vector<int> flag_masks;      // empty = no flag attributes
  std::string flag_meanings;
};

// Chunking and encoding of the big variables, as defined in the file.
struct CfFileShape {
  size_t ct, cy, cx;  // chunk extents (time, lat, lon)
  int level;          // deflate level the variables were declared with
  bool flip;          // file row y holds grid row ny-1-y (grid stored north->south)
};

// Validates the layout and writes the skeleton to `file` (a new netCDF-4 file,
// closed on return); error messages name `path`, the file's final name.
// `steps`: a valid_steps variable is declared (ubyte when steps_u8, else ushort).
CfFileShape define_cf_file(const std::string& file, const std::string& path, const CfLayout& lay, bool steps,
                           bool steps_u8, const CfOptions& opt, const std::vector<CfDayVariable>& day_vars = {});

// int16 packing (CfOptions::pack_int16): scale 0.01 mm day-1, _FillValue -32768,
// packed range [-10.00, 645.34] mm day-1 (int16 -32767..32767). Values outside
// are clamped to the range and counted in `clipped`; the writers then fail
// (default) or, with CfOptions::clip_int16, record the count in the attribute
// kCfClippedAttribute of the variable.
inline constexpr float kCfFloatFill = 9.9692099683868690e+36f;  // NC_FILL_FLOAT
inline constexpr short kCfShortFill = -32768;
inline constexpr double kCfPackScale = 0.01;
inline constexpr double kCfPackOffset = 317.67;
inline constexpr float kCfPackMin = -10.0f, kCfPackMax = 645.34f;
inline constexpr const char* kCfClippedAttribute = "rainfuse_clipped_values";
inline short cf_pack_int16(float v, std::atomic<int64_t>& clipped) {
  if (std::isnan(v)) return kCfShortFill;
  if (v < kCfPackMin || v > kCfPackMax) clipped.fetch_add(1, std::memory_order_relaxed);
  const float c = v < kCfPackMin ? kCfPackMin : (v > kCfPackMax ? kCfPackMax : v);
  return short(std::lround((double(c) - kCfPackOffset) / kCfPackScale));
}

// After the packed chunks of `file` (the temporary file of `path`) are stored:
// with opt.clip_int16, writes the number of clipped values into the variable's
// kCfClippedAttribute (declared 0 by define_cf_file); without it, a non-zero
// count is an error naming `path`.
void finish_int16_packing(const std::string& file, const std::string& path, const CfOptions& opt, int64_t clipped);

}  // namespace rf::io
