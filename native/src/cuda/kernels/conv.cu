// cuda conv1d / conv2d / conv_transpose1d through cuDNN 9: the legacy convolution API
// (cudnnConvolutionForward / BackwardData) and the graph (backend) API (dnn_graph.h). The
// legacy API covers every case the catalogue has (groups, dilation, strides) in a few
// descriptors and needs no extra C++ dependency, but for float data it offers only FMA
// algorithms in every math mode, so TF32 would never reach tensor cores, and its f16/bf16 NCHW
// algorithms fall far behind the graph API's engines; PyTorch runs convolutions through the
// graph API (docs/decisions.md, 20 and 23). conv1d is a 2-D convolution of height 1.
//
// Math modes: f32 uses the legacy API with CUDNN_FMA_MATH (no TF32, ever); tf32 takes the
// fastest graph-API engine with the tensor-core note, or when none builds the legacy search over
// CUDNN_DEFAULT_MATH and CUDNN_TENSOR_OP_MATH on f32 data; its bias is our kernel or
// cudnnAddTensor after the convolution, or a graph with the bias add where cuDNN builds one that
// is faster and agrees (decisions.md 26). f16/bf16 accumulate in f32 (compute
// type FLOAT): without a bias, the legacy API's best tensor-op algorithm and the graph API's best
// engine (none with reduced-precision reduction) race and the faster runs; with a bias, the
// legacy path, for its fused conv+bias (one rounding). The algorithm or engine is chosen by
// timing on the bound tensors (cuDNN's Find…Ex, or ours for graph plans), once per geometry per
// process, and recorded (choices.h), a race with both times. Asymmetric padding (odd 'same'
// padding): the graph API takes pre/post paddings; the legacy path zero-pads into scratch, since
// its descriptors take one pad per side pair.
#include <cudnn.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cuda/choices.h"
#include "cuda/context.h"
#include "cuda/dnn_graph.h"
#include "cuda/event_timer.h"
#include "cuda/kernels/common.cuh"
#include "cuda/op.h"

