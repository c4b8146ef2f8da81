#include "cuda/dnn_graph.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <set>

#include "common/error.h"
#include "cuda/check.h"
#include "cuda/event_timer.h"

namespace abw::cuda::dnn_graph {

void check(cudnnStatus_t s, const char* what) {
  if (s == CUDNN_STATUS_SUCCESS) return;
  if (s == CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED || s == CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED)
    fail("ENOMEM", std::string("out of memory in ") + what);
  fail("EINTERNAL", std::string(what) + " failed: " + cudnnGetErrorString(s));
}

Desc::Desc(cudnnBackendDescriptorType_t type, const char* what) { check(cudnnBackendCreateDescriptor(type, &d_), what); }

Desc::~Desc() {
  if (d_) cudnnBackendDestroyDescriptor(d_);
}

void Desc::set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, int64_t count, const void* values, const char* what) {
  check(cudnnBackendSetAttribute(d_, name, type, count, values), what);
}

void Desc::set_ints(cudnnBackendAttributeName_t name, const std::vector<int64_t>& v, const char* what) {
  set(name, CUDNN_TYPE_INT64, static_cast<int64_t>(v.size()), v.data(), what);
}

void Desc::set_desc(cudnnBackendAttributeName_t name, const Desc& d, const char* what) {
  cudnnBackendDescriptor_t raw = d.get();
  set(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &raw, what);
}

void Desc::finalize(const char* what) { check(cudnnBackendFinalize(d_), what); }

std::string ConvShape::key() const {
  std::string k = kind == forward ? "fwd" : "bwd-data";
  auto add = [&](const char* name, const int64_t* v, int n) {
    k += std::string(" ") + name;
    for (int i = 0; i < n; ++i) k += (i ? "," : "") + std::to_string(v[i]);
  };
  add("x", x.data(), 4);
  add("w", w.data(), 4);
  add("y", y.data(), 4);
  add("pre", pre.data(), 2);
  add("post", post.data(), 2);
  add("s", stride.data(), 2);
  add("d", dilation.data(), 2);
  if (channels_last) k += " nhwc";
  add("align", &alignment, 1);
  return k;
}

int64_t pointer_alignment(std::initializer_list<const void*> ptrs) {
  uintptr_t bits = 16;
  for (const void* p : ptrs) bits |= reinterpret_cast<uintptr_t>(p);
  return static_cast<int64_t>(bits & (~bits + 1));  // lowest set bit, at most 16
}

const char* mode_name(ConvMode m) {
  switch (m) {
    case ConvMode::tf32: return "tf32";
    case ConvMode::f16: return "f16";
    case ConvMode::bf16: return "bf16";
  }
  return "?";
}

class ConvPlan {
 public:
  cudnnHandle_t handle = nullptr;
  ConvShape::Kind kind = ConvShape::forward;
  bool bias = false;        // the graph adds a per-channel bias (its variant pack has one more tensor)
  std::vector<Desc> graph;  // tensors, convolution, operations, operation graph
  std::unique_ptr<Desc> config, plan;
  PlanInfo info;
};

const PlanInfo& plan_info(const ConvPlan& p) { return p.info; }

