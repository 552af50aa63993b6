// Writers of the netCDF/HDF5 products of the twin, in their distributed layouts
// (fact sheet §A.1, §A.2, §A.5). Not thread-safe (netCDF-C/HDF5): callers
// serialise them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/cf/chunk_writer.h"
#include "io/synth/products.h"

namespace rf::io::synth {

// ERA5 hourly tp, one file per calendar month of valid_time:
// era5/era5_tp_YYYYMM.{nc,zip,grib}. Legacy = CDS netCDF3 64-bit offset, int16
// packed tp(time, latitude, longitude) with scale_factor/add_offset, time in
// hours since 1900-01-01; Cds = new CDS netCDF4, float32 tp(valid_time,
// latitude, longitude) with NaN fill, valid_time in seconds since 1970-01-01,
// number and expver coordinates; Zip = the new CDS zip of a request mixing
// accumulated and instantaneous fields: data_stream-oper_stepType-instant.nc
// (t2m) and data_stream-oper_stepType-accum.nc (the Cds tp file); Grib = GRIB 1,
// one message per hour (era5_grib.h). Latitude north->south, longitude 0-360
// (area request 40.75N 88.5E 30.25N 104.5E).
// ERA5-Land (`land`): the same hours written as ERA5-Land stores them,
// accumulated from 00 UTC (01 UTC = the first hour, 00 UTC = the whole previous
// day); netCDF files say "ERA5-Land" in their history, GRIB in the step range.
// The twin keeps ERA5's 0.25-degree window. Its first day starts at 13 UTC, so
// its hours from 01 UTC until then are written dry (0): the file then starts
// at 01 UTC and can be de-accumulated.
enum class Era5Layout { Legacy, Cds, Zip, Grib };
class Era5Writer {
 public:
  // layout_of_year(y) picks the layout of the files of year y.
  Era5Writer(std::string out_dir, Era5Layout (*layout_of_year)(int), bool land);
  // Adds the 24 hourly steps of a product day (step k ends at day-1 13:00 + k h).
  void add_day(const ProductDay& d, const NativeWindow& w);
  void flush();  // writes the pending month, if any
  std::vector<std::string> written;

 private:
  void push(UnixSeconds stamp, const float* mm);  // mm == null: a dry hour
  void write_nc(const std::string& path, bool legacy) const;
  std::string dir_;
  Era5Layout (*layout_)(int);
  bool land_;
  int month_key_ = -1;                    // y * 100 + m of the pending hours
  std::vector<int64_t> stamps_;           // valid_time (unix seconds)
  std::vector<float> hours_;              // [nt][nj][ni] metres (ERA5-Land: accumulated since 00 UTC)
  std::vector<float> acc_;                // ERA5-Land: metres since 00 UTC of the last stamp's day
  UnixSeconds last_stamp_ = INT64_MIN;
  NativeWindow w_{};
};
Era5Layout era5_layout_alternating(int year);  // even years legacy, odd years CDS
Era5Layout era5_layout_legacy(int year);
Era5Layout era5_layout_cds(int year);
Era5Layout era5_layout_zip(int year);
Era5Layout era5_layout_grib(int year);

// IMERG Final half-hourly file (V06B: /Grid/precipitationCal, time in seconds
// since 1970-01-01; V07B: /Grid/precipitation, seconds since 1980-01-06),
// global (time=1, lon=3600, lat=1800) dims with only the window's chunks
// written (the rest reads as _FillValue -9999.9). Returns the path under
// dir/YYYY/DDD/. `chunks` from imerg_chunks.
std::string write_imerg_file(const std::string& dir, UnixSeconds start, int version,
                             const std::vector<CompressedChunk>& chunks);
// The window's (1, 60, 60) chunks of an IMERG file, shuffled and deflated
// (level 1) as the HDF5 filters would: thread-safe, so the files of a day are
// compressed in parallel and only the netCDF/HDF5 calls are serialised.
// mm_step: [nj][ni] mm over the half hour.
std::vector<CompressedChunk> imerg_chunks(const NativeWindow& w, const float* mm_step);
// IMERG version written for a half hour starting at `start`: V06B for
// 2000-06-01 .. 2021-09-30 (the V06 Final record), V07B otherwise.
int imerg_version_for(UnixSeconds start);

// GLDAS Noah 0.25-degree 3-hourly file, global 1440 x 600 dims, window chunks
// only. GLDAS-2.1 (from 2000-01-01, .021.nc4) is stamped at the START of its
// 3-hour mean, GLDAS-2.0 (.020.nc4) at the END; time_bnds and the
// time:bounds attribute state it. Cells flagged in `water` are -9999 (inland
// water, e.g. Qinghai Lake). mm_step: [nj][ni] mm over the 3 hours.
std::string write_gldas_file(const std::string& dir, const NativeWindow& w, UnixSeconds start, const float* mm_step,
                             const std::vector<uint8_t>& water);
// GLDAS window cells that are inland water (fill): Qinghai Lake.
std::vector<uint8_t> gldas_water_mask(const NativeWindow& w);

// CMORPH V1.0 ADJ 8 km 30 min as the NOAA/NCEI CDR netCDF (fact sheet §A.4):
// cmorph(time=2, lat=1649, lon=4948) mm/hr, lat S->N, lon 0-360, times at HH:00
// and HH:30 (interval starts) in seconds since 1970-01-01, global dims with only
// the window's chunks written (fill -999). Path dir/YYYY/MM/DD/..._YYYYMMDDHH.nc.
// `chunks` from cmorph_nc_chunks.
std::string write_cmorph_nc_file(const std::string& dir, const NativeWindow& w, UnixSeconds hour_start,
                                 const std::vector<CompressedChunk>& chunks);
// The window's (1, 60, 60) chunks of both half hours (first, second: [nj][ni]
// mm per 30 min), compressed like imerg_chunks. Thread-safe.
std::vector<CompressedChunk> cmorph_nc_chunks(const NativeWindow& w, const float* first, const float* second);

}  // namespace rf::io::synth