namespace abw::cuda {
namespace {

void dnn_check(cudnnStatus_t s, const char* what) {
  if (s == CUDNN_STATUS_SUCCESS) return;
  if (s == CUDNN_STATUS_ALLOC_FAILED) fail("ENOMEM", std::string("out of device memory in ") + what);
  fail("EINTERNAL", std::string(what) + " failed: " + cudnnGetErrorString(s));
}

cudnnDataType_t dnn_type(DType t) {
  return t == DType::f16 ? CUDNN_DATA_HALF : t == DType::bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
}

struct Descs {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr, bias = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  ~Descs() {
    if (x) cudnnDestroyTensorDescriptor(x);
    if (y) cudnnDestroyTensorDescriptor(y);
    if (bias) cudnnDestroyTensorDescriptor(bias);
    if (w) cudnnDestroyFilterDescriptor(w);
    if (conv) cudnnDestroyConvolutionDescriptor(conv);
  }
};

// Dims are [n, c, h, w] in both layouts; `channels_last` puts C innermost in memory (NHWC).
void tensor4(cudnnTensorDescriptor_t* d, DType t, int n, int c, int h, int w, bool channels_last = false) {
  dnn_check(cudnnCreateTensorDescriptor(d), "cudnnCreateTensorDescriptor");
  dnn_check(cudnnSetTensor4dDescriptor(*d, channels_last ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW, dnn_type(t), n, c, h, w), "cudnnSetTensor4dDescriptor");
}

template <class T>
__global__ void zero_pad(const T* __restrict__ x, T* __restrict__ y, int64_t planes, int64_t H, int64_t W, int64_t Hp, int64_t Wp, int64_t top, int64_t left) {
  ABW_GRID_STRIDE(i, planes * Hp * Wp) {
    const int64_t w = i % Wp, h = (i / Wp) % Hp, p = i / (Wp * Hp);
    const int64_t hi = h - top, wi = w - left;
    y[i] = (hi >= 0 && hi < H && wi >= 0 && wi < W) ? x[(p * H + hi) * W + wi] : st<T>(0.f);
  }
}

// The same for channels-last data: x [N, H, W, C] into y [N, Hp, Wp, C].
template <class T>
__global__ void zero_pad_channels_last(const T* __restrict__ x, T* __restrict__ y, int64_t N, int64_t C, int64_t H, int64_t W, int64_t Hp, int64_t Wp,
                                       int64_t top, int64_t left) {
  ABW_GRID_STRIDE(i, N * Hp * Wp * C) {
    const int64_t c = i % C, w = (i / C) % Wp, h = (i / (C * Wp)) % Hp, n = i / (C * Wp * Hp);
    const int64_t hi = h - top, wi = w - left;
    y[i] = (hi >= 0 && hi < H && wi >= 0 && wi < W) ? x[((n * H + hi) * W + wi) * C + c] : st<T>(0.f);
  }
}

// An algorithm is acceptable unless it would use tensor cores for an f32 (FMA-only) case.
bool math_ok(cudnnMathType_t got, cudnnMathType_t wanted) {
  if (wanted != CUDNN_FMA_MATH) return true;
  return got != CUDNN_TENSOR_OP_MATH && got != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
}

// f32: FMA only (never TF32). tf32: CUDNN_DEFAULT_MATH, the mode in which cuDNN 9 converts
// float operands to TF32 for tensor cores (TENSOR_OP_MATH does not, for float data). f16/bf16:
// tensor cores, f32 accumulation (compute type FLOAT).
cudnnMathType_t conv_math(DType dt, bool tf32) {
  if (dt == DType::f32) return tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
  return CUDNN_TENSOR_OP_MATH;
}

// The math modes whose algorithms a case may choose from. tf32 searches both DEFAULT (where
// cuDNN converts float operands to TF32) and TENSOR_OP and keeps the faster: which of the two
// reaches the TF32 tensor-core kernels for float data differs between cuDNN's engines.
std::vector<cudnnMathType_t> math_candidates(DType dt, bool tf32) {
  if (dt == DType::f32 && tf32) return {CUDNN_DEFAULT_MATH, CUDNN_TENSOR_OP_MATH};
  return {conv_math(dt, tf32)};
}

// The algorithm chosen for a convolution geometry, by cuDNN's own timing (Find…Ex), kept for
// the process: pipelines prepare the same shapes over and over, and a search costs milliseconds
// and a 256 MiB probe buffer. Keyed by everything that the descriptors hold.
struct AlgoChoice {
  int algo;
  cudnnMathType_t math;
  size_t memory;
  float ms;
};

// An algorithm search, and a graph plan's, may use workspaces up to this size: a sixteenth of
// the GPU's memory, between 256 MiB and 1 GiB. The engines that move NCHW data through NHWC
// tensor-core kernels need about twice the activations as workspace; with a 256 MiB cap the
// spectrogram-sized f16 convolutions of mdx23c (4×128×256×1024) found no graph plan and ran the
// legacy IMPLICIT_GEMM at 10.3 ms instead of ~0.7 ms (H100).
size_t workspace_cap() {
  static const size_t cap = [] {
    size_t free_b = 0, total_b = 0;
    if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) return size_t{256} << 20;
    return std::clamp(total_b / 16, size_t{256} << 20, size_t{1} << 30);
  }();
  return cap;
}

std::mutex algo_mu;
std::map<std::string, AlgoChoice>& algo_cache() {
  static std::map<std::string, AlgoChoice> m;
  return m;
}

// The fastest algorithm of a Find…Ex answer (sorted by time) that succeeded and keeps to `m`.
template <class Perf>
bool first_acceptable(const Perf* perf, int found, cudnnMathType_t m, int* algo, size_t* memory, float* ms) {
  for (int i = 0; i < found; ++i)
    if (perf[i].status == CUDNN_STATUS_SUCCESS && math_ok(perf[i].mathType, m)) {
      *algo = static_cast<int>(perf[i].algo);
      *memory = perf[i].memory;
      *ms = perf[i].time;
      return true;
    }
  return false;
}

// Looks the choice up, or runs `search(math)` for every candidate math mode (it returns the
// fastest acceptable algorithm of that mode, or none) and keeps the fastest overall.
template <class Search>
AlgoChoice choose_algo(OpArgs& a, const std::string& key, const std::vector<cudnnMathType_t>& maths, Search search) {
  {
    std::lock_guard<std::mutex> lock(algo_mu);
    auto it = algo_cache().find(key);
    if (it != algo_cache().end()) return it->second;
  }
  bool found = false;
  AlgoChoice best{};
  float best_ms = 0.f;
  for (cudnnMathType_t m : maths) {
    int algo = 0;
    size_t memory = 0;
    float ms = 0.f;
    if (!search(m, &algo, &memory, &ms)) continue;
    if (!found || ms < best_ms) {
      best = {algo, m, memory, ms};
      best_ms = ms;
      found = true;
    }
  }
  // f32 must not fall back to a TF32 tensor-op algorithm: only a FMA-math result counts.
  if (!found) fail("EINTERNAL", a.msg("cuDNN found no convolution algorithm for this case"));
  std::lock_guard<std::mutex> lock(algo_mu);
  algo_cache()[key] = best;
  return best;
}

const char* math_name(cudnnMathType_t m) {
  switch (m) {
    case CUDNN_FMA_MATH: return "FMA";
    case CUDNN_DEFAULT_MATH: return "default";
    case CUDNN_TENSOR_OP_MATH: return "tensor op";
    default: return "tensor op, conversion allowed";
  }
}

const char* fwd_algo_name(int algo) {
  static const char* const names[] = {"IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT", "FFT", "FFT_TILING", "WINOGRAD", "WINOGRAD_NONFUSED"};
  return algo >= 0 && algo < 8 ? names[algo] : "?";
}

const char* bwd_data_algo_name(int algo) {
  static const char* const names[] = {"ALGO_0", "ALGO_1", "FFT", "FFT_TILING", "WINOGRAD", "WINOGRAD_NONFUSED"};
  return algo >= 0 && algo < 6 ? names[algo] : "?";
}

std::string mode_name(const OpArgs& a) { return a.tf32 ? "tf32" : dtype_name(a.dtype); }

// f16/bf16 without a bias: the legacy API's best algorithm and the graph API's best plan, each
// timed on the bound tensors, and the faster one runs. What each side offered, for the record;
// a side without a candidate has NaN and says why.
struct Race {
  float legacy_ms = NAN, graph_ms = NAN;
  std::string legacy, graph;          // "algo 1 (IMPLICIT_PRECOMP_GEMM)", "engine 12 (tensor core)"
  std::string legacy_why, graph_why;  // why that side has no candidate
  bool has_legacy() const { return !std::isnan(legacy_ms); }
  bool has_graph() const { return !std::isnan(graph_ms); }
  void put(ChoiceRecord& r) const {
    r.num("legacyMs", legacy_ms).num("graphMs", graph_ms);
    if (!legacy.empty()) r.str("legacyCandidate", legacy);
    if (!graph.empty()) r.str("graphCandidate", graph);
    if (!legacy_why.empty()) r.str("legacyFallback", legacy_why);
    if (!graph_why.empty()) r.str("graphFallback", graph_why);
  }
  // "; faster than the graph API (engine 12 (tensor core), 0.300 ms)", or why there was no race.
  std::string versus(bool graph_won) const {
    if (graph_won) return has_legacy() ? "; faster than the legacy API (" + legacy + ", " + ms_text(legacy_ms) + ")" : "; the legacy API found no algorithm";
    return has_graph() ? "; faster than the graph API (" + graph + ", " + ms_text(graph_ms) + ")" : ", graph API unavailable";
  }
};

// The record of a choice (choices.h): which API, algorithm or engine, math, and how the bias
// is added. `graph_why`: why a tf32 case is on the legacy path. `race`: f16/bf16 without a
// bias, both times (and why a side had no candidate).
void record_legacy(const OpArgs& a, const std::string& key, const AlgoChoice& c, const char* algo_name, const std::string& bias,
                   const std::string& graph_why, const Race* race = nullptr) {
  ChoiceRecord r;
  r.str("op", a.op).str("mode", mode_name(a)).str("api", "legacy").num("algo", c.algo).str("algoName", algo_name).str("math", math_name(c.math));
  r.num("ms", c.ms).num("workspaceBytes", static_cast<double>(c.memory)).str("bias", bias);
  if (!graph_why.empty()) r.str("graphFallback", graph_why);
  if (race) race->put(r);
  const std::string what = "legacy API algo " + std::to_string(c.algo) + " (" + algo_name + "), " + math_name(c.math) + " math";
  r.str("summary", what + (race ? race->versus(false) : graph_why.empty() ? "" : ", graph API unavailable"));
  r.emit(a.op + " " + mode_name(a) + " " + key + " bias " + bias);
}

// "engine 38 (tensor core)".
std::string plan_text(const dnn_graph::PlanInfo& p) { return "engine " + std::to_string(p.engine) + (p.notes.empty() ? "" : " (" + p.notes + ")"); }

// A graph plan's search, for the record: the engine and its knob choices, its time, how many
// distinct configs the heuristics offered, how many built and were timed, and the runner-up.
void put_plan(ChoiceRecord& r, const dnn_graph::PlanInfo& p) {
  r.num("engine", static_cast<double>(p.engine)).str("notes", p.notes).str("tag", p.tag).num("ms", p.ms);
  r.num("offered", p.offered).num("built", p.built).num("timed", p.timed).num("workspaceBytes", static_cast<double>(p.workspace));
  if (p.runner_up_engine >= 0) r.num("runnerUpEngine", static_cast<double>(p.runner_up_engine)).str("runnerUpTag", p.runner_up_tag);
  r.num("runnerUpMs", p.runner_up_ms);
}

// "best of 14 timed (30 configs offered); runner-up eng12_k2=0 at 0.575 ms".
std::string search_text(const dnn_graph::PlanInfo& p) {
  return "best of " + std::to_string(p.timed) + " timed (" + std::to_string(p.offered) + " configs offered)" +
         (p.runner_up_engine >= 0 ? "; runner-up " + p.runner_up_tag + " at " + ms_text(p.runner_up_ms) : "");
}

void record_graph(const OpArgs& a, const std::string& key, const dnn_graph::PlanInfo& p, const std::string& bias, const Race* race = nullptr) {
  ChoiceRecord r;
  r.str("op", a.op).str("mode", mode_name(a)).str("api", "graph");
  put_plan(r, p);
  r.str("bias", bias);
  if (race) {
    race->put(r);
    r.str("summary", "graph API " + plan_text(p) + ", f32 accumulation, " + ms_text(p.ms) + " (" + search_text(p) + ")" + race->versus(true));
  } else {
    r.str("summary", "graph API " + plan_text(p) + ", tensor cores (TF32), " + ms_text(p.ms) + " (" + search_text(p) + ")");
  }
  r.emit(a.op + " " + mode_name(a) + " " + key + " bias " + bias);
}

// The graph API's mode for a case: tf32, or the f16/bf16 data type (f32 accumulation in all).
dnn_graph::ConvMode graph_mode(const OpArgs& a) {
  if (a.tf32) return dnn_graph::ConvMode::tf32;
  return a.dtype == DType::bf16 ? dnn_graph::ConvMode::bf16 : dnn_graph::ConvMode::f16;
}

// The graph plan for `s` (`in` → `out`; dy → dx for the data gradient) in the case's mode,
// found by timing on these buffers (`out` is overwritten), or nullptr with the reason in
// `why`. Sets s.alignment. Throws only ENOMEM.
std::shared_ptr<const dnn_graph::ConvPlan> graph_plan(const OpArgs& a, dnn_graph::ConvShape& s, const void* in, const void* w, void* out,
                                                      std::string* why) {
  s.alignment = dnn_graph::pointer_alignment({in, w, out});
  return dnn_graph::conv_plan(graph_mode(a), s, in, w, out, workspace_cap(), why);
}

// `plan` bound to the buffers (`bias` for a plan that adds one), or nullptr with the reason in
// `why` when the binding fails (never an error, except ENOMEM).
std::shared_ptr<dnn_graph::BoundConv> bind_plan(std::shared_ptr<const dnn_graph::ConvPlan> plan, const void* in, const void* w, void* out,
                                                const void* bias, std::string* why) {
  try {
    return std::make_shared<dnn_graph::BoundConv>(std::move(plan), in, w, out, bias);
  } catch (const Error& e) {
    if (e.code() == "ENOMEM") throw;
    *why = std::string("binding the graph plan failed: ") + e.what();
    return nullptr;
  }
}

// Binds `call` to `plan` (no bias) and says whether it did; false with the reason in `why`.
bool bind_graph(std::shared_ptr<const dnn_graph::ConvPlan> plan, const void* in, const void* w, void* out, std::shared_ptr<Descs> d, Call& call,
                std::string* why) {
  auto conv = bind_plan(std::move(plan), in, w, out, nullptr, why);
  if (!conv) return false;
  call.keep = {d, conv};
  call.launch = [conv](cudaStream_t st) { conv->launch(st); };
  return true;
}

// y[r][i] += b[r mod C] in place over rows r = n·C + c of S floats: the channel is the block
// row's (no per-element division), and where rows are 16-byte aligned, float4 loads and stores.
// One read and one write of y, as PyTorch's add_ after its convolution.
constexpr int kBiasUnroll = 4;
__device__ __forceinline__ float4 plus(float4 v, float b) { return make_float4(v.x + b, v.y + b, v.z + b, v.w + b); }
__device__ __forceinline__ float plus(float v, float b) { return v + b; }

template <class V>
__global__ void add_bias_rows(V* __restrict__ y, const float* __restrict__ b, int64_t rows, int64_t C, int64_t n) {
  const int64_t base = static_cast<int64_t>(blockIdx.x) * blockDim.x * kBiasUnroll + threadIdx.x;
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    const float v = b[r % C];
    V* row = y + r * n;
    V t[kBiasUnroll] = {};
    // All loads before the stores: four transactions in flight per thread.
#pragma unroll
    for (int k = 0; k < kBiasUnroll; ++k) {
      const int64_t i = base + static_cast<int64_t>(k) * blockDim.x;
      if (i < n) t[k] = row[i];
    }
#pragma unroll
    for (int k = 0; k < kBiasUnroll; ++k) {
      const int64_t i = base + static_cast<int64_t>(k) * blockDim.x;
      if (i < n) row[i] = plus(t[k], v);
    }
  }
}

