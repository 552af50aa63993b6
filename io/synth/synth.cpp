#include "io/synth/synth.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "io/synth/binary_products.h"
#include "io/synth/daily_nc.h"
#include "io/synth/gauges.h"
#include "io/synth/nc_products.h"
#include "io/synth/truth.h"

namespace rf::io::synth {

namespace {
int year_of(DayNumber d) {
  int y, m, dd;
  ymd_from_day(d, y, m, dd);
  return y;
}

Era5Layout (*era5_policy(const std::string& s))(int) {
  if (s == "alternate" || s == "nc") return era5_layout_alternating;
  if (s == "legacy") return era5_layout_legacy;
  if (s == "cds") return era5_layout_cds;
  if (s == "zip") return era5_layout_zip;
  if (s == "grib") return era5_layout_grib;
  throw std::runtime_error("synth: --era5-layout must be nc (= alternate), legacy, cds, zip or grib, got '" + s + "'");
}

// Per-product state of a run.
struct ProductRun {
  Product p;
  ProductModel model;
  ProductDay day;
  std::unique_ptr<DailyNcWriter> intended;
  std::vector<uint8_t> water;  // GLDAS fill cells
  ProductRun(Product p_, uint64_t seed) : p(p_), model(p_, seed) {}
};
}  // namespace

SynthSummary run_synth(const SynthOptions& opt) {
  if (opt.end < opt.start) throw std::runtime_error("synth: --end is before --start");
  if (opt.out_dir.empty()) throw std::runtime_error("synth: --out is required");
  if (opt.gauge_format != "csv" && opt.gauge_format != "cma-txt")
    throw std::runtime_error("synth: --gauge-format must be csv or cma-txt, got '" + opt.gauge_format + "'");
  if (opt.cmorph_format != "bz2" && opt.cmorph_format != "nc")
    throw std::runtime_error("synth: --cmorph-format must be bz2 or nc, got '" + opt.cmorph_format + "'");
  (void)era5_policy(opt.era5_layout);  // validates before anything is written
  const auto t0 = std::chrono::steady_clock::now();
  const std::string& dir = opt.out_dir;
  std::filesystem::create_directories(dir);
  SynthSummary sum;

  TruthGenerator truth(opt.seed);
  const Grid qh = Grid::qinghai_001();
  {
    const auto dem = TruthGenerator::qinghai_block(truth.dem());
    write_dem_nc(dir + "/dem.nc", qh, dem.data());
    ++sum.files;
  }
  std::vector<std::unique_ptr<ProductRun>> runs;
  for (Product p : opt.products) {
    runs.push_back(std::make_unique<ProductRun>(p, opt.seed));
    if (p == Product::GLDAS) runs.back()->water = gldas_water_mask(runs.back()->model.window());
  }
  auto find = [&](Product p) -> ProductRun* {
    for (auto& r : runs)
      if (r->p == p) return r.get();
    return nullptr;
  };
  ProductRun *era5 = find(Product::ERA5), *imerg = find(Product::IMERG), *gldas = find(Product::GLDAS),
             *gsmap = find(Product::GSMAP), *cmorph = find(Product::CMORPH);
  Era5Writer era5_writer(dir, era5_policy(opt.era5_layout), opt.era5_land);
  std::unique_ptr<GsmapWriter> gsmap_writer;
  std::unique_ptr<CmorphWriter> cmorph_writer;
  if (gsmap) gsmap_writer = std::make_unique<GsmapWriter>(gsmap->model.window(), opt.unpacked);
  const bool cmorph_nc = opt.cmorph_format == "nc";
  if (cmorph && !cmorph_nc) cmorph_writer = std::make_unique<CmorphWriter>(cmorph->model.window(), opt.unpacked);
  std::unique_ptr<GaugeWriter> gauges;
  if (opt.gauges)
    gauges = std::make_unique<GaugeWriter>(dir, load_stations(opt.stations_path), opt.seed, opt.gauge_format == "cma-txt");
  std::unique_ptr<DailyNcWriter> truth_nc;
  long files = 0;

  for (DayNumber day = opt.start; day <= opt.end; ++day) {
    const int year = year_of(day);
    if (!truth_nc || year_of(day - 1) != year) {
      if (truth_nc) truth_nc->close(), ++files;
      // The file's days: this year's part of the span.
      const DayNumber last = std::min(opt.end, day_from_ymd(year, 12, 31));
      truth_nc = std::make_unique<DailyNcWriter>(dir + "/truth/truth_" + std::to_string(year) + ".nc", qh, day, last,
                                                 "rainfuse synthetic twin: true daily precipitation",
                                                 "rainfuse synth seed " + std::to_string(opt.seed));
      for (auto& r : runs) {
        if (r->intended) r->intended->close(), ++files;
        r->intended = std::make_unique<DailyNcWriter>(
            dir + "/intended/" + product_name(r->p) + "_" + std::to_string(year) + ".nc", r->model.window().grid(), day,
            last,
            std::string("rainfuse synthetic twin: intended CMA-day totals of ") + product_name(r->p),
            "native window of the product; NaN where the product has no data");
      }
    }
    truth.next(day);
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t r = 0; r < runs.size(); ++r) runs[r]->model.make_day(day, truth.field(), runs[r]->day);

    // Steps before a product exists are not written; its day is then missing.
    auto exists = [&](ProductRun* r, int k) {
      return r->day.step_start(k, r->model.window()) >= product_start(r->p);
    };
    std::atomic<long> day_files{0};
    // Exceptions may not leave an OpenMP task: keep the first, rethrow after the region.
    std::exception_ptr error;
    auto guard = [&error](auto&& body) {
      try {
        body();
      } catch (...) {
#pragma omp critical(rf_synth_error)
        if (!error) error = std::current_exception();
      }
    };
    // The deflate work of the day's netCDF files (truth, intended, IMERG, CMORPH
    // chunks) runs here on all threads, the largest item (the truth) first; the
    // writer task below only defines the files and stores these bytes
    // (netCDF-C/HDF5 are serial).
    CompressedChunk truth_z;
    std::vector<CompressedChunk> intended_z(runs.size());
    std::vector<std::vector<CompressedChunk>> imerg_z(imerg ? 48 : 0), cmorph_z(cmorph && cmorph_nc ? 24 : 0);
    const int n_daily = 1 + int(runs.size()), n_imerg = int(imerg_z.size());
    const int n_z = n_daily + n_imerg + int(cmorph_z.size());
#pragma omp parallel for schedule(dynamic, 1)
    for (int item = 0; item < n_z; ++item)
      guard([&, item] {
        if (item == 0) {
          const auto qh_field = TruthGenerator::qinghai_block(truth.field());
          truth_z = truth_nc->compress(day, qh_field.data());
          return;
        }
        if (item < n_daily) {
          ProductRun& r = *runs[item - 1];
          bool complete = true;
          for (int k = 0; k < r.model.window().steps_per_day; ++k) complete = complete && exists(&r, k);
          std::vector<float> intended = r.day.daily;
          for (size_t i = 0; i < intended.size(); ++i)
            if (!complete || (!r.water.empty() && r.water[i])) intended[i] = NAN;
          intended_z[item - 1] = r.intended->compress(day, intended.data());
          return;
        }
        const int f = item - n_daily;
        if (f < n_imerg) {
          if (!exists(imerg, f)) return;
          const size_t n = imerg->model.window().size();
          imerg_z[f] = imerg_chunks(imerg->model.window(), imerg->day.steps.data() + size_t(f) * n);
        } else {
          const int h = f - n_imerg;
          if (!exists(cmorph, 2 * h)) return;
          const size_t n = cmorph->model.window().size();
          cmorph_z[h] = cmorph_nc_chunks(cmorph->model.window(), cmorph->day.steps.data() + size_t(2 * h) * n,
                                         cmorph->day.steps.data() + size_t(2 * h + 1) * n);
        }
      });
    if (error) std::rethrow_exception(error);
#pragma omp parallel
#pragma omp single
    {
      // netCDF-C/HDF5 are not thread-safe: every netCDF file of the day in one task.
#pragma omp task
      guard([&] {
        truth_nc->append(truth_z);
        for (size_t r = 0; r < runs.size(); ++r) runs[r]->intended->append(intended_z[r]);
        if (era5) era5_writer.add_day(era5->day, era5->model.window());
        if (imerg)
          for (int k = 0; k < 48; ++k) {
            if (!exists(imerg, k)) continue;
            const UnixSeconds t = imerg->day.step_start(k, imerg->model.window());
            const int v = opt.imerg_version ? opt.imerg_version : imerg_version_for(t);
            write_imerg_file(dir + "/imerg", t, v, imerg_z[k]);
            ++day_files;
          }
        if (gldas)
          for (int k = 0; k < 8; ++k) {
            const UnixSeconds t = gldas->day.step_start(k, gldas->model.window());
            write_gldas_file(dir + "/gldas", gldas->model.window(), t,
                             gldas->day.steps.data() + size_t(k) * gldas->model.window().size(), gldas->water);
            ++day_files;
          }
        if (cmorph && cmorph_nc)
          for (int h = 0; h < 24; ++h) {
            if (!exists(cmorph, 2 * h)) continue;
            const NativeWindow& w = cmorph->model.window();
            write_cmorph_nc_file(dir + "/cmorph", w, cmorph->day.step_start(2 * h, w), cmorph_z[h]);
            ++day_files;
          }
      });
      if (gauges) {
#pragma omp task
        guard([&] { gauges->add_day(day, truth.field()); });
      }
      if (gsmap)
        for (int k = 0; k < 24; ++k) {
          if (!exists(gsmap, k)) continue;
#pragma omp task firstprivate(k)
          guard([&, k] {
            const NativeWindow& w = gsmap->model.window();
            gsmap_writer->write(dir + "/gsmap", gsmap->day.step_start(k, w), gsmap->day.steps.data() + size_t(k) * w.size());
            ++day_files;
          });
        }
      if (cmorph && !cmorph_nc)
        for (int h = 0; h < 24; ++h) {
          if (!exists(cmorph, 2 * h)) continue;
#pragma omp task firstprivate(h)
          guard([&, h] {
            const NativeWindow& w = cmorph->model.window();
            cmorph_writer->write(dir + "/cmorph", cmorph->day.step_start(2 * h, w),
                                 cmorph->day.steps.data() + size_t(2 * h) * w.size(),
                                 cmorph->day.steps.data() + size_t(2 * h + 1) * w.size());
            ++day_files;
          });
        }
    }
    if (error) std::rethrow_exception(error);
    files += day_files;
    ++sum.days;
    int y, m, d;
    ymd_from_day(day, y, m, d);
    if (opt.progress && (day == opt.end || d == 1))
      std::fprintf(stderr, "synth: %s (%d days, %.1f s)\n", format_date(day).c_str(), sum.days,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  era5_writer.flush();
  files += long(era5_writer.written.size());
  if (truth_nc) truth_nc->close(), ++files;
  for (auto& r : runs)
    if (r->intended) r->intended->close(), ++files;
  if (gauges) gauges->close();

  std::FILE* f = std::fopen((dir + "/synth_info.txt").c_str(), "w");
  if (!f) throw std::runtime_error(dir + "/synth_info.txt: cannot create");
  std::fprintf(f, "rainfuse synthetic Qinghai twin\nseed %llu\nstart %s\nend %s\nproducts", (unsigned long long)opt.seed,
               format_date(opt.start).c_str(), format_date(opt.end).c_str());
  for (auto& r : runs) std::fprintf(f, " %s", product_name(r->p));
  std::fprintf(f, "\ncmorph_format %s\nbinaries %s", opt.cmorph_format.c_str(), opt.unpacked ? "unpacked" : "compressed");
  std::fprintf(f, "\ngauge_format %s", opt.gauge_format.c_str());
  std::fprintf(f, "\nera5_land %s", opt.era5_land ? "yes (accumulated from 00 UTC)" : "no");
  std::fprintf(f, "\ngauges %s\nera5_layout %s\nimerg_version %s\nday_convention CMA (D-1 12:00 UTC to D 12:00 UTC)\n",
               opt.gauges ? "yes" : "no", opt.era5_layout.c_str(),
               opt.imerg_version ? std::to_string(opt.imerg_version).c_str() : "by period (V06B 2000-06..2021-09, else V07B)");
  std::fclose(f);
  sum.files = files + 1;
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

}  // namespace rf::io::synth
