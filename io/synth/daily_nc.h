// Incremental CF-1.8 netCDF-4 writer of daily fields, one time step appended
// per day (a year of 0.01-degree truth is 1.7 GB as float: it is never held in
// memory). precipitation(time, lat, lon) in mm day-1, lat ascending, deflate
// level 1 + shuffle, chunks of one day. The time of CMA day D is D (days since
// 1970-01-01) with bounds [D - 0.5, D + 0.5], i.e. D-1 12:00 to D 12:00 UTC.
// Written under "<path>.part" and renamed by close().
// netCDF-C defines the file and its time axis for days first..last (an
// unlimited dimension); each day's chunk is then compressed by compress() on
// any thread and stored by append() with an HDF5 direct chunk write
// (io/cf/chunk_writer.h), so the serial netCDF/HDF5 part does no deflate.
#pragma once
#include <string>

#include "io/cf/chunk_writer.h"
#include "io/dates.h"
#include "io/grid.h"

namespace rf::io::synth {

class DailyNcWriter {
 public:
  DailyNcWriter(const std::string& path, const Grid& grid, DayNumber first, DayNumber last, const std::string& title,
                const std::string& source);
  ~DailyNcWriter();
  DailyNcWriter(const DailyNcWriter&) = delete;
  DailyNcWriter& operator=(const DailyNcWriter&) = delete;
  // The chunk of `day` (first..last): field is [ny][nx] in the grid's storage
  // order (mm/day, NaN = missing). Thread-safe.
  CompressedChunk compress(DayNumber day, const float* field) const;
  // Stores the next day's chunk (days in order; not thread-safe: netCDF/HDF5).
  void append(const CompressedChunk& chunk);
  void close();  // throws unless every day first..last was appended
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_;
  Grid grid_;
  DayNumber first_, last_;
  bool flip_ = false, open_ = false;
  size_t nt_ = 0;
};

// Writes the synthetic DEM (elevation in m on `grid`, storage order) as CF netCDF.
void write_dem_nc(const std::string& path, const Grid& grid, const float* elevation);

}  // namespace rf::io::synth
