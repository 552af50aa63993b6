// The gnuplot figures: each is drawn from random synthetic data into a private
// temporary directory and read back with libpng: the expected pixel size, not
// blank (many colours, enough ink), and the map's own elements present (NaN
// grey, deep palette colours, the black outline). Errors are one line naming
// the PNG, and temporary files are gone afterwards, also on failure.
// RF_PLOTS_TEST_DIR=<dir> keeps the images there to look at them.
#include <gtest/gtest.h>
#include <png.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "io/gauges/gauges.h"
#include "train/evaluate/evaluate.h"
#include "train/plots/gnuplot_run.h"
#include "train/plots/map_layout.h"
#include "train/plots/plots.h"

namespace fs = std::filesystem;
using namespace rf;

namespace {

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgba;
  uint32_t px(size_t i) const {
    return uint32_t(rgba[4 * i]) << 16 | uint32_t(rgba[4 * i + 1]) << 8 | rgba[4 * i + 2];
  }
  size_t count(bool (*pred)(int r, int g, int b)) const {
    size_t n = 0;
    for (size_t i = 0; i < rgba.size() / 4; ++i) n += pred(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]);
    return n;
  }
  size_t distinct() const {
    std::set<uint32_t> s;
    for (size_t i = 0; i < rgba.size() / 4; ++i) s.insert(px(i));
    return s.size();
  }
  double ink() const {  // fraction of pixels that are not white
    return double(count([](int r, int g, int b) { return r < 250 || g < 250 || b < 250; })) / (rgba.size() / 4);
  }
};

Image read_png(const std::string& path) {
  png_image im{};
  im.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&im, path.c_str())) throw std::runtime_error(path + ": " + im.message);
  im.format = PNG_FORMAT_RGBA;
  Image out{int(im.width), int(im.height), std::vector<uint8_t>(PNG_IMAGE_SIZE(im))};
  if (!png_image_finish_read(&im, nullptr, out.rgba.data(), 0, nullptr))
    throw std::runtime_error(path + ": " + im.message);
  return out;
}

class Plots : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!plots::plots_available()) GTEST_SKIP() << "gnuplot not installed";
    // A private TMPDIR: the test checks that every temporary file is removed.
    std::string t = fs::temp_directory_path() / "rf-plots-test-XXXXXX";
    ASSERT_TRUE(mkdtemp(t.data()));
    tmp_ = t;
    if (const char* e = std::getenv("TMPDIR")) old_tmpdir_ = e;
    setenv("TMPDIR", (tmp_ / "tmp").c_str(), 1);
    fs::create_directories(tmp_ / "tmp");
    const char* keep = std::getenv("RF_PLOTS_TEST_DIR");
    out_ = keep ? fs::path(keep) : tmp_ / "out";
    fs::create_directories(out_);
  }
  void TearDown() override {
    if (tmp_.empty()) return;
    EXPECT_TRUE(fs::is_empty(tmp_ / "tmp")) << "temporary files left behind";
    if (old_tmpdir_.empty())
      unsetenv("TMPDIR");
    else
      setenv("TMPDIR", old_tmpdir_.c_str(), 1);
    fs::remove_all(tmp_);
  }
  std::string png(const std::string& name) const { return (out_ / name).string(); }
  fs::path tmp_, out_;
  std::string old_tmpdir_;
};

// A smooth random rain field on grid g: gamma-distributed storm amplitudes on
// Gaussian blobs (mm/day), dry in between.
std::vector<float> rain_field(const io::Grid& g, std::mt19937& rng) {
  std::uniform_real_distribution<double> lon(89.5, 103.4), lat(31.4, 39.9), radius(0.3, 1.5);
  std::gamma_distribution<double> amp(1.5, 12.0);
  struct Blob {
    double x, y, r, a;
  };
  std::vector<Blob> blobs;
  for (int k = 0; k < 14; ++k) blobs.push_back({lon(rng), lat(rng), radius(rng), amp(rng)});
  std::vector<float> v(g.size());
  for (size_t j = 0; j < g.ny(); ++j)
    for (size_t i = 0; i < g.nx(); ++i) {
      double s = 0;
      for (const auto& b : blobs) {
        const double dx = (g.lon[i] - b.x) * 0.81, dy = g.lat[j] - b.y;
        s += b.a * std::exp(-(dx * dx + dy * dy) / (2 * b.r * b.r));
      }
      v[j * g.nx() + i] = float(std::max(0.0, s - 4.0));
    }
  return v;
}

}  // namespace

TEST(PlotsLayout, PanelsKeepTheRegionShapeAtItsLatitude) {
  const plots::Extent e = plots::grid_extent(io::Grid::qinghai_001());
  EXPECT_NEAR(e.lon0, 89.5, 1e-9);
  EXPECT_NEAR(e.lat1, 39.87, 1e-9);  // 850 rows of 0.01 centred from 31.375
  for (int n : {1, 4, 6}) {
    const auto L = plots::map_layout(e, n, 3);
    const double want = (e.lat1 - e.lat0) / ((e.lon1 - e.lon0) * std::cos((e.lat0 + e.lat1) / 2 * M_PI / 180));
    EXPECT_NEAR(double(L.plot_h) / L.plot_w, want, 1.0 / L.plot_w);
    EXPECT_GE(L.plot_w, 300);
    EXPECT_EQ(L.columns, std::min(n, 3));
    const auto last = L.plot_box(n - 1);
    EXPECT_LE(last.x1, L.colorbar_x);
    EXPECT_LE(last.y1, L.height);
  }
}

