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
// CUDNN_DEFAULT_MATH and CUDNN_TENSOR_OP_MATH on f32 data. f16/bf16 accumulate in f32 (compute
// type FLOAT): without a bias, the legacy API's best tensor-op algorithm and the graph API's best
// engine (none with reduced-precision reduction) race and the faster runs; with a bias, the
// legacy path, for its fused conv+bias (one rounding). The algorithm or engine is chosen by
// timing on the bound tensors (cuDNN's Find…Ex, or ours for graph plans), once per geometry per
// process, and recorded (choices.h), a race with both times. Asymmetric padding (odd 'same'
// padding): the graph API takes pre/post paddings; the legacy path zero-pads into scratch, since
// its descriptors take one pad per side pair.
#include <cudnn.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cuda/choices.h"
#include "cuda/context.h"
#include "cuda/dnn_graph.h"
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

void tensor4(cudnnTensorDescriptor_t* d, DType t, int n, int c, int h, int w) {
  dnn_check(cudnnCreateTensorDescriptor(d), "cudnnCreateTensorDescriptor");
  dnn_check(cudnnSetTensor4dDescriptor(*d, CUDNN_TENSOR_NCHW, dnn_type(t), n, c, h, w), "cudnnSetTensor4dDescriptor");
}

template <class T>
__global__ void zero_pad(const T* __restrict__ x, T* __restrict__ y, int64_t planes, int64_t H, int64_t W, int64_t Hp, int64_t Wp, int64_t top, int64_t left) {
  ABW_GRID_STRIDE(i, planes * Hp * Wp) {
    const int64_t w = i % Wp, h = (i / Wp) % Hp, p = i / (Wp * Hp);
    const int64_t hi = h - top, wi = w - left;
    y[i] = (hi >= 0 && hi < H && wi >= 0 && wi < W) ? x[(p * H + hi) * W + wi] : st<T>(0.f);
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

// An algorithm search, and a graph plan's, may use workspaces up to this size.
constexpr size_t kWorkspaceCap = 256ull << 20;

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

void record_graph(const OpArgs& a, const std::string& key, const dnn_graph::PlanInfo& p, const std::string& bias, const Race* race = nullptr) {
  ChoiceRecord r;
  r.str("op", a.op).str("mode", mode_name(a)).str("api", "graph").num("engine", static_cast<double>(p.engine)).str("notes", p.notes);
  r.num("ms", p.ms).num("timed", p.timed).num("workspaceBytes", static_cast<double>(p.workspace)).str("bias", bias);
  if (race) {
    race->put(r);
    r.str("summary", "graph API engine " + std::to_string(p.engine) + " (" + (p.notes.empty() ? "no notes" : p.notes) + "), f32 accumulation" +
                         race->versus(true));
  } else {
    r.str("summary", "graph API engine " + std::to_string(p.engine) + ", tensor cores (TF32)");
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
  return dnn_graph::conv_plan(graph_mode(a), s, in, w, out, kWorkspaceCap, why);
}

// Binds `call` to `plan` with the bias (if any) added afterwards, and says whether it did;
// false with the reason in `why` when the binding fails (never an error, except ENOMEM).
bool bind_graph(std::shared_ptr<const dnn_graph::ConvPlan> plan, const void* in, const void* w, const void* bias, void* out, std::shared_ptr<Descs> d,
                cudnnTensorDescriptor_t out_desc, Call& call, std::string* why) {
  std::shared_ptr<dnn_graph::BoundConv> conv;
  try {
    conv = std::make_shared<dnn_graph::BoundConv>(std::move(plan), in, w, out);
  } catch (const Error& e) {
    if (e.code() == "ENOMEM") throw;
    *why = std::string("binding the graph plan failed: ") + e.what();
    return false;
  }
  call.keep = {d, conv};
  call.launch = [=](cudaStream_t st) {
    conv->launch(st);  // leaves the handle on `st`
    const float one = 1.f;
    if (bias) dnn_check(cudnnAddTensor(ctx().dnn, &one, d->bias, bias, &one, out_desc, out), "cudnnAddTensor");
  };
  return true;
}

// The tf32 path through cuDNN's graph API (decisions.md 20): binds `call` to a tensor-core plan
// for `s` (`in` → `out`; dy → dx for the data gradient) with the bias added afterwards in f32,
// records the choice, and says whether it did; false with the reason in `why` otherwise.
bool graph_conv(const OpArgs& a, dnn_graph::ConvShape s, const void* in, const void* w, const void* bias, void* out, std::shared_ptr<Descs> d,
                cudnnTensorDescriptor_t out_desc, Call& call, std::string* why) {
  auto plan = graph_plan(a, s, in, w, out, why);
  if (!plan) return false;
  const dnn_graph::PlanInfo info = dnn_graph::plan_info(*plan);
  if (!bind_graph(plan, in, w, bias, out, d, out_desc, call, why)) return false;
  record_graph(a, s.key(), info, bias ? "cudnnAddTensor after" : "none");
  return true;
}

// f16/bf16 without a bias (decisions.md 25): the legacy choice `pick()` (Find…Ex's timing) and
// `plan` (ours) race; when the graph plan is faster, or the legacy API has nothing, binds `call`
// to the plan, records the choice and returns true. Otherwise returns false with `*choice` set
// and `race` filled in for the legacy record; a legacy failure is rethrown only when the graph
// side has nothing either (and ENOMEM always).
template <class Pick>
bool race_graph(const OpArgs& a, const dnn_graph::ConvShape& s, std::shared_ptr<const dnn_graph::ConvPlan> plan, const void* in, const void* w, void* out,
                std::shared_ptr<Descs> d, cudnnTensorDescriptor_t out_desc, Call& call, const char* (*algo_name)(int), Pick pick, AlgoChoice* choice,
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
  if (bind_graph(plan, in, w, nullptr, out, d, out_desc, call, &why)) {
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
};

int32_t i32(OpArgs& a, int64_t v, const char* what) {
  ABW_CHECK(v >= 0 && v <= 0x7fffffff, "ESHAPE", a.msg(std::string(what) + " does not fit cuDNN's 32-bit sizes"));
  return static_cast<int32_t>(v);
}

CallPtr conv_forward(OpArgs& a, const Geometry& g) {
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
  tensor4(&d->x, dt, i32(a, g.N, "N"), i32(a, g.Cin, "Cin"), i32(a, Hp, "H"), i32(a, Wp, "W"));
  tensor4(&d->y, dt, i32(a, g.N, "N"), i32(a, g.Cout, "Cout"), i32(a, g.Ho, "Hout"), i32(a, g.Wo, "Wout"));
  dnn_check(cudnnCreateFilterDescriptor(&d->w), "cudnnCreateFilterDescriptor");
  dnn_check(cudnnSetFilter4dDescriptor(d->w, dnn_type(dt), CUDNN_TENSOR_NCHW, i32(a, g.Cout, "Cout"), i32(a, g.Cin / g.groups, "Cin/groups"),
                                       i32(a, g.kh, "kernel"), i32(a, g.kw, "kernel")),
            "cudnnSetFilter4dDescriptor");
  dnn_check(cudnnCreateConvolutionDescriptor(&d->conv), "cudnnCreateConvolutionDescriptor");
  dnn_check(cudnnSetConvolution2dDescriptor(d->conv, sym ? i32(a, g.pt, "padding") : 0, sym ? i32(a, g.pl, "padding") : 0, i32(a, g.sh, "stride"),
                                            i32(a, g.sw, "stride"), i32(a, g.dh, "dilation"), i32(a, g.dw, "dilation"), CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
            "cudnnSetConvolution2dDescriptor");
  dnn_check(cudnnSetConvolutionGroupCount(d->conv, i32(a, g.groups, "groups")), "cudnnSetConvolutionGroupCount");
  if (B) tensor4(&d->bias, dt, 1, i32(a, g.Cout, "Cout"), 1, 1);
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

  // tf32: the graph API's TF32 tensor-core engines (the legacy API has none for float data),
  // the bias added afterwards in f32 as PyTorch does. Without a plan, the legacy path below.
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
    ABW_FLOAT_DISPATCH(dt, zero_pad<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x), padded->as<T>(), g.N * g.Cin, g.H, g.W, Hp, Wp, g.pt, g.pl));
  };
  // Choose the algorithm by timing on the real tensors (writes the output, which is ours), once
  // per geometry in this process.
  const std::string key = "fwd " + std::to_string(static_cast<int>(dt)) + (a.tf32 ? " tf32" : "") + " " + std::to_string(g.N) + "," +
                          std::to_string(g.Cin) + "," + std::to_string(Hp) + "," + std::to_string(Wp) + " w " + std::to_string(g.Cout) + "," +
                          std::to_string(g.kh) + "," + std::to_string(g.kw) + " g " + std::to_string(g.groups) + " s " + std::to_string(g.sh) + "," +
                          std::to_string(g.sw) + " d " + std::to_string(g.dh) + "," + std::to_string(g.dw) + " p " +
                          (sym ? std::to_string(g.pt) + "," + std::to_string(g.pl) : std::string("0,0"));
  // Its time leaves out the zero-pad kernel that asymmetric padding adds, which only favours
  // the legacy side of a race.
  auto find = [&](cudnnMathType_t m, int* algo, size_t* memory, float* ms) {
    dnn_check(cudnnSetConvolutionMathType(d->conv, m), "cudnnSetConvolutionMathType");
    pad_input(c.stream());
    cudnnSetStream(c.dnn, c.stream());
    int found = 0;
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    const size_t ws_limit = kWorkspaceCap;
    Scratch probe_ws(ws_limit);
    dnn_check(cudnnFindConvolutionForwardAlgorithmEx(c.dnn, d->x, xin, d->w, w, d->conv, d->y, y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &found, perf,
                                                     probe_ws.get(), ws_limit),
              "cudnnFindConvolutionForwardAlgorithmEx");
    return first_acceptable(perf, found, m, algo, memory, ms);
  };
  auto pick = [&] { return choose_algo(a, key, math_candidates(dt, a.tf32), find); };
  AlgoChoice choice{};
  if (racing) {
    if (race_graph(a, shape, plan, x, w, y, d, d->y, *call, fwd_algo_name, pick, &choice, &race)) return call;
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

CallPtr conv2d(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Wt = a.input(1, "weight");
  ABW_CHECK(X.ndim() == 4 && Wt.ndim() == 4, "ESHAPE", a.msg("input must be [N, Cin, H, W] and weight [Cout, Cin/groups, kH, kW]"));
  const auto s = a.p.ints("stride"), p = a.p.ints("padding"), dl = a.p.ints("dilation");
  ABW_CHECK(s.size() == 2 && p.size() == 4 && dl.size() == 2, "EINVAL", a.msg("parameters `stride`, `dilation` must be [h, w] and `padding` [top, bottom, left, right]"));
  Geometry g{X.shape[0], X.shape[1], X.shape[2], X.shape[3], Wt.shape[0], Wt.shape[2], Wt.shape[3], a.p.i("groups"), s[0], s[1], dl[0], dl[1], p[0], p[1], p[2], p[3], 0, 0};
  ABW_CHECK(g.groups >= 1 && g.Cin % g.groups == 0 && g.Cout % g.groups == 0 && Wt.shape[1] == g.Cin / g.groups, "ESHAPE", a.msg("channels do not fit groups"));
  const int64_t nh = g.H + g.pt + g.pb - g.dh * (g.kh - 1) - 1, nw = g.W + g.pl + g.pr - g.dw * (g.kw - 1) - 1;
  ABW_CHECK(nh >= 0 && nw >= 0, "ESHAPE", a.msg("input is smaller than the dilated kernel"));
  g.Ho = nh / g.sh + 1;
  g.Wo = nw / g.sw + 1;
  const DevTensor* B = a.optional(2);
  if (B) a.check_shape(*B, {g.Cout}, "input `bias`");
  a.check_shape(a.output(0, "out"), {g.N, g.Cout, g.Ho, g.Wo}, "output `out`");
  return conv_forward(a, g);
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
    const size_t ws_limit = kWorkspaceCap;
    Scratch probe_ws(ws_limit);
    dnn_check(cudnnFindConvolutionBackwardDataAlgorithmEx(c.dnn, d->w, w, d->y, x, d->conv, d->x, y, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &found, perf,
                                                          probe_ws.get(), ws_limit),
              "cudnnFindConvolutionBackwardDataAlgorithmEx");
    return first_acceptable(perf, found, m, algo, memory, ms);
  };
  auto pick = [&] { return choose_algo(a, key, math_candidates(dt, a.tf32), find); };
  AlgoChoice choice{};
  if (racing) {
    if (race_graph(a, shape, plan, x, w, y, d, d->x, *call, bwd_data_algo_name, pick, &choice, &race)) return call;
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
