// Writers of the GLOBAL flat-binary products of the twin, fast enough for 8,760
// files a year each. Only the window rows vary between files, so the constant
// parts (fill values before, between and after the window) are compressed once
// and spliced into every file:
//  - GSMaP Gauge v8 hourly (.dat.gz, 3600 x 1200 float32 LE, N->S, -99 outside
//    the window): one valid gzip member built from raw-deflate segments that each
//    end with Z_FULL_FLUSH (byte aligned, no back-references across segments),
//    a final empty block, and a CRC-32 combined with crc32_combine.
//  - CMORPH V1.0 ADJ 8 km 30 min (.bz2, 2 records of 4948 x 1649 float32 LE,
//    S->N, -999 outside the window): a MULTI-STREAM bzip2 file (concatenated
//    complete bzip2 streams, as pbzip2 writes). bunzip2 and Python's bz2 read it
//    whole; a libbz2 reader must start a new BZ2_bzDecompress stream after each
//    BZ_STREAM_END until the input is exhausted.
// `unpacked` writers write the same bytes decompressed (GSMaP .dat, CMORPH
// without .bz2), as users who have gunzip'ed / bunzip2'ed an archive hold them.
// Thread-safe: one writer object may be used by several threads at once.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/synth/products.h"

namespace rf::io::synth {

// A run of constant bytes compressed once, as a sequence of independent pieces.
struct CompressedRun {
  std::string bytes;   // compressed representation
  uint32_t crc = 0;    // CRC-32 (gzip) of the uncompressed bytes
  uint64_t length = 0; // uncompressed length
};

class GsmapWriter {
 public:
  explicit GsmapWriter(const NativeWindow& w, bool unpacked = false);
  // mm_hour: [nj][ni] mm over the hour starting at `start` (= the mm/hr rate).
  // Writes dir/YYYY/MM/DD/gsmap_gauge.YYYYMMDD.HH00.v8.0000.1.dat.gz (.dat
  // unpacked); returns the path.
  std::string write(const std::string& dir, UnixSeconds start, const float* mm_hour) const;
  static constexpr float kUndef = -99.0f;

 private:
  NativeWindow w_;
  bool unpacked_;
  CompressedRun prefix_, gap_, suffix_;
};

class CmorphWriter {
 public:
  explicit CmorphWriter(const NativeWindow& w, bool unpacked = false);
  // first/second: [nj][ni] mm over HH:00-HH:30 and HH:30-HH+1. Writes
  // dir/YYYY/YYYYMM/CMORPH_V1.0_ADJ_8km-30min_YYYYMMDDHH.bz2 (no .bz2
  // unpacked); returns the path.
  std::string write(const std::string& dir, UnixSeconds hour_start, const float* first, const float* second) const;
  static constexpr float kUndef = -999.0f;

 private:
  NativeWindow w_;
  bool unpacked_;
  CompressedRun prefix_, gap_, between_, suffix_;
  std::string zero_row_;  // the stream of an all-dry window row (most rows of most hours)
};

// Decompressors used by the tests (whole-file, multi-stream aware).
std::string gunzip_file(const std::string& path);
std::string bunzip2_file(const std::string& path);

}  // namespace rf::io::synth
