// cuDNN convolution baselines (conv_cudnn.h). A Conv2d (T = kT = 1) uses 4-d
// descriptors [B, C, H, W] so cuDNN picks its 2-d algorithms; otherwise 5-d
// [B, C, T, H, W]. Padding k/2 per axis, stride and dilation 1,
// cross-correlation: exactly conv.h's 'same' convolution.
#include <cudnn.h>

#include <array>
#include <climits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/common/memory.h"
#include "kernels/conv/conv_cudnn.h"

namespace rf::kernels {
namespace {

void cudnn_check(cudnnStatus_t st, const char* what, const char* file, int line) {
  if (st != CUDNN_STATUS_SUCCESS)
    throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + what + ": " +
                             cudnnGetErrorString(st));
}
#define RF_CUDNN_CHECK(expr) cudnn_check((expr), #expr, __FILE__, __LINE__)

// The largest workspace an algorithm may ask for (from the device pool).
constexpr size_t kWorkspaceCap = size_t(1) << 30;

// One handle for the process (the engine drives the device from one thread),
// bound to the caller's stream at every call. Never destroyed: it must outlive
// every static that might still launch work at exit.
cudnnHandle_t handle(cudaStream_t stream) {
  static const cudnnHandle_t h = [] {
    cudnnHandle_t v = nullptr;
    RF_CUDNN_CHECK(cudnnCreate(&v));
    return v;
  }();
  RF_CUDNN_CHECK(cudnnSetStream(h, stream));
  return h;
}

// Descriptors and algorithms of one (shape, math); the algorithm's math type
// is what the heuristic reported it with, set on the convolution descriptor
// before each call.
struct Plan {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr, bias = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnActivationDescriptor_t relu = nullptr;
  cudnnConvolutionFwdAlgo_t fwd{};
  cudnnConvolutionBwdDataAlgo_t bwd_data{};
  cudnnConvolutionBwdFilterAlgo_t bwd_filter{};
  cudnnMathType_t fwd_math{}, bwd_data_math{}, bwd_filter_math{};
  size_t fwd_ws = 0, bwd_data_ws = 0, bwd_filter_ws = 0;
};

// Contiguous NC[T]HW strides of dims.
std::vector<int> strides_of(const std::vector<int>& dims) {
  std::vector<int> st(dims.size());
  long long s = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    if (s > INT_MAX) throw std::invalid_argument("conv cudnn: tensor too large for cuDNN's int strides");
    st[i] = int(s);
    s *= dims[i];
  }
  return st;
}

cudnnTensorDescriptor_t tensor_desc(const std::vector<int>& dims) {
  cudnnTensorDescriptor_t d = nullptr;
  RF_CUDNN_CHECK(cudnnCreateTensorDescriptor(&d));
  const std::vector<int> st = strides_of(dims);
  RF_CUDNN_CHECK(cudnnSetTensorNdDescriptor(d, CUDNN_DATA_FLOAT, int(dims.size()), dims.data(), st.data()));
  return d;
}

// The first heuristic result that runs within the workspace cap. Its math
// type is kept for tf32; fp32 forces CUDNN_FMA_MATH (as PyTorch does without
// allow_tf32: the default math may use tf32 tensor cores on sm_80+).
template <class Perf>
Perf pick(const Perf* perf, int n, cudnnMathType_t want, const char* what) {
  for (int i = 0; i < n; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > kWorkspaceCap) continue;
    Perf p = perf[i];
    if (want == CUDNN_FMA_MATH) p.mathType = CUDNN_FMA_MATH;
    return p;
  }
  throw std::runtime_error(std::string("conv cudnn: no usable ") + what + " algorithm for this shape");
}

