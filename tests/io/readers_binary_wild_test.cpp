// Flat binaries as users hold them: GSMaP Gauge .dat and CMORPH files already
// decompressed, gzip/bzip2 detected by magic bytes whatever the name says,
// GSMaP v6/v7/v8 names, the twin's --unpacked writers, and `rainfuse daily`
// over a CMA day of mixed GSMaP layouts. The global records are written here
// from the documented layouts (GSMaP: 3600 x 1200 float32 LE, lon fastest from
// 0.05 E, rows N->S from 59.95 N, -99 undef; CMORPH: 2 records of 4948 x 1649
// float32 LE, rows S->N from -59.963614, lon from 0.036378335 E, -999 undef),
// and the values expected back are computed from the same formula.
#include <bzlib.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "io/cf/writer.h"
#include "io/grads/binary.h"
#include "io/readers/products.h"
#include "io/synth/binary_products.h"
#include "tests/io/io_fixture.h"

namespace rf::io::test {
namespace {

enum class Pack { Plain, Gzip, Bzip2 };

void write_floats(const std::string& path, const std::vector<float>& v, Pack pack) {
  const char* bytes = reinterpret_cast<const char*>(v.data());
  const size_t n = v.size() * 4;
  if (pack == Pack::Gzip) {
    gzFile g = gzopen(path.c_str(), "wb1");
    ASSERT_TRUE(g);
    for (size_t k = 0; k < n; k += 1 << 24) ASSERT_GT(gzwrite(g, bytes + k, unsigned(std::min<size_t>(n - k, 1 << 24))), 0);
    ASSERT_EQ(gzclose(g), Z_OK);
    return;
  }
  std::string out(bytes, n);
  if (pack == Pack::Bzip2) {
    out.resize(n + n / 100 + 600);
    unsigned len = unsigned(out.size());
    ASSERT_EQ(BZ2_bzBuffToBuffCompress(out.data(), &len, const_cast<char*>(bytes), unsigned(n), 1, 0, 0), BZ_OK);
    out.resize(len);
  }
  std::ofstream(path, std::ios::binary).write(out.data(), std::streamsize(out.size()));
}

// GSMaP hour h: rain inside a band around Qinghai, -99 elsewhere, a -4 code at one cell.
float gsmap_value(size_t r, size_t c, int h) {
  if (r == 240 && c == 960) return -4.f;
  if (r < 150 || r > 330 || c < 850 || c > 1080) return -99.f;
  return float((r * 13 + c * 7 + size_t(h) * 5) % 17) * 0.125f;
}
std::vector<float> gsmap_record(int h) {
  std::vector<float> v(3600 * 1200);
  for (size_t r = 0; r < 1200; ++r)
    for (size_t c = 0; c < 3600; ++c) v[r * 3600 + c] = gsmap_value(r, c, h);
  return v;
}

float cmorph_value(size_t rec, size_t r, size_t c) {
  if (r < 1150 || r > 1400 || c < 1150 || c > 1480) return -999.f;
  return float((r * 5 + c * 3 + rec * 7) % 13) * 0.5f;  // mm/hr
}

// Every cell of a read step against the formula (mm per step).
template <class F>
void expect_cells(const FileSteps& fs, size_t step, F want_mm) {
  size_t nan = 0;
  for (size_t j = 0; j < fs.grid.ny(); ++j)
    for (size_t i = 0; i < fs.grid.nx(); ++i) {
      const double want = want_mm(fs.grid.lat[j], fs.grid.lon[i]);
      const float got = fs.steps[step].mm[j * fs.grid.nx() + i];
      if (std::isnan(want)) {
        ASSERT_TRUE(std::isnan(got)) << j << " " << i;
        ++nan;
      } else {
        ASSERT_NEAR(got, want, 1e-5) << j << " " << i;
      }
    }
  EXPECT_LT(nan, 3u);
}

double gsmap_mm(double lat, double lon, int h) {
  const size_t r = size_t(std::lround((59.95 - lat) / 0.1)), c = size_t(std::lround((lon - 0.05) / 0.1));
  const float v = gsmap_value(r, c, h);
  return v < 0 ? NAN : double(v);
}

TEST(BinaryWild, GsmapVersionNamesAndCompressionByMagic) {
  const GradsCtl g = builtin_grads_ctl("gsmap");
  const UnixSeconds t = day_start(day_from_ymd(2015, 1, 1)) + 13 * 3600;
  for (const char* n : {"gsmap_gauge.20150101.1300.v6.0000.0000.dat.gz", "gsmap_gauge.20150101.1300.v6.0000.0.dat",
                        "gsmap_gauge.20150101.1300.v7.0001.0.dat.gz", "gsmap_gauge.20150101.1300.v8.0000.1.dat",
                        "gsmap_gauge.20150101.1300.v8.0000.1.dat.bz2"})
    EXPECT_EQ(g.time_from_name(n), t) << n;
  for (const char* n : {"gsmap_mvk.20150101.1300.v6.0000.0.dat", "gsmap_gauge.20150101.1300.dat.gz", "gsmap_gauge.20150101.1300.v8.0000.1.nc"})
    EXPECT_FALSE(g.time_from_name(n)) << n;
  EXPECT_EQ(builtin_grads_ctl("cmorph").time_from_name("CMORPH_V1.0_ADJ_8km-30min_2015010113"), t);
  EXPECT_EQ(parse_grads_ctl("DSET ^Q_%y4%m2%d2%h2.grd.gz\nOPTIONS template\nXDEF 2 LINEAR 0 1\nYDEF 2 LINEAR 0 1\n"
                            "TDEF 9 LINEAR 00z1jan2020 1hr\nVARS 1\nr 0 99 r\nENDVARS\n", "x", "/d").glob_pattern(),
            "/d/Q_??????????.grd*");

  ScratchDir d;
  const ProductReader reader(Product::GSMaP, {});
  struct Case {
    const char* name;
    Pack pack;
  };
  // The name's suffix says nothing: the bytes decide.
  const Case cases[] = {{"gsmap_gauge.20150101.1300.v6.0000.0.dat", Pack::Plain},
                        {"gsmap_gauge.20150101.1300.v7.0001.0.dat.gz", Pack::Gzip},
                        {"gsmap_gauge.20150101.1300.v8.0000.1.dat.gz", Pack::Plain},
                        {"gsmap_gauge.20150101.1300.v8.0000.1.dat", Pack::Gzip}};
  const auto rec = gsmap_record(3);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string p = d / c.name;
    write_floats(p, rec, c.pack);
    EXPECT_TRUE(reader.thread_safe(p));
    const auto span = reader.span_from_name(p);
    ASSERT_TRUE(span);
    EXPECT_EQ(span->first, t);
    const FileSteps fs = reader.read(p);
    ASSERT_EQ(fs.steps.size(), 1u);
    EXPECT_EQ(fs.steps[0].start, t);
    EXPECT_EQ(fs.steps[0].seconds, 3600);
    expect_cells(fs, 0, [](double lat, double lon) { return gsmap_mm(lat, lon, 3); });
    std::filesystem::remove(p);
  }
  // A plain file cut short is a truncated file, named, on one line.
  const std::string cut = d / "gsmap_gauge.20150101.1300.v6.0000.0.dat";
  write_floats(cut, {rec.begin(), rec.begin() + 3600 * 200}, Pack::Plain);
  try {
    reader.read(cut);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(cut + ": variable 'precip': truncated file", 0), 0u) << e.what();
  }
}

