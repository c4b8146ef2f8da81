#include "addon/tensor_handle.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "addon/errors.h"
#include "addon/host_memory.h"
#include "common/cuda_module.h"

namespace abw::addon {

Napi::FunctionReference* TensorHandle::ctor_ = nullptr;
static const napi_type_tag kTensorTag = {0x6162772d74656e73ULL, 0x6f722d68616e646cULL};

void TensorHandle::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function f = DefineClass(env, "NativeTensor",
                                 {InstanceMethod("info", &TensorHandle::Info), InstanceMethod("read", &TensorHandle::Read), InstanceMethod("readInto", &TensorHandle::ReadInto),
                                  InstanceMethod("write", &TensorHandle::Write), InstanceMethod("free", &TensorHandle::Free),
                                  InstanceMethod("view", &TensorHandle::View)});
  ctor_ = new Napi::FunctionReference(Napi::Persistent(f));  // lives as long as the module
  exports.Set("NativeTensor", f);
}

TensorHandle::TensorHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TensorHandle>(info) {
  info.This().As<Napi::Object>().TypeTag(&kTensorTag);
}

Napi::Object TensorHandle::NewFrom(Napi::Env env, TensorPtr t) {
  Napi::Object obj = ctor_->New({});
  Napi::ObjectWrap<TensorHandle>::Unwrap(obj)->tensor_ = std::move(t);
  return obj;
}

TensorPtr TensorHandle::FromValue(const Napi::Value& v, const std::string& what) {
  Napi::Env env = v.Env();
  if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&kTensorTag))
    throw to_js_error(env, "EDTYPE", what + " must be a native tensor");
  TensorHandle* h = Napi::ObjectWrap<TensorHandle>::Unwrap(v.As<Napi::Object>());
  if (!h->tensor_) throw to_js_error(env, "EINVAL", what + " is an empty tensor handle");
  if (h->tensor_->released()) throw to_js_error(env, "EINVAL", what + " was freed");
  return h->tensor_;
}

DType ParseDType(Napi::Env env, const Napi::Value& v, const std::string& what) {
  DType t;
  if (!v.IsString() || !dtype_parse(v.As<Napi::String>().Utf8Value(), &t))
    throw to_js_error(env, "EDTYPE", what + " must be one of f64, f32, f16, bf16, int8, int32");
  return t;
}

Shape ParseShape(Napi::Env env, const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw to_js_error(env, "EINVAL", what + " must be an array of non-negative integers");
  Napi::Array a = v.As<Napi::Array>();
  Shape s;
  double numel = 1;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && std::floor(d) == d && d < 4294967296.0))
      throw to_js_error(env, "EINVAL", what + "[" + std::to_string(i) + "] must be a non-negative integer");
    s.push_back(static_cast<int64_t>(d));
    numel *= d;
  }
  if (numel > 9.0e15) throw to_js_error(env, "EINVAL", what + " has too many elements");
  return s;
}

// Which typed array carries each dtype across the boundary (f16/bf16 as raw Uint16 bits).
static napi_typedarray_type array_type(DType t) {
  switch (t) {
    case DType::f64: return napi_float64_array;
    case DType::f32: return napi_float32_array;
    case DType::f16: case DType::bf16: return napi_uint16_array;
    case DType::i8: return napi_int8_array;
    case DType::i32: return napi_int32_array;
  }
  return napi_float64_array;
}
static const char* array_name(DType t) {
  switch (t) {
    case DType::f64: return "Float64Array";
    case DType::f32: return "Float32Array";
    case DType::f16: case DType::bf16: return "Uint16Array";
    case DType::i8: return "Int8Array";
    case DType::i32: return "Int32Array";
  }
  return "?";
}

// The bytes of `data`, checked to be the typed array that carries t's dtype, numel long.
static uint8_t* typed_bytes(Napi::Env env, const Tensor& t, const Napi::Value& data, const std::string& what) {
  if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != array_type(t.dtype()))
    throw to_js_error(env, "EDTYPE", what + " must be a " + std::string(array_name(t.dtype())) + " for " + dtype_name(t.dtype()));
  Napi::TypedArray ta = data.As<Napi::TypedArray>();
  if (static_cast<int64_t>(ta.ElementLength()) != t.numel())
    throw to_js_error(env, "ESHAPE", what + " has " + std::to_string(ta.ElementLength()) + " elements, shape " + shape_str(t.shape()) + " needs " + std::to_string(t.numel()));
  return static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
}

// Host arrays that queued copies (CUDA copy kinds 3 and 4) still read or fill: held until the
// next cudaSync, so a collected array's memory never moves under a copy. Never destroyed: a
// reference must not outlive its env at exit.
static std::vector<Napi::Reference<Napi::Value>>& in_flight() {
  static auto* held = new std::vector<Napi::Reference<Napi::Value>>();
  return *held;
}

void ReleaseQueuedHostArrays() { in_flight().clear(); }

static void hold_until_sync(const Napi::Value& array) { in_flight().push_back(Napi::Persistent(array)); }

