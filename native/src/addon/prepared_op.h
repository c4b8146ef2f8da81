// A prepared op: backend, op, dtype, tensors and parsed parameters bound once, so repeated
// calls (the timing loop, the dispatch-overhead benchmark) pay no parsing on the hot path.
#pragma once
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "common/params.h"
#include "common/tensor.h"

namespace abw::addon {

struct BoundOp {
  std::string backend, op;
  DType dtype;
  std::vector<TensorPtr> inputs;  // null entries for omitted optional inputs
  std::vector<TensorPtr> outputs;
  Params params;
  // The cuda backend: the CUDA module's prepared call (plans made once), and TF32 mode.
  void* cuda_call = nullptr;
  bool tf32 = false;
  // `wait` false: on cuda, enqueue only (the cpu backends always finish before returning).
  void run_once(bool wait = true);
  void check_not_freed() const;
  ~BoundOp();
};

class PreparedOp : public Napi::ObjectWrap<PreparedOp> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit PreparedOp(const Napi::CallbackInfo& info);

 private:
  Napi::Value RunSync(const Napi::CallbackInfo& info);
  Napi::Value RunAsync(const Napi::CallbackInfo& info);
  Napi::Value Enqueue(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);
  void CheckLive(Napi::Env env) const;
  Napi::Value Measure(const Napi::CallbackInfo& info);
  void Pin(Napi::Env env, int delta);
  std::shared_ptr<BoundOp> op_;
  std::vector<Napi::ObjectReference> handles_;  // keep JS handles alive while bound
  int running_ = 0;
  friend class OpWorker;
};

Params ParseParams(Napi::Env env, const std::string& op, const Napi::Value& v);

}  // namespace abw::addon
