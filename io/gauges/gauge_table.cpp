#include "io/gauges/gauge_table.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace rf::io {
namespace {

// Fields of a line split at `sep` (' ' = runs of blanks and tabs); quotes group.
std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    else if (!quoted && (sep == ' ' ? (c == ' ' || c == '\t') : c == sep)) {
      if (sep != ' ' || !cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != '\r') cur += c;
  }
  if (sep != ' ' || !cur.empty()) out.push_back(cur);
  for (auto& s : out) {
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    while (!s.empty() && s.back() == ' ') s.pop_back();
  }
  return out;
}

bool is_number(const std::string& s, double& v) {
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return !s.empty() && *end == 0;
}

}  // namespace

GaugeFileFormat parse_gauge_file_format(const std::string& s) {
  if (s == "auto") return GaugeFileFormat::Auto;
  if (s == "header") return GaugeFileFormat::Header;
  if (s == "cma-daily-txt") return GaugeFileFormat::CmaDailyTxt;
  throw std::invalid_argument("unknown gauge file format '" + s + "' (auto|header|cma-daily-txt)");
}

bool looks_like_cma_daily_txt(const std::string& line) {
  const auto f = split(line, ' ');
  if (f.size() < 13) return false;
  double v[13];
  for (int i = 0; i < 13; ++i)
    if (!is_number(f[size_t(i)], v[i])) return false;
  return v[4] >= 1900 && v[4] <= 2100 && v[5] >= 1 && v[5] <= 12 && v[6] >= 1 && v[6] <= 31;
}

bool is_cma_daily_txt_file(const std::string& path) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line != "\r") return line.find(',') == std::string::npos && looks_like_cma_daily_txt(line);
  return false;
}

int GaugeTable::col(std::initializer_list<const char*> names, bool required) const {
  for (const char* n : names)
    for (size_t k = 0; k < header.size(); ++k) {
      std::string h = header[k];
      if (h.size() >= 3 && (unsigned char)h[0] == 0xEF) h = h.substr(3);  // UTF-8 BOM
      if (h == n) return int(k);
    }
  if (required) throw std::runtime_error(path + ": column '" + *names.begin() + "' not found in the header");
  return -1;
}

double GaugeTable::num(size_t r, int c) const {
  const std::string& s = rows[r].at(size_t(c));
  double v;
  if (!is_number(s, v)) throw std::runtime_error(where(r) + ": column '" + header[size_t(c)] + "': not a number '" + s + "'");
  return v;
}

GaugeTable load_gauge_table(std::istream& in, const std::string& path, GaugeFileFormat format) {
  GaugeTable t;
  t.path = path;
  std::string line;
  size_t n = 0;
  char sep = ',';
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line == "\r") continue;
    if (t.header.empty()) {
      const bool txt = format == GaugeFileFormat::CmaDailyTxt ||
                       (format == GaugeFileFormat::Auto && line.find(',') == std::string::npos && looks_like_cma_daily_txt(line));
      if (txt) {
        if (!looks_like_cma_daily_txt(line))
          throw std::runtime_error(path + ":" + std::to_string(n) +
                                   ": not a CMA daily TXT record (13 numbers: station lat lon elevation year month day "
                                   "P20-08 P08-20 P20-20 QC QC QC)");
        t.cma_daily_txt = true;
        sep = ' ';
        t.header.assign(std::begin(kCmaDailyTxtColumns), std::end(kCmaDailyTxtColumns));
        for (size_t k = 13, nf = split(line, ' ').size(); k < nf; ++k) t.header.push_back("extra_" + std::to_string(k + 1));
      } else {
        sep = line.find(',') != std::string::npos ? ',' : ' ';
        t.header = split(line, sep);
        continue;
      }
    }
    auto r = split(line, sep);
    if (r.size() != t.header.size())
      throw std::runtime_error(path + ":" + std::to_string(n) + ": " + std::to_string(r.size()) + " fields, " +
                               (t.cma_daily_txt ? "the first record has " : "header has ") +
                               std::to_string(t.header.size()));
    t.rows.push_back(std::move(r));
    t.line_no.push_back(n);
  }
  if (t.header.empty()) throw std::runtime_error(path + ": empty file");
  return t;
}

GaugeTable load_gauge_table(const std::string& path, GaugeFileFormat format) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open");
  return load_gauge_table(f, path, format);
}

}  // namespace rf::io
