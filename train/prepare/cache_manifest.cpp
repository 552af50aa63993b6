// The prepare cache's manifest and input-file stamps.
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "io/checksum.h"
#include "train/fit/checkpoint.h"
#include "train/common/log.h"
#include "train/prepare/prepare_steps.h"

namespace rf::pipe::prep {

std::vector<std::string> match_files(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const auto& pat : patterns) {
    glob_t g{};
    if (glob(pat.c_str(), 0, nullptr, &g) == 0)
      for (size_t k = 0; k < g.gl_pathc; ++k) out.emplace_back(g.gl_pathv[k]);
    globfree(&g);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string stamp_files(const std::vector<std::string>& files) {
  std::string out;
  char buf[64];
  for (const auto& f : files) {
    struct stat st{};
    if (stat(f.c_str(), &st) != 0) throw std::runtime_error(f + ": cannot stat: " + std::strerror(errno));
    std::snprintf(buf, sizeof buf, "file %lld %lld.%09ld ", (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                  st.st_mtim.tv_nsec);
    out += buf + f + "\n";
  }
  return out;
}

Manifest::Manifest(std::string path) : path_(std::move(path)) {
  std::ifstream in(path_);
  std::string line, name;
  while (std::getline(in, line)) {
    if (line.size() > 2 && line.front() == '[' && line.back() == ']') {
      name = line.substr(1, line.size() - 2);
      blocks_[name];
    } else if (!name.empty()) {
      blocks_[name] += line + "\n";
    }
  }
}

std::string Manifest::block(const std::string& artifact) const {
  const auto it = blocks_.find(artifact);
  return it == blocks_.end() ? std::string() : it->second;
}

void Manifest::set(const std::string& artifact, const std::string& block) {
  blocks_[artifact] = block;
  save();
}

void Manifest::set_fingerprint(const std::string& fingerprint) {
  fingerprint_ = fingerprint;
  save();
}

void Manifest::save() const {
  std::ostringstream out;
  out << "# rainfuse prepare cache manifest: one [artifact] block per cached file (settings, input files as\n"
         "# 'file size mtime path', the days held, the file's CRC-32 and size). A block that no longer\n"
         "# matches, or a file whose content no longer matches its block, rebuilds that file only.\n"
         "# The run's prepare_fingerprint, for reference:\n";
  std::istringstream fp(fingerprint_);
  for (std::string l; std::getline(fp, l);) out << "#   " << l << "\n";
  for (const auto& [name, text] : blocks_) out << "[" << name << "]\n" << text;
  write_text_file(path_, out.str());
}

void write_text_file(const std::string& path, const std::string& text) {
  // A fixed temporary name: the next run (the run lock makes it the only one)
  // writes over what a killed one left.
  const std::string tmp = path + ".part";
  write_file_checked(tmp, path, text);
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error(path + ": cannot replace: " + std::strerror(errno));
}

std::string cache_block(const std::string& key, io::DayNumber first, io::DayNumber last) {
  return key + "days " + io::format_date(first) + " " + io::format_date(last) + "\n";
}

std::string content_line(const std::string& path) {
  const io::FileCrc c = io::file_crc32(path);
  char b[80];
  std::snprintf(b, sizeof b, "content crc32 %08x size %llu\n", unsigned(c.crc), (unsigned long long)c.size);
  return b;
}

std::string content_mismatch(const std::string& stored, const std::string& path) {
  const size_t k = stored.find("content crc32 ");
  if (k == std::string::npos) return "";
  unsigned crc = 0;
  unsigned long long size = 0;
  if (std::sscanf(stored.c_str() + k, "content crc32 %8x size %llu", &crc, &size) != 2) return "unreadable content line";
  io::FileCrc c;
  try {
    c = io::file_crc32(path);
  } catch (const std::exception& e) {
    return e.what();
  }
  char b[160];
  if (c.size != size) std::snprintf(b, sizeof b, "%llu bytes, the manifest recorded %llu (truncated?)", (unsigned long long)c.size, size);
  else if (c.crc != crc) std::snprintf(b, sizeof b, "CRC-32 %08x, the manifest recorded %08x (altered on disk)", unsigned(c.crc), crc);
  else return "";
  return b;
}

bool cache_file_intact(const std::string& stored, const std::string& path) {
  if (!std::filesystem::exists(path)) return false;
  const std::string why = content_mismatch(stored, path);
  if (why.empty()) return true;
  log("prepare: warning: %s: %s: rebuilding it", path.c_str(), why.c_str());
  return false;
}

bool cache_serves(const std::string& stored, const std::string& key, io::DayNumber want_first, io::DayNumber want_last,
                  io::DayNumber& build_first, io::DayNumber& build_last) {
  build_first = want_first, build_last = want_last;
  const size_t k = stored.rfind("days ");
  if (stored.empty() || k == std::string::npos || stored.compare(0, k, key) != 0 || k != key.size()) return false;
  char a[16], b[16];
  if (std::sscanf(stored.c_str() + k, "days %15s %15s", a, b) != 2) return false;
  io::DayNumber f, l;
  try {
    f = io::parse_date(a), l = io::parse_date(b);
  } catch (const std::exception&) {
    return false;
  }
  if (f <= want_first && l >= want_last) return true;
  build_first = std::min(f, want_first), build_last = std::max(l, want_last);
  return false;
}

double lower_edge(const std::vector<double>& c) { return c.size() > 1 ? c[0] - (c[1] - c[0]) / 2 : c[0] - 0.5; }
double upper_edge(const std::vector<double>& c) {
  const size_t n = c.size();
  return n > 1 ? c[n - 1] + (c[n - 1] - c[n - 2]) / 2 : c[0] + 0.5;
}

int64_t cell_of(const std::vector<double>& c, double x) {
  if (c.empty() || x < lower_edge(c) || x >= upper_edge(c)) return -1;
  // First centre whose upper edge (midpoint to the next centre) lies above x.
  size_t lo = 0, hi = c.size() - 1;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (x < (c[mid] + c[mid + 1]) / 2) hi = mid;
    else lo = mid + 1;
  }
  return int64_t(lo);
}

io::Region grid_box(const io::Grid& g) {
  return io::Region{lower_edge(g.lon), upper_edge(g.lon), lower_edge(g.lat), upper_edge(g.lat)};
}

}  // namespace rf::pipe::prep
