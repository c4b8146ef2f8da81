#include "cuda/dnn_graph.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>

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
  std::vector<Desc> graph;  // tensors, convolution, operation, operation graph
  std::unique_ptr<Desc> config, plan;
  PlanInfo info;
};

const PlanInfo& plan_info(const ConvPlan& p) { return p.info; }

namespace {

// The unique ids of the graph's three tensors, in the variant pack too.
constexpr int64_t kX = 1, kW = 2, kY = 3;
// Candidate plans timed per shape: the heuristics' order is good enough beyond the first few.
// f16/bf16 time a few more: there the plan races the legacy API's best algorithm (conv.cu), and
// the search runs once per geometry.
int max_timed(ConvMode m) { return m == ConvMode::tf32 ? 6 : 10; }

// The data type of x, w and y.
cudnnDataType_t data_type(ConvMode m) {
  return m == ConvMode::f16 ? CUDNN_DATA_HALF : m == ConvMode::bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
}

Desc tensor(int64_t uid, const std::array<int64_t, 4>& dims, int64_t alignment, cudnnDataType_t dt) {
  Desc t(CUDNN_BACKEND_TENSOR_DESCRIPTOR, "cudnnBackendCreateDescriptor(TENSOR)");
  t.set(CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &dt, "cudnnBackendSetAttribute(TENSOR_DATA_TYPE)");
  t.set_ints(CUDNN_ATTR_TENSOR_DIMENSIONS, {dims[0], dims[1], dims[2], dims[3]}, "cudnnBackendSetAttribute(TENSOR_DIMENSIONS)");
  // Contiguous NCHW.
  t.set_ints(CUDNN_ATTR_TENSOR_STRIDES, {dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1}, "cudnnBackendSetAttribute(TENSOR_STRIDES)");
  t.set(CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid, "cudnnBackendSetAttribute(TENSOR_UNIQUE_ID)");
  t.set(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1, &alignment, "cudnnBackendSetAttribute(TENSOR_BYTE_ALIGNMENT)");
  t.finalize("cudnnBackendFinalize(TENSOR)");
  return t;
}

// x, w, y, the convolution, its operation and the operation graph, in that order. The tensors
// are of `conv_mode`'s data type; the convolution computes in f32 whatever the mode.
std::vector<Desc> build_graph(cudnnHandle_t h, const ConvShape& s, ConvMode conv_mode) {
  std::vector<Desc> g;
  const cudnnDataType_t dt = data_type(conv_mode);
  g.push_back(tensor(kX, s.x, s.alignment, dt));
  g.push_back(tensor(kW, s.w, s.alignment, dt));
  g.push_back(tensor(kY, s.y, s.alignment, dt));

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

  // alpha 1, beta 0: the bias is added afterwards (conv.cu), as PyTorch does.
  const float alpha = 1.f, beta = 0.f;
  const bool fwd = s.kind == ConvShape::forward;
  Desc op(fwd ? CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR : CUDNN_BACKEND_OPERATION_CONVOLUTION_BACKWARD_DATA_DESCRIPTOR,
          "cudnnBackendCreateDescriptor(OPERATION_CONVOLUTION)");
  if (fwd) {
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, g[0], "cudnnBackendSetAttribute(CONVOLUTION_FORWARD_X)");
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, g[1], "cudnnBackendSetAttribute(CONVOLUTION_FORWARD_W)");
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, g[2], "cudnnBackendSetAttribute(CONVOLUTION_FORWARD_Y)");
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, conv, "cudnnBackendSetAttribute(CONVOLUTION_FORWARD_CONV_DESC)");
    op.set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT, 1, &alpha, "cudnnBackendSetAttribute(CONVOLUTION_FORWARD_ALPHA)");
    op.set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT, 1, &beta, "cudnnBackendSetAttribute(CONVOLUTION_FORWARD_BETA)");
  } else {
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DX, g[0], "cudnnBackendSetAttribute(CONVOLUTION_BWD_DATA_DX)");
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_W, g[1], "cudnnBackendSetAttribute(CONVOLUTION_BWD_DATA_W)");
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DY, g[2], "cudnnBackendSetAttribute(CONVOLUTION_BWD_DATA_DY)");
    op.set_desc(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_CONV_DESC, conv, "cudnnBackendSetAttribute(CONVOLUTION_BWD_DATA_CONV_DESC)");
    op.set(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_ALPHA, CUDNN_TYPE_FLOAT, 1, &alpha, "cudnnBackendSetAttribute(CONVOLUTION_BWD_DATA_ALPHA)");
    op.set(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_BETA, CUDNN_TYPE_FLOAT, 1, &beta, "cudnnBackendSetAttribute(CONVOLUTION_BWD_DATA_BETA)");
  }
  op.finalize("cudnnBackendFinalize(OPERATION_CONVOLUTION)");

  Desc graph(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR, "cudnnBackendCreateDescriptor(OPERATIONGRAPH)");
  graph.set_desc(CUDNN_ATTR_OPERATIONGRAPH_OPS, op, "cudnnBackendSetAttribute(OPERATIONGRAPH_OPS)");
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
  std::string text;
};

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
  return e;
}

