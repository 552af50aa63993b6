// Readers of the five distributed products (+ any GrADS product), each
// returning the time steps of one file as mm per step on the region window
// (fact sheet §A): ERA5 / ERA5-Land hourly tp (netCDF, CDS zip or GRIB;
// io/readers/era5.h), IMERG Final HHR HDF5 (V06
// precipitationCal, V07 precipitation; times from the file name) and 3B-DAY
// netCDF4, GLDAS 2.0/2.1 3-hourly Rainf_f_tavg (stamp rule from the file's
// time_bnds / begin_time / tavg_definision or the user's setting, gldas.h),
// GSMaP Gauge v6/v7/v8 hourly .dat(.gz) and CMORPH V1.0 8 km 30 min binaries,
// compressed or not (built-in GrADS descriptors), GSMaP hourly netCDF, CMORPH
// netCDF, and any flat binary described by a user's .ctl.
#pragma once
#include <optional>
#include <string>
#include <utility>

#include "io/grads/binary.h"
#include "io/grads/ctl.h"
#include "io/readers/gldas.h"
#include "io/readers/step.h"

namespace rf::io {

enum class Product { ERA5, IMERG, GLDAS, GSMaP, CMORPH, GrADS };
Product parse_product(const std::string& name);  // era5|imerg|gldas|gsmap|cmorph|grads
const char* product_name(Product p);

struct ReaderOptions {
  Region region = kQinghai;
  int halo = 2;  // source cells around the region (>= 2 keeps CDO's edge rules away)
  StampConvention gldas_stamp = StampConvention::Unsettled;  // --stamp / a GLDAS source's `stamp`
  std::optional<GradsCtl> ctl;  // --product grads
  GradsReadSpec grads;          // variable and units of a user's GrADS product
  // Only steps whose interval intersects [keep_from, keep_to) are read.
  UnixSeconds keep_from = INT64_MIN / 2, keep_to = INT64_MAX / 2;
};

class ProductReader {
 public:
  ProductReader(Product p, ReaderOptions opt);
  Product product() const { return p_; }
  // [from, to) the file can hold, from its name alone; nullopt when the name
  // does not tell (then the file must be opened).
  std::optional<std::pair<UnixSeconds, UnixSeconds>> span_from_name(const std::string& path) const;
  FileSteps read(const std::string& path) const;
  // netCDF-C/HDF5 are not thread-safe: only the flat-binary readers may run in parallel.
  bool thread_safe(const std::string& path) const;

 private:
  FileSteps read_era5(const std::string& path) const;
  FileSteps read_imerg(const std::string& path) const;
  FileSteps read_gldas(const std::string& path) const;
  FileSteps read_cmorph_nc(const std::string& path) const;
  FileSteps read_gsmap_nc(const std::string& path) const;  // gsmap_nc.cpp
  bool keep(UnixSeconds start, int64_t seconds) const { return start < opt_.keep_to && start + seconds > opt_.keep_from; }
  Product p_;
  ReaderOptions opt_;
  GradsCtl gsmap_, cmorph_;
};

// IMERG file names: 3B-HHR...YYYYMMDD-SHHMMSS-EHHMMSS... -> [start, end + 1 s);
// 3B-DAY...YYYYMMDD... -> the UTC day. nullopt when the name does not match.
std::optional<std::pair<UnixSeconds, UnixSeconds>> imerg_span_from_name(const std::string& basename);

// GSMaP hourly netCDF names: gsmap_gauge.YYYYMMDD.HH00.*.nc (JAXA) or
// GPMMRG_MAP_YYMMDDHH00_H_*.nc (G-Portal) -> the hour's start; nullopt otherwise.
std::optional<UnixSeconds> gsmap_nc_hour_from_name(const std::string& basename);

}  // namespace rf::io
