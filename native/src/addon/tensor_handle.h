// The JS handle of a native tensor: a type-tagged object, so passing anything else where a
// tensor is expected is a clear TypeError rather than a crash.
#pragma once
#include <napi.h>

#include "common/tensor.h"

namespace abw::addon {

class TensorHandle : public Napi::ObjectWrap<TensorHandle> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  static Napi::Object NewFrom(Napi::Env env, TensorPtr t);
  // Unwraps `v` (which must be a tensor handle) or throws TypeError naming `what`.
  static TensorPtr FromValue(const Napi::Value& v, const std::string& what);

  explicit TensorHandle(const Napi::CallbackInfo& info);
  TensorPtr tensor() const { return tensor_; }
  int pins = 0;  // async ops using this tensor; free() waits for none (JS thread only)

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  void ReadInto(const Napi::CallbackInfo& info);
  void Write(const Napi::CallbackInfo& info);
  void Free(const Napi::CallbackInfo& info);
  // view(shape): a handle on the same bytes with another shape of the same element count.
  Napi::Value View(const Napi::CallbackInfo& info);
  TensorPtr tensor_;
  static Napi::FunctionReference* ctor_;
};

// Drops the host arrays held for queued copies (after a device-wide sync: every copy is done).
void ReleaseQueuedHostArrays();

// Functions on the module: tensor(dtype, shape, data?, device?, queued?)
Napi::Value CreateTensor(const Napi::CallbackInfo& info);
abw::DType ParseDType(Napi::Env env, const Napi::Value& v, const std::string& what);
abw::Shape ParseShape(Napi::Env env, const Napi::Value& v, const std::string& what);

}  // namespace abw::addon
