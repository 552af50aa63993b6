// Log lines and progress bars (log.h). Everything goes to stderr so stdout
// stays for results; a bar redraws in place at most 10 times a second and only
// on a terminal (CI logs and pipes get the one summary line per bar).
#include "train/common/log.h"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>

#include "kernels/common/cpu_level.h"

namespace rf::pipe {

namespace {

const auto g_t0 = std::chrono::steady_clock::now();
bool g_quiet = false;
bool g_bar_drawn = false;  // a bar occupies the current terminal line
bool g_header_pending = false;  // set_run_header: the next line is preceded by the run header
std::mutex g_mu;

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void vlog_locked(const char* fmt, va_list ap) {
  if (g_bar_drawn) std::fputs("\r\033[K", stderr);
  g_bar_drawn = false;
  if (g_header_pending) {
    g_header_pending = false;
    std::fprintf(stderr, "[%8.1fs] rainfuse %s, CPU level %s, %d threads\n", since(g_t0), RAINFUSE_VERSION,
                 kernels::cpu_level_report().c_str(), omp_get_max_threads());
  }
  std::fprintf(stderr, "[%8.1fs] ", since(g_t0));
  std::vfprintf(stderr, fmt, ap);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

void log_locked(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog_locked(fmt, ap);
  va_end(ap);
}

}  // namespace

void log(const char* fmt, ...) {
  if (g_quiet) return;
  std::lock_guard<std::mutex> lk(g_mu);
  va_list ap;
  va_start(ap, fmt);
  vlog_locked(fmt, ap);
  va_end(ap);
}

void set_quiet(bool quiet) { g_quiet = quiet; }

void set_run_header(bool on) {
  std::lock_guard<std::mutex> lk(g_mu);
  g_header_pending = on;
}

Progress::Progress(std::string what, int64_t total, std::string unit)
    : what_(std::move(what)), unit_(std::move(unit)), total_(total), t0_(std::chrono::steady_clock::now()),
      last_draw_(t0_), tty_(!g_quiet && ::isatty(STDERR_FILENO)) {}

Progress::~Progress() {
  if (!finished_) done();
}

void Progress::tick(int64_t n) {
  count_ += n;
  if (!tty_ || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  if (count_ < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double s = since(t0_), rate = s > 0 ? count_ / s : 0;
  const double frac = total_ > 0 ? std::min(1.0, double(count_) / double(total_)) : 0;
  constexpr int kWidth = 30;
  char bar[kWidth + 1];
  for (int i = 0; i < kWidth; ++i) bar[i] = i < int(frac * kWidth + 0.5) ? '#' : '.';
  bar[kWidth] = 0;
  const double eta = rate > 0 ? (total_ - count_) / rate : 0;
  std::lock_guard<std::mutex> lk(g_mu);
  std::fprintf(stderr, "\r\033[K%s [%s] %lld/%lld %s  %.3g %s/s  eta %.0f s", what_.c_str(), bar, (long long)count_,
               (long long)total_, unit_.c_str(), rate, unit_.c_str(), eta);
  std::fflush(stderr);
  g_bar_drawn = true;
}

void Progress::done() {
  if (finished_) return;
  finished_ = true;
  if (g_quiet) return;
  const double s = since(t0_);
  std::lock_guard<std::mutex> lk(g_mu);
  log_locked("%s: %lld %s in %.1f s (%.3g %s/s)", what_.c_str(), (long long)count_, unit_.c_str(), s,
             s > 0 ? count_ / s : 0.0, unit_.c_str());
}

ProgressFn progress_fn() {
  // One bar per distinct `what`, created on its first report and finished when
  // done reaches total. Shared by copies of the function; callers may report
  // from several threads.
  struct Bars {
    std::mutex mu;
    std::map<std::string, std::pair<std::unique_ptr<Progress>, int64_t>> open;  // bar, last `done`
  };
  auto bars = std::make_shared<Bars>();
  return [bars](const std::string& what, int64_t done, int64_t total) {
    std::lock_guard<std::mutex> lk(bars->mu);
    auto& [bar, last] = bars->open[what];
    if (!bar) bar = std::make_unique<Progress>(what, total);
    bar->tick(done - last);
    last = done;
    if (done >= total) bars->open.erase(what);
  };
}

}  // namespace rf::pipe
