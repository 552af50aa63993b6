// Internal steps of prepare() (prepare.cpp orchestrates them): the cache
// manifest, input file lists, the working-grid geometry helpers and one
// builder per kind of input. Not part of the pipeline contract.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "io/aggregate/daily_from_files.h"
#include "train/prepare/prepared.h"

namespace rf::pipe::prep {

// Files matching any of `patterns` (glob(3)), sorted, duplicates removed; a
// pattern matching nothing contributes nothing.
std::vector<std::string> match_files(const std::vector<std::string>& patterns);

// "size mtime_ns path" lines: what the manifest records of the input files.
std::string stamp_files(const std::vector<std::string>& files);

// Writes `text` to path + ".part" and renames it to `path`. A failed write (a
// full disk) removes the .part and throws naming `path` and the cause
// ("No space left on device"); `path` keeps its earlier content.
void write_text_file(const std::string& path, const std::string& text);

// <out>/cache/manifest.txt: one block of text per cached artifact. A block
// holds the settings that determine the artifact, the input files' stamps and
// a `days FIRST LAST` line (the range the artifact holds).
class Manifest {
 public:
  explicit Manifest(std::string path);
  // The stored block of `artifact` ("" when none).
  std::string block(const std::string& artifact) const;
  void set(const std::string& artifact, const std::string& block);  // saves the file (atomic)
  void set_fingerprint(const std::string& fingerprint);
  int rebuilt = 0;  // artifacts (re)built during this prepare (tests and the summary read it)

 private:
  void save() const;
  std::string path_, fingerprint_;
  std::map<std::string, std::string> blocks_;
};

// A cached artifact holding days [first, last] built from `key` (settings +
// file stamps). Decides whether the stored one serves [want_first, want_last]:
// returns true when it does; otherwise sets build_first/last to the range to
// build (the wanted range, widened to the stored one when only the range differs).
bool cache_serves(const std::string& stored_block, const std::string& key, io::DayNumber want_first,
                  io::DayNumber want_last, io::DayNumber& build_first, io::DayNumber& build_last);
std::string cache_block(const std::string& key, io::DayNumber first, io::DayNumber last);
// The block line recording a cached file's content: "content crc32 XXXXXXXX size N".
std::string content_line(const std::string& path);
// "" when the file matches the block's content line (a block without one, from
// a manifest before checksums, is taken as it is); otherwise why it does not:
// the cache file was truncated or altered after it was written, and is rebuilt.
std::string content_mismatch(const std::string& stored_block, const std::string& path);
// The file exists and matches its block; a mismatch is logged ("rebuilding it").
bool cache_file_intact(const std::string& stored_block, const std::string& path);

// Working-grid geometry: cell edges of an ascending axis are the midpoints of
// its centres (the end cells mirrored).
double lower_edge(const std::vector<double>& centres);
double upper_edge(const std::vector<double>& centres);
// Index of the cell of ascending `centres` holding x, or -1 outside.
int64_t cell_of(const std::vector<double>& centres, double x);
io::Region grid_box(const io::Grid& g);

// One configured source, in three steps so that sources whose readers are
// thread-safe (flat binaries) can be read on a second thread while the
// netCDF/HDF5 sources are read on the first (netCDF-C is not thread-safe):
//   plan_source   file lists and cache decisions per year (main thread)
//   read_source   io::daily_from_files for each year to build (no netCDF call
//                 when thread_safe)
//   finish_source cache writes/reads, the period's native cube, the regrid
//                 plan to the working grid, source planes, availability (main thread)
// Daily values no precipitation product holds: above kMaxPlausibleMm (the
// world's 24-hour record is ~1,800 mm, Qinghai's a few hundred; over 1000 is a
// wrong scale factor or unit), below kMinPlausibleMm (a sign error; tiny
// negatives are packing noise, ERA5's GRIB has them), or infinite. They are set
// to NaN (missing: never fused as rain); one record per day that had any.
constexpr float kMaxPlausibleMm = 1000.0f, kMinPlausibleMm = -0.01f;
struct FlaggedDay {
  io::DayNumber day = 0;
  size_t over = 0, negative = 0, infinite = 0;
};
std::vector<FlaggedDay> flag_implausible_values(io::DailyCube& cube);
// "date,cells_over_1000mm,cells_negative,cells_infinite" + one row per day.
std::string flagged_days_csv(const std::vector<FlaggedDay>& days);

struct SourceTiming {
  size_t files = 0, files_read = 0, files_skipped = 0;
  size_t days_flagged = 0;  // days with implausible values (flag_implausible_values)
  int years_built = 0, years_cached = 0, years_absent = 0;
  double seconds = 0;
};
struct SourceJob {
  SourceConfig sc;
  io::Product product = io::Product::ERA5;
  io::ReaderOptions reader;
  io::DayOptions day;
  io::OnBadFile on_bad = io::OnBadFile::Skip;
  io::DayNumber first = 0, last = 0;
  std::vector<std::string> files;   // every file matched
  bool thread_safe = false;         // every file readable off the main thread
  struct Year {
    int year = 0;
    io::DayNumber first = 0, last = 0;              // the period's days in this year
    io::DayNumber build_first = 0, build_last = 0;  // the days the cache file holds / will hold
    std::vector<std::string> files;                 // empty: no data this year
    std::string artifact, path, key;
    bool cached = false, empty = false;             // empty: files, but no step of the year
    io::DailyCube built;                            // read_source's result
    std::vector<std::string> skipped;               // read_source: unreadable files ("path: why")
  };
  std::vector<Year> years;
  SourceTiming timing;
};
SourceJob plan_source(const RunConfig& cfg, const SourceConfig& sc, const io::Grid& working, io::DayNumber first,
                      io::DayNumber last, const Manifest& manifest);
void read_source(SourceJob& job);
void finish_source(const RunConfig& cfg, SourceJob& job, const io::Grid& working, Manifest& manifest, SourceData& sd);

// Files read_source has to read for `job` (0 when every year is cached).
size_t files_to_read(const SourceJob& job);

// read_source for `jobs` in a forked child process (forked_reads.cpp): a second
// reader of netCDF sources, which threads cannot be. The constructor forks;
// join() waits for the child and fills in the jobs' results (built cubes,
// empty flags, timings), or throws the child's error. Destroyed unjoined, it
// kills the child. Nothing else may touch the jobs until join() returns.
class ForkedReads {
 public:
  explicit ForkedReads(std::vector<SourceJob*> jobs);
  ~ForkedReads();
  ForkedReads(const ForkedReads&) = delete;
  ForkedReads& operator=(const ForkedReads&) = delete;
  void join();

 private:
  std::vector<SourceJob*> jobs_;
  pid_t pid_ = -1;
  int fd_ = -1;           // read end of the result pipe
  std::thread drain_;     // reads the pipe while the child writes
  std::string received_;
};

// Gauges (cache/gauges.csv) and stations on the working grid.
void prepare_gauges(const RunConfig& cfg, Manifest& manifest, Prepared& p);

// Elevation on the working grid (cache/dem.nc); zeros without a DEM.
std::vector<float> prepare_dem(const RunConfig& cfg, const io::Grid& working, Manifest& manifest);

}  // namespace rf::pipe::prep