// The f32 bias pass of a graph convolution's output ([N, C, H, W] contiguous).
struct BiasRows {
  float* y;
  const float* b;
  int64_t rows, C, S;
  bool vec4() const { return S % 4 == 0 && reinterpret_cast<uintptr_t>(y) % 16 == 0; }
  void launch(cudaStream_t s) const {
    const bool v4 = vec4();
    const int64_t n = v4 ? S / 4 : S;  // elements (float4 or float) per row
    // Short rows get a narrower block rather than idle threads.
    const int64_t lanes = (n + kBiasUnroll - 1) / kBiasUnroll;
    const int threads = lanes >= kThreads ? kThreads : static_cast<int>(std::max<int64_t>(32, (lanes + 31) / 32 * 32));
    const int64_t per_block = static_cast<int64_t>(threads) * kBiasUnroll;
    const dim3 grid(static_cast<unsigned>((n + per_block - 1) / per_block), static_cast<unsigned>(std::min<int64_t>(rows, 65535)));
    if (v4)
      add_bias_rows<float4><<<grid, threads, 0, s>>>(reinterpret_cast<float4*>(y), b, rows, C, n);
    else
      add_bias_rows<float><<<grid, threads, 0, s>>>(y, b, rows, C, n);
  }
  const char* name() const { return vec4() ? "own kernel after (float4)" : "own kernel after (scalar)"; }
};

// The largest |a − ref| and |ref| over n floats, as bit patterns of non-negative floats, which
// order like unsigned integers (a NaN above every number, so it fails the check).
__global__ void max_abs_diff(const float* __restrict__ a, const float* __restrict__ ref, int64_t n, unsigned* __restrict__ out) {
  unsigned d = 0, m = 0;
  ABW_GRID_STRIDE(i, n) {
    const float r = ref[i];
    d = max(d, __float_as_uint(fabsf(a[i] - r)));
    m = max(m, __float_as_uint(fabsf(r)));
  }
  for (int o = 16; o > 0; o /= 2) {
    d = max(d, __shfl_xor_sync(0xffffffffu, d, o));
    m = max(m, __shfl_xor_sync(0xffffffffu, m, o));
  }
  if ((threadIdx.x & 31) == 0) {
    atomicMax(out, d);
    atomicMax(out + 1, m);
  }
}

// Milliseconds per call of `run` on `s` (one warm-up, then the mean of ten), or -1 when a call
// reports failure.
template <class Run>
float time_calls(cudaStream_t s, Run run) {
  if (!run()) return -1.f;
  return mean_launch_ms(s, 10, run);
}

// "1.23e-05".
std::string g3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// The fused candidate's tolerance against conv-then-bias: both are TF32 convolutions of the
// same operands with the bias added in f32, so they differ only in summation order and, at
// most, in how an engine rounds operands to TF32 (~1e-4 of max |y| on this size of sum).
constexpr double kFusedTolerance = 1e-3;

// max |fused − unfused| / max |unfused| over the output, each run once on the bound tensors
// (`out` then holds the fused result); NaN when the fused plan fails to run or a NaN appears.
// Throws ENOMEM when the reference copy does not fit.
template <class Unfused>
double fused_error(Unfused unfused, const dnn_graph::BoundConv& fused, float* out, int64_t n, cudaStream_t s) {
  const size_t bytes = static_cast<size_t>(n) * sizeof(float);
  Scratch ref(bytes), res(2 * sizeof(unsigned));
  if (!unfused()) return NAN;
  ABW_CU(cudaMemcpyAsync(ref.get(), out, bytes, cudaMemcpyDeviceToDevice, s));
  if (fused.execute(s) != CUDNN_STATUS_SUCCESS) return NAN;
  ABW_CU(cudaMemsetAsync(res.get(), 0, 2 * sizeof(unsigned), s));
  max_abs_diff<<<blocks_for(n), kThreads, 0, s>>>(out, ref.as<float>(), n, res.as<unsigned>());
  ABW_CU(cudaGetLastError());
  unsigned bits[2] = {0, 0};
  ABW_CU(cudaMemcpyAsync(bits, res.get(), sizeof bits, cudaMemcpyDeviceToHost, s));
  ABW_CU(cudaStreamSynchronize(s));
  float diff = 0.f, max_ref = 0.f;
  std::memcpy(&diff, &bits[0], sizeof diff);
  std::memcpy(&max_ref, &bits[1], sizeof max_ref);
  if (std::isnan(diff) || std::isnan(max_ref)) return NAN;
  if (max_ref > 0.f) return static_cast<double>(diff) / max_ref;
  return diff == 0.f ? 0.0 : INFINITY;
}

// How a tf32 graph convolution adds its bias, chosen once per geometry and bias alignment: our
// kernel or cudnnAddTensor after the convolution (whichever is faster), or the graph with the
// bias add when cuDNN builds one that is faster still and agrees with conv-then-bias.
enum class BiasWay { kernel, add_tensor, fused };
struct BiasChoice {
  BiasWay way = BiasWay::kernel;
  ChoiceRecord record;
  std::string record_key;
};
std::mutex bias_mu;
std::map<std::string, BiasChoice>& bias_cache() {
  static std::map<std::string, BiasChoice> m;
  return m;
}

