#include "train/cli/args.h"

#include <algorithm>

namespace rf::cli {

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& valued,
           const std::vector<std::string>& switches) {
  auto is = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-h" || a == "--help") {
      help_ = true;
      continue;
    }
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    if (is(switches, name)) {
      if (inline_value) throw UsageError("--" + name + " takes no value");
      values_[name].push_back("1");
    } else if (is(valued, name)) {
      if (!inline_value) {
        if (i + 1 >= argv.size()) throw UsageError("--" + name + " needs a value");
        value = argv[++i];
      }
      values_[name].push_back(value);
    } else {
      throw UsageError("unknown option --" + name);
    }
  }
}

bool Args::has(const std::string& name) const { return values_.count(name) > 0; }

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::string Args::get_or(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

std::string Args::required(const std::string& name) const {
  auto v = get(name);
  if (!v) throw UsageError("missing required option --" + name);
  return *v;
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

long Args::get_int(const std::string& name, long fallback) const {
  auto v = get(name);
  if (!v) return fallback;
  try {
    size_t pos = 0;
    long r = std::stol(*v, &pos);
    if (pos != v->size()) throw std::invalid_argument("");
    return r;
  } catch (const std::exception&) {
    throw UsageError("--" + name + " expects an integer, got '" + *v + "'");
  }
}

double Args::get_double(const std::string& name, double fallback) const {
  auto v = get(name);
  if (!v) return fallback;
  try {
    size_t pos = 0;
    double r = std::stod(*v, &pos);
    if (pos != v->size()) throw std::invalid_argument("");
    return r;
  } catch (const std::exception&) {
    throw UsageError("--" + name + " expects a number, got '" + *v + "'");
  }
}

}  // namespace rf::cli
