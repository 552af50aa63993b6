// Runs gnuplot on a generated script (helpers for plot_*.cpp, not part of the
// pipeline contract). A PlotJob owns a private temporary directory (mkdtemp, so
// parallel processes never collide) for the script and the data files; the
// PNG is first written next to its destination and renamed into place, so a
// reader never sees half a picture. Failures become one-line exceptions
// "<png>: gnuplot: <first error line>"; the directory is removed in any case.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

namespace rf::plots {

class PlotJob {
 public:
  explicit PlotJob(std::string png);
  ~PlotJob();
  PlotJob(const PlotJob&) = delete;
  PlotJob& operator=(const PlotJob&) = delete;

  // Path of a new file `name` in the private directory.
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  // Writes float32 values (native byte order, gnuplot's `binary` default).
  std::string write_floats(const std::string& name, const std::vector<float>& v) const;
  // Writes a text data file.
  std::string write_text(const std::string& name, const std::string& text) const;

  // Prepends the terminal (pngcairo when built in, else png) of width x height
  // pixels and the output, runs gnuplot, renames the PNG into place. Warnings
  // (stderr of a successful run) are forwarded to std::cerr in one line.
  void run(const std::string& script, int width, int height);

  const std::string& png() const { return png_; }

 private:
  [[noreturn]] void fail(const std::string& what) const;
  std::string png_, dir_;
};

// Single-quoted gnuplot string literal (no escapes inside; ' doubled).
std::string gp_quote(const std::string& s);

}  // namespace rf::plots