namespace {

// The unique ids of the graph's tensors, in the variant pack too (kConvOut is virtual: the
// convolution's f32 result before the bias, never in memory).
constexpr int64_t kX = 1, kW = 2, kY = 3, kConvOut = 4, kBias = 5;
// Candidate plans timed per graph, at most: the distinct configs of heuristics A, B and
// FALLBACK that the mode accepts, in that order. The engine that the first heuristic ranks
// first is not always the fastest (H100, tf32 conv1d: PyTorch's conv ran ~0.56 ms against the
// 0.63 ms of the best of the first four), so the search goes well past the first few.
constexpr int kMaxTimed = 16;
// Plans finalised at most, built or not: bounds the search where many configs don't cover the shape.
constexpr int kMaxTried = 40;
// The fastest few of the first pass (three calls each) are timed again, interleaved: with many
// candidates, the minimum of noisy times favours the lucky one.
constexpr int kFinalists = 3;
constexpr int kFirstReps = 3, kFinalReps = 10, kFinalRounds = 2;

// The data type of x, w and y.
cudnnDataType_t data_type(ConvMode m) {
  return m == ConvMode::f16 ? CUDNN_DATA_HALF : m == ConvMode::bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
}

Desc tensor(int64_t uid, const std::array<int64_t, 4>& dims, int64_t alignment, cudnnDataType_t dt, bool channels_last, bool is_virtual = false) {
  Desc t(CUDNN_BACKEND_TENSOR_DESCRIPTOR, "cudnnBackendCreateDescriptor(TENSOR)");
  t.set(CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &dt, "cudnnBackendSetAttribute(TENSOR_DATA_TYPE)");
  t.set_ints(CUDNN_ATTR_TENSOR_DIMENSIONS, {dims[0], dims[1], dims[2], dims[3]}, "cudnnBackendSetAttribute(TENSOR_DIMENSIONS)");
  // Contiguous NCHW, or NHWC (KRSC for the filter) for channels-last data: the dims stay
  // [N, C, H, W] and only the strides say where C lives.
  const int64_t C = dims[1], H = dims[2], W = dims[3];
  if (channels_last)
    t.set_ints(CUDNN_ATTR_TENSOR_STRIDES, {H * W * C, 1, W * C, C}, "cudnnBackendSetAttribute(TENSOR_STRIDES)");
  else
    t.set_ints(CUDNN_ATTR_TENSOR_STRIDES, {C * H * W, H * W, W, 1}, "cudnnBackendSetAttribute(TENSOR_STRIDES)");
  t.set(CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid, "cudnnBackendSetAttribute(TENSOR_UNIQUE_ID)");
  t.set(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1, &alignment, "cudnnBackendSetAttribute(TENSOR_BYTE_ALIGNMENT)");
  if (is_virtual) {
    const bool v = true;
    t.set(CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_TYPE_BOOLEAN, 1, &v, "cudnnBackendSetAttribute(TENSOR_IS_VIRTUAL)");
  }
  t.finalize("cudnnBackendFinalize(TENSOR)");
  return t;
}

// x, w, y, the convolution, its operation and the operation graph, in that order; with a bias
// (`bias_alignment` > 0) the convolution's virtual f32 result, the bias [1, C, 1, 1], the
// pointwise descriptor and the pointwise add come before the graph. The tensors are of
// `conv_mode`'s data type; the convolution computes in f32 whatever the mode.
std::vector<Desc> build_graph(cudnnHandle_t h, const ConvShape& s, ConvMode conv_mode, int64_t bias_alignment, bool full_addend) {
  std::vector<Desc> g;
  const cudnnDataType_t dt = data_type(conv_mode);
  const bool fwd = s.kind == ConvShape::forward;
  const bool with_bias = bias_alignment > 0;
  const bool cl = s.channels_last;
  g.push_back(tensor(kX, s.x, s.alignment, dt, cl));
  g.push_back(tensor(kW, s.w, s.alignment, dt, cl));
  g.push_back(tensor(kY, s.y, s.alignment, dt, cl));
  // What the operation writes: y forward, dx (our output) for the data gradient.
  const std::array<int64_t, 4>& out_dims = fwd ? s.y : s.x;
  const size_t out_at = fwd ? 2 : 0;
  if (with_bias) {
    g.push_back(tensor(kConvOut, out_dims, s.alignment, CUDNN_DATA_FLOAT, cl, true));
    // A per-channel bias broadcasts over n, h and w; a residual has the output's own shape.
    g.push_back(tensor(kBias, full_addend ? out_dims : std::array<int64_t, 4>{1, out_dims[1], 1, 1}, bias_alignment, dt, cl));
  }
  const size_t conv_out_at = with_bias ? 3 : out_at;

  Desc conv(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR, "cudnnBackendCreateDescriptor(CONVOLUTION)");
  const cudnnDataType_t comp = CUDNN_DATA_FLOAT;
  const cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION;
  const int64_t dims = 2;
  conv.set(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &comp, "cudnnBackendSetAttribute(CONVOLUTION_COMP_TYPE)");
  conv.set(CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, 1, &mode, "cudnnBackendSetAttribute(CONVOLUTION_CONV_MODE)");
  conv.set(CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64, 1, &dims, "cudnnBackendSetAttribute(CONVOLUTION_SPATIAL_DIMS)");
  conv.set_ints(CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, {s.pre[0], s.pre[1]}, "cudnnBackendSetAttribute(CONVOLUTION_PRE_PADDINGS)");
  conv.set_ints(CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, {s.post[0], s.post[1]}, "cudnnBackendSetAttribute(CONVOLUTION_POST_PADDINGS)");
  conv.set_ints(CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, {s.stride[0], s.stride[1]}, "cudnnBackendSetAttribute(CONVOLUTION_FILTER_STRIDES)");
  conv.set_ints(CUDNN_ATTR_CONVOLUTION_DILATIONS, {s.dilation[0], s.dilation[1]}, "cudnnBackendSetAttribute(CONVOLUTION_DILATIONS)");
  conv.finalize("cudnnBackendFinalize(CONVOLUTION)");

  // alpha 1, beta 0: a bias is either the graph's pointwise add or added afterwards (conv.cu).
  const float alpha = 1.f, beta = 0.f;
  Desc op(fwd ? CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR : CUDNN_BACKEND_OPERATION_CONVOLUTION_BACKWARD_DATA_DESCRIPTOR,
          "cudnnBackendCreateDescriptor(OPERATION_CONVOLUTION)");
  if (fwd) {
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, g[0], "cudnnBackendSetAttribute(CONVOLUTION_FORWARD_X)");
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, g[1], "cudnnBackendSetAttribute(CONVOLUTION_FORWARD_W)");
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, g[conv_out_at], "cudnnBackendSetAttribute(CONVOLUTION_FORWARD_Y)");
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, conv, "cudnnBackendSetAttribute(CONVOLUTION_FORWARD_CONV_DESC)");
    op.set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT, 1, &alpha, "cudnnBackendSetAttribute(CONVOLUTION_FORWARD_ALPHA)");
    op.set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT, 1, &beta, "cudnnBackendSetAttribute(CONVOLUTION_FORWARD_BETA)");
  } else {
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DX, g[conv_out_at], "cudnnBackendSetAttribute(CONVOLUTION_BWD_DATA_DX)");
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_W, g[1], "cudnnBackendSetAttribute(CONVOLUTION_BWD_DATA_W)");
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DY, g[2], "cudnnBackendSetAttribute(CONVOLUTION_BWD_DATA_DY)");
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_CONV_DESC, conv, "cudnnBackendSetAttribute(CONVOLUTION_BWD_DATA_CONV_DESC)");
    op.set(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_ALPHA, CUDNN_TYPE_FLOAT, 1, &alpha, "cudnnBackendSetAttribute(CONVOLUTION_BWD_DATA_ALPHA)");
    op.set(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_BETA, CUDNN_TYPE_FLOAT, 1, &beta, "cudnnBackendSetAttribute(CONVOLUTION_BWD_DATA_BETA)");
  }
  op.finalize("cudnnBackendFinalize(OPERATION_CONVOLUTION)");

  std::vector<cudnnBackendDescriptor_t> ops = {op.get()};
  if (with_bias) {
    // out = conv_out + bias, broadcast over n, h and w, computed in f32.
    Desc pw(CUDNN_BACKEND_POINTWISE_DESCRIPTOR, "cudnnBackendCreateDescriptor(POINTWISE)");
    const cudnnPointwiseMode_t add = CUDNN_POINTWISE_ADD;
    pw.set(CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, 1, &add, "cudnnBackendSetAttribute(POINTWISE_MODE)");
    pw.set(CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_TYPE_DATA_TYPE, 1, &comp, "cudnnBackendSetAttribute(POINTWISE_MATH_PREC)");
    pw.finalize("cudnnBackendFinalize(POINTWISE)");
    Desc pw_op(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR, "cudnnBackendCreateDescriptor(OPERATION_POINTWISE)");
    const float one = 1.f;
    pw_op.set_desc(CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, pw, "cudnnBackendSetAttribute(OPERATION_POINTWISE_PW_DESCRIPTOR)");
    pw_op.set_desc(CUDNN_ATTR_OPERATION_POINTWISE_XDESC, g[3], "cudnnBackendSetAttribute(OPERATION_POINTWISE_XDESC)");
    pw_op.set_desc(CUDNN_ATTR_OPERATION_POINTWISE_BDESC, g[4], "cudnnBackendSetAttribute(OPERATION_POINTWISE_BDESC)");
    pw_op.set_desc(CUDNN_ATTR_OPERATION_POINTWISE_YDESC, g[out_at], "cudnnBackendSetAttribute(OPERATION_POINTWISE_YDESC)");
    pw_op.set(CUDNN_ATTR_OPERATION_POINTWISE_ALPHA1, CUDNN_TYPE_FLOAT, 1, &one, "cudnnBackendSetAttribute(OPERATION_POINTWISE_ALPHA1)");
    pw_op.set(CUDNN_ATTR_OPERATION_POINTWISE_ALPHA2, CUDNN_TYPE_FLOAT, 1, &one, "cudnnBackendSetAttribute(OPERATION_POINTWISE_ALPHA2)");
    pw_op.finalize("cudnnBackendFinalize(OPERATION_POINTWISE)");
    ops.push_back(pw_op.get());
    g.push_back(std::move(pw));
    g.push_back(std::move(pw_op));
  }

  Desc graph(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR, "cudnnBackendCreateDescriptor(OPERATIONGRAPH)");
  graph.set(CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, static_cast<int64_t>(ops.size()), ops.data(),
            "cudnnBackendSetAttribute(OPERATIONGRAPH_OPS)");
  graph.set(CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1, &h, "cudnnBackendSetAttribute(OPERATIONGRAPH_HANDLE)");
  graph.finalize("cudnnBackendFinalize(OPERATIONGRAPH)");
  g.push_back(std::move(conv));
  g.push_back(std::move(op));
  g.push_back(std::move(graph));
  return g;
}

