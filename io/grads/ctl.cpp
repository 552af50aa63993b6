#include "io/grads/ctl.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>

namespace rf::io {
namespace {

const char* kMonths[12] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};

// Limits that keep sizes and step times far from overflow: 10^7 cells per axis
// (1/1000 degree around the globe), 10^8 time steps, increments up to 10^5
// units (10^8 x 10^5 days stays inside int64 seconds).
constexpr double kMaxAxis = 1e7, kMaxSteps = 1e8;
constexpr int kMaxIncrement = 100000;

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int days_in_month(int y, int m) {
  return day_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - day_from_ymd(y, m, 1);
}

UnixSeconds add_months(UnixSeconds t, int64_t months) {
  const DayNumber d = DayNumber(t / 86400);
  int y, m, dd;
  ymd_from_day(d, y, m, dd);
  const int64_t mm = (int64_t(y) * 12 + m - 1) + months;
  if (mm < 0 || mm / 12 > 32767) throw std::invalid_argument("GrADS time out of range (years 0 to 32767)");
  return day_start(day_from_ymd(int(mm / 12), int(mm % 12) + 1, dd)) + t % 86400;
}

}  // namespace

std::string without_compression_suffix(const std::string& name) {
  for (const std::string e : {".gz", ".bz2"})
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) return name.substr(0, name.size() - e.size());
  return name;
}

UnixSeconds parse_grads_time(const std::string& s0) {
  const std::string s = lower(s0);
  size_t p = 0;
  int hh = 0, mn = 0;
  const size_t z = s.find('z');
  if (z != std::string::npos) {
    if (std::sscanf(s.substr(0, z).c_str(), "%d:%d", &hh, &mn) < 1 || hh < 0 || hh > 23 || mn < 0 || mn > 59)
      throw std::invalid_argument("bad GrADS time '" + s0 + "'");
    p = z + 1;
  }
  size_t q = p;
  while (q < s.size() && std::isdigit(static_cast<unsigned char>(s[q]))) ++q;
  const int day = q > p ? std::stoi(s.substr(p, q - p)) : 1;
  if (q + 3 > s.size()) throw std::invalid_argument("bad GrADS time '" + s0 + "'");
  const std::string mon = s.substr(q, 3);
  int m = 0;
  for (int k = 0; k < 12; ++k)
    if (mon == kMonths[k]) m = k + 1;
  if (!m) throw std::invalid_argument("bad month in GrADS time '" + s0 + "'");
  int y = std::stoi(s.substr(q + 3));
  if (s.size() - (q + 3) == 2) y += y < 50 ? 2000 : 1900;
  return day_start(day_from_ymd(y, m, day)) + hh * 3600 + mn * 60;
}

std::vector<double> GradsCtl::storage_lat() const {
  std::vector<double> l = y;
  if (yrev) std::reverse(l.begin(), l.end());
  return l;
}

UnixSeconds GradsCtl::step_time(size_t k) const {
  return dt_months ? add_months(t0, int64_t(k) * dt_months) : t0 + UnixSeconds(k) * dt_seconds;
}