TEST_F(Plots, MapsOfSeveralGridsWithOutlineGaugesAndMissingData) {
  std::mt19937 rng(11);
  // Fused on the 0.01-degree product grid with a missing block; an ERA5-like
  // 0.25-degree grid stored north to south and larger than the region; an
  // IMERG-like 0.1-degree grid.
  io::Grid fine = io::Grid::qinghai_001();
  io::Grid era5 = io::Grid::regular(85.0, 0.25, 80, 45.0, -0.25, 64);
  io::Grid imerg = io::Grid::regular(89.55, 0.1, 139, 31.45, 0.1, 85);
  std::vector<plots::MapPanel> panels{{"fused", fine, rain_field(fine, rng)},
                                      {"era5", era5, rain_field(era5, rng)},
                                      {"imerg", imerg, rain_field(imerg, rng)},
                                      {"gldas", imerg, rain_field(imerg, rng)}};
  for (size_t j = 500; j < 700; ++j)
    for (size_t i = 100; i < 450; ++i) panels[0].values[j * fine.nx() + i] = NAN;
  std::vector<plots::MapPoint> gauges;
  for (const auto& s : io::builtin_qinghai_stations()) gauges.push_back({s.lon, s.lat, ""});
  ASSERT_GT(gauges.size(), 40u);

  const std::string path = png("maps.png");
  testing::internal::CaptureStderr();  // the generated scripts draw without gnuplot warnings
  plots::plot_maps(path, "Daily precipitation, 2020-07-15", "mm/day", panels, gauges, 0, 2);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  const Image im = read_png(path);
  const auto L = plots::map_layout(plots::grid_extent(fine), 4, 2);
  EXPECT_EQ(im.width, L.width);
  EXPECT_EQ(im.height, L.height);
  EXPECT_GT(im.distinct(), 200u);
  EXPECT_GT(im.ink(), 0.3);
  // The missing block shows the grey NaN background, heavy rain the deep end of
  // the palette, the outline and the gauge circles are black.
  EXPECT_GT(im.count([](int r, int g, int b) { return r == 0xcf && g == 0xcf && b == 0xcf; }), 2000u);
  EXPECT_GT(im.count([](int r, int g, int b) { return b > 120 && r < 110 && g < 110 && b > r + 40; }), 2000u);
  EXPECT_GT(im.count([](int r, int g, int b) { return r < 40 && g < 40 && b < 40; }), 3000u);

  // Annual totals: six panels in three columns, a few labelled gauges.
  for (auto& p : panels)
    for (auto& x : p.values) x *= 40;
  panels.push_back({"gsmap", imerg, rain_field(imerg, rng)});
  panels.push_back({"cmorph", era5, rain_field(era5, rng)});
  for (auto* p : {&panels[4], &panels[5]})
    for (auto& x : p->values) x *= 40;
  for (size_t k = 0; k < gauges.size(); k += 12) gauges[k].label = io::builtin_qinghai_stations()[k].name;
  const std::string annual = png("maps_annual.png");
  testing::internal::CaptureStderr();
  plots::plot_maps(annual, "Annual precipitation 2020", "mm/year", panels, gauges, 0, 3);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  const Image im6 = read_png(annual);
  EXPECT_EQ(im6.width, plots::map_layout(plots::grid_extent(fine), 6, 3).width);
  EXPECT_EQ(im6.height, plots::map_layout(plots::grid_extent(fine), 6, 3).height);
  EXPECT_GT(im6.ink(), 0.3);

  // A wrong panel size is one line naming the PNG.
  panels[1].values.pop_back();
  try {
    plots::plot_maps(png("bad.png"), "t", "mm", panels, gauges);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.png: panel 'era5'"), std::string::npos) << e.what();
  }
}

TEST_F(Plots, ScatterOfTensOfThousandsOfPairs) {
  std::mt19937 rng(5);
  std::gamma_distribution<double> rain(0.4, 6.0);
  std::lognormal_distribution<double> err(0.0, 0.5);
  std::bernoulli_distribution dry(0.45);
  std::vector<float> g, e;
  for (int k = 0; k < 40000; ++k) {
    const double o = dry(rng) ? 0.0 : rain(rng);
    g.push_back(float(o));
    e.push_back(k % 997 == 0 ? NAN : float(o * err(rng) + 0.3 * rain(rng) * (o == 0)));
  }
  const std::string path = png("scatter.png");
  testing::internal::CaptureStderr();
  plots::plot_scatter(path, "era5", g, e);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  const Image im = read_png(path);
  EXPECT_EQ(im.width, 600);
  EXPECT_EQ(im.height, 600);
  EXPECT_GT(im.distinct(), 30u);  // overlapping transparent points give many shades
  EXPECT_GT(im.ink(), 0.08);
  // All dry: still a readable plot (axes up to 1 mm/day), not a gnuplot error.
  plots::plot_scatter(png("dry.png"), "dry", std::vector<float>(50, 0.0f), std::vector<float>(50, 0.0f));
  EXPECT_EQ(read_png(png("dry.png")).width, 600);
  EXPECT_THROW(plots::plot_scatter(png("s.png"), "m", g, std::vector<float>(3)), std::runtime_error);
  EXPECT_THROW(plots::plot_scatter(png("s.png"), "m", {NAN, 1.0f}, {2.0f, NAN}), std::runtime_error);
}