// The engine configs that the heuristics of `mode` offer for the graph, best first.
std::vector<std::unique_ptr<Desc>> heuristic_configs(const Desc& graph, cudnnBackendHeurMode_t mode) {
  Desc heur(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR, "cudnnBackendCreateDescriptor(ENGINEHEUR)");
  heur.set_desc(CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, graph, "cudnnBackendSetAttribute(ENGINEHEUR_OPERATION_GRAPH)");
  heur.set(CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1, &mode, "cudnnBackendSetAttribute(ENGINEHEUR_MODE)");
  heur.finalize("cudnnBackendFinalize(ENGINEHEUR)");
  int64_t n = 0;
  check(cudnnBackendGetAttribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &n, nullptr),
        "cudnnBackendGetAttribute(ENGINEHEUR_RESULTS count)");
  std::vector<std::unique_ptr<Desc>> cfgs;
  std::vector<cudnnBackendDescriptor_t> raw;
  for (int64_t i = 0; i < n; ++i) {
    cfgs.push_back(std::make_unique<Desc>(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR, "cudnnBackendCreateDescriptor(ENGINECFG)"));
    raw.push_back(cfgs.back()->get());
  }
  int64_t got = 0;
  if (n > 0)
    check(cudnnBackendGetAttribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR, n, &got, raw.data()),
          "cudnnBackendGetAttribute(ENGINEHEUR_RESULTS)");
  cfgs.resize(static_cast<size_t>(std::max<int64_t>(0, std::min(got, n))));
  return cfgs;
}

