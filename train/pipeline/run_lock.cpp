// RunLock (run_lock.h).
#include "train/pipeline/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace rf::pipe {

RunLock::RunLock(const std::string& run_dir, const std::string& command) {
  std::filesystem::create_directories(run_dir);
  const std::string path = run_dir + "/rainfuse.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(path + ": cannot open the run folder's lock: " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char holder[256] = {0};
    const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK) throw std::runtime_error(path + ": cannot lock: " + std::strerror(err));
    std::string who = n > 0 ? std::string(holder, size_t(n)) : std::string("unknown");
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    throw std::runtime_error(run_dir + ": the run folder is in use by another rainfuse process (" + who +
                             "); wait for it to finish, or give this run another run.out_dir");
  }
  // Who holds it, for the message a second process prints.
  const std::string me = "pid " + std::to_string(::getpid()) + ": rainfuse " + command + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) != ssize_t(me.size()))
    throw std::runtime_error(path + ": cannot write the run folder's lock: " + std::strerror(errno));
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace rf::pipe
