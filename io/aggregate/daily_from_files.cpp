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

DailyCube daily_from_files(Product product, ReaderOptions opt, const std::vector<std::string>& files, DayNumber first,
                           DayNumber last, const DayOptions& day_opt, size_t* files_read) {
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
      if (err[k]) std::rethrow_exception(err[k]);
      for (const Step& s : got[k].steps) agg.add(got[k].grid, s, todo[b0 + k]);
      join.add(got[k], todo[b0 + k]);
    }
  }
  for (const auto& j : join.join(opt.keep_from, opt.keep_to)) agg.add(j.grid, j.step, j.file);
  if (files_read) *files_read = todo.size();
  return agg.finish();
}

}  // namespace rf::io