struct EngineNotes {
  int64_t index = -1;
  bool tensor_core = false, down_convert = false, reduced_reduction = false;
  std::string text;  // numerical notes, then behaviour notes
  std::string tag;   // "eng38_k2=1_k3=0": what makes two configs the same candidate
};

const char* heur_name(cudnnBackendHeurMode_t m) {
  switch (m) {
    case CUDNN_HEUR_MODE_A: return "heuristics A";
    case CUDNN_HEUR_MODE_B: return "heuristics B";
    case CUDNN_HEUR_MODE_FALLBACK: return "fallback";
    default: return "heuristics";
  }
}

// The config's knob choices as cudnn-frontend tags its plans; "" when cuDNN cannot say.
std::string knob_tag(const Desc& cfg) {
  std::vector<std::unique_ptr<Desc>> knobs;
  std::vector<cudnnBackendDescriptor_t> raw;
  for (int i = 0; i < CUDNN_KNOB_TYPE_COUNTS; ++i) {
    knobs.push_back(std::make_unique<Desc>(CUDNN_BACKEND_KNOB_CHOICE_DESCRIPTOR, "cudnnBackendCreateDescriptor(KNOB_CHOICE)"));
    raw.push_back(knobs.back()->get());
  }
  int64_t n = 0;
  if (cudnnBackendGetAttribute(cfg.get(), CUDNN_ATTR_ENGINECFG_KNOB_CHOICES, CUDNN_TYPE_BACKEND_DESCRIPTOR, CUDNN_KNOB_TYPE_COUNTS, &n, raw.data()) !=
      CUDNN_STATUS_SUCCESS)
    return "";
  std::string tag;
  for (int64_t i = 0; i < std::min<int64_t>(n, CUDNN_KNOB_TYPE_COUNTS); ++i) {
    cudnnBackendKnobType_t type = CUDNN_KNOB_TYPE_COUNTS;
    int64_t value = -2, got = 0;
    if (cudnnBackendGetAttribute(raw[static_cast<size_t>(i)], CUDNN_ATTR_KNOB_CHOICE_KNOB_TYPE, CUDNN_TYPE_KNOB_TYPE, 1, &got, &type) !=
            CUDNN_STATUS_SUCCESS ||
        cudnnBackendGetAttribute(raw[static_cast<size_t>(i)], CUDNN_ATTR_KNOB_CHOICE_KNOB_VALUE, CUDNN_TYPE_INT64, 1, &got, &value) !=
            CUDNN_STATUS_SUCCESS)
      return "";
    tag += "_k" + std::to_string(static_cast<int>(type)) + "=" + std::to_string(value);
  }
  return tag.empty() ? "_default" : tag;
}