// The tf32 graph path with a bias (decisions.md 26): `plan` is the convolution alone. Binds
// `call`, records the choice and returns true; false with the reason in `why` when even the
// unfused plan does not bind or run (the legacy path then).
bool graph_conv_bias(const OpArgs& a, const dnn_graph::ConvShape& s, std::shared_ptr<const dnn_graph::ConvPlan> plan, const void* in, const void* w,
                     const void* bias, void* out, std::shared_ptr<Descs> d, cudnnTensorDescriptor_t out_desc, Call& call, std::string* why) {
  const std::array<int64_t, 4>& od = s.kind == dnn_graph::ConvShape::forward ? s.y : s.x;
  const BiasRows rows{static_cast<float*>(out), static_cast<const float*>(bias), od[0] * od[1], od[1], od[2] * od[3]};
  const int64_t numel = od[0] * od[1] * od[2] * od[3];
  const dnn_graph::ConvMode mode = graph_mode(a);
  // The fused candidate, bound; nullptr with the reason when cuDNN has none, or no memory for
  // it (an optional candidate: never the op's ENOMEM).
  std::shared_ptr<const dnn_graph::ConvPlan> fplan;
  auto bind_fused = [&](std::string* fwhy) -> std::shared_ptr<dnn_graph::BoundConv> {
    try {
      fplan = dnn_graph::conv_bias_plan(mode, s, in, w, bias, out, workspace_cap(), fwhy);
      return fplan ? bind_plan(fplan, in, w, out, bias, fwhy) : nullptr;
    } catch (const Error& e) {
      if (e.code() != "ENOMEM") throw;
      *fwhy = std::string("no device memory for the fused plan: ") + e.what();
      return nullptr;
    }
  };
  std::shared_ptr<dnn_graph::BoundConv> conv;
  auto add_tensor = [d, out_desc, bias, out](cudaStream_t st) {
    const float one = 1.f;
    const cudnnStatus_t e = cudnnSetStream(ctx().dnn, st);
    return e != CUDNN_STATUS_SUCCESS ? e : cudnnAddTensor(ctx().dnn, &one, d->bias, bias, &one, out_desc, out);
  };
  auto bind = [&](BiasWay way, std::shared_ptr<dnn_graph::BoundConv> fused) {
    if (way == BiasWay::fused) {
      call.keep = {d, fused};
      call.launch = [fused](cudaStream_t st) { fused->launch(st); };
    } else {
      call.keep = {d, conv};
      const bool kernel = way == BiasWay::kernel;
      call.launch = [conv, rows, add_tensor, kernel](cudaStream_t st) {
        conv->launch(st);
        if (kernel)
          rows.launch(st);
        else
          dnn_check(add_tensor(st), "cudnnAddTensor");
      };
    }
  };
  const std::string key = std::string(dnn_graph::mode_name(mode)) + " " + s.key() + " bias align " + std::to_string(dnn_graph::pointer_alignment({bias}));
  bool known = false;
  BiasChoice known_choice;
  {
    std::lock_guard<std::mutex> lock(bias_mu);
    auto it = bias_cache().find(key);
    if (it != bias_cache().end()) {
      known = true;
      known_choice = it->second;
    }
  }
  if (known) {
    std::string fwhy;
    std::shared_ptr<dnn_graph::BoundConv> fused = known_choice.way == BiasWay::fused ? bind_fused(&fwhy) : nullptr;  // plan kept from the race
    if (!fused) {
      conv = bind_plan(plan, in, w, out, nullptr, why);
      if (!conv) return false;
    }
    // A fused plan that no longer binds leaves conv-then-bias (our kernel; cudnnAddTensor for
    // channels-last output): still right.
    const BiasWay unfused_way = s.channels_last ? BiasWay::add_tensor : BiasWay::kernel;
    bind(known_choice.way == BiasWay::fused && !fused ? unfused_way : known_choice.way, fused);
    known_choice.record.emit(known_choice.record_key);
    return true;
  }

  conv = bind_plan(plan, in, w, out, nullptr, why);
  if (!conv) return false;
  Context& c = ctx();
  const cudaStream_t st = c.stream();
  // The bias pass alone, both ways, in place on the output (which the op overwrites anyway).
  // Our kernel adds along NCHW rows; channels-last output takes cudnnAddTensor (or the fused graph).
  const float kernel_ms = s.channels_last ? -1.f : time_calls(st, [&] {
    rows.launch(st);
    return cudaPeekAtLastError() == cudaSuccess;
  });
  const float add_ms = time_calls(st, [&] { return add_tensor(st) == CUDNN_STATUS_SUCCESS; });
  if (kernel_ms < 0.f && !s.channels_last) cudaGetLastError();  // clear a launch error; cudnnAddTensor then
  if (kernel_ms < 0.f && add_ms < 0.f) {
    *why = "neither the bias kernel nor cudnnAddTensor ran after the graph plan";
    return false;
  }
  const BiasWay unfused_way = add_ms < 0.f || (kernel_ms >= 0.f && kernel_ms <= add_ms) ? BiasWay::kernel : BiasWay::add_tensor;
  auto unfused = [&] {
    if (conv->execute(st) != CUDNN_STATUS_SUCCESS) return false;
    if (unfused_way == BiasWay::add_tensor) return add_tensor(st) == CUDNN_STATUS_SUCCESS;
    rows.launch(st);
    return cudaPeekAtLastError() == cudaSuccess;
  };

  // The fused candidate: conv → pointwise add in one graph, if cuDNN builds one.
  std::string fused_why;
  std::shared_ptr<dnn_graph::BoundConv> fused = bind_fused(&fused_why);

  // Conv-then-bias against the fused plan, each timed as a whole, interleaved, the better of two rounds.
  float unfused_ms = -1.f, fused_ms = -1.f;
  for (int round = 0; round < 2; ++round) {
    const float u = time_calls(st, unfused);
    if (u >= 0.f && (unfused_ms < 0.f || u < unfused_ms)) unfused_ms = u;
    if (!fused) continue;
    const float f = time_calls(st, [&] { return fused->execute(st) == CUDNN_STATUS_SUCCESS; });
    if (f < 0.f) {
      fused_why = "the fused plan (" + plan_text(dnn_graph::plan_info(*fplan)) + ") failed to run";
      fused.reset();
      fused_ms = -1.f;
    } else if (fused_ms < 0.f || f < fused_ms) {
      fused_ms = f;
    }
  }
  if (unfused_ms < 0.f) {
    cudaGetLastError();
    *why = "the graph plan with the bias after it failed to run";
    return false;
  }

  // A fused plan runs only if it is faster and agrees with conv-then-bias on these tensors.
  BiasWay way = unfused_way;
  double fused_err = NAN;
  if (fused && fused_ms < unfused_ms) {
    try {
      fused_err = fused_error(unfused, *fused, static_cast<float*>(out), numel, st);
      if (fused_err < kFusedTolerance) {
        way = BiasWay::fused;
      } else if (std::isnan(fused_err)) {
        fused_why = "refused: the check against conv-then-bias gave NaN (a run failed, or a NaN in an output)";
      } else {
        fused_why = "refused: the fused output differs from conv-then-bias by " + g3(fused_err) + " of max |y| (tolerance 1e-3)";
      }
    } catch (const Error& e) {
      // The check is the fused plan's trial, never the op's error.
      fused_why = e.code() == "ENOMEM" ? std::string("refused: no device memory for the check against conv-then-bias")
                                       : std::string("refused: the check against conv-then-bias failed: ") + e.what();
    }
  } else if (fused) {
    fused_why = "slower than conv then bias (" + ms_text(fused_ms) + " against " + ms_text(unfused_ms) + ")";
  }

  // The record: the convolution's search, the bias pass both ways, and the fused candidate.
  const dnn_graph::PlanInfo& p = dnn_graph::plan_info(*plan);
  const std::string unfused_bias = unfused_way == BiasWay::kernel ? rows.name() : "cudnnAddTensor after";
  std::string bias_text = unfused_bias;
  if (way == BiasWay::fused) bias_text = "fused in the graph (pointwise add), " + plan_text(dnn_graph::plan_info(*fplan));
  BiasChoice ch;
  ch.way = way;
  ChoiceRecord& r = ch.record;
  r.str("op", a.op).str("mode", mode_name(a)).str("api", "graph");
  put_plan(r, p);
  r.str("bias", bias_text).num("biasKernelMs", kernel_ms >= 0.f ? kernel_ms : NAN).num("addTensorMs", add_ms >= 0.f ? add_ms : NAN);
  r.num("unfusedMs", unfused_ms).num("fusedMs", fused_ms >= 0.f ? fused_ms : NAN);
  if (fplan) {
    const dnn_graph::PlanInfo& f = dnn_graph::plan_info(*fplan);
    r.num("fusedEngine", static_cast<double>(f.engine)).str("fusedNotes", f.notes).str("fusedTag", f.tag);
    r.num("fusedOffered", f.offered).num("fusedTimed", f.timed).num("fusedWorkspaceBytes", static_cast<double>(f.workspace));
  }
  r.num("fusedRelErr", fused_err);
  if (way != BiasWay::fused) r.str("fusedFallback", fused_why);
  const float total = way == BiasWay::fused ? fused_ms : unfused_ms;
  r.num("totalMs", total);
  std::string summary = "graph API, tensor cores (TF32): ";
  if (way == BiasWay::fused) {
    const dnn_graph::PlanInfo& f = dnn_graph::plan_info(*fplan);
    summary += "conv + bias fused in one graph, " + plan_text(f) + " (" + search_text(f) + "), " + ms_text(fused_ms) + ", faster than " + plan_text(p) +
               " then " + unfused_bias + " (" + ms_text(unfused_ms) + "); checked against it: " + g3(fused_err) + " of max |y|";
  } else {
    const float bias_ms = unfused_way == BiasWay::kernel ? kernel_ms : add_ms;
    const float other_ms = unfused_way == BiasWay::kernel ? add_ms : kernel_ms;
    summary += plan_text(p) + " " + ms_text(p.ms) + " (" + search_text(p) + "), then " + unfused_bias + " " + ms_text(bias_ms) +
               (other_ms >= 0.f ? std::string(" (") + (unfused_way == BiasWay::kernel ? "cudnnAddTensor " : "own kernel ") + ms_text(other_ms) + ")" : "") +
               ": " + ms_text(unfused_ms) + " together; fused conv+bias: " + (fused_why.empty() ? "none" : fused_why);
  }
  r.str("summary", summary);
  ch.record_key = a.op + " " + mode_name(a) + " " + s.key() + " bias " + bias_text;
  bind(way, fused);
  ch.record.emit(ch.record_key);
  std::lock_guard<std::mutex> lock(bias_mu);
  bias_cache()[key] = std::move(ch);
  return true;
}