Desc variant_pack(const void* in, const void* w, void* out, void* workspace, ConvShape::Kind kind) {
  Desc p(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, "cudnnBackendCreateDescriptor(VARIANT_PACK)");
  const int64_t uids[3] = {kX, kW, kY};
  // forward reads x (in) and writes y (out); backward data reads dy (in) and writes dx (out).
  void* x = kind == ConvShape::forward ? const_cast<void*>(in) : out;
  void* y = kind == ConvShape::forward ? out : const_cast<void*>(in);
  void* ptrs[3] = {x, const_cast<void*>(w), y};
  p.set(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, 3, uids, "cudnnBackendSetAttribute(VARIANT_PACK_UNIQUE_IDS)");
  p.set(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, 3, ptrs, "cudnnBackendSetAttribute(VARIANT_PACK_DATA_POINTERS)");
  p.set(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1, &workspace, "cudnnBackendSetAttribute(VARIANT_PACK_WORKSPACE)");
  p.finalize("cudnnBackendFinalize(VARIANT_PACK)");
  return p;
}

// Milliseconds per call of a plan on the real buffers (one warm-up, then the mean of three), or
// a negative value when cuDNN refuses to run it.
float time_plan(cudnnHandle_t h, const Desc& plan, const Desc& pack, cudaStream_t s) {
  check(cudnnSetStream(h, s), "cudnnSetStream");
  if (cudnnBackendExecute(h, plan.get(), pack.get()) != CUDNN_STATUS_SUCCESS) return -1.f;
  return mean_launch_ms(s, 3, [&] { return cudnnBackendExecute(h, plan.get(), pack.get()) == CUDNN_STATUS_SUCCESS; });
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

std::shared_ptr<const ConvPlan> search(ConvMode conv_mode, const ConvShape& s, const void* in, const void* w, void* out, size_t workspace_cap,
                                       std::string* why) {
  Context& c = ctx();
  auto best = std::make_shared<ConvPlan>();
  best->handle = c.dnn;
  best->kind = s.kind;
  best->graph = build_graph(c.dnn, s, conv_mode);
  const Desc& graph = best->graph.back();
  const int limit = max_timed(conv_mode);
  int offered = 0, accepted = 0, built = 0;
  std::string refusals;
  float best_ms = 0.f;
  for (cudnnBackendHeurMode_t mode : {CUDNN_HEUR_MODE_A, CUDNN_HEUR_MODE_FALLBACK}) {
    std::vector<std::unique_ptr<Desc>> cfgs;
    try {
      cfgs = heuristic_configs(graph, mode);
    } catch (const Error& e) {
      refusals += std::string(refusals.empty() ? "" : "; ") + e.what();
      continue;
    }
    offered += static_cast<int>(cfgs.size());
    for (auto& cfg : cfgs) {
      if (best->info.timed >= limit) break;
      EngineNotes notes;
      try {
        notes = engine_notes(*cfg);
      } catch (const Error&) {
        continue;  // a config that cannot describe itself is not a candidate
      }
      if (!acceptable(conv_mode, notes)) continue;
      ++accepted;
      auto plan = std::make_unique<Desc>(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR, "cudnnBackendCreateDescriptor(EXECUTION_PLAN)");
      plan->set(CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, 1, &c.dnn, "cudnnBackendSetAttribute(EXECUTION_PLAN_HANDLE)");
      plan->set_desc(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, *cfg, "cudnnBackendSetAttribute(EXECUTION_PLAN_ENGINE_CONFIG)");
      // An engine that does not cover this shape says so here: not an error, the next one.
      if (cudnnBackendFinalize(plan->get()) != CUDNN_STATUS_SUCCESS) continue;
      int64_t ws = 0, n = 0;
      check(cudnnBackendGetAttribute(plan->get(), CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE, CUDNN_TYPE_INT64, 1, &n, &ws),
            "cudnnBackendGetAttribute(EXECUTION_PLAN_WORKSPACE_SIZE)");
      if (ws < 0 || static_cast<size_t>(ws) > workspace_cap) continue;
      ++built;
      Scratch workspace(static_cast<size_t>(ws));
      const Desc pack = variant_pack(in, w, out, workspace.get(), s.kind);
      const float ms = time_plan(c.dnn, *plan, pack, c.stream());
      if (ms < 0.f) continue;
      ++best->info.timed;
      if (!best->plan || ms < best_ms) {
        best_ms = ms;
        best->plan = std::move(plan);
        best->config = std::move(cfg);
        best->info.engine = notes.index;
        best->info.notes = notes.text;
        best->info.ms = ms;
        best->info.workspace = ws;
      }
    }
    // FALLBACK only when mode A gave nothing usable.
    if (best->plan) break;
  }
  if (!best->plan) {
    const std::string what = conv_mode == ConvMode::tf32 ? "TF32 tensor-core plan" : std::string(mode_name(conv_mode)) + " plan with f32 accumulation";
    const std::string filter = conv_mode == ConvMode::tf32 ? " with the tensor-core note, " : " without reduced-precision reduction or down-converted inputs, ";
    *why = "the graph API had no " + what + ": " + std::to_string(offered) + " engine configs offered, " + std::to_string(accepted) + filter +
           std::to_string(built) + " built within the workspace cap" + (refusals.empty() ? "" : " (" + refusals + ")");
    return nullptr;
  }
  return best;
}

}  // namespace

