// rainfuse synth: writes the synthetic Qinghai twin (io/synth/synth.h).
#include <cstdio>
#include <sstream>

#include "io/synth/synth.h"
#include "train/cli/args.h"
#include "train/cli/commands.h"

namespace rf::cli {

static const char* kUsage =
    "usage: rainfuse synth --out DIR --start YYYY-MM-DD --end YYYY-MM-DD [--seed N] [--grid 0.01]\n"
    "                      [--products era5,imerg,gldas,gsmap,cmorph] [--no-gauges]\n"
    "                      [--era5-layout nc|legacy|cds|zip|grib] [--era5-land] [--imerg-version auto|6|7]\n"
    "                      [--cmorph-format bz2|nc] [--gauge-format csv|cma-txt] [--unpacked]\n"
    "                      [--stations FILE] [--quiet]\n"
    "Writes a synthetic Qinghai twin: daily truth (CMA day, 0.01 deg), a DEM, each product\n"
    "in its distributed format with its typical errors, and gauge files (docs/synthetic-twin.md):\n"
    "hourly and daily CSVs, or with --gauge-format cma-txt the daily file as the CMA distributes it\n"
    "(SURF_CLI_CHN_MUL_DAY-PRE-13011-YYYYMM.TXT: headerless, DDMM, 0.1 mm).\n"
    "  --unpacked   GSMaP (.dat) and CMORPH binaries written decompressed, as after gunzip/bunzip2\n";

int cmd_synth(const Argv& argv) {
  Args a(argv, {"out", "start", "end", "seed", "grid", "products", "era5-layout", "imerg-version", "stations", "cmorph-format",
          "gauge-format"},
         {"no-gauges", "quiet", "unpacked", "era5-land"});
  if (a.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  io::synth::SynthOptions o;
  o.out_dir = a.required("out");
  o.start = io::parse_date(a.required("start"));
  o.end = io::parse_date(a.required("end"));
  o.seed = uint64_t(a.get_int("seed", 1));
  const std::string grid = a.get_or("grid", "0.01");
  if (grid != "0.01") throw UsageError("--grid: the twin's truth grid is the 0.01-degree Qinghai grid; got '" + grid + "'");
  if (auto p = a.get("products")) {
    o.products.clear();
    std::stringstream ss(*p);
    std::string name;
    while (std::getline(ss, name, ','))
      if (!name.empty()) o.products.push_back(io::synth::parse_product(name));
  }
  o.gauges = !a.has("no-gauges");
  o.era5_layout = a.get_or("era5-layout", "alternate");
  o.era5_land = a.has("era5-land");
  const std::string iv = a.get_or("imerg-version", "auto");
  if (iv == "auto") o.imerg_version = 0;
  else if (iv == "6" || iv == "7") o.imerg_version = std::stoi(iv);
  else throw UsageError("--imerg-version must be auto, 6 or 7");
  o.stations_path = a.get_or("stations", "");
  o.cmorph_format = a.get_or("cmorph-format", "bz2");
  o.gauge_format = a.get_or("gauge-format", "csv");
  o.unpacked = a.has("unpacked");
  o.progress = !a.has("quiet");
  const auto s = io::synth::run_synth(o);
  if (!a.has("quiet"))
    std::fprintf(stderr, "synth: %d days, %ld files in %s, %.1f s (%.2f s/day)\n", s.days, s.files, o.out_dir.c_str(),
                 s.seconds, s.seconds / s.days);
  return 0;
}

}  // namespace rf::cli
