// GPU benchmarks: each of our kernels at qh-ref shapes (patch: B 8, 64x64, T 7;
// province: 856x1392, T 7), timed with CUDA events (manual time), reporting
// FLOP/s or bytes/s; baselines in the same run: cuDNN convolution forward and
// cuBLAS SGEMM of the same FLOP count. LibTorch timings come from
// scripts/gpu-torch-bench.py (the device's PyTorch, same cuDNN).
#include <benchmark/benchmark.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>
#if defined(RAINFUSE_HAVE_CUDNN)
#include <cudnn.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "kernels/attention/attention_cuda.h"
#include "kernels/common/cuda_check.h"
#include "kernels/conv/conv_cuda.h"
#include "kernels/conv/conv_cudnn.h"
#include "kernels/convlstm/convlstm_cuda.h"
#include "kernels/layernorm/layernorm_cuda.h"

namespace {

namespace k = rf::kernels;

struct Dev {  // device buffer filled with small non-zero values
  float* p = nullptr;
  explicit Dev(size_t n) {
    RF_CUDA_CHECK(cudaMalloc(&p, n * sizeof(float)));
    std::vector<float> h(n);
    for (size_t i = 0; i < n; ++i) h[i] = float((i * 2654435761u) % 1000) / 1000.0f - 0.45f;
    RF_CUDA_CHECK(cudaMemcpy(p, h.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  }
  ~Dev() { cudaFree(p); }
};

// Times fn with CUDA events, one iteration per benchmark iteration.
void time_gpu(benchmark::State& st, const std::function<void()>& fn) {
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  fn();  // warm-up
  for (auto _ : st) {
    cudaEventRecord(a);
    fn();
    cudaEventRecord(b);
    cudaEventSynchronize(b);
    float ms = 0.0f;
    cudaEventElapsedTime(&ms, a, b);
    st.SetIterationTime(ms / 1e3);
  }
  RF_CUDA_CHECK(cudaGetLastError());
  cudaEventDestroy(a);
  cudaEventDestroy(b);
}

k::ConvShape conv_shape(int which) {  // 0: conv2 at patch, 1: conv2 at province (B 1)
  k::ConvShape s;
  s.B = which ? 1 : 8;
  s.Cin = 32;
  s.Cout = 32;
  s.T = 7;
  s.H = which ? 856 : 64;
  s.W = which ? 1392 : 64;
  s.kT = 3;
  return s;
}

void BM_conv_forward_ours(benchmark::State& st) {
  const k::ConvShape s = conv_shape(int(st.range(0)));
  Dev x(s.x_size()), w(s.w_size()), b(s.Cout), y(s.y_size());
  const k::ConvMath math = st.range(1) == 2 ? k::ConvMath::Bf16 : st.range(1) ? k::ConvMath::Tf32 : k::ConvMath::Fp32;
  time_gpu(st, [&] { k::conv_forward_cuda(s, x.p, w.p, b.p, y.p, k::Epilogue::ReLU, nullptr, math); });
  st.counters["TFLOP/s"] = benchmark::Counter(s.flops() * 1e-12, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel(st.range(1) == 2 ? "bf16 tensor cores" : st.range(1) ? "tf32 tensor cores" : "fp32 FMA");
}

#if defined(RAINFUSE_HAVE_CUDNN)
#define RF_CUDNN_CHECK(e)                                                              \
  do {                                                                                 \
    const cudnnStatus_t st_ = (e);                                                     \
    if (st_ != CUDNN_STATUS_SUCCESS) {                                                 \
      std::fprintf(stderr, "%s: %s\n", #e, cudnnGetErrorString(st_));                  \
      std::exit(1);                                                                    \
    }                                                                                  \
  } while (0)

void BM_conv_forward_cudnn(benchmark::State& st) {
  const k::ConvShape s = conv_shape(int(st.range(0)));
  Dev x(s.x_size()), w(s.w_size()), y(s.y_size());
  cudnnHandle_t h;
  RF_CUDNN_CHECK(cudnnCreate(&h));
  cudnnTensorDescriptor_t xd, yd;
  cudnnFilterDescriptor_t wd;
  cudnnConvolutionDescriptor_t cd;
  RF_CUDNN_CHECK(cudnnCreateTensorDescriptor(&xd));
  RF_CUDNN_CHECK(cudnnCreateTensorDescriptor(&yd));
  RF_CUDNN_CHECK(cudnnCreateFilterDescriptor(&wd));
  RF_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&cd));
  const int xdim[5] = {s.B, s.Cin, s.T, s.H, s.W}, ydim[5] = {s.B, s.Cout, s.T, s.H, s.W};
  const int xstr[5] = {s.Cin * s.T * s.H * s.W, s.T * s.H * s.W, s.H * s.W, s.W, 1};
  const int ystr[5] = {s.Cout * s.T * s.H * s.W, s.T * s.H * s.W, s.H * s.W, s.W, 1};
  const int wdim[5] = {s.Cout, s.Cin, s.kT, s.kH, s.kW}, pad[3] = {s.kT / 2, s.kH / 2, s.kW / 2},
            one[3] = {1, 1, 1};
  RF_CUDNN_CHECK(cudnnSetTensorNdDescriptor(xd, CUDNN_DATA_FLOAT, 5, xdim, xstr));
  RF_CUDNN_CHECK(cudnnSetTensorNdDescriptor(yd, CUDNN_DATA_FLOAT, 5, ydim, ystr));
  RF_CUDNN_CHECK(cudnnSetFilterNdDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, 5, wdim));
  RF_CUDNN_CHECK(cudnnSetConvolutionNdDescriptor(cd, 3, pad, one, one, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  RF_CUDNN_CHECK(cudnnSetConvolutionMathType(cd, st.range(1) ? CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION
                                                             : CUDNN_FMA_MATH));
  cudnnConvolutionFwdAlgoPerf_t perf[8];
  int found = 0;
  RF_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithm(h, xd, wd, cd, yd, 8, &found, perf));
  size_t ws_bytes = perf[0].memory;
  void* ws = nullptr;
  if (ws_bytes) RF_CUDA_CHECK(cudaMalloc(&ws, ws_bytes));
  const float alpha = 1.0f, beta = 0.0f;
  time_gpu(st, [&] {
    RF_CUDNN_CHECK(cudnnConvolutionForward(h, &alpha, xd, x.p, wd, w.p, cd, perf[0].algo, ws, ws_bytes, &beta, yd, y.p));
  });
  st.counters["TFLOP/s"] = benchmark::Counter(s.flops() * 1e-12, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel(st.range(1) ? "tf32 allowed" : "fp32 FMA");
  cudaFree(ws);
  cudnnDestroyConvolutionDescriptor(cd);
  cudnnDestroyFilterDescriptor(wd);
  cudnnDestroyTensorDescriptor(yd);
  cudnnDestroyTensorDescriptor(xd);
  cudnnDestroy(h);
}
BENCHMARK(BM_conv_forward_cudnn)->ArgsProduct({{0, 1}, {0, 1}})->UseManualTime()->Unit(benchmark::kMillisecond);

// A training step's three passes of conv2 (forward + bias + ReLU, backward data,
// backward weight + bias) through the engine's entry points: ours (arg 1 = 0)
// or the engine's cuDNN baseline (arg 1 = 1, kernels/conv/conv_cudnn.h:
// heuristic algorithms, workspace from our pool); arg 2: fp32 / tf32 / bf16.
void BM_conv_train_passes(benchmark::State& st) {
  const k::ConvShape s = conv_shape(int(st.range(0)));
  const bool cudnn = st.range(1);
  const k::ConvMath math = st.range(2) == 2 ? k::ConvMath::Bf16 : st.range(2) ? k::ConvMath::Tf32 : k::ConvMath::Fp32;
  if (cudnn && math == k::ConvMath::Bf16) return st.SkipWithError("cuDNN baseline has no bf16 on fp32 tensors");
  Dev x(s.x_size()), w(s.w_size()), b(s.Cout), y(s.y_size()), dy(s.y_size()), dx(s.x_size()), dw(s.w_size()),
      db(s.Cout);
  time_gpu(st, [&] {
    if (cudnn) {
      k::conv_forward_cudnn(s, x.p, w.p, b.p, y.p, k::Epilogue::ReLU, nullptr, math);
      k::conv_backward_data_cudnn(s, dy.p, w.p, dx.p, false, nullptr, math);
      k::conv_backward_weight_cudnn(s, x.p, dy.p, dw.p, db.p, false, nullptr, math);
    } else {
      k::conv_forward_cuda(s, x.p, w.p, b.p, y.p, k::Epilogue::ReLU, nullptr, math);
      k::conv_backward_data_cuda(s, dy.p, w.p, dx.p, false, nullptr, math);
      k::conv_backward_weight_cuda(s, x.p, dy.p, dw.p, db.p, false, nullptr, math);
    }
  });
  st.counters["TFLOP/s"] = benchmark::Counter(3 * s.flops() * 1e-12, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel(std::string(cudnn ? "cudnn" : "ours") + (st.range(2) == 2 ? ", bf16" : st.range(2) ? ", tf32" : ", fp32"));
}
BENCHMARK(BM_conv_train_passes)->ArgsProduct({{0, 1}, {0, 1}, {0, 1, 2}})->UseManualTime()->Unit(benchmark::kMillisecond);
#endif

// cuBLAS SGEMM with the FLOPs of the conv (M = positions, N = Cout, K = Cin*27): the fp32 ceiling.
void BM_conv_equivalent_sgemm_cublas(benchmark::State& st) {
  const k::ConvShape s = conv_shape(int(st.range(0)));
  const int M = int(int64_t(s.B) * s.T * s.H * s.W), N = s.Cout, K = s.Cin * 27;
  Dev a(size_t(M) * K), b(size_t(K) * N), c(size_t(M) * N);
  cublasHandle_t h;
  cublasCreate(&h);
  const float alpha = 1.0f, beta = 0.0f;
  time_gpu(st, [&] { cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, &alpha, a.p, M, b.p, K, &beta, c.p, M); });
  st.counters["TFLOP/s"] = benchmark::Counter(2.0 * M * N * K * 1e-12, benchmark::Counter::kIsIterationInvariantRate);
  cublasDestroy(h);
}

// Window attention forward + backward (training) at patch (arg 0 = 0: B 8,
// 64x64) or province (1: B 1, 856x1392), T 7: fused flash-style kernels
// (arg 1 = 1) or the unfused path (0: S/P and dP/dS as [windows*heads, 64, 64]
// matrices in global memory, RAINFUSE_UNFUSED=attention). `MiB` = the device
// buffers the op needs (qkv, out, lse, dout, dqkv + the unfused matrices).
void BM_window_attention_fwd_bwd(benchmark::State& st) {
  k::WindowAttnShape s;
  s.B = st.range(0) ? 1 : 8;
  s.T = 7;
  s.H = st.range(0) ? 856 : 64;
  s.W = st.range(0) ? 1392 : 64;
  const bool fused = st.range(1);
  const int64_t plane = int64_t(s.T) * s.H * s.W;
  const size_t n_qkv = size_t(s.B) * 3 * s.C * plane, n_out = size_t(s.B) * s.C * plane,
               n_lse = size_t(s.B) * s.heads * plane,
               n_mat = fused ? 0 : size_t(k::window_attention_unfused_matrix_elems(s));
  const double bytes = double(2 * n_qkv + 2 * n_out + n_lse + 2 * n_mat) * sizeof(float);
  size_t free_bytes = 0, total_bytes = 0;
  RF_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  if (bytes > 0.9 * double(free_bytes)) return st.SkipWithError("needs more device memory than is free");
  Dev qkv(n_qkv), out(n_out), lse(n_lse), dout(n_out), dqkv(n_qkv);
  float *probs = nullptr, *dprobs = nullptr;  // workspace: no initial values needed
  if (!fused) {
    RF_CUDA_CHECK(cudaMalloc(&probs, n_mat * sizeof(float)));
    RF_CUDA_CHECK(cudaMalloc(&dprobs, n_mat * sizeof(float)));
  }
  time_gpu(st, [&] {
    if (fused) {
      k::window_attention_forward_cuda(s, qkv.p, out.p, lse.p, nullptr);
      k::window_attention_backward_cuda(s, qkv.p, out.p, lse.p, dout.p, dqkv.p, false, nullptr);
    } else {
      k::window_attention_forward_unfused_cuda(s, qkv.p, out.p, lse.p, probs, nullptr);
      k::window_attention_backward_unfused_cuda(s, qkv.p, lse.p, dout.p, dqkv.p, false, probs, dprobs, nullptr);
    }
  });
  cudaFree(probs);
  cudaFree(dprobs);
  st.counters["fwd TFLOP/s"] = benchmark::Counter(s.flops() * 1e-12, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["MiB"] = bytes / (1 << 20);
  st.SetLabel(std::string(fused ? "fused" : "unfused") + (st.range(0) ? ", province" : ", patch"));
}

void BM_layernorm_fwd_ours(benchmark::State& st) {
  k::LayerNormShape s;
  s.B = 1;
  s.C = 32;
  s.S = int64_t(7) * 856 * 1392;
  Dev x(size_t(s.C) * s.S), g(s.C), b(s.C), y(size_t(s.C) * s.S), mean(s.S), rstd(s.S);
  time_gpu(st, [&] { k::layernorm_forward_cuda(s, x.p, g.p, b.p, y.p, mean.p, rstd.p, nullptr); });
  st.counters["GB/s"] = benchmark::Counter(double(s.C) * s.S * 8 * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_convlstm_cell_fwd_ours(benchmark::State& st) {
  k::ConvLstmShape s;
  s.B = 1;
  s.Ch = 32;
  s.HW = int64_t(856) * 1392;
  const int64_t n = int64_t(s.Ch) * s.HW;
  Dev gates(4 * n), cp(n), c(n), h(n);
  time_gpu(st, [&] { k::convlstm_cell_forward_cuda(s, gates.p, cp.p, c.p, h.p, nullptr); });
  st.counters["GB/s"] = benchmark::Counter(double(n) * 4 * 7 * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// One ConvLSTM step at province (x_t, h_prev 32 channels each): fused gate conv +
// cell update (arg 1 = 1) vs unfused conv then cell kernel (arg 1 = 0); arg 0: tf32.
void BM_convlstm_step_province(benchmark::State& st) {
  const int B = 1, Cx = 32, Ch = 32, H = 856, W = 1392;
  const int64_t HW = int64_t(H) * W;
  const k::ConvMath math = st.range(0) ? k::ConvMath::Tf32 : k::ConvMath::Fp32;
  Dev xin(size_t(B) * (Cx + Ch) * HW), w(size_t(4 * Ch) * (Cx + Ch) * 9), bias(4 * Ch), cp(size_t(Ch) * HW),
      c(size_t(Ch) * HW), h(size_t(Ch) * HW), gates(size_t(4 * Ch) * HW);
  k::ConvShape cs;
  cs.B = B;
  cs.Cin = Cx + Ch;
  cs.Cout = 4 * Ch;
  cs.H = H;
  cs.W = W;
  cs.kT = 1;
  k::ConvLstmShape ls;
  ls.B = B;
  ls.Ch = Ch;
  ls.HW = HW;
  const bool fused = st.range(1);
  time_gpu(st, [&] {
    if (fused) {
      k::convlstm_step_forward_cuda(ls, Cx, H, W, {xin.p, (Cx + Ch) * HW, HW}, {xin.p + Cx * HW, (Cx + Ch) * HW, HW},
                                    {cp.p, Ch * HW, HW}, w.p, bias.p, {h.p, Ch * HW, HW}, {c.p, Ch * HW, HW}, nullptr,
                                    math, nullptr);
    } else {
      k::conv_forward_cuda(cs, xin.p, w.p, bias.p, gates.p, k::Epilogue::None, nullptr, math);
      k::convlstm_cell_forward_cuda(ls, gates.p, cp.p, c.p, h.p, nullptr);
    }
  });
  st.counters["TFLOP/s"] = benchmark::Counter(cs.flops() * 1e-12, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel(std::string(fused ? "fused" : "unfused") + (st.range(0) ? ", tf32" : ", fp32"));
}
BENCHMARK(BM_convlstm_step_province)->ArgsProduct({{0, 1}, {0, 1}})->UseManualTime()->Unit(benchmark::kMillisecond);

BENCHMARK(BM_conv_forward_ours)->ArgsProduct({{0, 1}, {0, 1, 2}})->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_conv_equivalent_sgemm_cublas)->Arg(0)->Arg(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_window_attention_fwd_bwd)->ArgsProduct({{0, 1}, {1, 0}})->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_layernorm_fwd_ours)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_convlstm_cell_fwd_ours)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    std::puts("bench_gpu_kernels: no CUDA device, nothing to measure");
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
