// The CUDA module's C interface (api.h): context, memory, op preparation, device-timeline
// measurement. Every entry point catches everything and reports through abw_cuda_status.
#include <cublasLt.h>
#include <cudnn.h>
#include <cufft.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "cuda/api.h"
#include "cuda/check.h"
#include "cuda/context.h"
#include "cuda/copy_queue.h"
#include "cuda/event_timer.h"
#include "cuda/graph_call.h"
#include "cuda/host_cache.h"
#include "cuda/op.h"

namespace abw::cuda {

// ---- op registry ---------------------------------------------------------------------------
namespace {
struct Entry {
  PrepareFn fn;
  unsigned mask;
};
std::map<std::string, Entry>& ops() {
  static std::map<std::string, Entry> m;
  return m;
}
unsigned dtype_bit(DType t) {
  switch (t) {
    case DType::f32: return kF32;
    case DType::f16: return kF16;
    case DType::bf16: return kBF16;
    case DType::i8: return kI8;
    default: return 0;
  }
}
}  // namespace

bool register_op(const char* op, PrepareFn fn, unsigned mask) {
  ops()[op] = Entry{fn, mask};
  return true;
}

PrepareFn find_op(const std::string& op, DType dtype, bool tf32, std::string* reason) {
  auto it = ops().find(op);
  if (it == ops().end()) {
    if (reason) *reason = "`" + op + "` has no `cuda` implementation";
    return nullptr;
  }
  if (!(it->second.mask & dtype_bit(dtype))) {
    if (reason) *reason = "`" + op + "` has no `cuda` implementation for " + dtype_name(dtype);
    return nullptr;
  }
  if (tf32 && !(it->second.mask & kTF32)) {
    if (reason) *reason = "`" + op + "` has no tensor-core math for TF32 to change: its f32 row is the answer";
    return nullptr;
  }
  return it->second.fn;
}

const DevTensor& OpArgs::input(size_t i, const char* name) const {
  if (i >= in.size() || !in[i].data) {
    // A zero-sized tensor has no allocation but is present: accept it when its shape is known.
    if (i < in.size() && !in[i].shape.empty() && shape_numel(in[i].shape) == 0) return in[i];
    fail("EINVAL", msg(std::string("input `") + name + "` is required"));
  }
  return in[i];
}

const DevTensor& OpArgs::output(size_t i, const char* name) const {
  if (i >= out.size()) fail("EINVAL", msg(std::string("output `") + name + "` is missing"));
  return out[i];
}

void OpArgs::check_shape(const DevTensor& t, const Shape& want, const char* what) const {
  if (t.shape != want) fail("ESHAPE", msg(std::string(what) + " has shape " + shape_str(t.shape) + ", expected " + shape_str(want)));
}

namespace {

void set_status(abw_cuda_status* st, const char* code, const std::string& m) {
  if (!st) return;
  std::snprintf(st->code, sizeof st->code, "%s", code);
  std::snprintf(st->message, sizeof st->message, "%s", m.c_str());
}

template <class F>
int guarded(abw_cuda_status* st, F&& f) {
  try {
    f();
    return 0;
  } catch (const abw::Error& e) {
    set_status(st, e.code().c_str(), e.what());
  } catch (const std::bad_alloc&) {
    set_status(st, "ENOMEM", "out of host memory");
  } catch (const std::exception& e) {
    set_status(st, "EINTERNAL", e.what());
  }
  return 1;
}

DevTensor from_c(const abw_cuda_tensor& t) {
  DevTensor d;
  d.data = t.data;
  d.dtype = static_cast<DType>(t.dtype);
  d.shape.assign(t.shape, t.shape + std::max(0, std::min(t.ndim, ABW_CUDA_MAX_DIMS)));
  return d;
}

// Records the first sticky or launch error of an enqueued call.
void check_launch(const char* what) {
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) fail_cuda(e, what);
}

struct Prepared {
  std::string op;
  CallPtr call;
  cudaGraphExec_t graph = nullptr;
  int64_t graph_iterations = 0;
  ~Prepared() {
    if (graph) cudaGraphExecDestroy(graph);
  }
};

int64_t host_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Captures `n` launches into a graph; false (and nothing captured) when the op's libraries
// refuse stream capture, so the measurement falls back to plain launches.
bool capture(Prepared& p, int64_t n) {
  if (p.graph && p.graph_iterations == n) return true;
  if (p.graph) {
    cudaGraphExecDestroy(p.graph);
    p.graph = nullptr;
  }
  if (!p.call->graphable) return false;
  std::string why;
  p.graph = capture_launches(*p.call, ctx().stream(), n, &why);
  if (!p.graph) return false;
  p.graph_iterations = n;
  return true;
}

std::string json_escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) r += c;
  }
  return r;
}

// ---- the C entry points ----------------------------------------------------------------------

