#include "addon/prepared_op.h"

#include <cstring>

#include "addon/errors.h"
#include "addon/tensor_handle.h"
#include "common/cuda_module.h"
#include "common/memory.h"
#include "common/registry.h"
#include "common/timer.h"

namespace abw::addon {

// The CUDA module holds raw device pointers: a tensor freed since prepare must not be touched.
void BoundOp::check_not_freed() const {
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i] && inputs[i]->released()) fail("EINVAL", "[" + op + "] input " + std::to_string(i) + " was freed");
  for (size_t i = 0; i < outputs.size(); ++i)
    if (outputs[i]->released()) fail("EINVAL", "[" + op + "] output " + std::to_string(i) + " was freed");
}

BoundOp::~BoundOp() {
  if (cuda_call) cuda_required().release(cuda_call);
}

void BoundOp::run_once(bool wait) {
  if (cuda_call) {
    check_not_freed();
    abw_cuda_status st{};
    if (cuda_required().run(cuda_call, wait ? 1 : 0, &st) != 0) raise_cuda_status(st);
    return;
  }
  std::vector<const Tensor*> in;
  std::vector<Tensor*> out;
  in.reserve(inputs.size());
  out.reserve(outputs.size());
  for (auto& t : inputs) in.push_back(t.get());
  for (auto& t : outputs) out.push_back(t.get());
  KernelArgs args{op, std::move(in), std::move(out), params};
  dispatch(backend, op, dtype, args);
}

Params ParseParams(Napi::Env env, const std::string& op, const Napi::Value& v) {
  Params p(op);
  if (v.IsUndefined() || v.IsNull()) return p;
  if (!v.IsObject() || v.IsArray()) throw to_js_error(env, "EINVAL", "[" + op + "] params must be an object");
  Napi::Object o = v.As<Napi::Object>();
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    std::string k = keys.Get(i).ToString().Utf8Value();
    Napi::Value e = o.Get(k);
    if (e.IsNull() || e.IsUndefined()) p.set(k, std::monostate{});
    else if (e.IsBoolean()) p.set(k, e.As<Napi::Boolean>().Value());
    else if (e.IsNumber()) p.set(k, e.As<Napi::Number>().DoubleValue());
    else if (e.IsString()) p.set(k, e.As<Napi::String>().Utf8Value());
    else if (e.IsArray()) {
      Napi::Array a = e.As<Napi::Array>();
      std::vector<double> xs;
      for (uint32_t j = 0; j < a.Length(); ++j) {
        Napi::Value x = a.Get(j);
        if (!x.IsNumber()) throw to_js_error(env, "EINVAL", "[" + op + "] parameter `" + k + "` must be a list of numbers");
        xs.push_back(x.As<Napi::Number>().DoubleValue());
      }
      p.set(k, std::move(xs));
    } else {
      throw to_js_error(env, "EINVAL", "[" + op + "] parameter `" + k + "` must be a number, boolean, string or list of numbers");
    }
  }
  return p;
}

// Tensors of a cuda op must live on the GPU; the module plans the call once here.
static abw_cuda_tensor cuda_view(Napi::Env env, const Tensor& t, const std::string& what) {
  if (t.device() != Device::cuda) throw to_js_error(env, "EINVAL", what + " is a host tensor; the cuda backend needs device tensors");
  if (t.ndim() > ABW_CUDA_MAX_DIMS) throw to_js_error(env, "ESHAPE", what + " has more than " + std::to_string(ABW_CUDA_MAX_DIMS) + " dimensions");
  abw_cuda_tensor v{};
  v.data = const_cast<void*>(t.raw());
  v.dtype = static_cast<int32_t>(t.dtype());
  v.ndim = static_cast<int32_t>(t.ndim());
  for (int64_t i = 0; i < t.ndim(); ++i) v.shape[i] = t.shape()[static_cast<size_t>(i)];
  return v;
}