// The tf32 path through cuDNN's graph API (decisions.md 20): binds `call` to a tensor-core plan
// for `s` (`in` → `out`; dy → dx for the data gradient), with the bias (if any) as
// graph_conv_bias chooses, records the choice, and says whether it did; false with the reason
// in `why` otherwise.
bool graph_conv(const OpArgs& a, dnn_graph::ConvShape s, const void* in, const void* w, const void* bias, void* out, std::shared_ptr<Descs> d,
                cudnnTensorDescriptor_t out_desc, Call& call, std::string* why) {
  auto plan = graph_plan(a, s, in, w, out, why);
  if (!plan) return false;
  if (bias) return graph_conv_bias(a, s, plan, in, w, bias, out, d, out_desc, call, why);
  const dnn_graph::PlanInfo info = dnn_graph::plan_info(*plan);
  if (!bind_graph(plan, in, w, out, d, call, why)) return false;
  record_graph(a, s.key(), info, "none");
  return true;
}

// f16/bf16 without a bias (decisions.md 25): the legacy choice `pick()` (Find…Ex's timing) and
// `plan` (ours) race; when the graph plan is faster, or the legacy API has nothing, binds `call`
// to the plan, records the choice and returns true. Otherwise returns false with `*choice` set
// and `race` filled in for the legacy record; a legacy failure is rethrown only when the graph
// side has nothing either (and ENOMEM always).
template <class Pick>
bool race_graph(const OpArgs& a, const dnn_graph::ConvShape& s, std::shared_ptr<const dnn_graph::ConvPlan> plan, const void* in, const void* w, void* out,
                std::shared_ptr<Descs> d, Call& call, const char* (*algo_name)(int), Pick pick, AlgoChoice* choice,
                Race* race) {
  if (plan) {
    const dnn_graph::PlanInfo& info = dnn_graph::plan_info(*plan);
    race->graph_ms = info.ms;
    race->graph = "engine " + std::to_string(info.engine) + (info.notes.empty() ? "" : " (" + info.notes + ")");
  }
  try {
    *choice = pick();
    race->legacy_ms = choice->ms;
    race->legacy = "algo " + std::to_string(choice->algo) + " (" + algo_name(choice->algo) + ")";
  } catch (const Error& e) {
    // Without a graph plan, the legacy failure is the op's, as before.
    if (e.code() == "ENOMEM" || !plan) throw;
    race->legacy_why = e.what();
  }
  if (!plan) return false;
  if (race->has_legacy() && !(race->graph_ms < race->legacy_ms)) return false;
  const dnn_graph::PlanInfo info = dnn_graph::plan_info(*plan);
  std::string why;
  if (bind_graph(plan, in, w, out, d, call, &why)) {
    record_graph(a, s.key(), info, "none", race);
    return true;
  }
  // The plan would not bind: the legacy algorithm runs if there is one.
  if (!race->has_legacy()) fail("EINTERNAL", a.msg("cuDNN found no convolution algorithm for this case: " + race->legacy_why + "; " + why));
  race->graph_why = why;
  race->graph_ms = NAN;
  return false;
}

// out[n][c][…] = bias[c]: the prior the convolution accumulates onto (beta = 1), so the bias
// is added before the one rounding to f16/bf16.
template <class T>
__global__ void fill_bias(T* __restrict__ y, const T* __restrict__ b, int64_t n, int64_t C, int64_t S) {
  ABW_GRID_STRIDE(i, n) y[i] = b[(i / S) % C];
}

struct Geometry {
  int64_t N, Cin, H, W, Cout, kh, kw, groups;
  int64_t sh, sw, dh, dw;
  int64_t pt, pb, pl, pr;  // padding per side
  int64_t Ho, Wo;
  bool channels_last = false;  // x [N, H, W, Cin], w [Cout, kH, kW, Cin/groups], y [N, Ho, Wo, Cout]
};

int32_t i32(OpArgs& a, int64_t v, const char* what) {
  ABW_CHECK(v >= 0 && v <= 0x7fffffff, "ESHAPE", a.msg(std::string(what) + " does not fit cuDNN's 32-bit sizes"));
  return static_cast<int32_t>(v);
}

// y = r + y over n values: conv2d's residual when the convolution ran without it. Plain loads
// of y (it is written here), 16-byte vectors where both are aligned.
template <class T>
__global__ void add_residual(T* __restrict__ y, const T* __restrict__ r, int64_t n, bool vec) {
  constexpr int V = Vec16<T>::n;
  if (!vec) {
    ABW_GRID_STRIDE(i, n) y[i] = st<T>(ld(r[i]) + ld(y[i]));
    return;
  }
  vectors_then_tail<T>(
      n,
      [&](int64_t i) {
        float u[V], v[V];
        const uint4 raw = *reinterpret_cast<const uint4*>(y + i);
        if constexpr (sizeof(T) == 4) unpack(raw, u);
        else if constexpr (std::is_same_v<T, __half>) unpack<__half2>(raw, u);
        else unpack<__nv_bfloat162>(raw, u);
        load_vec(r + i, v);
#pragma unroll
        for (int j = 0; j < V; ++j) u[j] = v[j] + u[j];
        store_vec(y + i, u);
      },
      [&](int64_t t) { y[t] = st<T>(ld(r[t]) + ld(y[t])); });
}

void launch_add_residual(cudaStream_t s, DType dt, void* y, const void* r, int64_t n) {
  const bool vec = aligned16({y, r});
  ABW_FLOAT_DISPATCH(dt, add_residual<T><<<vec ? vector_blocks<T>(n) : blocks_for(n), kThreads, 0, s>>>(static_cast<T*>(y), static_cast<const T*>(r), n, vec));
}

// Per geometry, mode and residual alignment: whether the fused graph won (decided once).
std::mutex residual_mu;
std::map<std::string, bool>& residual_cache() {
  static std::map<std::string, bool> m;
  return m;
}

// f16/bf16 without a bias (decision 32): the convolution and the residual's add in one cuDNN
// graph (dnn_graph::conv_residual_plan), where an engine takes it and it is faster than the
// plain graph plan followed by our add pass, both timed on the bound tensors once per geometry.
// Binds `call` and returns true; false otherwise (conv2d then appends the add pass). The choice
// is recorded either way.
bool fused_residual(const OpArgs& a, dnn_graph::ConvShape s, const void* in, const void* w, const void* residual, void* out, int64_t numel, Call& call) {
  s.alignment = dnn_graph::pointer_alignment({in, w, out, residual});
  const std::string key = a.op + " " + mode_name(a) + " " + s.key() + " residual align " + std::to_string(dnn_graph::pointer_alignment({residual}));
  std::shared_ptr<const dnn_graph::ConvPlan> fplan;
  std::string fwhy;
  // An optional candidate: a failure (ENOMEM included) means the unfused path, never the op's error.
  try {
    fplan = dnn_graph::conv_residual_plan(graph_mode(a), s, in, w, residual, out, workspace_cap(), &fwhy);
  } catch (const Error& e) {
    fwhy = e.what();
  }
  bool use = false;
  {
    std::lock_guard<std::mutex> lock(residual_mu);
    auto it = residual_cache().find(key);
    if (it != residual_cache().end()) {
      if (!it->second || !fplan) return false;
      use = true;
    }
  }
  if (!use) {
    ChoiceRecord r;
    r.str("op", a.op).str("mode", mode_name(a)).str("residual", "fused graph or add after");
    if (fplan) {
      const dnn_graph::PlanInfo& f = dnn_graph::plan_info(*fplan);
      std::string pwhy;
      dnn_graph::ConvShape ps = s;
      auto plan = graph_plan(a, ps, in, w, out, &pwhy);
      cudaStream_t st = ctx().stream();
      const float add_ms = time_calls(st, [&] {
        launch_add_residual(st, a.dtype, out, residual, numel);
        return cudaGetLastError() == cudaSuccess;
      });
      const float plain_ms = plan ? dnn_graph::plan_info(*plan).ms : NAN;
      // Without a plain graph plan the legacy algorithm would run: take the fused graph.
      use = !plan || (add_ms >= 0.f && f.ms < plain_ms + add_ms);
      r.num("fusedMs", f.ms).num("plainMs", plain_ms).num("addMs", add_ms).num("fusedEngine", static_cast<double>(f.engine)).str("fusedTag", f.tag);
      r.str("summary", use ? "conv + residual fused in one graph, " + plan_text(f) + ", " + ms_text(f.ms) +
                                 (plan ? ", faster than " + ms_text(plain_ms) + " + add " + ms_text(add_ms) : ", no plain graph plan")
                           : "add after the convolution: fused graph " + ms_text(f.ms) + " against " + ms_text(plain_ms) + " + add " + ms_text(add_ms));
    } else {
      r.str("summary", "add after the convolution: " + (fwhy.empty() ? std::string("no fused graph") : fwhy));
    }
    r.emit(key);
    std::lock_guard<std::mutex> lock(residual_mu);
    residual_cache()[key] = use;
    if (!use) return false;
  }
  std::shared_ptr<dnn_graph::BoundConv> bound;
  try {
    bound = std::make_shared<dnn_graph::BoundConv>(fplan, in, w, out, residual);
  } catch (const Error& e) {
    if (e.code() == "ENOMEM") throw;
    return false;
  }
  call.keep.push_back(bound);
  call.launch = [bound](cudaStream_t st) { bound->launch(st); };
  return true;
}