std::shared_ptr<const ConvPlan> conv_plan(ConvMode mode, const ConvShape& s, const void* in, const void* w, void* out, size_t workspace_cap,
                                          std::string* why) {
  const std::string key = std::string(mode_name(mode)) + " " + s.key() + " cap " + std::to_string(workspace_cap);
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
    e.plan = search(mode, s, in, w, out, workspace_cap, &e.why);
  } catch (const Error& err) {
    // Out of memory is the case's result, not a reason to change API.
    if (err.code() == "ENOMEM") throw;
    e.plan = nullptr;
    e.why = std::string("the graph API failed: ") + err.what();
  }
  std::lock_guard<std::mutex> lock(cache_mu);
  cache()[key] = e;
  *why = e.why;
  return e.plan;
}

BoundConv::BoundConv(std::shared_ptr<const ConvPlan> plan, const void* in, const void* w, void* out)
    : plan_(std::move(plan)),
      workspace_(std::make_unique<Scratch>(static_cast<size_t>(plan_->info.workspace))),
      pack_(variant_pack(in, w, out, workspace_->get(), plan_->kind)) {}

void BoundConv::launch(cudaStream_t s) const {
  check(cudnnSetStream(plan_->handle, s), "cudnnSetStream");
  check(cudnnBackendExecute(plan_->handle, plan_->plan->get(), pack_.get()), "cudnnBackendExecute");
}

}  // namespace abw::cuda::dnn_graph