// `queued`: on cuda, the copy runs on the upload stream and this returns at once (copy kind 3).
static void copy_in(Napi::Env env, Tensor& t, const Napi::Value& data, const std::string& what, bool queued = false) {
  const void* src = typed_bytes(env, t, data, what);
  if (!t.nbytes()) return;
  if (t.device() == Device::host) {
    std::memcpy(t.raw(), src, t.nbytes());
    return;
  }
  abw_cuda_status st{};
  if (cuda_required().copy(t.raw(), src, t.nbytes(), queued ? 3 : 1, &st) != 0) raise_cuda_status(st);
  if (queued) hold_until_sync(data);
}

// Device tensors start zeroed too, so an output never holds another tensor's old bytes.
static void zero_fill(Tensor& t) {
  if (!t.nbytes()) return;
  if (t.device() == Device::host) {
    std::memset(t.raw(), 0, t.nbytes());
    return;
  }
  abw_cuda_status st{};
  if (cuda_required().zero(t.raw(), t.nbytes(), &st) != 0) raise_cuda_status(st);
}

static Device parse_device(Napi::Env env, const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return Device::host;
  std::string d = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (d == "host") return Device::host;
  if (d == "cuda") return Device::cuda;
  throw to_js_error(env, "EINVAL", "device must be 'host' or 'cuda'");
}

Napi::Value CreateTensor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    DType dt = ParseDType(env, info[0], "dtype");
    Shape shape = ParseShape(env, info[1], "shape");
    const Device dev = parse_device(env, info.Length() > 3 ? info[3] : env.Undefined());
    const bool queued = info.Length() > 4 && info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value();
    auto t = std::make_shared<Tensor>(dt, shape, dev);
    if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull()) copy_in(env, *t, info[2], "data", queued);
    else zero_fill(*t);
    return TensorHandle::NewFrom(env, t);
  })
}

Napi::Value TensorHandle::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  if (!tensor_) return env.Null();
  o.Set("dtype", dtype_name(tensor_->dtype()));
  Napi::Array s = Napi::Array::New(env, tensor_->shape().size());
  for (size_t i = 0; i < tensor_->shape().size(); ++i) s.Set(i, Napi::Number::New(env, static_cast<double>(tensor_->shape()[i])));
  o.Set("shape", s);
  o.Set("byteLength", Napi::Number::New(env, static_cast<double>(tensor_->nbytes())));
  o.Set("freed", Napi::Boolean::New(env, tensor_->released()));
  o.Set("device", tensor_->device() == Device::host ? "host" : "cuda");
  return o;
}

Napi::Value TensorHandle::Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    TensorPtr t = FromValue(info.This(), "tensor");
    if (pins) throw to_js_error(env, "EINVAL", "tensor is being written by a running op; await it first");
    const size_t n = static_cast<size_t>(t->numel());
    if (t->nbytes() && t->device() == Device::cuda) {
      // Into a page-locked block where the module has one (a DMA at the bus's speed), else a
      // plain buffer (the driver stages the copy).
      Napi::Value pinned = pinned_buffer(env, t->nbytes());
      Napi::ArrayBuffer buf = pinned.IsUndefined() ? Napi::ArrayBuffer::New(env, t->nbytes()) : pinned.As<Napi::ArrayBuffer>();
      abw_cuda_status st{};
      if (cuda_required().copy(buf.Data(), t->raw(), t->nbytes(), 2, &st) != 0) raise_cuda_status(st);
      return typed_view(env, t->dtype(), n, buf);
    }
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, t->nbytes());
    if (t->nbytes()) std::memcpy(buf.Data(), t->raw(), t->nbytes());
    return typed_view(env, t->dtype(), n, buf);
  })
}

void TensorHandle::ReadInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    TensorPtr t = FromValue(info.This(), "tensor");
    if (pins) throw to_js_error(env, "EINVAL", "tensor is being written by a running op; await it first");
    void* dst = typed_bytes(env, *t, info[0], "dst");
    if (!t->nbytes()) return;
    if (t->device() == Device::host) {
      std::memcpy(dst, t->raw(), t->nbytes());
      return;
    }
    // Queued: on the download stream, done by the next cudaSync (copy kind 4).
    const bool queued = info.Length() > 1 && info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
    abw_cuda_status st{};
    if (cuda_required().copy(dst, t->raw(), t->nbytes(), queued ? 4 : 2, &st) != 0) raise_cuda_status(st);
    if (queued) hold_until_sync(info[0]);
  })
}

void TensorHandle::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    TensorPtr t = FromValue(info.This(), "tensor");
    if (pins) throw to_js_error(env, "EINVAL", "tensor is in use by a running op; await it first");
    copy_in(env, *t, info[0], "data");
  })
}

Napi::Value TensorHandle::View(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    TensorPtr t = FromValue(info.This(), "tensor");
    // The view's constructor checks the element count (ESHAPE).
    return NewFrom(env, std::make_shared<Tensor>(*t, ParseShape(env, info[0], "shape")));
  })
}

void TensorHandle::Free(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (pins) throw to_js_error(env, "EINVAL", "tensor is in use by a running op; await it before freeing");
  if (tensor_) tensor_->release();
}

}  // namespace abw::addon
