// The CPU's fp32 peak, measured: independent chains of vector FMAs (enough of
// them to hide the FMA latency on every pipe), on 1 thread and on every OpenMP
// thread, for each vector width the CPU runs (256-bit: the avx2 level's peak,
// 512-bit: the avx512 level's). The model benchmarks report their GFLOP/s as a
// % of the peak of the level they ran at (docs/performance.md).
// FLOPs: one FMA on a vector of L floats = 2 L.
#include <benchmark/benchmark.h>
#include <immintrin.h>
#include <omp.h>

#include "kernels/common/cpu_level.h"

namespace {

constexpr int kChains = 16;        // >= latency (4) x pipes (2), with room
constexpr long kRounds = 1 << 20;  // FMA rounds per thread per iteration

// Both bodies are compiled for their own instructions (target attributes) and
// only called when the CPU has them.
__attribute__((target("avx2,fma"))) float chains256(float seed) {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(seed + float(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long r = 0; r < kRounds; ++r)
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  float sum = 0;
  for (int i = 0; i < kChains; ++i) sum += _mm256_cvtss_f32(acc[i]);
  return sum;
}

__attribute__((target("avx2,fma,avx512f"))) float chains512(float seed) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(seed + float(i));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long r = 0; r < kRounds; ++r)
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  float sum = 0;
  for (int i = 0; i < kChains; ++i) sum += _mm512_cvtss_f32(acc[i]);
  return sum;
}

template <int kLanes>
void BM_FmaPeak(benchmark::State& st) {
  using rf::kernels::CpuLevel;
  if (!rf::kernels::cpu_level_supported(kLanes == 16 ? CpuLevel::avx512 : CpuLevel::avx2)) {
    st.SkipWithError("this CPU lacks the vector width");
    return;
  }
  const int threads = st.range(0) == 0 ? omp_get_max_threads() : 1;
  for (auto _ : st) {
    float sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    sink += kLanes == 16 ? chains512(float(omp_get_thread_num())) : chains256(float(omp_get_thread_num()));
    benchmark::DoNotOptimize(sink);
  }
  const double flop = 2.0 * kLanes * kChains * double(kRounds) * threads;
  st.counters["FLOPS"] = benchmark::Counter(flop, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["threads"] = threads;
}

// range(0): 0 = all OpenMP threads, 1 = one thread.
BENCHMARK(BM_FmaPeak<8>)->Arg(1)->Arg(0)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FmaPeak<16>)->Arg(1)->Arg(0)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