int api_init(abw_cuda_status* st) {
  return guarded(st, [] { ctx_init(); });
}

size_t api_describe(char* out, size_t cap) {
  std::string j = "{}";
  try {
    Context& c = ctx();
    int drv = 0, rt = 0;
    cudaDriverGetVersion(&drv);
    cudaRuntimeGetVersion(&rt);
    int fft = 0;
    cufftGetVersion(&fft);
    size_t fr = 0, tot = 0;
    cudaMemGetInfo(&fr, &tot);
    int clock_khz = 0, mem_clock_khz = 0, bus = 0;
    cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, c.device);
    cudaDeviceGetAttribute(&mem_clock_khz, cudaDevAttrMemoryClockRate, c.device);
    cudaDeviceGetAttribute(&bus, cudaDevAttrGlobalMemoryBusWidth, c.device);
    char buf[2048];
    std::snprintf(buf, sizeof buf,
                  "{\"name\":\"%s\",\"computeCapability\":\"%d.%d\",\"multiprocessors\":%d,\"totalMemoryBytes\":%zu,"
                  "\"freeMemoryBytes\":%zu,\"l2CacheBytes\":%d,\"smClockKHz\":%d,\"memoryClockKHz\":%d,\"memoryBusBits\":%d,"
                  "\"driver\":\"%d.%d\",\"runtime\":\"%d.%d\",\"cublasLt\":\"%zu\",\"cudnn\":\"%zu\",\"cufft\":\"%d\",\"streams\":%d}",
                  json_escape(c.prop.name).c_str(), c.prop.major, c.prop.minor, c.prop.multiProcessorCount, tot, fr,
                  c.prop.l2CacheSize, clock_khz, mem_clock_khz, bus, drv / 1000, drv % 1000 / 10, rt / 1000, rt % 1000 / 10,
                  cublasLtGetVersion(), cudnnGetVersion(), fft, c.active_streams);
    j = buf;
  } catch (...) {
  }
  if (out && cap) std::snprintf(out, cap, "%s", j.c_str());
  return j.size() + 1;
}

void* api_alloc(size_t bytes, abw_cuda_status* st) {
  void* p = nullptr;
  guarded(st, [&] { p = ctx().alloc.alloc(bytes); });
  return p;
}

void api_free(void* p, size_t bytes) {
  try {
    // No wait: queued work that still reads the block precedes, on the compute stream, any later
    // use of it (side streams join back to it before a call returns; a queued copy of the block
    // is joined here).
    before_free(p);
    ctx().alloc.free(p, bytes);
  } catch (...) {
  }
}

int api_copy(void* dst, const void* src, size_t bytes, int kind, abw_cuda_status* st) {
  return guarded(st, [&] {
    if (kind < 1 || kind > 4) fail("EINVAL", "copy kind must be 1 or 3 (to device) or 2 or 4 (to host)");
    if (kind == 3) return queue_upload(dst, src, bytes);
    if (kind == 4) return queue_download(dst, src, bytes);
    cudaStream_t s = ctx().stream();
    before_use(kind == 1 ? dst : src);
    cudaPointerAttributes attr{};
    const bool pinned_src = kind == 1 && cudaPointerGetAttributes(&attr, src) == cudaSuccess && attr.type == cudaMemoryTypeHost;
    cudaGetLastError();  // a pageable pointer may leave an error behind on older runtimes
    ABW_CU(cudaMemcpyAsync(dst, src, bytes, kind == 1 ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost, s));
    // From pageable memory the driver has staged the source when the call returns; from
    // page-locked memory the DMA still reads it, and the caller may reuse it at once. A download
    // must wait for its bytes.
    if (kind == 2 || pinned_src) ABW_CU(cudaStreamSynchronize(s));
  });
}

int api_zero(void* p, size_t bytes, abw_cuda_status* st) {
  return guarded(st, [&] {
    cudaStream_t s = ctx().stream();
    before_use(p);
    ABW_CU(cudaMemsetAsync(p, 0, bytes, s));
  });
}

int api_has_op(const char* op, int32_t dtype, int32_t tf32, char* reason, size_t cap) {
  std::string why;
  PrepareFn f = find_op(op ? op : "", static_cast<DType>(dtype), tf32 != 0, &why);
  if (!f && reason && cap) std::snprintf(reason, cap, "%s", why.c_str());
  return f ? 1 : 0;
}

