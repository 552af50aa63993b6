#include "train/plots/gnuplot_run.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "train/plots/plots.h"

extern char** environ;

namespace rf::plots {

namespace fs = std::filesystem;

namespace {

// The one line of gnuplot's stderr that says what went wrong: gnuplot reports
// `"script" line N: message` after echoing the offending command with a caret.
std::string error_line(const std::string& err) {
  std::istringstream in(err);
  std::string line, last, located;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t^") == std::string::npos) continue;
    last = line;
    if (located.empty() && line.find("\" line ") != std::string::npos) located = line;
  }
  std::string s = located.empty() ? last : located;
  if (auto p = s.find("\" line "); p != std::string::npos) s = s.substr(p + 2);  // drop the temp script path
  return s.empty() ? std::string("no message") : s;
}

std::string one_line(const std::string& text) {
  std::string s;
  for (char c : text) s += (c == '\n' || c == '\r') ? ' ' : c;
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::string gp_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

PlotJob::PlotJob(std::string png) : png_(std::move(png)) {
  const char* t = std::getenv("TMPDIR");
  std::string tmpl = fs::absolute(t && *t ? t : "/tmp").string() + "/rainfuse-plot-XXXXXX";
  if (!mkdtemp(tmpl.data())) fail("cannot create a temporary directory (" + std::string(std::strerror(errno)) + ")");
  dir_ = tmpl;
}

PlotJob::~PlotJob() {
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

void PlotJob::fail(const std::string& what) const { throw std::runtime_error(png_ + ": " + what); }

std::string PlotJob::write_floats(const std::string& name, const std::vector<float>& v) const {
  const std::string p = path(name);
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
  if (!f) fail("cannot write temporary data file " + p);
  return p;
}

std::string PlotJob::write_text(const std::string& name, const std::string& text) const {
  const std::string p = path(name);
  std::ofstream f(p);
  f << text;
  if (!f) fail("cannot write temporary data file " + p);
  return p;
}

void PlotJob::run(const std::string& script, int width, int height) {
  if (!plots_available()) fail("gnuplot is not installed (not found on PATH)");
  // Temporary output beside the destination: the final rename is atomic.
  fs::path dest(png_);
  const fs::path parent = dest.has_parent_path() ? dest.parent_path() : fs::path(".");
  std::string name = ".";
  name += dest.filename().string();
  name += ".XXXXXX";
  std::string out = (parent / name).string();
  const int fd = mkstemp(out.data());
  if (fd < 0) fail("cannot write in " + parent.string() + " (" + std::strerror(errno) + ")");
  fchmod(fd, 0644);  // gnuplot rewrites the file in place: give it an image's usual mode
  close(fd);
  struct RemoveOnExit {
    std::string p;
    ~RemoveOnExit() { std::remove(p.c_str()); }
  } cleanup{out};

  std::ostringstream s;
  s << "set encoding utf8\n"
    << "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
    << "  set terminal pngcairo size " << width << "," << height << " font 'Sans,10' noenhanced\n"
    << "} else {\n"
    << "  set terminal png size " << width << "," << height << " truecolor noenhanced\n"
    << "}\n"
    << "set output " << gp_quote(out) << "\n"
    << script << "\nunset output\n";
  const std::string gp = write_text("plot.gp", s.str());
  const std::string err_file = path("stderr.txt");

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const char* argv[] = {"gnuplot", "-d", gp.c_str(), nullptr};  // -d: ignore the user's ~/.gnuplot
  pid_t pid;
  const int rc = posix_spawnp(&pid, "gnuplot", &fa, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) fail("cannot start gnuplot (" + std::string(std::strerror(rc)) + ")");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) fail("waiting for gnuplot: " + std::string(std::strerror(errno)));

  std::ifstream ef(err_file);
  const std::string err((std::istreambuf_iterator<char>(ef)), std::istreambuf_iterator<char>());
  if (WIFSIGNALED(status)) fail("gnuplot killed by signal " + std::to_string(WTERMSIG(status)));
  if (WEXITSTATUS(status) != 0) fail("gnuplot: " + error_line(err));
  std::error_code ec;
  if (fs::file_size(out, ec) == 0 || ec) fail("gnuplot wrote no image");
  fs::rename(out, png_, ec);
  if (ec) fail("cannot rename the image into place (" + ec.message() + ")");
  if (!err.empty()) std::cerr << "warning: " << png_ << ": gnuplot: " << one_line(err) << "\n";
}

bool plots_available() {
  static const bool found = [] {
    const char* p = std::getenv("PATH");
    std::istringstream dirs(p ? p : "");
    for (std::string d; std::getline(dirs, d, ':');)
      if (!d.empty() && access((d + "/gnuplot").c_str(), X_OK) == 0) return true;
    return false;
  }();
  return found;
}

}  // namespace rf::plots