EngineNotes engine_notes(const Desc& cfg) {
  Desc engine(CUDNN_BACKEND_ENGINE_DESCRIPTOR, "cudnnBackendCreateDescriptor(ENGINE)");
  cudnnBackendDescriptor_t raw = engine.get();
  int64_t n = 0;
  check(cudnnBackendGetAttribute(cfg.get(), CUDNN_ATTR_ENGINECFG_ENGINE, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &n, &raw),
        "cudnnBackendGetAttribute(ENGINECFG_ENGINE)");
  EngineNotes e;
  check(cudnnBackendGetAttribute(raw, CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, 1, &n, &e.index), "cudnnBackendGetAttribute(ENGINE_GLOBAL_INDEX)");
  cudnnBackendNumericalNote_t notes[CUDNN_NUMERICAL_NOTE_TYPE_COUNT];
  n = 0;
  check(cudnnBackendGetAttribute(raw, CUDNN_ATTR_ENGINE_NUMERICAL_NOTE, CUDNN_TYPE_NUMERICAL_NOTE, CUDNN_NUMERICAL_NOTE_TYPE_COUNT, &n, notes),
        "cudnnBackendGetAttribute(ENGINE_NUMERICAL_NOTE)");
  static const char* const names[] = {"tensor core", "down-convert inputs", "reduced-precision reduction", "fft", "nondeterministic",
                                      "winograd", "winograd 4x4", "winograd 6x6", "winograd 13x13", "strict nan propagation"};
  for (int64_t i = 0; i < std::min<int64_t>(n, CUDNN_NUMERICAL_NOTE_TYPE_COUNT); ++i) {
    const cudnnBackendNumericalNote_t note = notes[i];
    e.tensor_core |= note == CUDNN_NUMERICAL_NOTE_TENSOR_CORE;
    e.down_convert |= note == CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS;
    e.reduced_reduction |= note == CUDNN_NUMERICAL_NOTE_REDUCED_PRECISION_REDUCTION;
    const int k = static_cast<int>(note);
    e.text += (e.text.empty() ? "" : ", ") + std::string(k >= 0 && k < 10 ? names[k] : "note " + std::to_string(k));
  }
  // Behaviour notes only inform the record ("runtime compilation": built by NVRTC at finalise).
  cudnnBackendBehaviorNote_t behaviour[CUDNN_BEHAVIOR_NOTE_TYPE_COUNT];
  n = 0;
  if (cudnnBackendGetAttribute(raw, CUDNN_ATTR_ENGINE_BEHAVIOR_NOTE, CUDNN_TYPE_BEHAVIOR_NOTE, CUDNN_BEHAVIOR_NOTE_TYPE_COUNT, &n, behaviour) ==
      CUDNN_STATUS_SUCCESS)
    for (int64_t i = 0; i < std::min<int64_t>(n, CUDNN_BEHAVIOR_NOTE_TYPE_COUNT); ++i)
      if (behaviour[i] == CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION) e.text += (e.text.empty() ? "" : ", ") + std::string("runtime compilation");
  e.tag = "eng" + std::to_string(e.index) + knob_tag(cfg);
  return e;
}

// The variant pack of a graph: x, w, y (and the bias where the graph adds one), the workspace.
Desc variant_pack(const void* in, const void* w, void* out, const void* bias, void* workspace, ConvShape::Kind kind) {
  Desc p(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, "cudnnBackendCreateDescriptor(VARIANT_PACK)");
  const int64_t uids[4] = {kX, kW, kY, kBias};
  // forward reads x (in) and writes y (out); backward data reads dy (in) and writes dx (out).
  void* x = kind == ConvShape::forward ? const_cast<void*>(in) : out;
  void* y = kind == ConvShape::forward ? out : const_cast<void*>(in);
  void* ptrs[4] = {x, const_cast<void*>(w), y, const_cast<void*>(bias)};
  const int64_t n = bias ? 4 : 3;
  p.set(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, n, uids, "cudnnBackendSetAttribute(VARIANT_PACK_UNIQUE_IDS)");
  p.set(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, n, ptrs, "cudnnBackendSetAttribute(VARIANT_PACK_DATA_POINTERS)");
  p.set(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1, &workspace, "cudnnBackendSetAttribute(VARIANT_PACK_WORKSPACE)");
  p.finalize("cudnnBackendFinalize(VARIANT_PACK)");
  return p;
}