TEST(BinaryWild, CmorphUnpackedAndUserDescriptorMagic) {
  ScratchDir d;
  const size_t nx = 4948, ny = 1649;
  std::vector<float> v(2 * nx * ny);
  for (size_t rec = 0; rec < 2; ++rec)
    for (size_t r = 0; r < ny; ++r)
      for (size_t c = 0; c < nx; ++c) v[(rec * ny + r) * nx + c] = cmorph_value(rec, r, c);
  const std::string p = d / "CMORPH_V1.0_ADJ_8km-30min_2016071409";
  write_floats(p, v, Pack::Plain);
  const ProductReader reader(Product::CMORPH, {});
  EXPECT_TRUE(reader.thread_safe(p));
  const FileSteps fs = reader.read(p);
  ASSERT_EQ(fs.steps.size(), 2u);
  const UnixSeconds t = day_start(day_from_ymd(2016, 7, 14)) + 9 * 3600;
  for (size_t s = 0; s < 2; ++s) {
    EXPECT_EQ(fs.steps[s].start, t + UnixSeconds(s) * 1800);
    expect_cells(fs, s, [s](double lat, double lon) {
      const size_t r = size_t(std::lround((lat + 59.963614) / 0.072771377)), c = size_t(std::lround((lon - 0.036378335) / 0.072756669));
      return double(cmorph_value(s, r, c)) / 2;  // mm/hr over 30 min
    });
  }

  // bzip2 and gzip under a name without suffix, and plain under .bz2: a small user descriptor.
  const std::string ctl = "DSET ^R_%y4%m2%d2%h2.bin\nOPTIONS template little_endian\nUNDEF -1\nXDEF 40 LINEAR 90.05 0.1\n"
                          "YDEF 30 LINEAR 33.05 0.1\nTDEF 99 LINEAR 00z1jan2020 1hr\nVARS 1\nrain 0 99 r\nENDVARS\n";
  ReaderOptions ro;
  ro.ctl = parse_grads_ctl(ctl, "test ctl", d.path.string());
  ro.grads.rate_per_hour = true;
  const ProductReader user(Product::GrADS, ro);
  std::vector<float> small(40 * 30);
  for (size_t k = 0; k < small.size(); ++k) small[k] = float(k % 9) * 0.5f;
  const std::pair<const char*, Pack> files[] = {
      {"R_2020010101.bin", Pack::Bzip2}, {"R_2020010102.bin", Pack::Gzip}, {"R_2020010103.bin.bz2", Pack::Plain}};
  for (const auto& [name, pack] : files) {
    write_floats(d / name, small, pack);
    const FileSteps u = user.read(d / name);
    ASSERT_EQ(u.steps.size(), 1u) << name;
    for (size_t k = 0; k < small.size(); ++k) ASSERT_FLOAT_EQ(u.steps[0].mm[k], small[k]) << name << " " << k;
  }
}

