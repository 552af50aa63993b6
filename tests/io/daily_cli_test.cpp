// `rainfuse daily` end to end (RAINFUSE_BINARY): ERA5 hourly files -> CMA and
// UTC daily totals on the native window, regridded, GSMaP via the built-in
// descriptor, and one-line errors with exit status 1.
#include <gtest/gtest.h>
#include <netcdf.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "io/cf/writer.h"
#include "io/synth/binary_products.h"
#include "io/synth/products.h"
#include "tests/io/io_fixture.h"
#include "tests/io/readers_fixture.h"

namespace rf::io::test {
namespace {

const DayNumber kD = day_from_ymd(2020, 7, 2);

// Two files of ERA5 (legacy and new layouts mixed), hours ending 2020-07-01 01:00 … 07-04 00:00.
struct Era5Files {
  std::vector<double> lon = axis(88.0, 0.25, 66), lat = axis(41.0, -0.25, 42);
  std::vector<UnixSeconds> stamps;
  std::vector<float> m;
  Era5Files(const ScratchDir& d) {
    for (int h = 1; h <= 72; ++h) stamps.push_back(day_start(kD - 1) + h * 3600);
    m = rain(72 * 66 * 42, 21, 0.002f);
    const size_t n = 66 * 42;
    write_era5(d / "era5_a.nc", false, lon, lat, {stamps.begin(), stamps.begin() + 40},
               {m.begin(), m.begin() + long(40 * n)});
    write_era5(d / "era5_b.nc", false, lon, lat, {stamps.begin() + 40, stamps.end()}, {m.begin() + long(40 * n), m.end()});
  }
  // mm over hours ending in (first, last] at cell (j, i) of the file grid.
  double sum(UnixSeconds first, UnixSeconds last, size_t j, size_t i) const {
    double s = 0;
    for (size_t t = 0; t < stamps.size(); ++t)
      if (stamps[t] > first && stamps[t] <= last) s += double(m[t * 66 * 42 + j * 66 + i]) * 1000.0;
    return s;
  }
};

TEST(DailyCli, Era5CmaAndUtcDaysOnNativeWindow) {
  ScratchDir d;
  Era5Files f(d);
  for (const char* day : {"cma", "utc"}) {
    const std::string out = d / (std::string("daily_") + day + ".nc");
    std::string log;
    ASSERT_EQ(run(bin() + " daily --product era5 --input '" + (d / "era5_*.nc") + "' --start 2020-07-02 --end 2020-07-03 --day " +
                      day + " --out " + out, &log), 0) << log;
    const DailyCube c = read_cf_daily(out);
    ASSERT_EQ(c.nt(), 2u);
    EXPECT_EQ(c.days[0], kD);
    EXPECT_EQ(c.grid.nx(), 60u);  // 89.0 .. 103.75
    for (size_t t = 0; t < 2; ++t) {
      const UnixSeconds w0 = day_start(kD + DayNumber(t)) - (day[0] == 'c' ? 12 * 3600 : 0);
      for (size_t j = 0; j < c.grid.ny(); j += 3)
        for (size_t i = 0; i < c.grid.nx(); i += 4) {
          // The writer stores latitude ascending; find the source row.
          const size_t sj = size_t(std::lround((41.0 - c.grid.lat[j]) / 0.25)), si = size_t(std::lround((c.grid.lon[i] - 88.0) / 0.25));
          ASSERT_NEAR(c.day_ptr(t)[j * c.grid.nx() + i], f.sum(w0, w0 + 86400, sj, si), 1e-3) << day << t << j << i;
        }
    }
  }
  // Regridded to a 0.05-degree grid by nearest neighbour.
  const std::string rg = d / "rg.nc";
  std::string log;
  ASSERT_EQ(run(bin() + " daily --product era5 --input '" + (d / "era5_*.nc") +
                    "' --start 2020-07-02 --end 2020-07-02 --grid 95,96,0.05,35,36,0.05 --method nearest --out " + rg, &log), 0)
      << log;
  const DailyCube r = read_cf_daily(rg);
  ASSERT_EQ(r.grid.nx(), 20u);
  // 95.025 -> nearest ERA5 point 95.0; 35.025 -> 35.0.
  EXPECT_NEAR(r.day_ptr(0)[0], f.sum(day_start(kD) - 43200, day_start(kD) + 43200, 24, 28), 1e-3);
}

TEST(DailyCli, MissingHourMakesTheDayMissingUnlessTolerated) {
  ScratchDir d;
  Era5Files f(d);
  std::filesystem::remove(d / "era5_b.nc");  // only hours ending 07-01 01:00 ... 07-02 16:00 remain
  for (const char* tol : {"0", "20"}) {
    const std::string out = d / (std::string("o") + tol + ".nc");
    std::string log;
    ASSERT_EQ(run(bin() + " daily --product era5 --input '" + (d / "era5_*.nc") +
                      "' --start 2020-07-02 --end 2020-07-03 --max-missing " + tol + " --out " + out, &log), 0) << log;
    const DailyCube c = read_cf_daily(out);
    const size_t n = c.grid.size();
    for (size_t k = 0; k < n; ++k) {
      ASSERT_TRUE(std::isfinite(c.precip[k]));  // CMA day 07-02: hours ending 07-01 13:00 ... 07-02 12:00, all there
      ASSERT_EQ(c.valid_steps[n + k], 4);       // day 07-03 has hours ending 13..16 only
    }
    const size_t j = 10, i = 10;
    const size_t sj = size_t(std::lround((41.0 - c.grid.lat[j]) / 0.25)), si = size_t(std::lround((c.grid.lon[i] - 88.0) / 0.25));
    const UnixSeconds w0 = day_start(kD + 1) - 43200;
    if (tol[0] == '0') EXPECT_TRUE(std::isnan(c.precip[n + j * c.grid.nx() + i]));  // short day: missing
    else EXPECT_NEAR(c.precip[n + j * c.grid.nx() + i], f.sum(w0, day_start(kD) + 16 * 3600, sj, si) * 24 / 4, 1e-3);  // rescaled
  }
}

// A user's GrADS product (CMPA-like hourly files, 0.5 degree, N->S with yrev),
// files found through the descriptor's DSET template (no --input).
TEST(DailyCli, UserGradsDescriptorUtcDay) {
  ScratchDir d;
  std::ofstream(d / "cmpa.ctl") << "DSET ^bin/CMPA_%y4%m2%d2%h2.grd\nOPTIONS template little_endian yrev\nUNDEF -999.0\n"
                                   "XDEF 40 LINEAR 88.25 0.5\nYDEF 30 LINEAR 28.25 0.5\nTDEF 9999 LINEAR 00z01jan2020 1hr\n"
                                   "VARS 1\nrain 0 99 hourly precipitation mm\nENDVARS\n";
  std::filesystem::create_directories(d.path / "bin");
  std::vector<float> v(40 * 30);
  for (int h = 0; h < 24; ++h) {
    for (size_t k = 0; k < v.size(); ++k) v[k] = float((k * 7 + size_t(h)) % 5) * 0.2f;
    if (h == 5) v[0] = -999.f;  // row 0 = northernmost (yrev), outside the window anyway
    char name[64];
    std::snprintf(name, sizeof name, "bin/CMPA_202007%02d%02d.grd", 2, h);
    std::ofstream(d / name, std::ios::binary).write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * 4));
  }
  const std::string out = d / "c.nc";
  std::string log;
  ASSERT_EQ(run(bin() + " daily --product grads --ctl " + (d / "cmpa.ctl") + " --units mm --day utc --start 2020-07-02 --end 2020-07-02 --out " + out,
                &log), 0) << log;
  const DailyCube c = read_cf_daily(out);
  ASSERT_EQ(c.nt(), 1u);
  EXPECT_EQ(c.valid_steps[0], 24);
  // Output (ascending lat) cell (j, i) -> file row (N->S) and column.
  const size_t j = 3, i = 4;
  const size_t row = size_t(std::lround((42.75 - c.grid.lat[j]) / 0.5)), col = size_t(std::lround((c.grid.lon[i] - 88.25) / 0.5));
  double want = 0;
  for (int h = 0; h < 24; ++h) want += float(((row * 40 + col) * 7 + size_t(h)) % 5) * 0.2f;
  EXPECT_NEAR(c.precip[j * c.grid.nx() + i], want, 1e-4);
  EXPECT_NE(run(bin() + " daily --product grads --ctl " + (d / "cmpa.ctl") + " --start 2020-07-02 --end 2020-07-02 --out " + out, &log), 0);
  EXPECT_NE(log.find("units"), std::string::npos) << log;
}

