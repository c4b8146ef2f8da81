// A prepared call replayed as one CUDA graph. Ops whose library launches many small kernels
// from the host (cuDNN's RNN: a GEMM and a pointwise kernel per time step and layer) are bound
// by the host's launch rate, not the GPU; captured once at prepare, one cudaGraphLaunch replays
// them all with the same bound pointers (the call's inputs may change between launches, its
// buffers may not, which is what a prepared call promises anyway).
#pragma once
#include <string>

#include "cuda/op.h"

namespace abw::cuda {

// The graph-replayed form of `inner`, which it takes over (run once first, outside the capture,
// so that lazily loaded kernels are loaded); or nullptr with `why` when the library refuses
// stream capture, `inner` left as it was.
CallPtr graph_call(CallPtr& inner, std::string* why);

}  // namespace abw::cuda