std::optional<UnixSeconds> GradsCtl::time_from_name(const std::string& name) const {
  if (!templated) return std::nullopt;
  // A compression suffix of the template or the name is ignored: files are
  // decompressed by their magic bytes (byte_source.h), and users unpack them.
  const std::string tpl = without_compression_suffix(dset.substr(dset.find_last_of('/') + 1));
  const std::string n = without_compression_suffix(name);
  int y = 1970, m = 1, d = 1, h = 0, mi = 0, jd = 0;
  // Recursive matcher: `*` matches any text. A (template, name) position that
  // failed once fails again (the captured fields do not decide it), so failures
  // are remembered: without that, runs of `*` backtrack exponentially.
  std::vector<char> failed((tpl.size() + 1) * (n.size() + 1), 0);
  std::function<bool(size_t, size_t)> match_at;
  auto match = [&](size_t ti, size_t ni) -> bool {
    char& f = failed[ti * (n.size() + 1) + ni];
    if (f) return false;
    const bool ok = match_at(ti, ni);
    f = !ok;
    return ok;
  };
  match_at = [&](size_t ti, size_t ni) -> bool {
    if (ti == tpl.size()) return ni == n.size();
    if (tpl[ti] == '*') {
      for (size_t k = ni; k <= n.size(); ++k)
        if (match(ti + 1, k)) return true;
      return false;
    }
    if (tpl[ti] == '%' && ti + 2 < tpl.size()) {
      const std::string code = tpl.substr(ti + 1, 2);
      auto digits = [&](int w, int& out) {
        if (ni + size_t(w) > n.size()) return false;
        for (int k = 0; k < w; ++k)
          if (!std::isdigit(static_cast<unsigned char>(n[ni + size_t(k)]))) return false;
        out = std::stoi(n.substr(ni, size_t(w)));
        return match(ti + 3, ni + size_t(w));
      };
      if (code == "y4") return digits(4, y);
      if (code == "y2") {
        if (!digits(2, y)) return false;
        if (y < 100) y += y < 50 ? 2000 : 1900;
        return true;
      }
      if (code == "m2") return digits(2, m);
      if (code == "d2") return digits(2, d);
      if (code == "h2") return digits(2, h);
      if (code == "n2") return digits(2, mi);
      if (code == "j3") return digits(3, jd);
      if (code == "mc") {
        if (ni + 3 > n.size()) return false;
        const std::string mon = lower(n.substr(ni, 3));
        for (int k = 0; k < 12; ++k)
          if (mon == kMonths[k]) {
            m = k + 1;
            return match(ti + 3, ni + 3);
          }
        return false;
      }
      if (code[0] == 'm' || code[0] == 'd' || code[0] == 'h') {  // %m1 %d1 %h1: 1 or 2 digits
        for (int w = 2; w >= 1; --w) {
          if (ni + size_t(w) > n.size()) continue;
          bool ok = true;
          for (int k = 0; k < w; ++k) ok &= bool(std::isdigit(static_cast<unsigned char>(n[ni + size_t(k)])));
          if (!ok) continue;
          const int v = std::stoi(n.substr(ni, size_t(w)));
          int& dst = code[0] == 'm' ? m : code[0] == 'd' ? d : h;
          const int saved = dst;
          dst = v;
          if (match(ti + 3, ni + size_t(w))) return true;
          dst = saved;
        }
        return false;
      }
      throw std::invalid_argument(source + ": unsupported template code %" + code);
    }
    return ni < n.size() && tpl[ti] == n[ni] && match(ti + 1, ni + 1);
  };
  if (match(0, 0)) {
    const DayNumber day = jd ? day_from_ymd(y, 1, 1) + jd - 1 : day_from_ymd(y, m, d);
    return day_start(day) + h * 3600 + mi * 60;
  }
  return std::nullopt;
}

size_t GradsCtl::steps_per_file(UnixSeconds ft) const {
  if (!templated) return nt;
  const std::string& t = dset;
  int64_t period;
  if (t.find("%n2") != std::string::npos) period = 60;
  else if (t.find("%h") != std::string::npos) period = 3600;
  else if (t.find("%d") != std::string::npos || t.find("%j3") != std::string::npos) period = 86400;
  else if (t.find("%m") != std::string::npos) {
    int y, m, d;
    ymd_from_day(DayNumber(ft / 86400), y, m, d);
    if (dt_months) return 1;
    period = int64_t(days_in_month(y, m)) * 86400;
  } else {
    int y, m, d;
    ymd_from_day(DayNumber(ft / 86400), y, m, d);
    if (dt_months) return size_t(12 / dt_months);
    period = int64_t(day_from_ymd(y + 1, 1, 1) - day_from_ymd(y, 1, 1)) * 86400;
  }
  if (dt_months) return 1;
  return size_t(std::max<int64_t>(1, period / dt_seconds));
}

std::string GradsCtl::glob_pattern() const {
  std::string g;
  const std::string d = without_compression_suffix(dset);
  for (size_t i = 0; i < d.size(); ++i) {
    if (d[i] == '%' && i + 2 < d.size()) {
      const std::string c = d.substr(i + 1, 2);
      const int w = c == "y4" ? 4 : c == "j3" ? 3 : c == "mc" ? 3 : 2;
      g += c[1] == '1' ? "*" : std::string(size_t(w), '?');
      i += 2;
    } else {
      g += d[i];
    }
  }
  return g + "*";  // compressed (.gz / .bz2) or not
}