Plan make_plan(cudnnHandle_t h, const ConvShape& s, ConvMath math) {
  const bool two_d = s.T == 1 && s.kT == 1;
  const std::vector<int> xd = two_d ? std::vector<int>{s.B, s.Cin, s.H, s.W} : std::vector<int>{s.B, s.Cin, s.T, s.H, s.W};
  const std::vector<int> yd = two_d ? std::vector<int>{s.B, s.Cout, s.H, s.W}
                                    : std::vector<int>{s.B, s.Cout, s.T, s.H, s.W};
  const std::vector<int> wd = two_d ? std::vector<int>{s.Cout, s.Cin, s.kH, s.kW}
                                    : std::vector<int>{s.Cout, s.Cin, s.kT, s.kH, s.kW};
  std::vector<int> bias_dims(xd.size(), 1);  // [1, Cout, 1, 1(, 1)]
  bias_dims[1] = s.Cout;
  const std::vector<int> pad = two_d ? std::vector<int>{s.kH / 2, s.kW / 2} : std::vector<int>{s.kT / 2, s.kH / 2, s.kW / 2};
  const std::vector<int> one(pad.size(), 1);

  Plan p;
  p.x = tensor_desc(xd);
  p.y = tensor_desc(yd);
  p.bias = tensor_desc(bias_dims);
  RF_CUDNN_CHECK(cudnnCreateFilterDescriptor(&p.w));
  RF_CUDNN_CHECK(cudnnSetFilterNdDescriptor(p.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, int(wd.size()), wd.data()));
  RF_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&p.conv));
  RF_CUDNN_CHECK(cudnnSetConvolutionNdDescriptor(p.conv, int(pad.size()), pad.data(), one.data(), one.data(),
                                                 CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  const cudnnMathType_t want = math == ConvMath::Fp32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH;
  RF_CUDNN_CHECK(cudnnSetConvolutionMathType(p.conv, want));
  RF_CUDNN_CHECK(cudnnCreateActivationDescriptor(&p.relu));
  RF_CUDNN_CHECK(cudnnSetActivationDescriptor(p.relu, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0.0));

  int n = 0;
  cudnnConvolutionFwdAlgoPerf_t fwd[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  RF_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(h, p.x, p.w, p.conv, p.y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
                                                        &n, fwd));
  const auto f = pick(fwd, n, want, "forward");
  p.fwd = f.algo, p.fwd_math = f.mathType, p.fwd_ws = f.memory;

  cudnnConvolutionBwdDataAlgoPerf_t bd_perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  RF_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, p.w, p.y, p.conv, p.x,
                                                             CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &n, bd_perf));
  const auto b = pick(bd_perf, n, want, "backward-data");
  p.bwd_data = b.algo, p.bwd_data_math = b.mathType, p.bwd_data_ws = b.memory;

  cudnnConvolutionBwdFilterAlgoPerf_t bf_perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  RF_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, p.x, p.y, p.conv, p.w,
                                                               CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &n, bf_perf));
  const auto w = pick(bf_perf, n, want, "backward-filter");
  p.bwd_filter = w.algo, p.bwd_filter_math = w.mathType, p.bwd_filter_ws = w.memory;
  return p;
}

// The cached plan of (s, math), created on first use; refuses bf16.
const Plan& plan(cudnnHandle_t h, const ConvShape& s, ConvMath math) {
  if (math == ConvMath::Bf16)
    throw std::runtime_error(
        "RAINFUSE_CONV_IMPL=cudnn: bf16 math is not offered (cuDNN's bf16 convolutions need bf16 tensors); use "
        "RAINFUSE_CONV_MATH=fp32 or tf32");
  static std::mutex mu;
  static std::map<std::array<int, 10>, Plan> cache;
  const std::array<int, 10> key{s.B, s.Cin, s.Cout, s.T, s.H, s.W, s.kT, s.kH, s.kW, int(math)};
  const std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, make_plan(h, s, math)).first;
  return it->second;
}

constexpr float kOne = 1.0f, kZero = 0.0f;

}  // namespace

void conv_forward_cudnn(const ConvShape& s, const float* x, const float* w, const float* bias, float* y, Epilogue ep,
                        cudaStream_t stream, ConvMath math) {
  const cudnnHandle_t h = handle(stream);
  const Plan& p = plan(h, s, math);
  Scratch<unsigned char> ws(Device::CUDA, p.fwd_ws);
  RF_CUDNN_CHECK(cudnnSetConvolutionMathType(p.conv, p.fwd_math));
  RF_CUDNN_CHECK(cudnnConvolutionForward(h, &kOne, p.x, x, p.w, w, p.conv, p.fwd, ws.data(), p.fwd_ws, &kZero, p.y,
                                         y));
  if (bias) RF_CUDNN_CHECK(cudnnAddTensor(h, &kOne, p.bias, bias, &kOne, p.y, y));
  if (ep == Epilogue::ReLU) RF_CUDNN_CHECK(cudnnActivationForward(h, p.relu, &kOne, p.y, y, &kZero, p.y, y));
}

void conv_backward_data_cudnn(const ConvShape& s, const float* dy, const float* w, float* dx, bool accumulate,
                              cudaStream_t stream, ConvMath math) {
  const cudnnHandle_t h = handle(stream);
  const Plan& p = plan(h, s, math);
  Scratch<unsigned char> ws(Device::CUDA, p.bwd_data_ws);
  RF_CUDNN_CHECK(cudnnSetConvolutionMathType(p.conv, p.bwd_data_math));
  RF_CUDNN_CHECK(cudnnConvolutionBackwardData(h, &kOne, p.w, w, p.y, dy, p.conv, p.bwd_data, ws.data(),
                                              p.bwd_data_ws, accumulate ? &kOne : &kZero, p.x, dx));
}

void conv_backward_weight_cudnn(const ConvShape& s, const float* x, const float* dy, float* dw, float* dbias,
                                bool accumulate, cudaStream_t stream, ConvMath math) {
  const cudnnHandle_t h = handle(stream);
  const Plan& p = plan(h, s, math);
  Scratch<unsigned char> ws(Device::CUDA, p.bwd_filter_ws);
  RF_CUDNN_CHECK(cudnnSetConvolutionMathType(p.conv, p.bwd_filter_math));
  RF_CUDNN_CHECK(cudnnConvolutionBackwardFilter(h, &kOne, p.x, x, p.y, dy, p.conv, p.bwd_filter, ws.data(),
                                                p.bwd_filter_ws, accumulate ? &kOne : &kZero, p.w, dw));
  if (dbias) RF_CUDNN_CHECK(cudnnConvolutionBackwardBias(h, &kOne, p.y, dy, accumulate ? &kOne : &kZero, p.bias, dbias));
}

}  // namespace rf::kernels
