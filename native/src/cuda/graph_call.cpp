#include "cuda/graph_call.h"

#include <memory>

#include "cuda/check.h"
#include "cuda/context.h"

namespace abw::cuda {

cudaGraphExec_t capture_launches(const Call& c, cudaStream_t s, int64_t n, std::string* why) {
  cudaGraph_t g = nullptr;
  if (cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal) != cudaSuccess) {
    *why = "stream capture refused: " + std::string(cudaGetErrorString(cudaGetLastError()));
    return nullptr;
  }
  std::string failed;
  try {
    for (int64_t i = 0; i < n; ++i) c.launch(s);
  } catch (const std::exception& e) {
    failed = e.what();
  } catch (...) {
    failed = "the launch threw";
  }
  const cudaError_t end = cudaStreamEndCapture(s, &g);
  if (!failed.empty() || end != cudaSuccess || !g) {
    *why = "not capturable: " + (failed.empty() ? std::string(cudaGetErrorString(end)) : failed);
    cudaGetLastError();
    if (g) cudaGraphDestroy(g);
    return nullptr;
  }
  cudaGraphExec_t exec = nullptr;
  const cudaError_t inst = cudaGraphInstantiate(&exec, g, 0);
  cudaGraphDestroy(g);
  if (inst != cudaSuccess) {
    *why = "graph instantiation failed: " + std::string(cudaGetErrorString(inst));
    cudaGetLastError();
    return nullptr;
  }
  return exec;
}

CallPtr graph_call(CallPtr& inner, std::string* why) {
  // Captured on the compute stream, as the module's measurement captures: a stream of its own
  // would stay set on the library handles the launch sets it on (cuDNN's) and be destroyed under
  // them — the likely cause of a crash in a later prepare seen on an H100.
  cudaStream_t s = ctx().stream();
  inner->launch(s);
  ABW_CU(cudaStreamSynchronize(s));
  cudaGraphExec_t exec = capture_launches(*inner, s, 1, why);
  if (!exec) return nullptr;
  auto ge = std::shared_ptr<void>(exec, [](void* e) { cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(e)); });
  auto call = std::make_unique<Call>();
  std::shared_ptr<Call> held(std::move(inner));
  call->keep = {ge, held};
  call->launch = [exec](cudaStream_t st) { ABW_CU(cudaGraphLaunch(exec, st)); };
  return call;
}

}  // namespace abw::cuda
