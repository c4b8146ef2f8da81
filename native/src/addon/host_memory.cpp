#include "addon/host_memory.h"

#include <cmath>
#include <cstring>

#include "addon/errors.h"
#include "addon/tensor_handle.h"
#include "common/cuda_module.h"

namespace abw::addon {

Napi::Value pinned_buffer(Napi::Env env, size_t bytes) {
  const abw_cuda_api* api = cuda_module();
  if (!api) return env.Undefined();
  void* p = api->host_alloc(bytes);
  if (!p) return env.Undefined();
  // The finalizer runs when the array is collected; the block goes back to the module's cache
  // (no copy uses it by then: downloads and pinned uploads wait for theirs).
  return Napi::ArrayBuffer::New(env, p, bytes, [api](Napi::Env, void* data) { api->host_free(data); });
}

Napi::Value typed_view(Napi::Env env, abw::DType dtype, size_t n, Napi::ArrayBuffer buf) {
  switch (dtype) {
    case DType::f64: return Napi::Float64Array::New(env, n, buf, 0);
    case DType::f32: return Napi::Float32Array::New(env, n, buf, 0);
    case DType::f16: case DType::bf16: return Napi::Uint16Array::New(env, n, buf, 0);
    case DType::i8: return Napi::Int8Array::New(env, n, buf, 0);
    case DType::i32: return Napi::Int32Array::New(env, n, buf, 0);
  }
  return env.Undefined();
}

Napi::Value CudaHostArray(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    const DType dt = ParseDType(env, info[0], "dtype");
    if (!info[1].IsNumber()) throw to_js_error(env, "EINVAL", "n must be a non-negative integer");
    const double n = info[1].As<Napi::Number>().DoubleValue();
    if (!(n >= 0) || n != std::floor(n) || n > 9.0e15) throw to_js_error(env, "EINVAL", "n must be a non-negative integer");
    const size_t bytes = static_cast<size_t>(n) * dtype_size(dt);
    Napi::Value buf = pinned_buffer(env, bytes);
    if (buf.IsUndefined()) return env.Undefined();
    Napi::ArrayBuffer ab = buf.As<Napi::ArrayBuffer>();
    std::memset(ab.Data(), 0, bytes);  // a reused block holds an earlier download's bytes
    return typed_view(env, dt, static_cast<size_t>(n), ab);
  })
}

}  // namespace abw::addon
