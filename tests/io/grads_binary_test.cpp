// GrADS descriptors and flat binaries: ctl parsing (templates, LEVELS, yrev,
// TDEF), gzip and multi-stream bzip2 files, byte-order validation, and the
// built-in GSMaP / CMORPH descriptors on full-size global files written by the
// synthetic twin's writers (round trip).
#include <bzlib.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "io/grads/binary.h"
#include "io/grads/ctl.h"
#include "io/readers/products.h"
#include "io/synth/binary_products.h"
#include "tests/io/io_fixture.h"

namespace rf::io::test {
namespace {

const UnixSeconds kDay = day_start(day_from_ymd(2021, 7, 15));

// One- or two-digit fields (%m1 %d1 %h1), and a template whose run of `*`
// once made the matcher backtrack for minutes (found by tests/fuzz grads_ctl).
TEST(Grads, ShortFieldsAndStarRunsInTemplates) {
  const std::string rest = "XDEF 2 LINEAR 0 1\nYDEF 2 LINEAR 0 1\nTDEF 10 LINEAR 00z01jan2021 1hr\nVARS 1\np 0 99 p\nENDVARS\n";
  const GradsCtl c = parse_grads_ctl("DSET ^p_%y4%m1_%d1_%h1.grd\nOPTIONS template\n" + rest, "short.ctl", ".");
  EXPECT_EQ(*c.time_from_name("p_20217_15_3.grd"), kDay + 3 * 3600);
  EXPECT_EQ(*c.time_from_name("p_202107_5_13.grd"), day_start(day_from_ymd(2021, 7, 5)) + 13 * 3600);
  EXPECT_FALSE(c.time_from_name("p_2021_15_3.grd"));
  const GradsCtl s = parse_grads_ctl("DSET ^CMORPH_V" + std::string(60, '*') + ".0_*_8km(30min_%y4%m2%d2%h2.bz2\n"
                                     "OPTIONS template\n" + rest, "stars.ctl", ".");
  EXPECT_FALSE(s.time_from_name("CMORPH_V1.0_ADJ_8km-30min_2021071513.bz2"));  // '-' is not '(': no match, at once
  EXPECT_EQ(*s.time_from_name("CMORPH_V1.0_ADJ_8km(30min_2021071513.bz2"), kDay + 13 * 3600);
}

TEST(Grads, ParsesDescriptorAndTemplates) {
  const GradsCtl c = parse_grads_ctl(
      "DSET ^sub/CMPA_%y4%m2%d2%h2.grd\n* a comment\nTITLE some product 0.05 deg\n"
      "OPTIONS  template big_endian yrev\nUNDEF -999.0\nFILEHEADER 8\n"
      "XDEF 3 LEVELS 70.0 70.5\n 71.25\nYDEF 4 LINEAR 15.0 0.5\nZDEF 1 LEVELS 1\n"
      "TDEF 100 LINEAR 12z31dec2020 30mn\nVARS 2\ncrain 0 99 rain [mm/hr]\ngauge 0 99 gauges\nENDVARS\n",
      "test.ctl", "/data");
  EXPECT_EQ(c.dset, "/data/sub/CMPA_%y4%m2%d2%h2.grd");
  EXPECT_TRUE(c.templated && c.big_endian && c.yrev);
  EXPECT_EQ(c.fileheader, 8u);
  EXPECT_EQ(c.x, (std::vector<double>{70.0, 70.5, 71.25}));
  EXPECT_EQ(c.storage_lat(), (std::vector<double>{16.5, 16.0, 15.5, 15.0}));
  EXPECT_EQ(c.t0, day_start(day_from_ymd(2020, 12, 31)) + 12 * 3600);
  EXPECT_EQ(c.dt_seconds, 1800);
  EXPECT_EQ(c.vars.size(), 2u);
  EXPECT_EQ(c.vars[1].name, "gauge");
  EXPECT_EQ(*c.time_from_name("CMPA_2021071513.grd.gz"), kDay + 13 * 3600);
  EXPECT_FALSE(c.time_from_name("CMPA_20210715.grd"));
  EXPECT_EQ(c.steps_per_file(kDay), 2u);
  EXPECT_EQ(c.glob_pattern(), "/data/sub/CMPA_??????????.grd*");
  EXPECT_EQ(parse_grads_time("6:30Z1feb99"), day_start(day_from_ymd(1999, 2, 1)) + 6 * 3600 + 1800);
  const GradsCtl g = builtin_grads_ctl("gsmap");
  EXPECT_EQ(*g.time_from_name("gsmap_gauge.20210715.0700.v8.0000.1.dat.gz"), kDay + 7 * 3600);
  EXPECT_EQ(*g.time_from_name("gsmap_gauge.20210715.2300.v8.0000.0.dat.gz"), kDay + 23 * 3600);
  EXPECT_THROW(parse_grads_ctl("DSET x\nXDEF 2 LINEAR 0 1\n", "bad.ctl", "."), std::runtime_error);
  EXPECT_THROW(parse_grads_ctl("DSET x\nXDEF 2 LINEAR 0 1\nYDEF 2 LINEAR 5 -1\nTDEF 1 LINEAR 1jan2000 1hr\nVARS 1\na 0 x\n", "desc.ctl", "."),
               std::runtime_error);  // descending YDEF
}

std::string bz2(const void* p, size_t n) {
  std::string out(n + n / 100 + 1024, '\0');
  unsigned len = unsigned(out.size());
  if (BZ2_bzBuffToBuffCompress(out.data(), &len, const_cast<char*>(static_cast<const char*>(p)), unsigned(n), 1, 0, 0) != BZ_OK)
    throw std::runtime_error("bzip2");
  out.resize(len);
  return out;
}

// A user's descriptor: 40 x 30 grid over Qinghai, S->N, 2 variables, 2 half
// hours per hourly file, big-endian, a file header; data in 3 concatenated bzip2 streams.
TEST(Grads, UserDescriptorMultiStreamBzip2BigEndian) {
  ScratchDir d;
  const std::string ctl_path = d / "p.ctl";
  std::ofstream(ctl_path) << "DSET ^P_%y4%m2%d2%h2.bin\nOPTIONS template big_endian\nUNDEF -999.0\nFILEHEADER 4\n"
                             "XDEF 40 LINEAR 88.25 0.5\nYDEF 30 LINEAR 28.25 0.5\nTDEF 48 LINEAR 00z15jul2021 30mn\n"
                             "VARS 2\nother 0 99 x\nrain 0 99 rain rate mm/hr\nENDVARS\n";
  const GradsCtl c = load_grads_ctl(ctl_path);
  const size_t n = 40 * 30;
  std::vector<float> vals(2 * 2 * n);
  std::mt19937 g(3);
  std::uniform_real_distribution<float> u(0, 10);
  for (auto& v : vals) v = u(g);
  vals[n + 5 * 40 + 7] = -999.f;  // undef in rain, step 0
  vals[3 * n + 6 * 40 + 8] = -4.f;  // negative code in rain, step 1
  std::string raw(4, '\0');
  for (float v : vals) {
    uint32_t w;
    std::memcpy(&w, &v, 4);
    w = __builtin_bswap32(w);
    raw.append(reinterpret_cast<const char*>(&w), 4);
  }
  const std::string path = d / "P_2021071507.bin.bz2";
  {
    std::ofstream f(path, std::ios::binary);
    const size_t cut1 = 1001, cut2 = raw.size() / 2 + 3;
    f << bz2(raw.data(), cut1) << bz2(raw.data() + cut1, cut2 - cut1) << bz2(raw.data() + cut2, raw.size() - cut2);
  }
  const FileSteps fs = read_grads_file(c, path, {"rain", true}, kQinghai, 2);
  ASSERT_EQ(fs.steps.size(), 2u);
  EXPECT_EQ(fs.steps[0].start, kDay + 7 * 3600);
  EXPECT_EQ(fs.steps[1].start, kDay + 7 * 3600 + 1800);
  // Window: lon centres 89.75..103.25 (+2 halo -> 88.75..104.25), lat 31.75..39.75 (+2 -> 30.75..40.75).
  EXPECT_EQ(fs.grid.lon.front(), 88.75);
  EXPECT_EQ(fs.grid.lat.front(), 30.75);
  const size_t i0 = 1, j0 = 5;
  for (size_t s = 0; s < 2; ++s)
    for (size_t j = 0; j < fs.grid.ny(); ++j)
      for (size_t i = 0; i < fs.grid.nx(); ++i) {
        const float want = vals[(2 * s + 1) * n + (j0 + j) * 40 + i0 + i];
        const float got = fs.steps[s].mm[j * fs.grid.nx() + i];
        if (want < 0) EXPECT_TRUE(std::isnan(got));
        else ASSERT_FLOAT_EQ(got, want * 0.5f);
      }
  EXPECT_TRUE(std::isnan(fs.steps[0].mm[(5 - j0) * fs.grid.nx() + 7 - i0]));

  // Declared little-endian: insane values, and the error says the swapped order is sane.
  GradsCtl wrong = c;
  wrong.big_endian = false;
  try {
    read_grads_file(wrong, path, {"rain", true}, kQinghai, 2);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("byte-swapped they look sane"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path + ": variable 'rain'"), std::string::npos) << e.what();
  }
  // Truncated and corrupt files.
  const std::string cut = d / "P_2021071508.bin.bz2";
  std::filesystem::copy_file(path, cut);
  std::filesystem::resize_file(cut, std::filesystem::file_size(path) / 2);
  EXPECT_THROW(read_grads_file(c, cut, {"rain", true}, kQinghai, 2), std::runtime_error);
  const std::string short_plain = d / "P_2021071509.bin";
  std::ofstream(short_plain, std::ios::binary) << raw.substr(0, raw.size() / 3);
  try {
    read_grads_file(c, short_plain, {"rain", true}, kQinghai, 2);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  // The same data gzip-compressed (two members), then truncated.
  const std::string gz = d / "P_2021071510.bin.gz";
  for (int part = 0; part < 2; ++part) {
    gzFile f = gzopen(gz.c_str(), part ? "ab" : "wb");
    const size_t half = raw.size() / 2, off = part ? half : 0, len = part ? raw.size() - half : half;
    ASSERT_EQ(gzwrite(f, raw.data() + off, unsigned(len)), int(len));
    gzclose(f);
  }
  const FileSteps fg = read_grads_file(c, gz, {"rain", true}, kQinghai, 2);
  ASSERT_EQ(fg.steps.size(), 2u);
  for (size_t k = 0; k < fg.steps[1].mm.size(); ++k)
    if (!std::isnan(fs.steps[1].mm[k])) {
      ASSERT_EQ(fg.steps[1].mm[k], fs.steps[1].mm[k]);
    }
  std::filesystem::resize_file(gz, std::filesystem::file_size(gz) * 2 / 3);
  try {
    read_grads_file(c, gz, {"rain", true}, kQinghai, 2);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(gz + ": variable 'rain': "), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_grads_file(c, d / "Q_2021071509.bin", {"rain", true}, kQinghai, 2), std::runtime_error);  // name
  EXPECT_THROW(read_grads_file(c, path, {"snow", true}, kQinghai, 2), std::runtime_error);  // variable
}

// Full-size global files from the twin's writers, read with the built-in descriptors.
TEST(Grads, BuiltinGsmapAndCmorphRoundTripWithTwinWriters) {
  ScratchDir d;
  using synth::native_window;
  const auto gw = native_window(synth::Product::GSMAP), cw = native_window(synth::Product::CMORPH);
  std::mt19937 g(9);
  std::uniform_real_distribution<float> u(0.01f, 6);
  std::vector<float> gm(gw.size()), c1(cw.size()), c2(cw.size());
  for (auto* v : {&gm, &c1, &c2})
    for (auto& x : *v) x = u(g);
  gm[3] = -8.f;  // negative codes are missing
  const UnixSeconds t = kDay + 12 * 3600;
  const std::string gp = synth::GsmapWriter(gw).write(d.path.string(), t, gm.data());
  const std::string cp = synth::CmorphWriter(cw).write(d.path.string(), t, c1.data(), c2.data());
  for (int which = 0; which < 2; ++which) {
    const auto& w = which ? cw : gw;
    const ProductReader r(which ? Product::CMORPH : Product::GSMaP, {});
    const FileSteps fs = r.read(which ? cp : gp);
    ASSERT_EQ(fs.steps.size(), which ? 2u : 1u);
    EXPECT_EQ(fs.steps[0].start, t);
    const Grid sg = w.grid();
    // Every twin cell inside our window must come back (mm per step).
    size_t matched = 0;
    for (size_t j = 0; j < fs.grid.ny(); ++j)
      for (size_t i = 0; i < fs.grid.nx(); ++i) {
        const auto si = std::find_if(sg.lon.begin(), sg.lon.end(), [&](double x) { return std::abs(x - fs.grid.lon[i]) < 1e-6; });
        const auto sj = std::find_if(sg.lat.begin(), sg.lat.end(), [&](double y) { return std::abs(y - fs.grid.lat[j]) < 1e-6; });
        if (si == sg.lon.end() || sj == sg.lat.end()) continue;
        const size_t k = size_t(sj - sg.lat.begin()) * sg.nx() + size_t(si - sg.lon.begin());
        for (size_t s = 0; s < fs.steps.size(); ++s) {
          const float want = which ? (s ? c2[k] : c1[k]) : gm[k];
          const float got = fs.steps[s].mm[j * fs.grid.nx() + i];
          if (want < 0) EXPECT_TRUE(std::isnan(got));
          else ASSERT_NEAR(got, want, 1e-5f * std::max(1.f, want)) << which << " " << j << " " << i;
        }
        ++matched;
      }
    EXPECT_GT(matched, fs.grid.size() / 2) << which;
    // N->S (GSMaP yrev) vs S->N (CMORPH).
    EXPECT_EQ(fs.grid.lat.front() > fs.grid.lat.back(), which == 0);
  }
}

}  // namespace
}  // namespace rf::io::test