static void bind_cuda(Napi::Env env, BoundOp& b) {
  std::vector<abw_cuda_tensor> in, out;
  for (size_t i = 0; i < b.inputs.size(); ++i) {
    if (b.inputs[i]) in.push_back(cuda_view(env, *b.inputs[i], "[" + b.op + "] inputs[" + std::to_string(i) + "]"));
    else in.push_back(abw_cuda_tensor{});  // omitted optional input: data == nullptr
  }
  for (size_t i = 0; i < b.outputs.size(); ++i) out.push_back(cuda_view(env, *b.outputs[i], "[" + b.op + "] outputs[" + std::to_string(i) + "]"));
  abw_cuda_status st{};
  b.cuda_call = cuda_required().prepare(b.op.c_str(), static_cast<int32_t>(b.dtype), b.tf32, in.data(), static_cast<int32_t>(in.size()),
                                        out.data(), static_cast<int32_t>(out.size()), &b.params, &st);
  if (!b.cuda_call) raise_cuda_status(st);
}

static const napi_type_tag kPreparedTag = {0x6162772d70726570ULL, 0x617265642d6f7021ULL};

void PreparedOp::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function f = DefineClass(env, "PreparedOp",
                                 {InstanceMethod("run", &PreparedOp::RunSync), InstanceMethod("runAsync", &PreparedOp::RunAsync),
                                  InstanceMethod("enqueue", &PreparedOp::Enqueue), InstanceMethod("release", &PreparedOp::Release),
                                  InstanceMethod("measure", &PreparedOp::Measure)});
  exports.Set("PreparedOp", f);
}

// new PreparedOp(backend, op, dtype, inputs, outputs, params)
PreparedOp::PreparedOp(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PreparedOp>(info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    if (info.Length() < 6) throw to_js_error(env, "EINVAL", "prepare(backend, op, dtype, inputs, outputs, params) takes 6 arguments");
    if (!info[0].IsString()) throw to_js_error(env, "EINVAL", "backend must be a string");
    if (!info[1].IsString()) throw to_js_error(env, "EINVAL", "op must be a string");
    auto b = std::make_shared<BoundOp>();
    b->backend = info[0].As<Napi::String>().Utf8Value();
    b->op = info[1].As<Napi::String>().Utf8Value();
    const bool cuda = b->backend == "cuda";
    // TF32 is a mode of f32 storage on cuda only: it never comes on silently for f32.
    if (cuda && info[2].IsString() && info[2].As<Napi::String>().Utf8Value() == "tf32") {
      b->dtype = DType::f32;
      b->tf32 = true;
    } else {
      b->dtype = ParseDType(env, info[2], "[" + b->op + "] dtype");
    }
    if (cuda) {
      char why[512] = {0};
      if (!cuda_required().has_op(b->op.c_str(), static_cast<int32_t>(b->dtype), b->tf32, why, sizeof why))
        throw to_js_error(env, "ENOKERNEL", why);
    } else if (!has_kernel(b->backend, b->op, b->dtype))
      throw to_js_error(env, "ENOKERNEL", "`" + b->op + "` has no `" + b->backend + "` implementation for " + dtype_name(b->dtype));
    if (!info[3].IsArray()) throw to_js_error(env, "EINVAL", "[" + b->op + "] inputs must be an array");
    if (!info[4].IsArray()) throw to_js_error(env, "EINVAL", "[" + b->op + "] outputs must be an array");
    Napi::Array ins = info[3].As<Napi::Array>(), outs = info[4].As<Napi::Array>();
    for (uint32_t i = 0; i < ins.Length(); ++i) {
      Napi::Value v = ins.Get(i);
      if (v.IsNull() || v.IsUndefined()) {
        b->inputs.push_back(nullptr);
        continue;
      }
      b->inputs.push_back(TensorHandle::FromValue(v, "[" + b->op + "] inputs[" + std::to_string(i) + "]"));
      handles_.push_back(Napi::Persistent(v.As<Napi::Object>()));
    }
    for (uint32_t i = 0; i < outs.Length(); ++i) {
      Napi::Value v = outs.Get(i);
      b->outputs.push_back(TensorHandle::FromValue(v, "[" + b->op + "] outputs[" + std::to_string(i) + "]"));
      handles_.push_back(Napi::Persistent(v.As<Napi::Object>()));
    }
    b->params = ParseParams(env, b->op, info[5]);
    if (cuda) bind_cuda(env, *b);
    op_ = std::move(b);
    info.This().As<Napi::Object>().TypeTag(&kPreparedTag);
  })
}