// `residual_fused`: non-null for conv2d, whose input 3 (a residual) is then fused into the
// convolution where fused_residual can, which this sets true; otherwise the caller adds it.
CallPtr conv_forward(OpArgs& a, const Geometry& g, bool* residual_fused = nullptr) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Wt = a.input(1, "weight");
  const DevTensor* B = a.optional(2);
  const DevTensor& Y = a.output(0, "out");
  auto call = std::make_unique<Call>();
  if (Y.numel() == 0) {
    call->launch = [](cudaStream_t) {};
    return call;
  }
  Context& c = ctx();
  auto d = std::make_shared<Descs>();
  const bool sym = g.pt == g.pb && g.pl == g.pr;
  const int64_t Hp = sym ? g.H : g.H + g.pt + g.pb, Wp = sym ? g.W : g.W + g.pl + g.pr;
  const DType dt = a.dtype;
  const bool cl = g.channels_last;
  tensor4(&d->x, dt, i32(a, g.N, "N"), i32(a, g.Cin, "Cin"), i32(a, Hp, "H"), i32(a, Wp, "W"), cl);
  tensor4(&d->y, dt, i32(a, g.N, "N"), i32(a, g.Cout, "Cout"), i32(a, g.Ho, "Hout"), i32(a, g.Wo, "Wout"), cl);
  dnn_check(cudnnCreateFilterDescriptor(&d->w), "cudnnCreateFilterDescriptor");
  dnn_check(cudnnSetFilter4dDescriptor(d->w, dnn_type(dt), cl ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW, i32(a, g.Cout, "Cout"), i32(a, g.Cin / g.groups, "Cin/groups"),
                                       i32(a, g.kh, "kernel"), i32(a, g.kw, "kernel")),
            "cudnnSetFilter4dDescriptor");
  dnn_check(cudnnCreateConvolutionDescriptor(&d->conv), "cudnnCreateConvolutionDescriptor");
  dnn_check(cudnnSetConvolution2dDescriptor(d->conv, sym ? i32(a, g.pt, "padding") : 0, sym ? i32(a, g.pl, "padding") : 0, i32(a, g.sh, "stride"),
                                            i32(a, g.sw, "stride"), i32(a, g.dh, "dilation"), i32(a, g.dw, "dilation"), CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
            "cudnnSetConvolution2dDescriptor");
  dnn_check(cudnnSetConvolutionGroupCount(d->conv, i32(a, g.groups, "groups")), "cudnnSetConvolutionGroupCount");
  if (B) tensor4(&d->bias, dt, 1, i32(a, g.Cout, "Cout"), 1, 1, cl);
  const void* x = X.data;
  const void* w = Wt.data;
  const void* bias = B ? B->data : nullptr;
  void* y = Y.data;

  // The graph API's view of the convolution: the unpadded input with pre/post paddings, so
  // its plans need no zero-padded copy.
  dnn_graph::ConvShape shape;
  shape.kind = dnn_graph::ConvShape::forward;
  shape.x = {g.N, g.Cin, g.H, g.W};
  shape.w = {g.Cout, g.Cin / g.groups, g.kh, g.kw};
  shape.y = {g.N, g.Cout, g.Ho, g.Wo};
  shape.pre = {g.pt, g.pl};
  shape.post = {g.pb, g.pr};
  shape.stride = {g.sh, g.sw};
  shape.dilation = {g.dh, g.dw};
  shape.channels_last = cl;

  // A residual (conv2d's input 3), f16/bf16 without a bias: one graph with its add, if that wins.
  const DevTensor* R = residual_fused ? a.optional(3) : nullptr;
  if (R && !bias && !a.tf32 && (dt == DType::f16 || dt == DType::bf16) && fused_residual(a, shape, x, w, R->data, y, Y.numel(), *call)) {
    *residual_fused = true;
    call->keep.push_back(d);
    return call;
  }

  // tf32: the graph API's TF32 tensor-core engines (the legacy API has none for float data),
  // the bias added in f32 after it (as PyTorch does) or in the same graph (graph_conv_bias).
  // Without a plan, the legacy path below.
  std::string graph_why;
  if (a.tf32 && dt == DType::f32) {
    if (graph_conv(a, shape, x, w, bias, y, d, d->y, *call, &graph_why)) return call;
  }
  // f16/bf16 without a bias: the graph API's best plan races the legacy algorithm below
  // (decisions.md 25). With a bias the legacy fused conv+bias keeps its one rounding.
  const bool racing = !a.tf32 && (dt == DType::f16 || dt == DType::bf16) && !bias;
  Race race;
  std::shared_ptr<const dnn_graph::ConvPlan> plan;
  if (racing) plan = graph_plan(a, shape, x, w, y, &race.graph_why);

  std::shared_ptr<Scratch> padded = sym ? nullptr : std::make_shared<Scratch>(static_cast<size_t>(g.N * g.Cin * Hp * Wp) * dtype_size(dt));
  const void* xin = padded ? padded->get() : x;
  auto pad_input = [=](cudaStream_t s) {
    if (!padded) return;
    const int64_t n = g.N * g.Cin * Hp * Wp;
    if (cl) {
      ABW_FLOAT_DISPATCH(dt, zero_pad_channels_last<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x), padded->as<T>(), g.N, g.Cin, g.H, g.W, Hp, Wp, g.pt, g.pl));
    } else {
      ABW_FLOAT_DISPATCH(dt, zero_pad<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x), padded->as<T>(), g.N * g.Cin, g.H, g.W, Hp, Wp, g.pt, g.pl));
    }
  };
  // Choose the algorithm by timing on the real tensors (writes the output, which is ours), once
  // per geometry in this process.
  const std::string key = "fwd " + std::to_string(static_cast<int>(dt)) + (a.tf32 ? " tf32" : "") + " " + std::to_string(g.N) + "," +
                          std::to_string(g.Cin) + "," + std::to_string(Hp) + "," + std::to_string(Wp) + " w " + std::to_string(g.Cout) + "," +
                          std::to_string(g.kh) + "," + std::to_string(g.kw) + " g " + std::to_string(g.groups) + " s " + std::to_string(g.sh) + "," +
                          std::to_string(g.sw) + " d " + std::to_string(g.dh) + "," + std::to_string(g.dw) + " p " +
                          (sym ? std::to_string(g.pt) + "," + std::to_string(g.pl) : std::string("0,0")) + (cl ? " nhwc" : "");
  // Its time leaves out the zero-pad kernel that asymmetric padding adds, which only favours
  // the legacy side of a race.
  auto find = [&](cudnnMathType_t m, int* algo, size_t* memory, float* ms) {
    dnn_check(cudnnSetConvolutionMathType(d->conv, m), "cudnnSetConvolutionMathType");
    pad_input(c.stream());
    cudnnSetStream(c.dnn, c.stream());
    int found = 0;
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    const size_t ws_limit = workspace_cap();
    Scratch probe_ws(ws_limit);
    dnn_check(cudnnFindConvolutionForwardAlgorithmEx(c.dnn, d->x, xin, d->w, w, d->conv, d->y, y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &found, perf,
                                                     probe_ws.get(), ws_limit),
              "cudnnFindConvolutionForwardAlgorithmEx");
    return first_acceptable(perf, found, m, algo, memory, ms);
  };
  auto pick = [&] { return choose_algo(a, key, math_candidates(dt, a.tf32), find); };
  AlgoChoice choice{};
  if (racing) {
    if (race_graph(a, shape, plan, x, w, y, d, *call, fwd_algo_name, pick, &choice, &race)) return call;
  } else {
    choice = pick();
  }
  dnn_check(cudnnSetConvolutionMathType(d->conv, choice.math), "cudnnSetConvolutionMathType");
  const cudnnConvolutionFwdAlgo_t algo = static_cast<cudnnConvolutionFwdAlgo_t>(choice.algo);
  auto ws = std::make_shared<Scratch>(choice.memory);
  call->keep = {d, padded, ws};
  // f16/bf16 with a bias: adding the bias after the convolution would round twice (the product
  // to f16/bf16, then the sum), which near −bias is far off the one-rounding result. cuDNN's
  // fused conv+bias (identity activation, implicit-precomp GEMM) adds it before the one rounding.
  if (bias && dt != DType::f32) {
    cudnnActivationDescriptor_t ad = nullptr;
    dnn_check(cudnnCreateActivationDescriptor(&ad), "cudnnCreateActivationDescriptor");
    std::shared_ptr<void> act(static_cast<void*>(ad), [](void* p) { cudnnDestroyActivationDescriptor(static_cast<cudnnActivationDescriptor_t>(p)); });
    dnn_check(cudnnSetActivationDescriptor(ad, CUDNN_ACTIVATION_IDENTITY, CUDNN_NOT_PROPAGATE_NAN, 0.0), "cudnnSetActivationDescriptor");
    const cudnnConvolutionFwdAlgo_t falgo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
    size_t fws = 0;
    if (cudnnGetConvolutionForwardWorkspaceSize(c.dnn, d->x, d->w, d->conv, d->y, falgo, &fws) == CUDNN_STATUS_SUCCESS) {
      auto fw = std::make_shared<Scratch>(fws);
      const float one = 1.f, zero = 0.f;
      auto fused = [=](cudaStream_t s) {
        return cudnnConvolutionBiasActivationForward(ctx().dnn, &one, d->x, xin, d->w, w, d->conv, falgo, fw->get(), fw->bytes(), &zero, d->y, y, d->bias, bias, ad, d->y, y);
      };
      // Try it once here: cuDNN says NOT_SUPPORTED for shapes its fused kernels do not cover.
      if (fused(c.stream()) == CUDNN_STATUS_SUCCESS) {
        call->keep.push_back(fw);
        call->keep.push_back(act);
        record_legacy(a, key, choice, fwd_algo_name(choice.algo), "fused (cudnnConvolutionBiasActivationForward, IMPLICIT_PRECOMP_GEMM)", graph_why);
        call->launch = [=](cudaStream_t s) {
          pad_input(s);
          dnn_check(cudnnSetStream(ctx().dnn, s), "cudnnSetStream");
          dnn_check(fused(s), "cudnnConvolutionBiasActivationForward");
        };
        return call;
      }
    }
  }
  call->launch = [=](cudaStream_t s) {
    Context& cx = ctx();
    pad_input(s);
    dnn_check(cudnnSetStream(cx.dnn, s), "cudnnSetStream");
    const float one = 1.f, zero = 0.f;
    dnn_check(cudnnConvolutionForward(cx.dnn, &one, d->x, xin, d->w, w, d->conv, algo, ws->get(), ws->bytes(), &zero, d->y, y), "cudnnConvolutionForward");
    if (bias) dnn_check(cudnnAddTensor(cx.dnn, &one, d->bias, bias, &one, d->y, y), "cudnnAddTensor");
  };
  record_legacy(a, key, choice, fwd_algo_name(choice.algo), bias ? "cudnnAddTensor after" : "none", graph_why, racing ? &race : nullptr);
  return call;
}

