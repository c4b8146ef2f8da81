// The process-wide CUDA context of the cuda backend: device 0, its streams, library handles,
// the caching allocator and a shared workspace. Created once by the module's init().
#pragma once
#include <cublasLt.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace abw::cuda {

// Caching allocator: freed blocks go to a free list keyed by rounded size and are reused, so
// the timing loop and repeated cases pay no cudaMalloc/cudaFree (which synchronise the device).
// On an allocation failure the cache is released and the allocation retried once; a second
// failure is ENOMEM. Statistics count requested bytes in use (current/peak) and reserved bytes.
class Allocator {
 public:
  void* alloc(size_t bytes);
  void free(void* p, size_t bytes);
  void release_cache();
  int64_t current() const { return current_; }
  int64_t peak() const { return peak_; }
  int64_t reserved() const { return reserved_; }
  void reset_peak() { peak_ = current_; }

 private:
  static size_t round(size_t bytes);
  std::mutex mu_;
  std::vector<std::pair<size_t, void*>> free_;  // (rounded size, block), small number of entries
  int64_t current_ = 0, peak_ = 0, reserved_ = 0;
};

// Device scratch owned by a prepared call (allocator-backed, freed with the call). The allocator
// hands a freed block out again at once (stream-ordered reuse): work already queued on the compute
// stream may still use it, so anything that fills scratch must be ordered on that stream —
// never a plain cudaMemcpy, which does not wait for the (non-blocking) compute stream.
class Scratch {
 public:
  explicit Scratch(size_t bytes);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  void* get() const { return p_; }
  template <class T> T* as() const { return static_cast<T*>(p_); }
  size_t bytes() const { return bytes_; }

 private:
  void* p_ = nullptr;
  size_t bytes_ = 0;
};

// Scratch holding a copy of `bytes` host bytes, copied on the compute stream (ordered after the
// work that may still use the recycled block; the host source is staged before this returns).
std::shared_ptr<Scratch> upload_scratch(const void* src, size_t bytes);

struct Context {
  int device = 0;
  cudaDeviceProp prop{};
  std::vector<cudaStream_t> streams;  // streams[0] is the compute stream
  // Queued host↔device copies (copy_queue.h), one stream per direction: the bus is full duplex.
  cudaStream_t copy_in = nullptr, copy_out = nullptr;
  int active_streams = 1;             // how many of them banded work may use
  cublasLtHandle_t lt = nullptr;
  cudnnHandle_t dnn = nullptr;
  Allocator alloc;
  // cuBLASLt workspace (shared: calls run one at a time on the compute stream).
  void* lt_workspace = nullptr;
  size_t lt_workspace_bytes = 0;
  // L2 flush buffer for cold measurements (twice the L2 size).
  void* flush = nullptr;
  size_t flush_bytes = 0;

  cudaStream_t stream() const { return streams[0]; }
};

Context& ctx();          // throws EINTERNAL if init() has not succeeded
bool ctx_ready();
void ctx_init();         // throws with the reason (no device, driver too old)

}  // namespace abw::cuda
