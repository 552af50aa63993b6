// One fused day of the 0.01-degree Qinghai grid (1390 x 850 px, qh-ref in
// 256 px tiles with 16 px halos, the production fuse settings) on the CUDA
// device, with conv1's input staged from the native-grid sources through the
// nearest-neighbour plans (`regrid_staging` fused) against the unfused path
// (the [1, 8, 7, 850, 1390] input assembled on the host and uploaded, plain
// conv1). Synthetic sources on their products' native grids (ERA5 and GLDAS
// 0.25 deg, IMERG and GSMaP 0.1 deg, CMORPH 8 km) with random rain, a random
// model. Prints a markdown table: median time per day (and its input / model
// parts) and the device allocator's peak. Exits 0 with a note without a device.
//   bench_gpu_fuse [reps=3]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "autograd/backend.h"
#include "autograd/device_options.h"
#include "kernels/common/device_copy.h"
#include "kernels/common/memory.h"
#include "nn/qh_ref.h"
#include "train/fuse/fuse.h"
#include "train/common/log.h"

namespace {

using namespace rf;
using namespace rf::pipe;

Prepared province(int days) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  Prepared p;
  p.grid = io::Grid::regular(89.505, 0.01, 1390, 31.375, 0.01, 850);
  for (int t = 0; t < days; ++t) p.days.push_back(io::parse_date("2020-07-01") + t);
  const double res[5] = {0.25, 0.1, 0.25, 0.1, 0.0727};
  for (int k = 0; k < 5; ++k) {
    // The region plus a one-cell halo at the product's resolution.
    const double r = res[k];
    const size_t nx = size_t(std::ceil(13.9 / r)) + 2, ny = size_t(std::ceil(8.5 / r)) + 2;
    const io::Grid native = io::Grid::regular(89.5 - r / 2, r, nx, 31.37 - r / 2, r, ny);
    SourceData& s = p.sources[k];
    s.name = kSourceNames[k];
    s.configured = true;
    s.cube.product = s.name;
    s.cube.grid = native;
    s.cube.days = p.days;
    for (size_t i = 0; i < p.days.size() * native.size(); ++i) {
      const float a = u(rng);
      s.cube.precip.push_back(a < 0.5f ? 0.0f : 30.0f * a * a);
    }
    s.plan = io::make_regrid_plan(native, p.grid, io::RegridMethod::Nearest);
    s.planes = io::regrid_source_planes(s.plan);
    s.source_planes = s.cube.precip;
    s.available.assign(p.days.size(), 1);
  }
  for (size_t i = 0; i < p.grid.size(); ++i) p.elevation.push_back(2500.0f + 2500.0f * u(rng));
  return p;
}

struct Timing {
  double ms = 0, input_ms = 0, model_ms = 0;  // medians over the reps, after one warm-up day
  double peak_mib = 0;                        // allocator high-water mark above what was live before
};

Timing fuse_days(const Fuser& fuser, const Prepared& p, int reps) {
  std::vector<float> out(p.grid.size());
  cuda_rt::synchronize();
  const int64_t live0 = mem_stats(Device::CUDA).live_bytes;
  mem_reset_peak(Device::CUDA);
  fuser.day(p, 3, out.data());  // warm-up: loads the model, builds the staging buffers
  std::vector<double> ms, in, model;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fuser.day(p, 3 + i % (int(p.days.size()) - 6), out.data());
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    in.push_back(fuser.last_timing().input_s * 1e3);
    model.push_back(fuser.last_timing().model_s * 1e3);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  return {median(ms), median(in), median(model), double(mem_stats(Device::CUDA).peak_bytes - live0) / (1 << 20)};
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  if (!device_available(Device::CUDA)) {
    std::printf("no CUDA device: bench_gpu_fuse not run\n");
    return 0;
  }
  set_quiet(true);  // the table only
  const Prepared p = province(reps + 7);
  RunConfig cfg;
  cfg.device = "cuda";
  const std::string tmp = "rainfuse-fuse-bench-" + std::to_string(::getpid());
  cfg.out_dir = (std::filesystem::temp_directory_path() / tmp).string();
  std::filesystem::create_directories(cfg.path("models"));
  {
    nn::QhRef net;
    net.init(3);
    net.save(cfg.path("models/" + source_set_name(31) + ".safetensors"));
    NormStats().save(cfg.path("models/" + source_set_name(31) + ".norm.txt"));
  }
  const std::vector<TrainedModel> models = find_trained_models(cfg);
  std::printf("one fused day, %lld x %lld px, tiles %d + halo %d, on %s (median of %d)\n\n", (long long)p.nx(),
              (long long)p.ny(), cfg.tile, cfg.halo, backend(Device::CUDA).name, reps);
  std::printf("| conv1 input | day | input part | model part | device peak |\n|---|---|---|---|---|\n");
  for (const char* unfused : {"", "regrid_staging"}) {
    set_unfused(device_options(), unfused);
    const Fuser fuser(cfg, models);
    const Timing t = fuse_days(fuser, p, reps);
    std::printf("| %s | %.1f ms | %.1f ms | %.1f ms | %.0f MiB |\n",
                *unfused ? "materialised (regrid_staging unfused)" : "staged from native grids (fused)", t.ms,
                t.input_ms, t.model_ms, t.peak_mib);
    std::fflush(stdout);
  }
  std::filesystem::remove_all(cfg.out_dir);
  return 0;
}