GradsCtl parse_grads_ctl(const std::string& text, const std::string& source, const std::string& folder) {
  GradsCtl c;
  c.source = source;
  std::vector<std::string> tok;
  {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] == '*') continue;  // comment line
      std::istringstream ls(line);
      std::string w;
      bool first = true;
      while (ls >> w) {
        if (first && lower(w) == "title") break;
        tok.push_back(w);
        first = false;
      }
      tok.push_back("\n");
    }
  }
  auto fail = [&](const std::string& what) -> void { throw std::runtime_error(source + ": " + what); };
  auto num = [&](size_t& k) {
    while (k < tok.size() && tok[k] == "\n") ++k;
    if (k >= tok.size()) fail("unexpected end of descriptor");
    try {
      return std::stod(tok[k++]);
    } catch (...) {
      fail("expected a number, got '" + tok[k - 1] + "'");
    }
    return 0.0;
  };
  // A whole number in [0, max] (a count or a size), or an error naming it.
  auto count = [&](size_t& k, const std::string& what, double max) {
    const double v = num(k);
    if (!(v >= 0 && v <= max) || v != std::floor(v))
      fail(what + ": expected a whole number up to " + std::to_string(int64_t(max)) + ", got '" + tok[k - 1] + "'");
    return size_t(v);
  };
  auto axis = [&](size_t& k, std::vector<double>& out, const char* name) {
    const size_t n = count(k, name, kMaxAxis);
    if (k >= tok.size()) fail(std::string(name) + ": incomplete");
    const std::string kind = lower(tok[k++]);
    out.resize(n);
    if (kind == "linear") {
      const double a = num(k), d = num(k);
      for (size_t i = 0; i < n; ++i) out[i] = a + double(i) * d;
    } else if (kind == "levels") {
      for (size_t i = 0; i < n; ++i) out[i] = num(k);
    } else {
      fail(std::string(name) + ": mapping '" + kind + "' not supported (LINEAR or LEVELS)");
    }
  };
  bool have_dset = false;
  for (size_t k = 0; k < tok.size();) {
    if (tok[k] == "\n") {
      ++k;
      continue;
    }
    const std::string key = lower(tok[k++]);
    if (key == "dset") {
      std::string d = tok.at(k++);
      if (!d.empty() && d[0] == '^') d = folder + "/" + d.substr(1);
      c.dset = d;
      have_dset = true;
    } else if (key == "undef") {
      c.undef = num(k);
    } else if (key == "options") {
      while (k < tok.size() && tok[k] != "\n") {
        const std::string o = lower(tok[k++]);
        if (o == "template") c.templated = true;
        else if (o == "little_endian") c.big_endian = false;
        else if (o == "big_endian") c.big_endian = true;
        else if (o == "yrev") c.yrev = true;
        else if (o == "byteswapped") c.big_endian = true;
        else if (o == "sequential" || o == "365_day_calendar" || o == "zrev")
          fail("OPTIONS " + o + " not supported");
      }
    } else if (key == "fileheader") {
      c.fileheader = count(k, "FILEHEADER", 1e15);
    } else if (key == "xdef") {
      axis(k, c.x, "XDEF");
    } else if (key == "ydef") {
      axis(k, c.y, "YDEF");
      if (c.y.size() > 1 && c.y[1] < c.y[0]) fail("YDEF must be ascending (use OPTIONS yrev for N->S files)");
    } else if (key == "zdef") {
      while (k < tok.size() && tok[k] != "\n") ++k;
    } else if (key == "tdef") {
      c.nt = count(k, "TDEF", kMaxSteps);
      if (k + 2 >= tok.size() || lower(tok[k]) != "linear") fail("TDEF must be LINEAR");
      c.t0 = parse_grads_time(tok[k + 1]);
      const std::string inc = lower(tok[k + 2]);
      k += 3;
      const int v = std::atoi(inc.c_str());
      const size_t u0 = inc.find_first_not_of("0123456789");
      if (v <= 0 || v > kMaxIncrement || u0 == std::string::npos) fail("bad TDEF increment '" + inc + "'");
      const std::string unit = inc.substr(u0);
      if (unit == "mn") c.dt_seconds = int64_t(v) * 60;
      else if (unit == "hr") c.dt_seconds = int64_t(v) * 3600;
      else if (unit == "dy") c.dt_seconds = int64_t(v) * 86400;
      else if (unit == "mo") c.dt_months = v;
      else if (unit == "yr") c.dt_months = 12 * v;
      else fail("bad TDEF increment '" + inc + "'");
    } else if (key == "vars") {
      const size_t nv = count(k, "VARS", 1e4);
      for (size_t v = 0; v < nv; ++v) {
        while (k < tok.size() && tok[k] == "\n") ++k;
        if (k + 1 >= tok.size()) fail("VARS: incomplete");
        GradsVar gv;
        gv.name = tok[k++];
        gv.levels = std::max(1, int(count(k, "VARS " + gv.name + " levels", 1e5)));
        while (k < tok.size() && tok[k] != "\n") gv.description += tok[k++] + " ";
        c.vars.push_back(gv);
      }
    } else if (key == "endvars" || key == "dtype" || key == "pdef" || key == "xyheader" || key == "theader") {
      if (key == "dtype" || key == "pdef" || key == "xyheader" || key == "theader") fail(key + " not supported");
    } else {
      while (k < tok.size() && tok[k] != "\n") ++k;  // TITLE-like lines, unknown keys
    }
  }
  if (!have_dset) fail("no DSET");
  if (c.x.empty() || c.y.empty()) fail("no XDEF/YDEF");
  if (!c.nt) fail("no TDEF");
  if (c.vars.empty()) fail("no VARS");
  return c;
}