void PreparedOp::Pin(Napi::Env env, int delta) {
  running_ += delta;
  for (auto& h : handles_) Napi::ObjectWrap<TensorHandle>::Unwrap(h.Value())->pins += delta;
}

void PreparedOp::CheckLive(Napi::Env env) const {
  if (!op_) throw to_js_error(env, "EINVAL", "the prepared op was released");
}

Napi::Value PreparedOp::RunSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    CheckLive(env);
    if (running_) throw to_js_error(env, "EINVAL", "[" + op_->op + "] is already running asynchronously");
    op_->run_once();
    return env.Undefined();
  })
}

// Queues the call behind earlier work and returns (cuda); on the cpu backends, runs it. Chains
// of ops then cost one wait at the end, not one per op.
Napi::Value PreparedOp::Enqueue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    CheckLive(env);
    if (running_) throw to_js_error(env, "EINVAL", "[" + op_->op + "] is already running asynchronously");
    op_->run_once(false);
    return env.Undefined();
  })
}

// Drops the bound call now rather than when the garbage collector finds this object: on cuda
// its plans' workspaces go back to the allocator (stream-ordered, so queued launches that use
// them are safe). A chain of queued ops would otherwise hold every op's workspace until a GC.
Napi::Value PreparedOp::Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ABW_NAPI_GUARD(env, {
    if (running_) throw to_js_error(env, "EINVAL", "[" + op_->op + "] is running; await it before releasing");
    op_.reset();
    handles_.clear();
    return env.Undefined();
  })
}

// Base of the async workers: keeps the op and its tensors alive and pinned while queued or
// running, turns C++ errors into coded JS rejections, and resolves with `Result()`.
class OpWorker : public Napi::AsyncWorker {
 public:
  OpWorker(Napi::Env env, PreparedOp* owner)
      : Napi::AsyncWorker(env), op_(owner->op_), deferred_(Napi::Promise::Deferred::New(env)), owner_(owner) {
    self_ = Napi::Persistent(owner->Value());
    owner_->Pin(env, +1);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      Work();
    } catch (const abw::Error& e) {
      code_ = e.code();
      SetError(e.what());
    } catch (const std::bad_alloc&) {
      code_ = "ENOMEM";
      SetError("out of memory");
    } catch (const std::exception& e) {
      code_ = "EINTERNAL";
      SetError(e.what());
    }
  }
  void OnOK() override {
    owner_->Pin(Env(), -1);
    deferred_.Resolve(Result());
  }
  void OnError(const Napi::Error& e) override {
    owner_->Pin(Env(), -1);
    deferred_.Reject(to_js_error(Env(), code_, e.Message()).Value());
  }

 protected:
  virtual void Work() = 0;  // on a worker thread
  virtual Napi::Value Result() { return Env().Undefined(); }
  std::shared_ptr<BoundOp> op_;

 private:
  Napi::Promise::Deferred deferred_;
  PreparedOp* owner_;
  Napi::ObjectReference self_;
  std::string code_ = "EINTERNAL";
};

class RunWorker : public OpWorker {
 public:
  using OpWorker::OpWorker;

 protected:
  void Work() override { op_->run_once(); }
};

Napi::Value PreparedOp::RunAsync(const Napi::CallbackInfo& info) {
  if (!op_) {
    auto d = Napi::Promise::Deferred::New(info.Env());
    d.Reject(to_js_error(info.Env(), "EINVAL", "the prepared op was released").Value());
    return d.Promise();
  }
  auto* w = new RunWorker(info.Env(), this);
  auto p = w->Promise();
  w->Queue();
  return p;
}