// The 24 hourly GSMaP files of CMA day kD under d; hour h holds 0.1 * ((k + h) % 7) mm at cell k.
synth::NativeWindow write_gsmap_cma_day(const ScratchDir& d) {
  const auto w = synth::native_window(synth::Product::GSMAP);
  const synth::GsmapWriter gw(w);
  std::vector<float> mm(w.size());
  for (int h = 0; h < 24; ++h) {
    for (size_t k = 0; k < mm.size(); ++k) mm[k] = 0.1f * float((k + size_t(h)) % 7);
    gw.write(d.path.string(), day_start(kD - 1) + 12 * 3600 + h * 3600, mm.data());
  }
  return w;
}

TEST(DailyCli, GsmapBuiltinDescriptorAndErrors) {
  ScratchDir d;
  const auto w = write_gsmap_cma_day(d);
  const std::string out = d / "g.nc";
  std::string log;
  ASSERT_EQ(run(bin() + " daily --product gsmap --input '" + (d / "*/*/*/gsmap_gauge.*.dat.gz") +
                    "' --start 2020-07-02 --end 2020-07-02 --out " + out, &log), 0) << log;
  const DailyCube c = read_cf_daily(out);
  double expect0 = 0;
  const Grid g = w.grid();
  // Find the twin cell of output (0, 0).
  size_t k0 = 0;
  for (size_t j = 0; j < g.ny(); ++j)
    for (size_t i = 0; i < g.nx(); ++i)
      if (std::abs(g.lon[i] - c.grid.lon[0]) < 1e-6 && std::abs(g.lat[j] - c.grid.lat[0]) < 1e-6) k0 = j * g.nx() + i;
  for (int h = 0; h < 24; ++h) expect0 += 0.1 * double((k0 + size_t(h)) % 7);
  EXPECT_NEAR(c.precip[0], expect0, 1e-4);
  EXPECT_EQ(c.valid_steps[0], 24);

  EXPECT_EQ(run(bin() + " daily --product gsmap --input '" + (d / "nothing*") + "' --start 2020-07-02 --end 2020-07-02 --out " + out,
                &log), 1);
  EXPECT_NE(log.find("no input file matches"), std::string::npos) << log;
  EXPECT_EQ(run(bin() + " daily --product imerg --input '" + (d / "*/*/*/*.gz") + "' --start 2020-07-02 --end 2020-07-02 --out " + out,
                &log), 1);
  EXPECT_NE(log.find("not an IMERG file name"), std::string::npos) << log;
}

