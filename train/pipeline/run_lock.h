// One rainfuse process per run folder. prepare, train, fuse, evaluate and demo
// hold an exclusive flock(2) on <run folder>/rainfuse.lock while they run, so a
// second process on the same folder is refused (naming the holder's pid and
// command) instead of interleaving its writes with the first's. The kernel
// drops the lock when its process ends, by SIGKILL too: there is never a stale
// lock to remove by hand.
#pragma once
#include <string>

namespace rf::pipe {

class RunLock {
 public:
  // Creates the folder if needed; throws std::runtime_error when another
  // process holds it.
  RunLock(const std::string& run_dir, const std::string& command);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace rf::pipe
