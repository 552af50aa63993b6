// The CPU's fp32 peak, measured: independent chains of vector FMAs (enough of
// them to hide the FMA latency on every pipe), on 1 thread and on every OpenMP
// thread. The model benchmarks report their GFLOP/s as a % of this peak
// (docs/performance.md: ~190 GFLOP/s on the 2 Zen cores here).
// FLOPs: one FMA on a vector of L floats = 2 L.
#include <benchmark/benchmark.h>
#include <immintrin.h>
#include <omp.h>

namespace {

constexpr int kChains = 16;      // >= latency (4) x pipes (2), with room
constexpr long kRounds = 1 << 20;  // FMA rounds per thread per iteration

template <class V, V (*fma)(V, V, V), V (*set1)(float)>
float chains(float seed) {
  V acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = set1(seed + float(i));
  const V a = set1(0.999999f), b = set1(1e-7f);
  for (long r = 0; r < kRounds; ++r)
    for (int i = 0; i < kChains; ++i) acc[i] = fma(acc[i], a, b);
  float sum = 0;
  for (int i = 0; i < kChains; ++i) sum += reinterpret_cast<const float*>(&acc[i])[0];
  return sum;
}

#if defined(__AVX512F__)
__m512 fma512(__m512 x, __m512 a, __m512 b) { return _mm512_fmadd_ps(x, a, b); }
__m512 set512(float v) { return _mm512_set1_ps(v); }
#endif
__m256 fma256(__m256 x, __m256 a, __m256 b) { return _mm256_fmadd_ps(x, a, b); }
__m256 set256(float v) { return _mm256_set1_ps(v); }

template <int kLanes>
void BM_FmaPeak(benchmark::State& st) {
  const int threads = st.range(0) == 0 ? omp_get_max_threads() : 1;
  for (auto _ : st) {
    float sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
#if defined(__AVX512F__)
      if constexpr (kLanes == 16) sink += chains<__m512, fma512, set512>(float(omp_get_thread_num()));
#endif
      if constexpr (kLanes == 8) sink += chains<__m256, fma256, set256>(float(omp_get_thread_num()));
    }
    benchmark::DoNotOptimize(sink);
  }
  const double flop = 2.0 * kLanes * kChains * double(kRounds) * threads;
  st.counters["FLOPS"] = benchmark::Counter(flop, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["threads"] = threads;
}

// range(0): 0 = all OpenMP threads, 1 = one thread.
BENCHMARK(BM_FmaPeak<8>)->Arg(1)->Arg(0)->UseRealTime()->Unit(benchmark::kMillisecond);
#if defined(__AVX512F__)
BENCHMARK(BM_FmaPeak<16>)->Arg(1)->Arg(0)->UseRealTime()->Unit(benchmark::kMillisecond);
#endif

}  // namespace

BENCHMARK_MAIN();
