#include "common/registry.h"

#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "common/memory.h"
#include "common/thread_pool.h"

namespace abw {

namespace {
using Key = std::tuple<std::string, std::string, DType>;
std::map<Key, Kernel>& table() {
  static std::map<Key, Kernel> t;  // filled during static initialisation, read-only afterwards
  return t;
}
bool is_half(DType t) { return t == DType::f16 || t == DType::bf16; }
}  // namespace

bool register_kernel(const char* backend, const char* op, DType dtype, Kernel k) {
  table()[Key{backend, op, dtype}] = k;
  return true;
}

const Tensor& KernelArgs::input(size_t i, const char* name) const {
  if (i >= in.size() || !in[i]) fail("EINVAL", msg(std::string("input `") + name + "` is required"));
  return *in[i];
}

Tensor& KernelArgs::output(size_t i, const char* name) const {
  if (i >= out.size() || !out[i]) fail("EINVAL", msg(std::string("output `") + name + "` is missing"));
  return *out[i];
}

bool has_kernel(const std::string& backend, const std::string& op, DType dtype) {
  auto& t = table();
  if (t.count(Key{backend, op, dtype})) return true;
  return backend == "cpu" && is_half(dtype) && t.count(Key{backend, op, DType::f32});
}

std::vector<KernelKey> list_kernels() {
  std::vector<KernelKey> r;
  for (auto& [k, fn] : table()) {
    r.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), false});
    if (std::get<0>(k) == "cpu" && std::get<2>(k) == DType::f32) {
      for (DType h : {DType::f16, DType::bf16})
        if (!table().count(Key{"cpu", std::get<1>(k), h})) r.push_back({"cpu", std::get<1>(k), h, true});
    }
  }
  return r;
}

// Float tensors carry the case dtype; f16/bf16 cases may also carry f32 ("wide") tensors,
// e.g. quantisation scales that would overflow f16.
static bool dtype_fits(DType t, DType dtype) { return t == dtype || (is_half(dtype) && t == DType::f32); }

static void check_float_dtypes(KernelArgs& a, DType dtype) {
  for (size_t i = 0; i < a.in.size(); ++i)
    if (a.in[i] && dtype_is_float(a.in[i]->dtype()) && !dtype_fits(a.in[i]->dtype(), dtype))
      fail("EDTYPE", a.msg("input " + std::to_string(i) + " is " + dtype_name(a.in[i]->dtype()) + ", expected " + dtype_name(dtype)));
  for (size_t i = 0; i < a.out.size(); ++i)
    if (a.out[i] && dtype_is_float(a.out[i]->dtype()) && !dtype_fits(a.out[i]->dtype(), dtype))
      fail("EDTYPE", a.msg("output " + std::to_string(i) + " is " + dtype_name(a.out[i]->dtype()) + ", expected " + dtype_name(dtype)));
  // Host kernels read host memory only: a device tensor here is a caller bug, not a crash.
  for (size_t i = 0; i < a.in.size(); ++i)
    if (a.in[i] && a.in[i]->device() != Device::host) fail("EINVAL", a.msg("input " + std::to_string(i) + " lives on the GPU; host kernels need host tensors"));
  for (size_t i = 0; i < a.out.size(); ++i)
    if (a.out[i] && a.out[i]->device() != Device::host) fail("EINVAL", a.msg("output " + std::to_string(i) + " lives on the GPU; host kernels need host tensors"));
  for (size_t i = 0; i < a.in.size(); ++i)
    if (a.in[i] && a.in[i]->released()) fail("EINVAL", a.msg("input " + std::to_string(i) + " was freed"));
  for (size_t i = 0; i < a.out.size(); ++i)
    if (a.out[i] && a.out[i]->released()) fail("EINVAL", a.msg("output " + std::to_string(i) + " was freed"));
}

// Conversions run in parallel chunks: they are inside the timed call of every f16/bf16 case.
static constexpr int64_t kConvertGrain = 1 << 16;

static void to_f32(const Tensor& src, Tensor& dst) {
  const uint16_t* s = src.data<uint16_t>();
  float* d = dst.data<float>();
  const bool half = src.dtype() == DType::f16;
  parallel_for(src.numel(), kConvertGrain, [&](int64_t b, int64_t e) {
    if (half) f16_to_f32_n(s + b, d + b, e - b);
    else bf16_to_f32_n(s + b, d + b, e - b);
  });
}
static void from_f32(const Tensor& src, Tensor& dst) {
  const float* s = src.data<float>();
  uint16_t* d = dst.data<uint16_t>();
  const bool half = dst.dtype() == DType::f16;
  parallel_for(src.numel(), kConvertGrain, [&](int64_t b, int64_t e) {
    if (half) f32_to_f16_n(s + b, d + b, e - b);
    else f32_to_bf16_n(s + b, d + b, e - b);
  });
}

void dispatch(const std::string& backend, const std::string& op, DType dtype, KernelArgs& args) {
  check_float_dtypes(args, dtype);
  auto& t = table();
  auto it = t.find(Key{backend, op, dtype});
  if (it != t.end()) {
    it->second(args);
    return;
  }
  auto f32 = t.find(Key{backend, op, DType::f32});
  if (backend == "cpu" && is_half(dtype) && f32 != t.end()) {
    // f16/bf16 storage, f32 compute: widen inputs, run the f32 kernel, round outputs once.
    std::vector<std::unique_ptr<Tensor>> temps;
    KernelArgs wide{args.op, args.in, args.out, args.p};
    for (size_t i = 0; i < args.in.size(); ++i) {
      if (args.in[i] && is_half(args.in[i]->dtype())) {
        temps.push_back(std::make_unique<Tensor>(DType::f32, args.in[i]->shape()));
        to_f32(*args.in[i], *temps.back());
        wide.in[i] = temps.back().get();
      }
    }
    std::vector<std::pair<Tensor*, Tensor*>> narrow;
    for (size_t i = 0; i < args.out.size(); ++i) {
      if (args.out[i] && is_half(args.out[i]->dtype())) {
        temps.push_back(std::make_unique<Tensor>(DType::f32, args.out[i]->shape()));
        narrow.push_back({temps.back().get(), args.out[i]});
        wide.out[i] = temps.back().get();
      }
    }
    f32->second(wide);
    for (auto& [w, n] : narrow) from_f32(*w, *n);
    return;
  }
  fail("ENOKERNEL", "`" + op + "` has no `" + backend + "` implementation for " + dtype_name(dtype));
}

}  // namespace abw