CallPtr conv1d(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Wt = a.input(1, "weight");
  ABW_CHECK(X.ndim() == 3 && Wt.ndim() == 3, "ESHAPE", a.msg("input must be [N, Cin, L] and weight [Cout, Cin/groups, K]"));
  const auto pad = a.p.ints("padding");
  ABW_CHECK(pad.size() == 2, "EINVAL", a.msg("parameter `padding` must be [left, right]"));
  Geometry g{X.shape[0], X.shape[1], 1, X.shape[2], Wt.shape[0], 1, Wt.shape[2], a.p.i("groups"), 1, a.p.i("stride"), 1, a.p.i("dilation"), 0, 0, pad[0], pad[1], 1, 0};
  ABW_CHECK(g.groups >= 1 && g.Cin % g.groups == 0 && g.Cout % g.groups == 0 && Wt.shape[1] == g.Cin / g.groups, "ESHAPE", a.msg("channels do not fit groups"));
  const int64_t num = g.W + g.pl + g.pr - g.dw * (g.kw - 1) - 1;
  ABW_CHECK(num >= 0 && g.sw >= 1, "ESHAPE", a.msg("input is shorter than the dilated kernel"));
  g.Wo = num / g.sw + 1;
  const DevTensor* B = a.optional(2);
  if (B) a.check_shape(*B, {g.Cout}, "input `bias`");
  a.check_shape(a.output(0, "out"), {g.N, g.Cout, g.Wo}, "output `out`");
  return conv_forward(a, g);
}

// channels_last: x [N, H, W, Cin], w [Cout, kH, kW, Cin/groups], y [N, Ho, Wo, Cout] (cuDNN's
// NHWC / KRSC), the layout its f16/bf16 tensor-core kernels read without a transpose.
CallPtr conv2d(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Wt = a.input(1, "weight");
  const bool cl = a.p.b("channels_last", false);
  ABW_CHECK(X.ndim() == 4 && Wt.ndim() == 4, "ESHAPE",
            a.msg(cl ? "input must be [N, H, W, Cin] and weight [Cout, kH, kW, Cin/groups] (channels_last)" : "input must be [N, Cin, H, W] and weight [Cout, Cin/groups, kH, kW]"));
  const auto s = a.p.ints("stride"), p = a.p.ints("padding"), dl = a.p.ints("dilation");
  ABW_CHECK(s.size() == 2 && p.size() == 4 && dl.size() == 2, "EINVAL", a.msg("parameters `stride`, `dilation` must be [h, w] and `padding` [top, bottom, left, right]"));
  const int64_t cin = cl ? X.shape[3] : X.shape[1], H = cl ? X.shape[1] : X.shape[2], W = cl ? X.shape[2] : X.shape[3];
  const int64_t kh = cl ? Wt.shape[1] : Wt.shape[2], kw = cl ? Wt.shape[2] : Wt.shape[3], wcin = cl ? Wt.shape[3] : Wt.shape[1];
  Geometry g{X.shape[0], cin, H, W, Wt.shape[0], kh, kw, a.p.i("groups"), s[0], s[1], dl[0], dl[1], p[0], p[1], p[2], p[3], 0, 0, cl};
  ABW_CHECK(g.groups >= 1 && g.Cin % g.groups == 0 && g.Cout % g.groups == 0 && wcin == g.Cin / g.groups, "ESHAPE", a.msg("channels do not fit groups"));
  const int64_t nh = g.H + g.pt + g.pb - g.dh * (g.kh - 1) - 1, nw = g.W + g.pl + g.pr - g.dw * (g.kw - 1) - 1;
  ABW_CHECK(nh >= 0 && nw >= 0, "ESHAPE", a.msg("input is smaller than the dilated kernel"));
  g.Ho = nh / g.sh + 1;
  g.Wo = nw / g.sw + 1;
  const DevTensor* B = a.optional(2);
  if (B) a.check_shape(*B, {g.Cout}, "input `bias`");
  const std::vector<int64_t> out_shape = cl ? std::vector<int64_t>{g.N, g.Ho, g.Wo, g.Cout} : std::vector<int64_t>{g.N, g.Cout, g.Ho, g.Wo};
  a.check_shape(a.output(0, "out"), out_shape, "output `out`");
  const DevTensor* R = a.optional(3);
  if (R) a.check_shape(*R, out_shape, "input `residual`");
  bool fused = false;
  CallPtr call = conv_forward(a, g, &fused);
  const DevTensor& Y = a.output(0, "out");
  if (R && !fused && Y.numel() > 0) {
    // The residual after whichever convolution was chosen: one more pass, y = r + y.
    auto conv_launch = std::move(call->launch);
    void* y = Y.data;
    const void* r = R->data;
    const int64_t n = Y.numel();
    const DType dt = a.dtype;
    call->launch = [conv_launch, y, r, n, dt](cudaStream_t s) {
      conv_launch(s);
      launch_add_residual(s, dt, y, r, n);
    };
  }
  return call;
}