// Runs `samples` samples of `iterations` back-to-back calls each, natively, and returns the
// mean time per call of every sample in nanoseconds. `flushBytes` > 0 writes a buffer that
// large before each sample to evict caches (cold measurement).
class MeasureWorker : public OpWorker {
 public:
  MeasureWorker(Napi::Env env, PreparedOp* owner, int64_t iterations, int64_t samples, int64_t flush_bytes, bool graph)
      : OpWorker(env, owner), iterations_(iterations), samples_(samples), flush_bytes_(flush_bytes), graph_(graph) {}

 protected:
  void Work() override {
    if (op_->cuda_call) {
      op_->check_not_freed();
      // Device timeline: CUDA events around natively repeated launches (host time beside it).
      abw_cuda_measure_options o{iterations_, samples_, flush_bytes_ > 0, graph_};
      times_.resize(static_cast<size_t>(samples_));
      host_times_.resize(static_cast<size_t>(samples_));
      abw_cuda_status st{};
      if (cuda_required().measure(op_->cuda_call, &o, times_.data(), host_times_.data(), &st) != 0) raise_cuda_status(st);
      return;
    }
    Scratch<uint8_t> flush(static_cast<size_t>(flush_bytes_));
    times_.resize(static_cast<size_t>(samples_));
    for (int64_t s = 0; s < samples_; ++s) {
      if (flush_bytes_ > 0) {
        std::memset(flush.data(), static_cast<int>(s & 0xff), flush.size());
        sink_ += flush[static_cast<size_t>(s) % flush.size()];
      }
      int64_t t0 = now_ns();
      for (int64_t i = 0; i < iterations_; ++i) op_->run_once();
      int64_t t1 = now_ns();
      times_[static_cast<size_t>(s)] = static_cast<double>(t1 - t0) / static_cast<double>(iterations_);
    }
  }
  Napi::Value Result() override {
    Napi::Float64Array a = Napi::Float64Array::New(Env(), times_.size());
    for (size_t i = 0; i < times_.size(); ++i) a[i] = times_[i];
    if (!host_times_.empty()) {
      // cuda: the host wall time per call rides along as a property of the result.
      Napi::Float64Array h = Napi::Float64Array::New(Env(), host_times_.size());
      for (size_t i = 0; i < host_times_.size(); ++i) h[i] = host_times_[i];
      a.Set("hostNs", h);
    }
    return a;
  }

 private:
  int64_t iterations_, samples_, flush_bytes_;
  bool graph_;
  std::vector<double> times_, host_times_;
  volatile uint8_t sink_ = 0;
};

static int64_t get_int(Napi::Object o, const char* key, int64_t def, int64_t lo, int64_t hi) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return def;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi) && static_cast<int64_t>(d) == d))
    throw to_js_error(o.Env(), "EINVAL", std::string("measure option `") + key + "` must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int64_t>(d);
}

Napi::Value PreparedOp::Measure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // An async API: bad options reject the promise rather than throw.
  int64_t iterations = 1, samples = 1, flush = 0;
  bool graph = false;
  try {
    CheckLive(env);
    Napi::Object o = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
    iterations = get_int(o, "iterations", 1, 1, 1LL << 30);
    samples = get_int(o, "samples", 1, 1, 1 << 20);
    flush = get_int(o, "flushBytes", 0, 0, 1LL << 32);
    graph = o.Get("graph").IsBoolean() && o.Get("graph").As<Napi::Boolean>().Value();
  } catch (const Napi::Error& e) {
    auto d = Napi::Promise::Deferred::New(env);
    d.Reject(e.Value());
    return d.Promise();
  }
  auto* w = new MeasureWorker(env, this, iterations, samples, flush, graph);
  auto p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace abw::addon
