// cuDNN's graph ("backend") API for one convolution: RAII backend descriptors, and an execution
// plan per convolution geometry and mode, chosen among the heuristics' engine configs by timing
// on the real buffers and kept for the process. kernels/conv.cu uses it for tf32, where the
// legacy API has no TF32 tensor-core algorithm for float data (docs/decisions.md, 20), and as a
// timed candidate beside the legacy algorithm for f16/bf16 without a bias, where the legacy
// API's NCHW algorithms fall far behind the graph API's engines (docs/decisions.md, 25). A
// second graph, convolution → pointwise add of a per-channel bias, is the fused candidate of
// the tf32 case with a bias (docs/decisions.md, 26).
#pragma once
#include <cudnn.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "cuda/context.h"

namespace abw::cuda::dnn_graph {

// A cuDNN status that is not SUCCESS becomes an abw::Error naming the call.
void check(cudnnStatus_t s, const char* what);

// One backend descriptor, destroyed with the object.
class Desc {
 public:
  Desc(cudnnBackendDescriptorType_t type, const char* what);
  ~Desc();
  Desc(Desc&& o) noexcept : d_(o.d_) { o.d_ = nullptr; }
  Desc& operator=(Desc&&) = delete;
  Desc(const Desc&) = delete;
  Desc& operator=(const Desc&) = delete;
  cudnnBackendDescriptor_t get() const { return d_; }
  void set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, int64_t count, const void* values, const char* what);
  void set_ints(cudnnBackendAttributeName_t name, const std::vector<int64_t>& v, const char* what);
  void set_desc(cudnnBackendAttributeName_t name, const Desc& d, const char* what);
  void finalize(const char* what);

 private:
  cudnnBackendDescriptor_t d_ = nullptr;
};

// A 2-D convolution of NCHW tensors (conv1d is height 1). forward: x → y. backward_data: the
// data gradient, dy (`y`, the op's input) → dx (`x`, the op's output), which is
// conv_transpose. Groups follow from the channel counts (x's C / w's dim 1).
struct ConvShape {
  enum Kind { forward, backward_data } kind = forward;
  std::array<int64_t, 4> x{}, w{}, y{};
  std::array<int64_t, 2> pre{}, post{}, stride{}, dilation{};
  // x, w and y in NHWC / KRSC memory order (the dims above stay [N, C, H, W]).
  bool channels_last = false;
  // Byte alignment of the data pointers (at most 16): part of the plan's identity.
  int64_t alignment = 16;
  std::string key() const;
};

// What the chosen plan is, and what it beat, for the record.
struct PlanInfo {
  int64_t engine = -1;  // CUDNN_ATTR_ENGINE_GLOBAL_INDEX
  std::string notes;    // its numerical and behaviour notes, e.g. "tensor core"
  std::string tag;      // engine and knob choices, "eng38_k2=1_k3=0" (cudnn-frontend's plan tag)
  float ms = 0.f;       // its time per call when chosen (the finalists' re-timing)
  int offered = 0;      // distinct engine configs of heuristics A, B and FALLBACK
  int built = 0;        // of those, accepted by the mode and built within the workspace cap
  int timed = 0;        // of those, timed on the bound tensors
  int64_t workspace = 0;
  // The second fastest after the re-timing: engine -1 and NaN when only one was timed.
  int64_t runner_up_engine = -1;
  std::string runner_up_tag;
  float runner_up_ms = std::numeric_limits<float>::quiet_NaN();
  bool bias = false;  // the graph adds the bias (conv_bias_plan)
};

class ConvPlan;

// What a plan computes: the data type of x, w and y, and which engines may compute it. Every
// mode accumulates in f32 (the convolution's compute type is FLOAT).
//   tf32       float tensors on TF32 tensor cores: engines with the tensor-core note only.
//   f16, bf16  half / bfloat16 tensors: any engine, tensor cores included, except those whose
//              notes say reduced-precision reduction (accumulation or split-K partial sums in
//              f16/bf16) or down-converted inputs.
enum class ConvMode { tf32, f16, bf16 };
const char* mode_name(ConvMode m);

// The plan for a convolution in `mode`: the distinct engine configs of heuristics modes A and B
// and the FALLBACK list that the mode accepts, up to 16 that build with a workspace of at most
// `workspace_cap` timed on the op's real input `in`, weight `w` and output `out` (x, w, y
// forward; dy, w, dx backward data; `out` is overwritten), the three fastest timed again,
// interleaved, and the fastest kept. Made once per mode and shape in this process; nullptr with
// `*why` when none builds (older cuDNN, a shape without such an engine), also kept. Throws only
// ENOMEM.
std::shared_ptr<const ConvPlan> conv_plan(ConvMode mode, const ConvShape& s, const void* in, const void* w, void* out, size_t workspace_cap,
                                          std::string* why);

// The same search for one graph that adds a per-channel bias (a float tensor [1, C, 1, 1], C
// the output's channels) to the convolution's result in f32 before writing `out`, the time
// being that of convolution and bias together. Often no engine takes this graph (the fused
// engines favour NHWC f16/bf16): nullptr with `*why` then.
std::shared_ptr<const ConvPlan> conv_bias_plan(ConvMode mode, const ConvShape& s, const void* in, const void* w, const void* bias, void* out,
                                               size_t workspace_cap, std::string* why);

// The same search for the graph convolution → add of a residual with the output's shape, in
// f32 before the one rounding to the output's type (a residual block's `conv(x) + s`): the
// residual is read in the epilogue instead of a separate pass over the output. Bind it with
// BoundConv's `bias` = the residual. nullptr with `*why` when no engine takes the graph.
std::shared_ptr<const ConvPlan> conv_residual_plan(ConvMode mode, const ConvShape& s, const void* in, const void* w, const void* residual, void* out,
                                                   size_t workspace_cap, std::string* why);

const PlanInfo& plan_info(const ConvPlan& p);

// A plan bound to its buffers, with its workspace: what a prepared call launches. `bias` is
// required by a conv_bias_plan and ignored otherwise.
class BoundConv {
 public:
  BoundConv(std::shared_ptr<const ConvPlan> plan, const void* in, const void* w, void* out, const void* bias = nullptr);
  // Enqueues the convolution on `s` (cudnnSetStream + cudnnBackendExecute).
  void launch(cudaStream_t s) const;
  // The same, returning cuDNN's status instead of throwing (timing, trial runs).
  cudnnStatus_t execute(cudaStream_t s) const;

 private:
  std::shared_ptr<const ConvPlan> plan_;
  std::unique_ptr<Scratch> workspace_;
  Desc pack_;
};

// Byte alignment (1..16) common to the given device pointers.
int64_t pointer_alignment(std::initializer_list<const void*> ptrs);

}  // namespace abw::cuda::dnn_graph