TEST_F(Plots, ScoreBarsForEveryMethodOfAScope) {
  std::mt19937 rng(3);
  std::gamma_distribution<double> rain(0.5, 5.0);
  std::normal_distribution<double> noise(0.0, 1.0);
  eval::PointValues gauges;
  std::vector<eval::MethodSeries> methods;
  const char* names[] = {"fused", "era5", "imerg", "gldas", "gsmap", "cmorph", "mean", "bias_corrected_mean", "idw",
                         "xgboost"};
  for (const char* n : names) methods.push_back({n, {}});
  for (int st = 0; st < 20; ++st)
    for (int d = 0; d < 120; ++d) {
      const std::pair<std::string, io::DayNumber> key{std::to_string(52000 + st), io::day_from_ymd(2020, 3, 1) + d};
      const double o = rain(rng);
      gauges[key] = o;
      for (size_t m = 0; m < methods.size(); ++m)  // method m is noisier and more biased with m
        methods[m].values[key] = std::max(0.0, o * (1 + 0.1 * double(m)) + (0.5 + double(m)) * noise(rng));
    }
  const auto rows = eval::evaluate(gauges, methods, {});
  const std::string path = png("bars.png");
  testing::internal::CaptureStderr();
  plots::plot_score_bars(path, rows);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  Image im = read_png(path);
  EXPECT_GE(im.width, 900);
  EXPECT_GE(im.height, 500);
  EXPECT_LE(im.height, 1400);
  EXPECT_GT(im.ink(), 0.05);
  // Each of the first six method colours is present (bars are filled).
  for (auto rgb : {0x0072B2u, 0xE69F00u, 0x009E73u, 0xCC79A7u, 0x56B4E9u, 0xD55E00u}) {
    size_t n = 0;
    for (size_t i = 0; i < im.rgba.size() / 4; ++i) {
      const uint32_t p = im.px(i);
      n += std::abs(int(p >> 16) - int(rgb >> 16)) < 40 && std::abs(int(p >> 8 & 255) - int(rgb >> 8 & 255)) < 40 &&
           std::abs(int(p & 255) - int(rgb & 255)) < 40;
    }
    EXPECT_GT(n, 300u) << std::hex << rgb;
  }
  plots::plot_score_bars(png("bars_djf.png"), rows, "season:MAM");
  EXPECT_THROW(plots::plot_score_bars(png("none.png"), rows, "season:XYZ"), std::runtime_error);
}

TEST_F(Plots, ErrorsAreOneLineNamingTheImage) {
  const std::string bad = (tmp_ / "no such dir" / "scatter.png").string();
  try {
    plots::plot_scatter(bad, "m", {1, 2, 3}, {1, 2, 4});
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string w = e.what();
    EXPECT_EQ(w.rfind(bad + ": ", 0), 0u) << w;
    EXPECT_EQ(w.find('\n'), std::string::npos) << w;
  }
  // A gnuplot failure (here a missing data file) is reported with gnuplot's own message.
  const std::string p = png("broken.png");
  try {
    plots::PlotJob job(p);
    job.run("plot 'missing-file.dat' using 1:2", 200, 200);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string w = e.what();
    EXPECT_EQ(w.rfind(p + ": gnuplot: ", 0), 0u) << w;
    EXPECT_NE(w.find("missing-file.dat"), std::string::npos) << w;
    EXPECT_EQ(w.find('\n'), std::string::npos) << w;
  }
  EXPECT_FALSE(fs::exists(p));
  for (const auto& f : fs::directory_iterator(out_))  // no half-written temporary image beside it
    EXPECT_NE(f.path().filename().string().front(), '.') << f.path();
}

TEST_F(Plots, ConcurrentDrawingUsesSeparateTemporaryFiles) {
  std::vector<std::thread> th;
  std::vector<std::string> err(4);
  for (int t = 0; t < 4; ++t)
    th.emplace_back([&, t] {
      try {
        std::vector<float> g(500), e(500);
        for (int k = 0; k < 500; ++k) g[size_t(k)] = float(k % 37), e[size_t(k)] = float((k * 7 + t) % 41);
        plots::plot_scatter(png("par" + std::to_string(t) + ".png"), "m" + std::to_string(t), g, e);
      } catch (const std::exception& x) {
        err[size_t(t)] = x.what();
      }
    });
  for (auto& x : th) x.join();
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(err[size_t(t)], "");
    EXPECT_EQ(read_png(png("par" + std::to_string(t) + ".png")).width, 600);
  }
}
