// Incremental CF-1.8 netCDF-4 writer of daily fields, one time step appended
// per day (a year of 0.01-degree truth is 1.7 GB as float: it is never held in
// memory). precipitation(time, lat, lon) in mm day-1, lat ascending, deflate
// level 1 + shuffle, chunks of one day. The time of CMA day D is D (days since
// 1970-01-01) with bounds [D - 0.5, D + 0.5], i.e. D-1 12:00 to D 12:00 UTC.
// Written under "<path>.part" and renamed by close().
#pragma once
#include <string>

#include "io/dates.h"
#include "io/grid.h"

namespace rf::io::synth {

class DailyNcWriter {
 public:
  DailyNcWriter(const std::string& path, const Grid& grid, const std::string& title, const std::string& source);
  ~DailyNcWriter();
  DailyNcWriter(const DailyNcWriter&) = delete;
  DailyNcWriter& operator=(const DailyNcWriter&) = delete;
  // field is [ny][nx] in the grid's storage order (mm/day, NaN = missing).
  void append(DayNumber day, const float* field);
  void close();
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_;
  Grid grid_;
  bool flip_ = false;
  int nc_ = -1, v_time_ = -1, v_bnds_ = -1, v_pr_ = -1;
  size_t nt_ = 0;
};

// Writes the synthetic DEM (elevation in m on `grid`, storage order) as CF netCDF.
void write_dem_nc(const std::string& path, const Grid& grid, const float* elevation);

}  // namespace rf::io::synth
