#include "io/aggregate/daily_from_files.h"

#include <glob.h>

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "io/readers/accumulation.h"

namespace rf::io {

std::vector<std::string> glob_files(const std::string& pattern) {
  glob_t g{};
  const int rc = glob(pattern.c_str(), 0, nullptr, &g);
  std::vector<std::string> out;
  if (rc == 0)
    for (size_t k = 0; k < g.gl_pathc; ++k) out.emplace_back(g.gl_pathv[k]);
  globfree(&g);
  if (out.empty()) throw std::runtime_error(pattern + ": no input file matches");
  std::sort(out.begin(), out.end());
  return out;
}

OnBadFile parse_on_bad_file(const std::string& s) {
  if (s == "fail") return OnBadFile::Fail;
  if (s == "skip") return OnBadFile::Skip;
  throw std::invalid_argument("on_bad_file must be skip or fail, not '" + s + "'");
}

std::string skipped_files_note(const std::vector<std::string>& skipped) {
  std::string s = "skipped " + std::to_string(skipped.size()) + " unreadable input file(s):";
  for (size_t i = 0; i < skipped.size(); ++i) s += (i ? "; " : " ") + skipped[i];
  return s;
}

DailyCube daily_from_files(Product product, ReaderOptions opt, const std::vector<std::string>& files, DayNumber first,
                           DayNumber last, const DayOptions& day_opt, FilesRead* report, OnBadFile on_bad) {
  DailyAggregator agg(product_name(product), first, last, day_opt);
  opt.keep_from = agg.need_from();
  opt.keep_to = agg.need_to();
  const ProductReader reader(product, opt);
  std::vector<std::string> todo;
  for (const auto& f : files) {
    const auto span = reader.span_from_name(f);
    if (span && (span->second <= opt.keep_from || span->first >= opt.keep_to)) continue;
    todo.push_back(f);
  }
  std::vector<std::string> skipped;
  AccumulationJoin join;  // ERA5-Land hours whose two fields lie in different files
  const size_t batch = 8;
  for (size_t b0 = 0; b0 < todo.size(); b0 += batch) {
    const size_t nb = std::min(batch, todo.size() - b0);
    std::vector<FileSteps> got(nb);
    std::vector<std::exception_ptr> err(nb);
    bool parallel = true;
    for (size_t k = 0; k < nb; ++k) parallel = parallel && reader.thread_safe(todo[b0 + k]);
#pragma omp parallel for schedule(dynamic, 1) if (parallel)
    for (size_t k = 0; k < nb; ++k) {
      try {
        got[k] = reader.read(todo[b0 + k]);
      } catch (...) {
        err[k] = std::current_exception();
      }
    }
    for (size_t k = 0; k < nb; ++k) {
      if (err[k]) {
        if (on_bad == OnBadFile::Fail) std::rethrow_exception(err[k]);
        try {
          std::rethrow_exception(err[k]);
        } catch (const std::exception& e) {
          // Messages name their file; those that do not get it in front.
          const std::string& f = todo[b0 + k];
          const std::string m = e.what();
          skipped.push_back(m.rfind(f, 0) == 0 ? m : f + ": " + m);
        }
        if (skipped.size() == todo.size()) throw std::runtime_error(skipped.front() + " (and no other file could be read)");
        continue;
      }
      if (report && !got[k].stamp_rule.empty()) ++report->stamp_rules[got[k].stamp_rule];
      for (const Step& s : got[k].steps) agg.add(got[k].grid, s, todo[b0 + k]);
      join.add(got[k], todo[b0 + k]);
    }
  }
  for (const auto& j : join.join(opt.keep_from, opt.keep_to)) agg.add(j.grid, j.step, j.file);
  if (report) {
    report->read = todo.size();
    report->skipped = std::move(skipped);
  }
  return agg.finish();
}

}  // namespace rf::io
