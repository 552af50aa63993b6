// Minimal command-line parsing shared by every `rainfuse` subcommand.
// Accepts `--name value`, `--name=value`, repeated flags, boolean switches and
// positionals. Unknown flags are an error (users' scripts rely on exact forms).
#pragma once
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rf::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  // `valued` flags take a value; `switches` do not. Names without leading "--".
  Args(const std::vector<std::string>& argv, const std::vector<std::string>& valued,
       const std::vector<std::string>& switches = {});

  bool help() const { return help_; }
  bool has(const std::string& name) const;
  // Last value given for a flag.
  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& fallback) const;
  std::string required(const std::string& name) const;  // throws UsageError
  std::vector<std::string> all(const std::string& name) const;  // every value, in order
  long get_int(const std::string& name, long fallback) const;
  double get_double(const std::string& name, double fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace rf::cli
