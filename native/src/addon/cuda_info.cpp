// Module functions of the cuda backend: availability (with the reason), device description,
// device memory statistics, synchronisation and the stream count. All of them work, and say
// why, on machines without CUDA.
#include <napi.h>

#include <string>
#include <vector>

#include "addon/errors.h"
#include "addon/tensor_handle.h"
#include "common/cuda_module.h"
#include "common/dtype.h"

namespace abw::addon {

// cudaStatus() → { available, reason?, device? (JSON text from the module) }
Napi::Value CudaStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string why;
  const abw_cuda_api* api = cuda_module(&why);
  Napi::Object o = Napi::Object::New(env);
  o.Set("available", Napi::Boolean::New(env, api != nullptr));
  if (!api) {
    o.Set("reason", why);
    return o;
  }
  std::vector<char> buf(4096);
  size_t need = api->describe(buf.data(), buf.size());
  if (need > buf.size()) {
    buf.resize(need);
    api->describe(buf.data(), buf.size());
  }
  o.Set("device", std::string(buf.data()));
  return o;
}

Napi::Value CudaMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    abw_cuda_memory m{};
    cuda_required().memory(&m);
    Napi::Object o = Napi::Object::New(env);
    o.Set("currentBytes", Napi::Number::New(env, static_cast<double>(m.current_bytes)));
    o.Set("peakBytes", Napi::Number::New(env, static_cast<double>(m.peak_bytes)));
    o.Set("reservedBytes", Napi::Number::New(env, static_cast<double>(m.reserved_bytes)));
    o.Set("deviceFreeBytes", Napi::Number::New(env, static_cast<double>(m.device_free_bytes)));
    o.Set("deviceTotalBytes", Napi::Number::New(env, static_cast<double>(m.device_total_bytes)));
    return o;
  })
}

Napi::Value CudaResetPeak(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    cuda_required().reset_peak();
    return env.Undefined();
  })
}

Napi::Value CudaSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    abw_cuda_status st{};
    if (cuda_required().sync(&st) != 0) raise_cuda_status(st);
    ReleaseQueuedHostArrays();  // every queued copy is done
    return env.Undefined();
  })
}

Napi::Value CudaSetStreams(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    double n = info.Length() && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
    if (!(n >= 1 && n <= 16 && static_cast<int>(n) == n)) throw to_js_error(env, "EINVAL", "streams must be an integer in [1, 16]");
    abw_cuda_status st{};
    if (cuda_required().set_streams(static_cast<int32_t>(n), &st) != 0) raise_cuda_status(st);
    return Napi::Number::New(env, n);
  })
}

// cudaHasOp(op, dtype) → undefined when the module implements it, else the reason. dtype may
// be 'tf32' (f32 storage, TF32 tensor-core math).
Napi::Value CudaHasOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) throw to_js_error(env, "EINVAL", "cudaHasOp(op, dtype)");
    const std::string dt = info[1].As<Napi::String>().Utf8Value();
    DType t = DType::f32;
    const bool tf32 = dt == "tf32";
    if (!tf32 && !dtype_parse(dt, &t)) throw to_js_error(env, "EDTYPE", "dtype must be one of f32, tf32, f16, bf16, int8");
    std::string why;
    const abw_cuda_api* api = cuda_module(&why);
    if (!api) return Napi::String::New(env, "cuda is unavailable: " + why);
    char reason[512] = {0};
    if (api->has_op(info[0].As<Napi::String>().Utf8Value().c_str(), static_cast<int32_t>(t), tf32, reason, sizeof reason)) return env.Undefined();
    return Napi::String::New(env, reason);
  })
}

}  // namespace abw::addon