// Milliseconds per call of a plan on the real buffers (one warm-up, then the mean of `reps`),
// or a negative value when cuDNN refuses to run it.
float time_plan(cudnnHandle_t h, const Desc& plan, const Desc& pack, cudaStream_t s, int reps) {
  check(cudnnSetStream(h, s), "cudnnSetStream");
  if (cudnnBackendExecute(h, plan.get(), pack.get()) != CUDNN_STATUS_SUCCESS) return -1.f;
  return mean_launch_ms(s, reps, [&] { return cudnnBackendExecute(h, plan.get(), pack.get()) == CUDNN_STATUS_SUCCESS; });
}

// Runs a plan for about 20 ms before anything is timed, so that the first candidates are not
// timed at idle clocks (they are the heuristics' favourites).
void warm_clocks(cudnnHandle_t h, const Desc& plan, const Desc& pack, cudaStream_t s) {
  const float ms = time_plan(h, plan, pack, s, 1);
  if (!(ms > 0.f)) return;
  const int n = static_cast<int>(std::min(200.f, std::max(1.f, 20.f / ms)));
  mean_launch_ms(s, n, [&] { return cudnnBackendExecute(h, plan.get(), pack.get()) == CUDNN_STATUS_SUCCESS; });
}

struct CacheEntry {
  std::shared_ptr<const ConvPlan> plan;
  std::string why;
};
std::mutex cache_mu;
// Never destroyed: plans live as long as the process, and destroying them during exit could run
// after the CUDA runtime has gone.
std::map<std::string, CacheEntry>& cache() {
  static auto* m = new std::map<std::string, CacheEntry>;
  return *m;
}

// Whether `mode` may run an engine with these notes.
bool acceptable(ConvMode mode, const EngineNotes& notes) {
  // Inputs down-converted to a narrower type, or a reduction (accumulation, split-K partial
  // sums) in reduced precision, are coarser than the mode promises, whatever the mode.
  if (notes.down_convert || notes.reduced_reduction) return false;
  // TF32 on float data is the tensor-core note; a float engine without it is the FMA f32 that
  // the f32 mode already runs. f16/bf16 take tensor-core engines and any other.
  return mode != ConvMode::tf32 || notes.tensor_core;
}

bool is_enomem(const Error& e) { return e.code() == "ENOMEM"; }

// A built plan of the search, with its first and final times.
struct Candidate {
  std::unique_ptr<Desc> config, plan, pack;
  EngineNotes notes;
  int64_t workspace = 0;
  float first_ms = -1.f, final_ms = -1.f;
};

// The buffers a graph reads and writes; `bias` only for a graph with the pointwise add, which
// is a residual of the output's shape when `full_addend`.
struct Operands {
  const void* in;
  const void* w;
  const void* bias;
  void* out;
  bool full_addend = false;
};