// One truncated download among 24 hourly GSMaP files: skipped (named on stderr
// and in the output's history), its hour missing, so the day is missing unless
// --max-missing allows it (then rescaled); --on-bad-file fail stops at it.
TEST(DailyCli, TruncatedFileIsSkippedAndNamedOrFails) {
  ScratchDir d;
  const auto w = write_gsmap_cma_day(d);
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(d.path))
    if (e.is_regular_file()) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 24u);
  const std::string bad = files[5];
  std::filesystem::resize_file(bad, 64);  // inside the region rows (a cut after them is never read)
  const std::string glob = d / "*/*/*/gsmap_gauge.*.dat.gz";
  const std::string in = "'" + glob + "' --start 2020-07-02 --end 2020-07-02";
  std::string log;
  ASSERT_EQ(run(bin() + " daily --product gsmap --input " + in + " --out " + (d / "a.nc"), &log), 0) << log;
  EXPECT_NE(log.find("skipped unreadable file " + bad), std::string::npos) << log;
  EXPECT_NE(log.find("24 files read (1 skipped as unreadable)"), std::string::npos) << log;
  const DailyCube a = read_cf_daily(d / "a.nc");
  EXPECT_TRUE(std::isnan(a.precip[0]));
  EXPECT_EQ(a.valid_steps[0], 23);
  {
    int nc = -1;
    ASSERT_EQ(nc_open((d / "a.nc").c_str(), NC_NOWRITE, &nc), NC_NOERR);
    size_t len = 0;
    ASSERT_EQ(nc_inq_attlen(nc, NC_GLOBAL, "history", &len), NC_NOERR);
    std::string h(len, '\0');
    nc_get_att_text(nc, NC_GLOBAL, "history", h.data());
    nc_close(nc);
    EXPECT_NE(h.find("skipped 1 unreadable input file(s): " + bad), std::string::npos) << h;
  }
  ASSERT_EQ(run(bin() + " daily --product gsmap --input " + in + " --max-missing 1 --out " + (d / "b.nc"), &log), 0) << log;
  const DailyCube b = read_cf_daily(d / "b.nc");
  const Grid g = w.grid();
  size_t k0 = 0;
  for (size_t j = 0; j < g.ny(); ++j)
    for (size_t i = 0; i < g.nx(); ++i)
      if (std::abs(g.lon[i] - b.grid.lon[0]) < 1e-6 && std::abs(g.lat[j] - b.grid.lat[0]) < 1e-6) k0 = j * g.nx() + i;
  double sum23 = 0;
  for (int h = 0; h < 24; ++h)
    if (h != 5) sum23 += 0.1 * double((k0 + size_t(h)) % 7);
  EXPECT_NEAR(b.precip[0], sum23 * 24 / 23, 1e-4);
  EXPECT_EQ(run(bin() + " daily --product gsmap --input " + in + " --on-bad-file fail --out " + (d / "c.nc"), &log), 1);
  EXPECT_NE(log.find(bad), std::string::npos) << log;
  EXPECT_FALSE(std::filesystem::exists(d / "c.nc"));
}

}  // namespace
}  // namespace rf::io::test
