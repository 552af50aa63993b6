// Accumulated fields -> hourly steps. ERA5 stores each tp field as the water
// accumulated over [start, end): the hour ending at the stamp for ERA5, the
// time since 00 UTC for ERA5-Land (its 01 UTC field is the first hour, its
// 00 UTC field of day D+1 the whole of day D). The hour ending at `end` is
//   acc(start, end)                          when end - start = 1 h,
//   acc(start, end) - acc(start, end - 1 h)  otherwise (negative packing noise -> 0).
// A field whose predecessor is not in its file (the 00 UTC field opening a
// monthly ERA5-Land file) is a head; the last field of an accumulation still
// running at the file's end is a tail; AccumulationJoin pairs them across files.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "io/readers/step.h"

namespace rf::io {

// Hourly steps of `fields` (any order) whose hour intersects [keep_from,
// keep_to), with heads and tails. `file` names the file in errors (fields not
// whole hours, duplicates).
FileSteps deaccumulate(Grid grid, std::vector<Accumulation> fields, UnixSeconds keep_from, UnixSeconds keep_to,
                       const std::string& file);

// The hour ending at `later.end` from two fields of one accumulation an hour apart.
std::vector<float> hour_between(const std::vector<float>& earlier, const std::vector<float>& later);

// Pairs the heads of some files with the tails of others (files in any order).
class AccumulationJoin {
 public:
  void add(const FileSteps& fs, const std::string& file);
  // The steps of heads paired with a tail, with the head's grid and file. A head
  // without a tail whose hour intersects [from, to) is an error naming its file.
  struct Joined {
    Grid grid;
    Step step;
    std::string file;
  };
  std::vector<Joined> join(UnixSeconds from, UnixSeconds to) const;

 private:
  struct Entry {
    Grid grid;
    Accumulation acc;
    std::string file;
  };
  std::vector<Entry> heads_;
  std::map<std::pair<UnixSeconds, UnixSeconds>, Entry> tails_;  // by (start, end)
};

}  // namespace rf::io
