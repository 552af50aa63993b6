// Helpers of the fault tests (issue 13): a size-limited tmpfs mounted over a
// folder (a disk that fills up), and `rainfuse` started in the background with
// its output appended to a log (a process to kill).
#pragma once
#include <sys/mount.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace rf::testing {

// A tmpfs of `bytes` over `dir` (root only: mounted() says whether it worked,
// why_not() why not), unmounted when it goes.
class SmallFs {
 public:
  SmallFs(const std::filesystem::path& dir, uintmax_t bytes) : dir_(dir.string()) {
    std::filesystem::create_directories(dir);
    mounted_ = mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + std::to_string(bytes)).c_str()) == 0;
    if (!mounted_) why_ = std::strerror(errno);
  }
  ~SmallFs() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
  }
  SmallFs(const SmallFs&) = delete;
  SmallFs& operator=(const SmallFs&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_; }
  // Space freed: the same files, a larger limit. Returns "" or the error.
  std::string resize(uintmax_t bytes) {
    if (mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + std::to_string(bytes)).c_str()) == 0) return "";
    return std::strerror(errno);
  }

 private:
  std::string dir_, why_;
  bool mounted_ = false;
};

// Starts `binary args...` in `dir`, stdout and stderr appended to dir/log; returns the pid.
inline pid_t spawn_in(const std::filesystem::path& dir, const std::string& log, const std::string& binary,
                      const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string out = (dir / log).string();
    if (!freopen(out.c_str(), "a", stdout) || !freopen(out.c_str(), "a", stderr) || chdir(dir.c_str()) != 0) _exit(127);
    std::vector<char*> argv{const_cast<char*>(binary.c_str())};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// pages of a tmpfs holding `bytes`: whole 4 KiB pages.
inline uintmax_t tmpfs_pages(uintmax_t bytes) { return (bytes + 4095) / 4096 * 4096; }

}  // namespace rf::testing