// The twin's writers unpacked: the same values as the compressed files, read back.
TEST(BinaryWild, TwinWritersUnpacked) {
  ScratchDir d;
  using synth::native_window;
  const auto gw = native_window(synth::Product::GSMAP), cw = native_window(synth::Product::CMORPH);
  std::vector<float> gm(gw.size()), c1(cw.size()), c2(cw.size());
  for (size_t k = 0; k < gm.size(); ++k) gm[k] = float(k % 23) * 0.1f;
  for (size_t k = 0; k < c1.size(); ++k) c1[k] = float(k % 19) * 0.05f, c2[k] = float(k % 7) * 0.2f;
  const UnixSeconds t = day_start(day_from_ymd(2016, 7, 14)) + 12 * 3600;
  for (int which = 0; which < 2; ++which) {
    std::vector<FileSteps> got;
    for (bool unpacked : {false, true}) {
      const std::string dir = (d.path / (unpacked ? "u" : "z")).string();
      const std::string p = which ? synth::CmorphWriter(cw, unpacked).write(dir, t, c1.data(), c2.data())
                                  : synth::GsmapWriter(gw, unpacked).write(dir, t, gm.data());
      EXPECT_EQ(p.size() > 4 && (p.ends_with(".gz") || p.ends_with(".bz2")), !unpacked) << p;
      got.push_back(ProductReader(which ? Product::CMORPH : Product::GSMaP, {}).read(p));
    }
    ASSERT_EQ(got[0].steps.size(), got[1].steps.size());
    EXPECT_TRUE(got[0].grid == got[1].grid);
    for (size_t s = 0; s < got[0].steps.size(); ++s) {
      EXPECT_EQ(got[0].steps[s].start, got[1].steps[s].start);
      for (size_t k = 0; k < got[0].steps[s].mm.size(); ++k) {
        const float a = got[0].steps[s].mm[k], b = got[1].steps[s].mm[k];
        ASSERT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << which << " " << s << " " << k;
      }
    }
  }
}

// CMA day 2015-01-02 (01-01 12:00 .. 01-02 12:00 UTC) from 24 GSMaP files in
// rotating layouts: v6 plain, v7 gzip, v8 gzip, v8 plain under .dat.gz.
TEST(BinaryWild, DailyCliMixedGsmapLayouts) {
  ScratchDir d;
  const UnixSeconds w0 = day_start(day_from_ymd(2015, 1, 1)) + 12 * 3600;
  for (int h = 0; h < 24; ++h) {
    const UnixSeconds t = w0 + h * 3600;
    int y, m, dd;
    ymd_from_day(DayNumber(t / 86400), y, m, dd);
    const char* tails[4] = {"v6.0000.0.dat", "v7.0001.0.dat.gz", "v8.0000.1.dat.gz", "v8.0000.1.dat.gz"};
    char name[96];
    std::snprintf(name, sizeof name, "gsmap_gauge.%04d%02d%02d.%02d00.%s", y, m, dd, int(t % 86400 / 3600), tails[h % 4]);
    write_floats(d / name, gsmap_record(h), h % 4 == 1 || h % 4 == 2 ? Pack::Gzip : Pack::Plain);
  }
  const std::string out = d / "g.nc";
  std::string log;
  ASSERT_EQ(run(bin() + " daily --product gsmap --input '" + (d / "gsmap_gauge.*") + "' --start 2015-01-02 --end 2015-01-02 --out " +
                    out, &log), 0) << log;
  EXPECT_NE(log.find("24 files read"), std::string::npos) << log;
  const DailyCube c = read_cf_daily(out);
  ASSERT_EQ(c.nt(), 1u);
  size_t checked = 0;
  for (size_t j = 0; j < c.grid.ny(); j += 7)
    for (size_t i = 0; i < c.grid.nx(); i += 5) {
      double want = 0;
      for (int h = 0; h < 24; ++h) want += gsmap_mm(c.grid.lat[j], c.grid.lon[i], h);
      const float got = c.precip[j * c.grid.nx() + i];
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got));
      } else {
        ASSERT_NEAR(got, want, 1e-3) << j << " " << i;
        ++checked;
      }
    }
  EXPECT_GT(checked, 100u);
}

}  // namespace
}  // namespace rf::io::test
