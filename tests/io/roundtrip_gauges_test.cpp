// Round trip synth gauges -> io/gauges readers: the twin's hourly and daily CSVs
// (CMA codes 32700 trace / 32766 missing, QC) read back through the header-name
// readers give the same CMA-day totals as an independent parse of the daily
// file; hourly-derived and daily-derived totals agree on complete days; the UTC
// day from the daily file's halves equals the UTC day summed from the hours.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "io/gauges/gauges.h"
#include "io/synth/synth.h"

namespace rf::io {
namespace {

class GaugeRoundTrip : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("rf_gauge_rt_" + std::to_string(::getpid()));
    synth::SynthOptions o;
    o.out_dir = dir_.string();
    o.start = parse_date("2000-01-20");  // winter: traces and undercatch; spans no year end
    o.end = parse_date("2000-02-06");
    o.products = {synth::Product::ERA5};  // the gauges need no product files, ERA5 is the cheapest
    o.seed = 7;
    synth::run_synth(o);
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }
  static std::filesystem::path dir_;
};
std::filesystem::path GaugeRoundTrip::dir_;

// station,date -> PRE_20_20 as written (mm; NaN missing; 0 for trace), parsed by hand.
std::map<std::pair<std::string, DayNumber>, double> parse_daily(const std::string& path, int* traces) {
  std::map<std::pair<std::string, DayNumber>, double> out;
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line)) {
    std::stringstream ss(line);
    std::string id, date, a, b, tot, qc;
    std::getline(ss, id, ',');
    std::getline(ss, date, ',');
    std::getline(ss, a, ',');
    std::getline(ss, b, ',');
    std::getline(ss, tot, ',');
    std::getline(ss, qc, ',');
    double v = std::stod(tot);
    if (tot == "32766") v = NAN;
    if (tot == "32700") v = 0, ++*traces;
    out[{id, parse_date(date)}] = v;
  }
  return out;
}

TEST_F(GaugeRoundTrip, DailyReaderEqualsTheFileAndHourlyAgreesOnCompleteDays) {
  const DayNumber first = parse_date("2000-01-20"), last = parse_date("2000-02-06");
  const std::string daily = (dir_ / "gauges/daily_2000.csv").string(), hourly = (dir_ / "gauges/hourly_2000.csv").string();
  int traces = 0;
  const auto expect = parse_daily(daily, &traces);
  EXPECT_GT(traces, 0) << "a winter twin should report traces";

  GaugeOptions opt;
  const GaugeDaily d = read_gauges_daily({daily}, first, last, opt);
  const GaugeDaily h = read_gauges_hourly({hourly}, first, last, opt);
  const auto stations = read_gauge_stations((dir_ / "gauges/stations.csv").string());
  ASSERT_EQ(stations.size(), 50u);
  ASSERT_EQ(d.ids.size(), 50u);
  int compared = 0, wet = 0, hourly_equal = 0;
  for (size_t s = 0; s < d.ids.size(); ++s) {
    const size_t hs = h.station(d.ids[s]);
    ASSERT_LT(hs, h.ids.size()) << d.ids[s];
    for (size_t t = 0; t < d.days.size(); ++t) {
      const auto it = expect.find({d.ids[s], d.days[t]});
      ASSERT_NE(it, expect.end()) << d.ids[s] << " " << format_date(d.days[t]);
      const float got = d.mm[s * d.days.size() + t];
      if (std::isnan(it->second)) {
        EXPECT_TRUE(std::isnan(got)) << d.ids[s] << " " << format_date(d.days[t]);
        continue;
      }
      EXPECT_NEAR(got, it->second, 1e-4) << d.ids[s] << " " << format_date(d.days[t]);
      ++compared;
      wet += got > 0;
      const size_t k = hs * h.days.size() + t;
      if (h.valid_hours[k] == 24) {  // a complete hourly day sums to the daily total
        EXPECT_NEAR(h.mm[k], got, 1e-3) << d.ids[s] << " " << format_date(d.days[t]);
        ++hourly_equal;
      } else {
        EXPECT_TRUE(std::isnan(h.mm[k])) << "a day missing hours must not be silently short";
      }
    }
  }
  EXPECT_GT(compared, 800);
  EXPECT_GT(wet, 50);
  EXPECT_GT(hourly_equal, 700);
}

