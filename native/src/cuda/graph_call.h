// Stream capture of prepared calls. `capture_launches` records `n` launches of a call into one
// instantiated CUDA graph (the module's measurement replays it for small ops). `graph_call`
// makes a prepared call whose every launch is such a replay: ops whose library launches many
// small kernels from the host (cuDNN's RNN: a GEMM and a pointwise kernel per time step and
// layer) are bound by the host's launch rate, not the GPU; captured once at prepare, one
// cudaGraphLaunch replays them all with the same bound pointers (the call's inputs may change
// between launches, its buffers may not, which is what a prepared call promises anyway).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "cuda/op.h"

namespace abw::cuda {

// `n` launches of `c` on `s` as one instantiated graph, or nullptr with `why` when the op's
// libraries refuse stream capture (nothing is left captured, and the CUDA error is cleared).
cudaGraphExec_t capture_launches(const Call& c, cudaStream_t s, int64_t n, std::string* why);

// The graph-replayed form of `inner`, which it takes over (run once first, outside the capture,
// so that lazily loaded kernels are loaded); or nullptr with `why` when the library refuses
// stream capture, `inner` left as it was.
CallPtr graph_call(CallPtr& inner, std::string* why);

}  // namespace abw::cuda
