// The addon's surface: tensors, prepared ops (sync, async, natively repeated timing), and
// information about the build. Everything else lives in kernel-bridge (TypeScript).
#include <napi.h>

#include "addon/host_memory.h"
#include "addon/prepared_op.h"
#include "addon/tensor_handle.h"

namespace abw::addon {
Napi::Value BuildInfo(const Napi::CallbackInfo& info);
Napi::Value ListKernels(const Napi::CallbackInfo& info);
Napi::Value MemoryStats(const Napi::CallbackInfo& info);
Napi::Value ResetPeakMemory(const Napi::CallbackInfo& info);
Napi::Value GetThreads(const Napi::CallbackInfo& info);
Napi::Value SetThreads(const Napi::CallbackInfo& info);
Napi::Value RoundTo(const Napi::CallbackInfo& info);
Napi::Value Widen(const Napi::CallbackInfo& info);
Napi::Value HasKernel(const Napi::CallbackInfo& info);
Napi::Value CudaStatus(const Napi::CallbackInfo& info);
Napi::Value CudaMemory(const Napi::CallbackInfo& info);
Napi::Value CudaResetPeak(const Napi::CallbackInfo& info);
Napi::Value CudaSync(const Napi::CallbackInfo& info);
Napi::Value CudaSetStreams(const Napi::CallbackInfo& info);
Napi::Value CudaHasOp(const Napi::CallbackInfo& info);

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  TensorHandle::Init(env, exports);
  PreparedOp::Init(env, exports);
  exports.Set("tensor", Napi::Function::New(env, CreateTensor, "tensor"));
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
  exports.Set("listKernels", Napi::Function::New(env, ListKernels, "listKernels"));
  exports.Set("hasKernel", Napi::Function::New(env, HasKernel, "hasKernel"));
  exports.Set("memoryStats", Napi::Function::New(env, MemoryStats, "memoryStats"));
  exports.Set("resetPeakMemory", Napi::Function::New(env, ResetPeakMemory, "resetPeakMemory"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("roundTo", Napi::Function::New(env, RoundTo, "roundTo"));
  exports.Set("widen", Napi::Function::New(env, Widen, "widen"));
  exports.Set("cudaStatus", Napi::Function::New(env, CudaStatus, "cudaStatus"));
  exports.Set("cudaMemory", Napi::Function::New(env, CudaMemory, "cudaMemory"));
  exports.Set("cudaResetPeak", Napi::Function::New(env, CudaResetPeak, "cudaResetPeak"));
  exports.Set("cudaSync", Napi::Function::New(env, CudaSync, "cudaSync"));
  exports.Set("cudaHasOp", Napi::Function::New(env, CudaHasOp, "cudaHasOp"));
  exports.Set("cudaSetStreams", Napi::Function::New(env, CudaSetStreams, "cudaSetStreams"));
  exports.Set("cudaHostArray", Napi::Function::New(env, CudaHostArray, "cudaHostArray"));
  return exports;
}
}  // namespace abw::addon

static Napi::Object InitAbw(Napi::Env env, Napi::Object exports) { return abw::addon::Init(env, exports); }
NODE_API_MODULE(abw_native, InitAbw)