TEST_F(GaugeRoundTrip, UtcDayFromDailyHalvesEqualsHourlyUtcSums) {
  const DayNumber first = parse_date("2000-01-21"), last = parse_date("2000-02-04");
  GaugeOptions opt;
  opt.convention = DayConvention::UTC;
  const GaugeDaily d = read_gauges_daily({(dir_ / "gauges/daily_2000.csv").string()}, first, last, opt);
  const GaugeDaily h = read_gauges_hourly({(dir_ / "gauges/hourly_2000.csv").string()}, first, last, opt);
  int compared = 0;
  for (size_t s = 0; s < d.ids.size(); ++s) {
    const size_t hs = h.station(d.ids[s]);
    for (size_t t = 0; t < d.days.size(); ++t) {
      const float a = d.mm[s * d.days.size() + t], b = h.mm[hs * h.days.size() + t];
      if (std::isnan(a) || std::isnan(b)) continue;
      EXPECT_NEAR(a, b, 1e-3) << d.ids[s] << " " << format_date(d.days[t]);
      ++compared;
    }
  }
  EXPECT_GT(compared, 600);
}

// The twin written as the CMA daily TXT (--gauge-format cma-txt, a month
// boundary inside) reads back, by content, to the same CMA and UTC days as the
// CSV twin of the same seed; its stations carry the TXT's DDMM coordinates.
TEST(GaugeRoundTrip2, CmaDailyTxtTwinEqualsTheCsvTwin) {
  const auto root = std::filesystem::temp_directory_path() / ("rf_gauge_txt_" + std::to_string(::getpid()));
  synth::SynthOptions o;
  o.start = parse_date("2000-01-29");
  o.end = parse_date("2000-02-03");
  o.products = {synth::Product::ERA5};
  o.seed = 7;
  o.out_dir = (root / "csv").string();
  synth::run_synth(o);
  o.gauge_format = "cma-txt";
  o.out_dir = (root / "txt").string();
  synth::run_synth(o);
  const std::vector<std::string> txt = {(root / "txt/gauges/SURF_CLI_CHN_MUL_DAY-PRE-13011-200001.TXT").string(),
                                        (root / "txt/gauges/SURF_CLI_CHN_MUL_DAY-PRE-13011-200002.TXT").string()};
  ASSERT_TRUE(std::filesystem::exists(txt[0]) && std::filesystem::exists(txt[1]));
  EXPECT_FALSE(std::filesystem::exists(root / "txt/gauges/daily_2000.csv"));
  for (DayConvention conv : {DayConvention::CMA, DayConvention::UTC}) {
    GaugeOptions opt;
    opt.convention = conv;
    const DayNumber first = parse_date("2000-01-29"), last = parse_date(conv == DayConvention::UTC ? "2000-02-02" : "2000-02-03");
    const GaugeDaily a = read_gauges_daily({(root / "csv/gauges/daily_2000.csv").string()}, first, last, opt);
    const GaugeDaily b = read_gauges_daily(txt, first, last, opt);
    ASSERT_EQ(a.ids, b.ids);
    int valid = 0;
    for (size_t i = 0; i < a.mm.size(); ++i) {
      ASSERT_EQ(std::isnan(a.mm[i]), std::isnan(b.mm[i])) << i;
      if (std::isnan(a.mm[i])) continue;
      EXPECT_NEAR(a.mm[i], b.mm[i], 1e-5) << a.ids[i / a.days.size()];
      EXPECT_EQ(a.trace[i], b.trace[i]);
      ++valid;
    }
    EXPECT_GT(valid, 200);
  }
  const auto st_csv = read_gauge_stations((root / "csv/gauges/stations.csv").string());
  const auto st_txt = read_gauge_stations(txt[0]);
  ASSERT_EQ(st_csv.size(), st_txt.size());
  for (size_t i = 0; i < st_csv.size(); ++i) {
    EXPECT_NEAR(st_csv[i].lat, st_txt[i].lat, 1.0 / 120 + 1e-9);  // DDMM: rounded to the minute
    EXPECT_NEAR(st_csv[i].lon, st_txt[i].lon, 1.0 / 120 + 1e-9);
    EXPECT_NEAR(st_csv[i].elevation_m, st_txt[i].elevation_m, 0.05 + 1e-9);
  }
  std::filesystem::remove_all(root);
}

TEST(BuiltinStations, EqualTheRepositoryCsv) {
  const char* src = std::getenv("RAINFUSE_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  const auto file = read_gauge_stations(std::string(src) + "/io/data/qinghai_stations.csv");
  const auto built = builtin_qinghai_stations();
  ASSERT_EQ(file.size(), built.size());
  for (size_t i = 0; i < file.size(); ++i) {
    EXPECT_EQ(file[i].id, built[i].id);
    EXPECT_EQ(file[i].lat, built[i].lat);
    EXPECT_EQ(file[i].lon, built[i].lon);
    EXPECT_EQ(file[i].elevation_m, built[i].elevation_m);
  }
}

}  // namespace
}  // namespace rf::io
