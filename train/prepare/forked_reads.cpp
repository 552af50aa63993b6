// ForkedReads (prepare_steps.h): netCDF-C (and the HDF5 below it) is not
// thread-safe, so netCDF sources cannot be read on a second thread; a forked
// child process reads some of them instead, while the parent reads the others.
// The child has a copy of the jobs, runs read_source on its share and sends
// back, through a pipe, what read_source fills in: per year the built cube (or
// the "empty" flag), and the timing. The cubes are the same values the parent
// would have built (same code, same files), so the cache is byte-identical.
// The child never runs an OpenMP team (libgomp's thread pool does not survive
// fork: a parallel region in the child would hang), never logs, and leaves with
// _exit (no atexit handler, no stdio flush of the parent's buffers).
#include <omp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "train/prepare/prepare_steps.h"

namespace rf::pipe::prep {
namespace {

// Byte stream of plain values and vectors of them.
struct Writer {
  std::string buf;
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    buf.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  template <class T>
  void put_vec(const std::vector<T>& v) {
    put(uint64_t(v.size()));
    buf.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void put_str(const std::string& s) {
    put(uint64_t(s.size()));
    buf.append(s);
  }
};

struct Reader {
  const std::string& buf;
  size_t at = 0;
  void need(size_t n) {
    if (buf.size() - at < n) throw std::runtime_error("prepare: truncated result from the reading process");
  }
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, buf.data() + at, sizeof v);
    at += sizeof v;
    return v;
  }
  template <class T>
  std::vector<T> get_vec() {
    const uint64_t n = get<uint64_t>();
    need(n * sizeof(T));
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), buf.data() + at, n * sizeof(T));
    at += n * sizeof(T);
    return v;
  }
  std::string get_str() {
    const uint64_t n = get<uint64_t>();
    need(n);
    std::string s = buf.substr(at, n);
    at += n;
    return s;
  }
};

// What read_source produced for the jobs (status byte 0 first; 1 + message on error).
std::string encode_results(const std::vector<SourceJob*>& jobs) {
  Writer w;
  w.put(uint8_t(0));
  for (const SourceJob* j : jobs) {
    w.put(uint64_t(j->timing.files_read));
    w.put(j->timing.seconds);
    for (const SourceJob::Year& y : j->years) {
      w.put(uint8_t(y.empty));
      const io::DailyCube& c = y.built;
      w.put_str(c.product);
      w.put_vec(c.grid.lon);
      w.put_vec(c.grid.lat);
      w.put(c.convention);
      w.put_vec(c.days);
      w.put_vec(c.precip);
      w.put_vec(c.valid_steps);
      w.put(c.steps_per_day);
      w.put(uint64_t(y.skipped.size()));
      for (const auto& m : y.skipped) w.put_str(m);
    }
  }
  return w.buf;
}

void decode_results(const std::string& buf, const std::vector<SourceJob*>& jobs) {
  Reader r{buf};
  if (r.get<uint8_t>() != 0) throw std::runtime_error(r.get_str());
  for (SourceJob* j : jobs) {
    j->timing.files_read += r.get<uint64_t>();
    j->timing.seconds += r.get<double>();
    for (SourceJob::Year& y : j->years) {
      y.empty = r.get<uint8_t>() != 0;
      io::DailyCube& c = y.built;
      c.product = r.get_str();
      c.grid.lon = r.get_vec<double>();
      c.grid.lat = r.get_vec<double>();
      c.convention = r.get<io::DayConvention>();
      c.days = r.get_vec<io::DayNumber>();
      c.precip = r.get_vec<float>();
      c.valid_steps = r.get_vec<uint16_t>();
      c.steps_per_day = r.get<int>();
      y.skipped.resize(r.get<uint64_t>());
      for (auto& m : y.skipped) m = r.get_str();
    }
  }
  if (r.at != buf.size()) throw std::runtime_error("prepare: unexpected bytes from the reading process");
}

bool write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

}  // namespace

ForkedReads::ForkedReads(std::vector<SourceJob*> jobs) : jobs_(std::move(jobs)) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error(std::string("prepare: pipe: ") + std::strerror(errno));
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(fds[0]), ::close(fds[1]);
    throw std::runtime_error(std::string("prepare: fork: ") + std::strerror(errno));
  }
  if (pid_ == 0) {  // the child
    // Dies with its parent: a killed prepare must not leave a reader running
    // (it would hold the run folder's lock, run_lock.h, until it finished).
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) _exit(1);
    ::close(fds[0]);
    omp_set_num_threads(1);
    std::string out;
    try {
      for (SourceJob* j : jobs_) read_source(*j);
      out = encode_results(jobs_);
    } catch (const std::exception& e) {
      Writer w;
      w.put(uint8_t(1));
      w.put_str(e.what());
      out = w.buf;
    }
    _exit(write_all(fds[1], out) ? 0 : 1);
  }
  ::close(fds[1]);
  fd_ = fds[0];
  // Drains the pipe as the child writes (a full pipe would stall it).
  try {
    drain_ = std::thread([this] {
      char chunk[1 << 16];
      for (;;) {
        const ssize_t n = ::read(fd_, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        received_.append(chunk, size_t(n));
      }
    });
  } catch (...) {
    ::kill(pid_, SIGKILL);
    ::close(fd_);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    throw;
  }
}

void ForkedReads::join() {
  if (pid_ <= 0) return;
  drain_.join();
  ::close(fd_);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // An error message, if the child got that far.
    if (!received_.empty() && received_[0] == 1) decode_results(received_, jobs_);
    throw std::runtime_error("prepare: the process reading " + std::to_string(jobs_.size()) +
                             " source(s) ended abnormally (status " + std::to_string(status) + ")");
  }
  decode_results(received_, jobs_);
}

ForkedReads::~ForkedReads() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  drain_.join();
  ::close(fd_);
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace rf::pipe::prep
