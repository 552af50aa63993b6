// Log lines and progress bars of the pipeline commands. Log lines go to stderr
// prefixed with the elapsed time; a progress bar is drawn (in place, on stderr)
// only when stderr is a terminal, otherwise only its summary line is printed:
// "<what>: N items in S s (R items/s)".
#pragma once
// The lowest utility of train/: it includes nothing of train/ (every stage
// logs; none is below it).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace rf::pipe {

void log(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void set_quiet(bool quiet);   // --quiet: only errors
// The command line turns this on: the first log line of a run is then preceded
// by one naming the version, the CPU level in use and the thread count.
void set_run_header(bool on);

class Progress {
 public:
  Progress(std::string what, int64_t total, std::string unit = "items");
  ~Progress();                // prints the summary line (if not done())
  void tick(int64_t n = 1);
  void done();
 private:
  std::string what_, unit_;
  int64_t total_, count_ = 0;
  std::chrono::steady_clock::time_point t0_, last_draw_;
  bool tty_, finished_ = false;
};

// Progress callback of long stages (prepare): (what, done, total). May be empty.
using ProgressFn = std::function<void(const std::string&, int64_t, int64_t)>;
// A ProgressFn drawing one bar per distinct `what`.
ProgressFn progress_fn();

}  // namespace rf::pipe
