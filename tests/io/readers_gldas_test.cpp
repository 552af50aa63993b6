// GLDAS time stamps as files in the wild state them: time_bnds exact or
// inclusive ([t, t + 10799 s]), in days or in int seconds, begin_date/
// begin_time, the tavg_definision / tavg_definition global attribute, their
// conflicts, the stamp setting; GLDAS-2.2 refused; and `rainfuse daily` over a
// CMA day of such files against totals summed here from the written rates.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <optional>

#include "io/cf/writer.h"
#include "io/readers/gldas.h"
#include "io/readers/products.h"
#include "tests/io/io_fixture.h"
#include "tests/io/readers_fixture.h"

namespace rf::io::test {
namespace {

// What one small GLDAS file states (documented GLDAS-2 netCDF attribute set:
// time with units, optional bounds/begin_date/begin_time, global tavg_definision).
struct Layout {
  UnixSeconds stamp = 0;
  std::optional<std::pair<UnixSeconds, UnixSeconds>> bounds;
  bool seconds_int = false;     // time and time_bnds as int "seconds since 1970-01-01" (else double days since 1948)
  std::string begin_date = "", begin_time = "";  // attributes of `time`
  std::string def_name = "tavg_definision", def_text = "";
  std::string var = "Rainf_f_tavg";    // "" = no precipitation variable at all
};

const std::vector<double> kLon = axis(89.125, 0.25, 60), kLat = axis(39.875, -0.25, 36);

void write(const std::string& path, const Layout& l, const std::vector<float>& rate) {
  int nc, dt, dy, dx, db, vt, vb = -1, vy, vx, vp;
  ok(nc_create(path.c_str(), NC_CLOBBER | NC_NETCDF4, &nc), "create");
  ok(nc_def_dim(nc, "time", NC_UNLIMITED, &dt), "dim");
  ok(nc_def_dim(nc, "lat", kLat.size(), &dy), "dim");
  ok(nc_def_dim(nc, "lon", kLon.size(), &dx), "dim");
  ok(nc_def_dim(nc, "bnds", 2, &db), "dim");
  const nc_type tt = l.seconds_int ? NC_INT : NC_DOUBLE;
  ok(nc_def_var(nc, "time", tt, 1, &dt, &vt), "var");
  att(nc, vt, "units", l.seconds_int ? "seconds since 1970-01-01 00:00:00" : "days since 1948-01-01 00:00:00");
  if (!l.begin_date.empty()) att(nc, vt, "begin_date", l.begin_date), att(nc, vt, "begin_time", l.begin_time);
  const int d2[2] = {dt, db};
  if (l.bounds) {
    att(nc, vt, "bounds", "time_bnds");
    ok(nc_def_var(nc, "time_bnds", tt, 2, d2, &vb), "var");
  }
  ok(nc_def_var(nc, "lat", NC_FLOAT, 1, &dy, &vy), "var");
  ok(nc_def_var(nc, "lon", NC_FLOAT, 1, &dx, &vx), "var");
  const int d3[3] = {dt, dy, dx};
  if (!l.var.empty()) {
    ok(nc_def_var(nc, l.var.c_str(), NC_FLOAT, 3, d3, &vp), "var");
    const float fill = -9999.f;
    ok(nc_def_var_fill(nc, vp, 0, &fill), "fill");
    att(nc, vp, "units", "kg m-2 s-1");
  }
  if (!l.def_text.empty()) att(nc, NC_GLOBAL, l.def_name.c_str(), l.def_text);
  att(nc, NC_GLOBAL, "acc_definision", "past 3-hour accumulation");
  ok(nc_enddef(nc), "enddef");
  auto value = [&](UnixSeconds t) { return l.seconds_int ? double(t) : double(t) / 86400.0 - day_from_ymd(1948, 1, 1); };
  const size_t z[2] = {0, 0}, c2[2] = {1, 2};
  const double t = value(l.stamp);
  ok(nc_put_var1_double(nc, vt, z, &t), "time");
  if (l.bounds) {
    const double tb[2] = {value(l.bounds->first), value(l.bounds->second)};
    ok(nc_put_vara_double(nc, vb, z, c2, tb), "bnds");
  }
  ok(nc_put_var_double(nc, vy, kLat.data()), "lat");
  ok(nc_put_var_double(nc, vx, kLon.data()), "lon");
  if (!l.var.empty()) {
    const size_t st[3] = {0, 0, 0}, ct[3] = {1, kLat.size(), kLon.size()};
    ok(nc_put_vara_float(nc, vp, st, ct, rate.data()), "rate");
  }
  ok(nc_close(nc), "close");
}

const UnixSeconds kT = day_start(day_from_ymd(2020, 7, 1)) + 9 * 3600;

std::string error_of(const std::string& path, StampConvention s = StampConvention::Unsettled) {
  ReaderOptions o;
  o.gldas_stamp = s;
  try {
    ProductReader(Product::GLDAS, o).read(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(GldasStamp, RulesWeighTheFilesStatements) {
  GldasStatements s;
  s.stamp = kT;
  s.bounds = std::make_pair(kT, kT + 10799);  // inclusive upper bound
  GldasInterval iv = gldas_interval(s, StampConvention::Unsettled);
  EXPECT_EQ(iv.start, kT);
  EXPECT_EQ(iv.seconds, 10800);
  EXPECT_NE(iv.rule.find("inclusive upper bound rounded up"), std::string::npos) << iv.rule;
  s.tavg_definition = "following 3-hour average";
  EXPECT_NE(gldas_interval(s, StampConvention::Unsettled).rule.find("tavg_definision agrees"), std::string::npos);
  s.tavg_definition = "past 3-hour average";  // contradicts time_bnds
  EXPECT_THROW(gldas_interval(s, StampConvention::Unsettled), std::runtime_error);
  iv = gldas_interval(s, StampConvention::End);
  EXPECT_EQ(iv.start, kT - 10800);
  EXPECT_EQ(iv.rule, "stamp setting: end of the 3-hour mean, overriding the file's time_bnds (inclusive upper bound rounded "
                     "up to the hour) (start)");
  s.stamp = kT + 10799;  // the inclusive upper bound as the stamp: it ends the mean
  s.tavg_definition = "";
  iv = gldas_interval(s, StampConvention::Unsettled);
  EXPECT_EQ(iv.start, kT);
  EXPECT_EQ(iv.seconds, 10800);
  s.stamp = kT;
  s.tavg_definition = "past 3-hour average";
  s.bounds.reset();
  iv = gldas_interval(s, StampConvention::Unsettled);  // the definition alone
  EXPECT_EQ(iv.start, kT - 10800);
  EXPECT_EQ(iv.rule, "tavg_definision 'past 3-hour average': stamp = end of the 3-hour mean");
  s.tavg_definition = "";
  s.begin = kT - 10800;
  EXPECT_EQ(gldas_interval(s, StampConvention::Unsettled).start, kT - 10800);
  s.begin = kT - 3600;
  EXPECT_THROW(gldas_interval(s, StampConvention::Unsettled), std::runtime_error);
  s.begin.reset();
  EXPECT_THROW(gldas_interval(s, StampConvention::Unsettled), std::runtime_error);  // silence
  s.bounds = std::make_pair(kT - 10800, kT);
  s.begin = kT;
  EXPECT_THROW(gldas_interval(s, StampConvention::Unsettled), std::runtime_error);  // begin_time vs time_bnds
  EXPECT_TRUE(gldas22_name("GLDAS_CLSM025_DA1_D.A20030201.022.nc4"));
  EXPECT_FALSE(gldas22_name("GLDAS_NOAH025_3H.A20200701.0900.021.nc4"));
}

TEST(GldasStamp, FilesInEachLayout) {
  ScratchDir d;
  const auto r = rain(kLon.size() * kLat.size(), 5, 2e-4f);
  struct Case {
    const char* what;
    Layout l;
    UnixSeconds start;  // expected; -1 = error without a setting
    const char* rule;
  };
  const std::pair<UnixSeconds, UnixSeconds> incl{kT, kT + 10799}, back{kT - 10800, kT};
  const Case cases[] = {
      {"inclusive bounds in days", {kT, incl}, kT, "time_bnds (inclusive upper bound rounded up to the hour): stamp = start"},
      {"inclusive int seconds", {kT, incl, true}, kT, "time_bnds (inclusive"},
      {"bounds end + tavg_definition", {kT, back, false, "", "", "tavg_definition", "past 3-hour average"}, kT - 10800,
       "time_bnds: stamp = end of the 3-hour mean (tavg_definition agrees)"},
      {"begin_time + following", {kT, {}, false, "20200701", "90000", "tavg_definision", "following 3-hour average"}, kT,
       "begin_date/begin_time: stamp = start of the 3-hour mean (tavg_definision agrees)"},
      {"tavg_definision only", {kT, {}, false, "", "", "tavg_definision", "past 3-hour average"}, kT - 10800,
       "tavg_definision 'past 3-hour average'"},
      {"GES DISC bounds vs provider definition", {kT, incl, false, "20200701", "090000", "tavg_definision", "past 3-hour average"},
       -1, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string p = d / "GLDAS_NOAH025_3H.A20200701.0900.021.nc4";
    write(p, c.l, r);
    if (c.start < 0) {
      const std::string e = error_of(p);
      EXPECT_EQ(e.rfind(p + ": variable 'Rainf_f_tavg': time_bnds", 0), 0u) << e;
      EXPECT_NE(e.find("tavg_definision 'past 3-hour average' makes it the end; settle it with --stamp"), std::string::npos) << e;
      EXPECT_EQ(e.find('\n'), std::string::npos);
      for (auto s : {StampConvention::Start, StampConvention::End}) {
        ReaderOptions o;
        o.gldas_stamp = s;
        const FileSteps fs = ProductReader(Product::GLDAS, o).read(p);
        EXPECT_EQ(fs.steps.at(0).start, s == StampConvention::Start ? kT : kT - 10800);
        EXPECT_EQ(fs.steps[0].seconds, 10800);
        EXPECT_EQ(fs.stamp_rule.rfind("stamp setting: ", 0), 0u) << fs.stamp_rule;
      }
      continue;
    }
    const FileSteps fs = ProductReader(Product::GLDAS, {}).read(p);
    ASSERT_EQ(fs.steps.size(), 1u);
    EXPECT_EQ(fs.steps[0].start, c.start);
    EXPECT_EQ(fs.steps[0].seconds, 10800);
    EXPECT_EQ(fs.stamp_rule.rfind(c.rule, 0), 0u) << fs.stamp_rule;
    // mm = rate (kg m-2 s-1) * 10800 s at a cell inside the window.
    const size_t j = 10, i = 20;
    const size_t fj = size_t(std::lround((39.875 - fs.grid.lat[j]) / 0.25)), fi = size_t(std::lround((fs.grid.lon[i] - 89.125) / 0.25));
    EXPECT_NEAR(fs.steps[0].mm[j * fs.grid.nx() + i], double(r[fj * kLon.size() + fi]) * 10800.0, 1e-4);
  }
}

TEST(GldasStamp, Gldas22IsRefusedSayingWhy) {
  ScratchDir d;
  const auto r = rain(kLon.size() * kLat.size(), 6, 2e-4f);
  Layout l{kT, std::make_pair(kT, kT + 10800)};
  for (const char* var : {"Rainf_tavg", ""}) {
    l.var = var;
    const std::string p = d / "GLDAS_CLSM025_DA1_D.A20200701.022.nc4";
    write(p, l, r);
    const std::string e = error_of(p);
    EXPECT_NE(e.find("GLDAS-2.2 files carry no forcing precipitation Rainf_f_tavg; use GLDAS-2.0/2.1"), std::string::npos) << e;
    EXPECT_EQ(e.rfind(p + ": ", 0), 0u) << e;
  }
  l.var = "Rainf_tavg";  // a 2.1-named file with rainfall only
  const std::string p = d / "GLDAS_NOAH025_3H.A20200701.0900.021.nc4";
  write(p, l, r);
  EXPECT_NE(error_of(p).find("Rainf_tavg is rainfall without snowfall"), std::string::npos) << error_of(p);
}

// A CMA day (2020-07-02 = 07-01 12:00 .. 07-02 12:00 UTC) of 8 GES DISC style
// files: stamps 12:00 .. 09:00 with inclusive bounds [t, t + 10799] and, in
// `with_definition`, the provider's "past 3-hour average".
TEST(GldasStamp, DailyCliInclusiveBoundsAndConflict) {
  ScratchDir d;
  const DayNumber day = day_from_ymd(2020, 7, 2);
  const UnixSeconds w0 = day_start(day) - 12 * 3600;
  const size_t n = kLon.size() * kLat.size();
  std::vector<std::vector<float>> rates;
  for (int with_definition = 0; with_definition < 2; ++with_definition) {
    const std::string sub = with_definition ? "b" : "a";
    for (int k = -1; k < 9; ++k) {  // one extra 3 h on each side
      const UnixSeconds t = w0 + k * 10800;
      if (!with_definition) rates.push_back(rain(n, uint32_t(40 + k + 1), 3e-4f));
      Layout l{t, std::make_pair(t, t + 10799), false, "", "", "tavg_definision", with_definition ? "past 3-hour average" : ""};
      char name[96];
      int y, m, dd;
      ymd_from_day(DayNumber(t / 86400), y, m, dd);
      std::snprintf(name, sizeof name, "%s_GLDAS_NOAH025_3H.A%04d%02d%02d.%02d00.021.nc4", sub.c_str(), y, m, dd, int(t % 86400 / 3600));
      write(d / name, l, rates[size_t(k + 1)]);
    }
  }
  const size_t j = 7, i = 11;  // a cell of the native window (lat N->S as written)
  auto total = [&](int first_k) {  // mm over the 8 means starting at w0 + first_k * 3 h
    double s = 0;
    for (int k = first_k; k < first_k + 8; ++k) s += double(rates[size_t(k + 1)][j * kLon.size() + i]) * 10800.0;
    return s;
  };
  auto cell = [&](const DailyCube& c) {
    for (size_t jj = 0; jj < c.grid.ny(); ++jj)
      for (size_t ii = 0; ii < c.grid.nx(); ++ii)
        if (std::abs(c.grid.lat[jj] - kLat[j]) < 1e-6 && std::abs(c.grid.lon[ii] - kLon[i]) < 1e-6)
          return double(c.precip[jj * c.grid.nx() + ii]);
    return double(NAN);
  };
  const std::string out = d / "daily.nc", args = " --start 2020-07-02 --end 2020-07-02 --out " + out;
  std::string log;
  // Bounds alone: the stamp starts the mean; the day is the files k = 0..7.
  ASSERT_EQ(run(bin() + " daily --product gldas --input '" + (d / "a_*.nc4") + "'" + args, &log), 0) << log;
  EXPECT_NE(log.find("rainfuse daily: gldas time stamps: time_bnds (inclusive upper bound rounded up to the hour): stamp = "
                     "start of the 3-hour mean ("), std::string::npos) << log;
  EXPECT_NEAR(cell(read_cf_daily(out)), total(0), 1e-3);
  // Bounds against the provider's definition: an error until the setting settles it.
  EXPECT_EQ(run(bin() + " daily --product gldas --input '" + (d / "b_*.nc4") + "'" + args, &log), 1);
  EXPECT_NE(log.find("settle it with --stamp start|end"), std::string::npos) << log;
  EXPECT_NE(log.find("b_GLDAS_NOAH025_3H.A"), std::string::npos) << log;
  ASSERT_EQ(run(bin() + " daily --product gldas --stamp end --input '" + (d / "b_*.nc4") + "'" + args, &log), 0) << log;
  const std::string line = "rainfuse daily: gldas time stamps: stamp setting: end of the 3-hour mean, overriding the file's";
  ASSERT_NE(log.find(line), std::string::npos) << log;
  EXPECT_EQ(log.find(line), log.rfind(line)) << "printed once per run: " << log;
  EXPECT_NEAR(cell(read_cf_daily(out)), total(1), 1e-3);  // stamps 15:00 .. 12:00 end the day's means
}

}  // namespace
}  // namespace rf::io::test