void* api_prepare(const char* op, int32_t dtype, int32_t tf32, const abw_cuda_tensor* in, int32_t nin, const abw_cuda_tensor* out,
                  int32_t nout, const void* params, abw_cuda_status* st) {
  Prepared* result = nullptr;
  guarded(st, [&] {
    const std::string name = op ? op : "";
    std::string why;
    PrepareFn f = find_op(name, static_cast<DType>(dtype), tf32 != 0, &why);
    if (!f) fail("ENOKERNEL", why);
    OpArgs a{name, static_cast<DType>(dtype), tf32 != 0, {}, {}, *static_cast<const Params*>(params)};
    // The compute stream waits here for queued uploads into the call's tensors.
    for (int32_t i = 0; i < nin; ++i) before_use(in[i].data), a.in.push_back(from_c(in[i]));
    for (int32_t i = 0; i < nout; ++i) before_use(out[i].data), a.out.push_back(from_c(out[i]));
    auto p = std::make_unique<Prepared>();
    p->op = name;
    p->call = f(a);
    result = p.release();
  });
  return result;
}

int api_run(void* call, int32_t wait, abw_cuda_status* st) {
  return guarded(st, [&] {
    auto* p = static_cast<Prepared*>(call);
    cudaStream_t s = ctx().stream();
    p->call->launch(s);
    check_launch(p->op.c_str());
    if (wait) ABW_CU(cudaStreamSynchronize(s));
  });
}

int api_measure(void* call, const abw_cuda_measure_options* o, double* ns_out, double* host_ns_out, abw_cuda_status* st) {
  return guarded(st, [&] {
    auto* p = static_cast<Prepared*>(call);
    Context& c = ctx();
    cudaStream_t s = c.stream();
    if (o->iterations < 1 || o->samples < 1) fail("EINVAL", "measure: iterations and samples must be >= 1");
    const bool graph = o->graph && capture(*p, o->iterations);
    EventPair ev;
    for (int64_t k = 0; k < o->samples; ++k) {
      // Cold: overwrite a buffer twice the L2 size, outside the timed window.
      if (o->cold) ABW_CU(cudaMemsetAsync(c.flush, static_cast<int>(k & 0xff), c.flush_bytes, s));
      const int64_t h0 = host_ns();
      ev.start(s);
      if (graph) {
        ABW_CU(cudaGraphLaunch(p->graph, s));
      } else {
        for (int64_t i = 0; i < o->iterations; ++i) p->call->launch(s);
      }
      ev.stop(s);
      check_launch(p->op.c_str());
      const float ms = ev.ms();
      const int64_t h1 = host_ns();
      ns_out[k] = static_cast<double>(ms) * 1e6 / static_cast<double>(o->iterations);
      host_ns_out[k] = static_cast<double>(h1 - h0) / static_cast<double>(o->iterations);
    }
  });
}

void api_release(void* call) {
  // No wait: the call's scratch goes back to the allocator stream-ordered (see api_free), its
  // descriptors are host objects, and a graph still in flight is freed when it completes.
  delete static_cast<Prepared*>(call);
}

int api_sync(abw_cuda_status* st) {
  return guarded(st, [] {
    ABW_CU(cudaDeviceSynchronize());
    copies_settled();
  });
}

void api_memory(abw_cuda_memory* m) {
  if (!m) return;
  *m = abw_cuda_memory{};
  try {
    Context& c = ctx();
    m->current_bytes = c.alloc.current();
    m->peak_bytes = c.alloc.peak();
    m->reserved_bytes = c.alloc.reserved();
    size_t fr = 0, tot = 0;
    if (cudaMemGetInfo(&fr, &tot) == cudaSuccess) {
      m->device_free_bytes = static_cast<int64_t>(fr);
      m->device_total_bytes = static_cast<int64_t>(tot);
    }
  } catch (...) {
  }
}

void api_reset_peak() {
  try {
    ctx().alloc.reset_peak();
  } catch (...) {
  }
}

int api_set_streams(int32_t n, abw_cuda_status* st) {
  return guarded(st, [&] {
    Context& c = ctx();
    if (n < 1 || n > static_cast<int32_t>(c.streams.size())) fail("EINVAL", "streams must be in [1, " + std::to_string(c.streams.size()) + "]");
    c.active_streams = n;
  });
}

void* api_host_alloc(size_t bytes) {
  try {
    ctx();
    return host_cache().alloc(bytes);
  } catch (...) {
    return nullptr;
  }
}

void api_host_free(void* p) {
  try {
    // A queued copy may still read or fill the block: the next owner must not see it move.
    wait_for_copies();
    host_cache().free(p);
  } catch (...) {
  }
}

const abw_cuda_api kApi = {ABW_CUDA_API_VERSION, api_init,    api_describe, api_alloc,   api_free,   api_copy,
                           api_zero,             api_has_op,           api_prepare, api_run,      api_measure, api_release, api_sync,
                           api_memory,           api_reset_peak, api_set_streams, api_host_alloc, api_host_free};

}  // namespace
}  // namespace abw::cuda

extern "C" __attribute__((visibility("default"))) const abw_cuda_api* abw_cuda_get_api(void) { return &abw::cuda::kApi; }