std::shared_ptr<const ConvPlan> search(ConvMode conv_mode, const ConvShape& s, const Operands& io, size_t workspace_cap, std::string* why) {
  Context& c = ctx();
  const cudaStream_t stream = c.stream();
  auto best = std::make_shared<ConvPlan>();
  best->handle = c.dnn;
  best->kind = s.kind;
  best->bias = io.bias != nullptr;
  best->graph = build_graph(c.dnn, s, conv_mode, io.bias ? pointer_alignment({io.bias}) : 0, io.full_addend);
  const Desc& graph = best->graph.back();

  // Every distinct config that the three heuristics offer, in their order (A first).
  std::vector<std::pair<std::unique_ptr<Desc>, EngineNotes>> configs;
  std::set<std::string> seen;
  std::string refusals;
  for (cudnnBackendHeurMode_t mode : {CUDNN_HEUR_MODE_A, CUDNN_HEUR_MODE_B, CUDNN_HEUR_MODE_FALLBACK}) {
    std::vector<std::unique_ptr<Desc>> got;
    try {
      got = heuristic_configs(graph, mode);
    } catch (const Error& e) {
      if (is_enomem(e)) throw;
      refusals += std::string(refusals.empty() ? "" : "; ") + heur_name(mode) + ": " + e.what();
      continue;
    }
    for (auto& cfg : got) {
      EngineNotes notes;
      try {
        notes = engine_notes(*cfg);
      } catch (const Error& e) {
        if (is_enomem(e)) throw;
        continue;  // a config that cannot describe itself is not a candidate
      }
      // Without knob choices, two configs of one engine may differ: keep both.
      if (notes.tag == "eng" + std::to_string(notes.index)) notes.tag += "_cfg" + std::to_string(configs.size());
      if (!seen.insert(notes.tag).second) continue;
      configs.emplace_back(std::move(cfg), std::move(notes));
    }
  }
  best->info.offered = static_cast<int>(configs.size());

  // Build the plans that the mode accepts, within the workspace cap.
  std::vector<Candidate> cands;
  int accepted = 0, tried = 0;
  int64_t max_ws = 0;
  for (auto& [cfg, notes] : configs) {
    if (static_cast<int>(cands.size()) >= kMaxTimed || tried >= kMaxTried) break;
    if (!acceptable(conv_mode, notes)) continue;
    ++accepted;
    ++tried;
    try {
      auto plan = std::make_unique<Desc>(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR, "cudnnBackendCreateDescriptor(EXECUTION_PLAN)");
      plan->set(CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, 1, &c.dnn, "cudnnBackendSetAttribute(EXECUTION_PLAN_HANDLE)");
      plan->set_desc(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, *cfg, "cudnnBackendSetAttribute(EXECUTION_PLAN_ENGINE_CONFIG)");
      // An engine that does not cover this shape says so here: not an error, the next one.
      if (cudnnBackendFinalize(plan->get()) != CUDNN_STATUS_SUCCESS) continue;
      int64_t ws = 0, n = 0;
      if (cudnnBackendGetAttribute(plan->get(), CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE, CUDNN_TYPE_INT64, 1, &n, &ws) != CUDNN_STATUS_SUCCESS) continue;
      if (ws < 0 || static_cast<size_t>(ws) > workspace_cap) continue;
      Candidate k;
      k.config = std::move(cfg);
      k.plan = std::move(plan);
      k.notes = notes;
      k.workspace = ws;
      max_ws = std::max(max_ws, ws);
      cands.push_back(std::move(k));
    } catch (const Error& e) {
      if (is_enomem(e)) throw;
    }
  }
  best->info.built = static_cast<int>(cands.size());

  // Time them all on the bound tensors with one workspace (the largest they need): one
  // allocation, where one per candidate would leave that many sizes in the allocator's cache.
  Scratch workspace(static_cast<size_t>(max_ws));
  for (auto& k : cands) {
    try {
      k.pack = std::make_unique<Desc>(variant_pack(io.in, io.w, io.out, io.bias, workspace.get(), s.kind));
    } catch (const Error& e) {
      if (is_enomem(e)) throw;
    }
  }
  bool warm = false;
  for (auto& k : cands) {
    if (!k.pack) continue;
    if (!warm) {
      warm_clocks(c.dnn, *k.plan, *k.pack, stream);
      warm = true;
    }
    k.first_ms = time_plan(c.dnn, *k.plan, *k.pack, stream, kFirstReps);
    if (k.first_ms >= 0.f) ++best->info.timed;
  }
  cands.erase(std::remove_if(cands.begin(), cands.end(), [](const Candidate& k) { return !(k.first_ms >= 0.f); }), cands.end());
  if (cands.empty()) {
    const std::string what = conv_mode == ConvMode::tf32 ? "TF32 tensor-core plan" : std::string(mode_name(conv_mode)) + " plan with f32 accumulation";
    const std::string filter = conv_mode == ConvMode::tf32 ? " with the tensor-core note, " : " without reduced-precision reduction or down-converted inputs, ";
    *why = "the graph API had no " + what + (io.bias ? " with the bias add" : "") + ": " + std::to_string(best->info.offered) +
           " distinct engine configs offered (heuristics A, B, fallback), " + std::to_string(accepted) + filter + std::to_string(best->info.built) +
           " built within the workspace cap, " + std::to_string(best->info.timed) + " ran" + (refusals.empty() ? "" : " (" + refusals + ")");
    return nullptr;
  }
  std::stable_sort(cands.begin(), cands.end(), [](const Candidate& p, const Candidate& q) { return p.first_ms < q.first_ms; });

  // The finalists again, interleaved, the best round of each.
  const size_t finalists = std::min<size_t>(cands.size(), kFinalists);
  for (int round = 0; round < kFinalRounds; ++round)
    for (size_t i = 0; i < finalists; ++i) {
      const float ms = time_plan(c.dnn, *cands[i].plan, *cands[i].pack, stream, kFinalReps);
      if (ms >= 0.f && (cands[i].final_ms < 0.f || ms < cands[i].final_ms)) cands[i].final_ms = ms;
    }
  for (size_t i = 0; i < cands.size(); ++i)
    if (i >= finalists || cands[i].final_ms < 0.f) cands[i].final_ms = cands[i].first_ms;
  std::stable_sort(cands.begin(), cands.begin() + static_cast<std::ptrdiff_t>(finalists),
                   [](const Candidate& p, const Candidate& q) { return p.final_ms < q.final_ms; });

  Candidate& win = cands[0];
  best->plan = std::move(win.plan);
  best->config = std::move(win.config);
  best->info.engine = win.notes.index;
  best->info.notes = win.notes.text;
  best->info.tag = win.notes.tag;
  best->info.ms = win.final_ms;
  best->info.workspace = win.workspace;
  best->info.bias = best->bias;
  if (cands.size() > 1) {
    best->info.runner_up_engine = cands[1].notes.index;
    best->info.runner_up_tag = cands[1].notes.tag;
    best->info.runner_up_ms = cands[1].final_ms;
  }
  return best;
}

