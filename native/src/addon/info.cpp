// Module-level functions: what the build can do, memory statistics, threads, dtype rounding.
#include <napi.h>

#include "addon/errors.h"
#include "addon/tensor_handle.h"
#include "common/memory.h"
#include "common/registry.h"
#include "common/thread_pool.h"
#ifndef ABW_SKIP_CPU
#include "cpu/detail/fft_plan.h"
#endif

#ifndef ABW_BLAS_NAME
#define ABW_BLAS_NAME "none"
#endif
#ifndef ABW_FFT_NAME
#define ABW_FFT_NAME "none"
#endif
#ifndef ABW_COMPILER
#define ABW_COMPILER "unknown"
#endif
#ifndef ABW_BUILD_TYPE
#define ABW_BUILD_TYPE "unknown"
#endif

namespace abw::addon {

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("compiler", ABW_COMPILER);
  o.Set("buildType", ABW_BUILD_TYPE);
  o.Set("cxxStandard", Napi::Number::New(env, static_cast<double>(__cplusplus)));
  o.Set("blas", ABW_BLAS_NAME);
  o.Set("fft", ABW_FFT_NAME);
#ifndef ABW_SKIP_CPU
  o.Set("fftPlanner", cpu::fft::planner_name());
#endif
  o.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
#ifdef ABW_CUDA_BUILT
  o.Set("cudaModule", true);
#else
  o.Set("cudaModule", false);
#endif
#ifdef ABW_FAULT_OPS
  o.Set("faultOps", true);
#else
  o.Set("faultOps", false);
#endif
#ifdef ABW_SANITIZE
  o.Set("sanitizers", "address,undefined");
#else
  o.Set("sanitizers", "");
#endif
#if defined(__AVX2__)
  o.Set("simd", "avx2+fma");
#elif defined(__ARM_NEON)
  o.Set("simd", "neon");
#else
  o.Set("simd", "scalar");
#endif
  return o;
}

Napi::Value ListKernels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto ks = list_kernels();
  Napi::Array a = Napi::Array::New(env, ks.size());
  for (size_t i = 0; i < ks.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("backend", ks[i].backend);
    o.Set("op", ks[i].op);
    o.Set("dtype", dtype_name(ks[i].dtype));
    o.Set("converted", ks[i].converted);
    a.Set(i, o);
  }
  return a;
}

Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto m = memory_stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("currentBytes", Napi::Number::New(env, static_cast<double>(m.current_bytes)));
  o.Set("peakBytes", Napi::Number::New(env, static_cast<double>(m.peak_bytes)));
  o.Set("allocations", Napi::Number::New(env, static_cast<double>(m.allocations)));
  o.Set("cachedBytes", Napi::Number::New(env, static_cast<double>(m.cached_bytes)));
  return o;
}

Napi::Value ResetPeakMemory(const Napi::CallbackInfo& info) {
  memory_reset_peak();
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), num_threads()); }

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double n = info.Length() && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(n >= 0 && n <= 1024 && static_cast<int>(n) == n)) throw to_js_error(env, "EINVAL", "threads must be an integer in [0, 1024] (0: all cores)");
  set_num_threads(static_cast<int>(n));
  return Napi::Number::New(env, num_threads());
}

// roundTo(dtype, Float64Array | Float32Array) → Uint16Array of f16/bf16 bits (round to nearest even,
// once from the source precision), or Float32Array for f32.
Napi::Value RoundTo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    DType to = ParseDType(env, info[0], "dtype");
    if (info.Length() < 2 || !info[1].IsTypedArray()) throw to_js_error(env, "EDTYPE", "values must be a Float64Array or Float32Array");
    Napi::TypedArray ta = info[1].As<Napi::TypedArray>();
    size_t n = ta.ElementLength();
    bool is64 = ta.TypedArrayType() == napi_float64_array;
    if (!is64 && ta.TypedArrayType() != napi_float32_array) throw to_js_error(env, "EDTYPE", "values must be a Float64Array or Float32Array");
    // Read through the raw pointer: a typed-array wrapper per element costs ~100 ns.
    const uint8_t* base = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    const double* src64 = reinterpret_cast<const double*>(base);
    const float* src32 = reinterpret_cast<const float*>(base);
    auto at = [&](size_t i) -> double { return is64 ? src64[i] : static_cast<double>(src32[i]); };
    if (to == DType::f32) {
      Napi::Float32Array r = Napi::Float32Array::New(env, n);
      float* dst = r.Data();
      for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(at(i));
      return r;
    }
    if (to != DType::f16 && to != DType::bf16) throw to_js_error(env, "EDTYPE", "roundTo dtype must be f32, f16 or bf16");
    Napi::Uint16Array r = Napi::Uint16Array::New(env, n);
    uint16_t* dst = r.Data();
    if (to == DType::f16) for (size_t i = 0; i < n; ++i) dst[i] = f64_to_f16(at(i));
    else for (size_t i = 0; i < n; ++i) dst[i] = f64_to_bf16(at(i));
    return r;
  })
}

// widen(dtype, Uint16Array) → Float64Array of f16/bf16 values (exact).
Napi::Value Widen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    DType from = ParseDType(env, info[0], "dtype");
    if (from != DType::f16 && from != DType::bf16) throw to_js_error(env, "EDTYPE", "widen dtype must be f16 or bf16");
    if (info.Length() < 2 || !info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array)
      throw to_js_error(env, "EDTYPE", "bits must be a Uint16Array");
    Napi::Uint16Array b = info[1].As<Napi::Uint16Array>();
    const size_t n = b.ElementLength();
    const uint16_t* src = b.Data();
    Napi::Float64Array r = Napi::Float64Array::New(env, n);
    double* dst = r.Data();
    for (size_t i = 0; i < n; ++i) dst[i] = from == DType::f16 ? f16_to_f32(src[i]) : bf16_to_f32(src[i]);
    return r;
  })
}

Napi::Value HasKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString()) throw to_js_error(env, "EINVAL", "hasKernel(backend, op, dtype)");
    DType dt = ParseDType(env, info[2], "dtype");
    return Napi::Boolean::New(env, has_kernel(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(), dt));
  })
}

}  // namespace abw::addon
