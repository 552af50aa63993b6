// The five products of the twin on their native grids: the window each file
// covers, how truth is carried to the native cells (area mean of the 0.01-degree
// truth over each cell), each product's error model (fact sheet §E.3) and the
// split of a CMA-day amount into the product's UTC time steps.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/dates.h"
#include "io/grid.h"

namespace rf::io::synth {

enum class Product { ERA5, IMERG, GLDAS, GSMAP, CMORPH };
inline constexpr Product kAllProducts[] = {Product::ERA5, Product::IMERG, Product::GLDAS, Product::GSMAP,
                                           Product::CMORPH};
const char* product_name(Product p);  // "era5", "imerg", "gldas", "gsmap", "cmorph"
Product parse_product(const std::string& name);

// A product's global axes (centre of index k = first + k * step, storage order)
// and the window of it that the twin fills: storage indices [i0, i0+ni) x [j0, j0+nj).
// The window holds every centre within lon 88.5-104.5 E, lat 30.25-40.75 N
// (the Qinghai box plus about 1 degree), fully covered by the truth grid.
struct NativeWindow {
  Product product;
  double lon_first, lon_step;
  int lon_n;
  double lat_first, lat_step;  // lat_step < 0: stored north->south
  int lat_n;
  int i0, ni, j0, nj;
  int steps_per_day;  // sub-daily steps per CMA day
  double step_hours;
  Grid grid() const;  // the window's centres in storage order
  size_t size() const { return size_t(ni) * nj; }
};
NativeWindow native_window(Product p);

// First UTC instant at which the product exists (fact sheet §0).
UnixSeconds product_start(Product p);

// One product on one CMA day: the intended daily total and the sub-daily amounts.
struct ProductDay {
  DayNumber day = 0;
  std::vector<float> daily;  // [nj][ni] mm per CMA day (storage order)
  std::vector<float> steps;  // [steps_per_day][nj][ni] mm per step; step k starts at day-1 12:00 UTC + k*dt
  // Start of step k (UTC).
  UnixSeconds step_start(int k, const NativeWindow& w) const {
    return day_start(day - 1) + 12 * 3600 + UnixSeconds(k * w.step_hours * 3600.0 + 0.5);
  }
};

// Maps the extended truth grid to a window's cells and applies the error model.
class ProductModel {
 public:
  ProductModel(Product p, uint64_t seed);
  const NativeWindow& window() const { return w_; }
  // `truth` is the extended-grid field of `day` (TruthGenerator::field()).
  void make_day(DayNumber day, const std::vector<float>& truth, ProductDay& out) const;
  // Area mean of the truth over each window cell (no errors): used by tests.
  std::vector<float> block_mean(const std::vector<float>& truth) const;

 private:
  Product p_;
  uint64_t seed_;
  NativeWindow w_;
  std::vector<int> col_of_, row_of_;  // extended-grid column/row -> window cell index or -1
  std::vector<float> count_;          // truth pixels per window cell
};

}  // namespace rf::io::synth
