// Whole-grid helpers of `rainfuse evaluate` (maps and the twin's grid scores):
//  - CfDaySeries: one daily (time, lat, lon) variable spread over several CF
//    files (one per year), read a day at a time: a 0.01-degree year is 1.7 GB
//    as float and is never held whole. Reads whole time chunks and keeps the
//    last one, so consecutive days cost one decompression per chunk.
//  - BlockMean: a field on a fine grid averaged onto a coarser grid (the mean of
//    the fine cells whose centre falls in each coarse cell; a coarse cell
//    holding no fine centre takes the nearest fine cell: equal or coarser grids).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/dates.h"
#include "io/grid.h"

namespace rf::pipe {

class CfDaySeries {
 public:
  // Files are matched in order; a day present in several files is taken from the first.
  CfDaySeries(const std::vector<std::string>& files, const std::string& var = "precipitation");
  ~CfDaySeries();
  CfDaySeries(const CfDaySeries&) = delete;
  CfDaySeries& operator=(const CfDaySeries&) = delete;

  const io::Grid& grid() const { return grid_; }
  const std::vector<io::DayNumber>& days() const { return days_; }  // sorted
  bool has(io::DayNumber d) const;
  // [ny][nx] in the files' storage order, mm/day, NaN = missing (fill, missing_value).
  void read(io::DayNumber d, float* out) const;

 private:
  struct File;
  std::vector<std::unique_ptr<File>> files_;
  io::Grid grid_;
  std::vector<io::DayNumber> days_;
};

// The files a glob pattern names, sorted (throws naming the pattern when none).
std::vector<std::string> glob_files(const std::string& pattern);

class BlockMean {
 public:
  BlockMean(const io::Grid& fine, const io::Grid& coarse);
  // coarse[ny][nx] from fine[ny][nx] (each in its grid's storage order); NaN
  // fine values are skipped, a cell with none valid is NaN.
  void apply(const float* fine, float* coarse) const;

 private:
  std::vector<int64_t> cell_of_fine_;   // fine index -> coarse index, -1 outside
  std::vector<int64_t> nearest_fine_;   // coarse index -> fine index when the cell holds no fine centre, else -1
  size_t coarse_size_;
};

}  // namespace rf::pipe