GradsCtl load_grads_ctl(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open descriptor");
  std::stringstream ss;
  ss << f.rdbuf();
  const size_t slash = path.find_last_of('/');
  return parse_grads_ctl(ss.str(), path, slash == std::string::npos ? "." : path.substr(0, slash));
}

GradsCtl builtin_grads_ctl(const std::string& name, const std::string& folder) {
  // GSMaP Gauge hourly: JAXA's v7 and v8 ctl files (and v6 readers) agree on
  // the layout (little-endian, N->S rows = yrev, first column centre 0.05E, UNDEF -99);
  // `v*` takes every version's name (v6.0000.0, v7.0001.0, v8.0000.1, ...).
  static const char* kGsmap =
      "DSET ^gsmap_gauge.%y4%m2%d2.%h200.v*.dat.gz\n"
      "OPTIONS template little_endian yrev\n"
      "UNDEF -99.0\n"
      "XDEF 3600 LINEAR 0.05 0.1\n"
      "YDEF 1200 LINEAR -59.95 0.1\n"
      "TDEF 999999 LINEAR 00z01jan1998 1hr\n"
      "VARS 1\nprecip 0 99 hourly mean rain rate [mm/hr]\nENDVARS\n";
  // CMORPH V1.0 8 km 30 min (CPC ctl): 2 half-hour records per hourly file, S->N.
  static const char* kCmorph =
      "DSET ^CMORPH_V1.0_*_8km-30min_%y4%m2%d2%h2.bz2\n"
      "OPTIONS template little_endian\n"
      "UNDEF -999.0\n"
      "XDEF 4948 LINEAR 0.036378335 0.072756669\n"
      "YDEF 1649 LINEAR -59.963614 0.072771377\n"
      "TDEF 999999 LINEAR 00z01jan1998 30mn\n"
      "VARS 1\ncmorph 1 99 precipitation rate [mm/hr]\nENDVARS\n";
  if (name == "gsmap") return parse_grads_ctl(kGsmap, "built-in GSMaP Gauge v8 descriptor", folder);
  if (name == "cmorph") return parse_grads_ctl(kCmorph, "built-in CMORPH V1.0 8km-30min descriptor", folder);
  throw std::invalid_argument("no built-in GrADS descriptor '" + name + "'");
}

}  // namespace rf::io