std::shared_ptr<const ConvPlan> cached_search(const std::string& key, ConvMode mode, const ConvShape& s, const Operands& io, size_t workspace_cap,
                                              std::string* why) {
  {
    std::lock_guard<std::mutex> lock(cache_mu);
    auto it = cache().find(key);
    if (it != cache().end()) {
      *why = it->second.why;
      return it->second.plan;
    }
  }
  CacheEntry e;
  try {
    e.plan = search(mode, s, io, workspace_cap, &e.why);
  } catch (const Error& err) {
    // Out of memory is the case's result, not a reason to change API.
    if (is_enomem(err)) throw;
    e.plan = nullptr;
    e.why = std::string("the graph API failed: ") + err.what();
  }
  std::lock_guard<std::mutex> lock(cache_mu);
  cache()[key] = e;
  *why = e.why;
  return e.plan;
}

}  // namespace

std::shared_ptr<const ConvPlan> conv_plan(ConvMode mode, const ConvShape& s, const void* in, const void* w, void* out, size_t workspace_cap,
                                          std::string* why) {
  const std::string key = std::string(mode_name(mode)) + " " + s.key() + " cap " + std::to_string(workspace_cap);
  return cached_search(key, mode, s, Operands{in, w, nullptr, out}, workspace_cap, why);
}

std::shared_ptr<const ConvPlan> conv_bias_plan(ConvMode mode, const ConvShape& s, const void* in, const void* w, const void* bias, void* out,
                                               size_t workspace_cap, std::string* why) {
  if (!bias) fail("EINTERNAL", "conv_bias_plan without a bias");
  const std::string key = std::string(mode_name(mode)) + " " + s.key() + " cap " + std::to_string(workspace_cap) + " bias align " +
                          std::to_string(pointer_alignment({bias}));
  return cached_search(key, mode, s, Operands{in, w, bias, out}, workspace_cap, why);
}

std::shared_ptr<const ConvPlan> conv_residual_plan(ConvMode mode, const ConvShape& s, const void* in, const void* w, const void* residual, void* out,
                                                   size_t workspace_cap, std::string* why) {
  if (!residual) fail("EINTERNAL", "conv_residual_plan without a residual");
  const std::string key = std::string(mode_name(mode)) + " " + s.key() + " cap " + std::to_string(workspace_cap) + " residual align " +
                          std::to_string(pointer_alignment({residual}));
  return cached_search(key, mode, s, Operands{in, w, residual, out, true}, workspace_cap, why);
}

namespace {
const void* required_bias(const ConvPlan& p, const void* bias) {
  if (p.bias && !bias) fail("EINTERNAL", "a graph plan with a bias add was bound without a bias");
  return p.bias ? bias : nullptr;
}
}  // namespace

BoundConv::BoundConv(std::shared_ptr<const ConvPlan> plan, const void* in, const void* w, void* out, const void* bias)
    : plan_(std::move(plan)),
      workspace_(std::make_unique<Scratch>(static_cast<size_t>(plan_->info.workspace))),
      pack_(variant_pack(in, w, out, required_bias(*plan_, bias), workspace_->get(), plan_->kind)) {}

cudnnStatus_t BoundConv::execute(cudaStream_t s) const {
  const cudnnStatus_t st = cudnnSetStream(plan_->handle, s);
  if (st != CUDNN_STATUS_SUCCESS) return st;
  return cudnnBackendExecute(plan_->handle, plan_->plan->get(), pack_.get());
}

void BoundConv::launch(cudaStream_t s) const {
  check(cudnnSetStream(plan_->handle, s), "cudnnSetStream");
  check(cudnnBackendExecute(plan_->handle, plan_->plan->get(), pack_.get()), "cudnnBackendExecute");
}

}  // namespace abw::cuda::dnn_graph
