// Streaming CF writer: the same file as write_cf_daily (writer.h), but the days
// arrive one at a time, so a year at 0.01 degrees (1390x850x365 floats = 1.7 GB)
// never has to be in memory. Only one time block of chunks (CfOptions::time_chunk
// days) is buffered; each full block is compressed in parallel and stored with
// HDF5 direct chunk writes (chunk_writer.h) in the order write_cf_daily uses,
// so for the same days and options the bytes are identical (with
// CfOptions::history_timestamp = false; otherwise only the history differs).
// Written under "<path>.part-<pid>" and renamed into place by finish(); the
// temporary file is removed if the writer is destroyed unfinished.
// No valid_steps variable (a fused product has none); per-day integer
// variables (e.g. which model produced each day) can be added.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/cf/cf_define.h"
#include "io/cf/writer.h"
#include "io/daily.h"

namespace rf::io {

class CfStreamWriter {
 public:
  // Creates the temporary file with every coordinate and attribute of a file
  // holding `days` on `grid`. opt.write_valid_steps is ignored (no steps).
  CfStreamWriter(const std::string& path, const Grid& grid, const std::vector<DayNumber>& days,
                 DayConvention convention, const std::string& product, const CfOptions& opt,
                 const std::vector<CfDayVariable>& day_vars = {});
  ~CfStreamWriter();
  CfStreamWriter(const CfStreamWriter&) = delete;
  CfStreamWriter& operator=(const CfStreamWriter&) = delete;

  // Appends the next day: [ny][nx] mm/day in the grid's storage order, NaN missing.
  void add_day(const float* field);
  // After the last day: stores the last (partial) block, closes the file and
  // renames it to `path`. Throws if days are missing or a packed value was out
  // of the int16 range (unless CfOptions::clip_int16: then the count is stored).
  // before_rename(temp_path) runs on the complete, closed file just before the
  // rename (e.g. to write its checksum first, so that no kill can leave the
  // final name without one).
  void finish(const std::function<void(const std::string& temp_path)>& before_rename = {});

  size_t days_written() const;
  // Values clipped to the int16 packing range so far (CfOptions::pack_int16).
  int64_t clipped_values() const;
  const std::string& temp_path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rf::io