// conv_transpose1d(x, w) is the data gradient of conv1d with the same weight: x plays dy
// ([N, Cin, L]) and the output plays dx ([N, Cout, Lout]); output_padding only lengthens dx.
CallPtr conv_transpose1d(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Wt = a.input(1, "weight");
  const DevTensor* B = a.optional(2);
  const DevTensor& Y = a.output(0, "out");
  ABW_CHECK(X.ndim() == 3 && Wt.ndim() == 3, "ESHAPE", a.msg("input must be [N, Cin, L] and weight [Cin, Cout/groups, K]"));
  const int64_t N = X.shape[0], Cin = X.shape[1], L = X.shape[2], G = a.p.i("groups"), K = Wt.shape[2];
  const int64_t stride = a.p.i("stride"), pad = a.p.i("padding"), opad = a.p.i("output_padding"), dil = a.p.i("dilation");
  ABW_CHECK(G >= 1 && Cin % G == 0 && Wt.shape[0] == Cin, "ESHAPE", a.msg("weight must be [Cin, Cout/groups, K] with Cin divisible by groups"));
  const int64_t Cout = Wt.shape[1] * G;
  const int64_t Lout = (L - 1) * stride - 2 * pad + dil * (K - 1) + opad + 1;
  ABW_CHECK(Lout >= 0, "ESHAPE", a.msg("output length would be negative"));
  if (B) a.check_shape(*B, {Cout}, "input `bias`");
  a.check_shape(Y, {N, Cout, Lout}, "output `out`");
  auto call = std::make_unique<Call>();
  if (Y.numel() == 0) {
    call->launch = [](cudaStream_t) {};
    return call;
  }
  Context& c = ctx();
  const DType dt = a.dtype;
  auto d = std::make_shared<Descs>();
  tensor4(&d->y, dt, i32(a, N, "N"), i32(a, Cin, "Cin"), 1, i32(a, L, "L"));      // dy = our input
  tensor4(&d->x, dt, i32(a, N, "N"), i32(a, Cout, "Cout"), 1, i32(a, Lout, "Lout"));  // dx = our output
  dnn_check(cudnnCreateFilterDescriptor(&d->w), "cudnnCreateFilterDescriptor");
  dnn_check(cudnnSetFilter4dDescriptor(d->w, dnn_type(dt), CUDNN_TENSOR_NCHW, i32(a, Cin, "Cin"), i32(a, Cout / G, "Cout/groups"), 1, i32(a, K, "K")),
            "cudnnSetFilter4dDescriptor");
  dnn_check(cudnnCreateConvolutionDescriptor(&d->conv), "cudnnCreateConvolutionDescriptor");
  dnn_check(cudnnSetConvolution2dDescriptor(d->conv, 0, i32(a, pad, "padding"), 1, i32(a, stride, "stride"), 1, i32(a, dil, "dilation"),
                                            CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
            "cudnnSetConvolution2dDescriptor");
  dnn_check(cudnnSetConvolutionGroupCount(d->conv, i32(a, G, "groups")), "cudnnSetConvolutionGroupCount");
  if (B) tensor4(&d->bias, dt, 1, i32(a, Cout, "Cout"), 1, 1);
  const void* x = X.data;
  const void* w = Wt.data;
  const void* bias = B ? B->data : nullptr;
  void* y = Y.data;

  dnn_graph::ConvShape shape;
  shape.kind = dnn_graph::ConvShape::backward_data;
  shape.x = {N, Cout, 1, Lout};  // dx = our output
  shape.w = {Cin, Cout / G, 1, K};
  shape.y = {N, Cin, 1, L};  // dy = our input
  shape.pre = {0, pad};
  shape.post = {0, pad};
  shape.stride = {1, stride};
  shape.dilation = {1, dil};

  // tf32: the graph API's TF32 tensor-core engines for the data gradient (see conv_forward).
  std::string graph_why;
  if (a.tf32 && dt == DType::f32) {
    if (graph_conv(a, shape, x, w, bias, y, d, d->x, *call, &graph_why)) return call;
  }
  // f16/bf16 without a bias: the graph plan races the legacy algorithm (see conv_forward). With
  // a bias, the legacy path accumulates onto the bias-filled output (one rounding).
  const bool racing = !a.tf32 && (dt == DType::f16 || dt == DType::bf16) && !bias;
  Race race;
  std::shared_ptr<const dnn_graph::ConvPlan> plan;
  if (racing) plan = graph_plan(a, shape, x, w, y, &race.graph_why);

  const std::string key = "bwd " + std::to_string(static_cast<int>(dt)) + (a.tf32 ? " tf32" : "") + " " + std::to_string(N) + "," + std::to_string(Cin) +
                          "," + std::to_string(L) + " w " + std::to_string(Cout) + "," + std::to_string(K) + " g " + std::to_string(G) + " s " +
                          std::to_string(stride) + " d " + std::to_string(dil) + " p " + std::to_string(pad) + " o " + std::to_string(Lout);
  auto find = [&](cudnnMathType_t m, int* algo, size_t* memory, float* ms) {
    dnn_check(cudnnSetConvolutionMathType(d->conv, m), "cudnnSetConvolutionMathType");
    cudnnSetStream(c.dnn, c.stream());
    int found = 0;
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    const size_t ws_limit = workspace_cap();
    Scratch probe_ws(ws_limit);
    dnn_check(cudnnFindConvolutionBackwardDataAlgorithmEx(c.dnn, d->w, w, d->y, x, d->conv, d->x, y, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &found, perf,
                                                          probe_ws.get(), ws_limit),
              "cudnnFindConvolutionBackwardDataAlgorithmEx");
    return first_acceptable(perf, found, m, algo, memory, ms);
  };
  auto pick = [&] { return choose_algo(a, key, math_candidates(dt, a.tf32), find); };
  AlgoChoice choice{};
  if (racing) {
    if (race_graph(a, shape, plan, x, w, y, d, *call, bwd_data_algo_name, pick, &choice, &race)) return call;
  } else {
    choice = pick();
  }
  dnn_check(cudnnSetConvolutionMathType(d->conv, choice.math), "cudnnSetConvolutionMathType");
  const cudnnConvolutionBwdDataAlgo_t algo = static_cast<cudnnConvolutionBwdDataAlgo_t>(choice.algo);
  auto ws = std::make_shared<Scratch>(choice.memory);
  call->keep = {d, ws};
  const int64_t total = N * Cout * Lout;
  call->launch = [=](cudaStream_t s) {
    Context& cx = ctx();
    dnn_check(cudnnSetStream(cx.dnn, s), "cudnnSetStream");
    const float one = 1.f, zero = 0.f;
    if (bias) ABW_FLOAT_DISPATCH(dt, fill_bias<T><<<blocks_for(total), kThreads, 0, s>>>(static_cast<T*>(y), static_cast<const T*>(bias), total, Cout, Lout));
    dnn_check(cudnnConvolutionBackwardData(cx.dnn, &one, d->w, w, d->y, x, d->conv, algo, ws->get(), ws->bytes(), bias ? &one : &zero, d->x, y),
              "cudnnConvolutionBackwardData");
  };
  record_legacy(a, key, choice, bwd_data_algo_name(choice.algo), bias ? "prefilled, beta 1" : "none", graph_why, racing ? &race : nullptr);
  return call;
}

}  // namespace
ABW_CUDA_OP(conv1d, conv1d, kFloats | kTF32);
ABW_CUDA_OP(conv2d, conv2d, kFloats | kTF32);
ABW_CUDA_OP(conv_transpose1d, conv_transpose1d, kFloats | kTF32);
}  // namespace abw::cuda
