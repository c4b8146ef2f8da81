// The C interface between the addon and the CUDA module (libabw_cuda.so).
//
// Why a separate, dlopen'ed library rather than CUDA code linked into the addon: the addon must
// load on machines with no CUDA driver (CI, laptops, Apple Silicon). Linking cuBLAS/cuDNN/cuFFT or
// the CUDA runtime into abw_native.node would make the dynamic loader fail on such machines
// before any of our code runs. The addon instead dlopen()s this library on first use and asks it
// for one table of plain-C function pointers; a missing library, driver or device becomes a
// reason string (`abw list backends` → `cuda: unavailable (…)`), never a load failure.
//
// Only C types cross the boundary, except `params`: a pointer to the addon's `abw::Params`,
// whose class (common/params.h) is compiled into both sides by the same build and toolchain.
// Errors never cross as C++ exceptions: every entry point fills an abw_cuda_status.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ABW_CUDA_API_VERSION 4
#define ABW_CUDA_MAX_DIMS 8

// dtype codes: the values of abw::DType (common/dtype.h).
typedef struct abw_cuda_tensor {
  void* data;  // device pointer
  int32_t dtype;
  int32_t ndim;
  int64_t shape[ABW_CUDA_MAX_DIMS];
} abw_cuda_tensor;

// code: "" when ok, else an abw error code without the ABW_ prefix (ENOMEM, EINVAL, ENOKERNEL, …).
typedef struct abw_cuda_status {
  char code[16];
  char message[1024];
} abw_cuda_status;

typedef struct abw_cuda_memory {
  int64_t current_bytes;   // bytes in live tensors and scratch
  int64_t peak_bytes;      // since the last reset
  int64_t reserved_bytes;  // held by the caching allocator (current + cached free blocks)
  int64_t device_free_bytes;   // cudaMemGetInfo
  int64_t device_total_bytes;
} abw_cuda_memory;

typedef struct abw_cuda_measure_options {
  int64_t iterations;  // launches per sample
  int64_t samples;
  int32_t cold;        // flush L2 before each sample
  int32_t graph;       // capture the `iterations` launches once as a CUDA graph, replay per sample
} abw_cuda_measure_options;

typedef struct abw_cuda_api {
  int32_t version;
  // Creates the context on device 0 (streams, library handles). 0 when ok.
  int (*init)(abw_cuda_status* st);
  // JSON object: device name, compute capability, SM count, memory, L2, driver/runtime and library
  // versions. Returns the bytes needed (including NUL); writes at most cap bytes.
  size_t (*describe)(char* json, size_t cap);
  void* (*alloc)(size_t bytes, abw_cuda_status* st);
  // Returns a block to the caching allocator at once: work queued on the compute stream that
  // still reads it runs before any later use (every user is ordered on that stream).
  void (*free)(void* p, size_t bytes);
  // kind: 1 host→device (returns once the host buffer may be reused; the copy is ordered on the
  // compute stream; from page-locked memory that means once the copy is done), 2 device→host
  // (waits for the stream, then the copy); 3 and 4 the same directions queued on copy streams
  // of their own, overlapping compute (copy_queue.h): they return at once and are done by the
  // next `sync`, and the host memory must stay untouched until then.
  int (*copy)(void* dst, const void* src, size_t bytes, int kind, abw_cuda_status* st);
  // Zero-fills device memory (new tensors start zeroed), ordered on the compute stream.
  int (*zero)(void* p, size_t bytes, abw_cuda_status* st);
  // 1 when the module implements (op, dtype), else 0 and the reason in `reason`.
  int (*has_op)(const char* op, int32_t dtype, int32_t tf32, char* reason, size_t cap);
  // Binds an op to its tensors: plans (cuBLASLt heuristics, cuFFT plans, cuDNN descriptors) are
  // made here, once. `params` is a const abw::Params*.
  void* (*prepare)(const char* op, int32_t dtype, int32_t tf32, const abw_cuda_tensor* in, int32_t nin,
                   const abw_cuda_tensor* out, int32_t nout, const void* params, abw_cuda_status* st);
  // Enqueues one call on the compute stream; with `wait`, also waits for it. Without, a fault
  // inside the kernels surfaces at the next call that waits (a download, a sync), as in PyTorch.
  int (*run)(void* call, int32_t wait, abw_cuda_status* st);
  // Device-timeline timing: CUDA events around `iterations` back-to-back launches per sample.
  // ns_out and host_ns_out have `samples` entries (per-call nanoseconds).
  int (*measure)(void* call, const abw_cuda_measure_options* o, double* ns_out, double* host_ns_out, abw_cuda_status* st);
  void (*release)(void* call);
  int (*sync)(abw_cuda_status* st);
  void (*memory)(abw_cuda_memory* m);
  void (*reset_peak)(void);
  // Number of streams the module spreads independent work over (banded pipelines); 1..16.
  int (*set_streams)(int32_t n, abw_cuda_status* st);
  // Page-locked host memory (copies at the bus's speed) from a cache, for downloads and staged
  // uploads; nullptr when none can be had or `bytes` is too small to gain (pageable then).
  // host_free waits for queued copies first (kinds 3 and 4).
  void* (*host_alloc)(size_t bytes);
  // Returns a host_alloc block to the cache. Safe at any time: no copy still uses a block once
  // the addon has it back (downloads wait, uploads from page-locked memory wait).
  void (*host_free)(void* p);
} abw_cuda_api;

// The one exported symbol of libabw_cuda.so.
typedef const abw_cuda_api* (*abw_cuda_get_api_fn)(void);
const abw_cuda_api* abw_cuda_get_api(void);

#ifdef __cplusplus
}
#endif
