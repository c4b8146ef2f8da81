// A cuFFT plan whose work area comes from the caching allocator (so device memory statistics
// include it, and it is allocated at prepare time, never inside a timed or captured launch).
#pragma once
#include <cufft.h>
#include <cufftXt.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <mutex>

#include "cuda/context.h"

namespace abw::cuda {

// An LTO callback for a plan (cufftXtSetJITCallback): the LTO-IR fatbin, the device function's
// name in it, which load/store it replaces, and its callerInfo (a device pointer).
struct FftCallback {
  const char* symbol;
  const void* fatbin;
  size_t fatbin_bytes;
  cufftXtCallbackType type;
  void* info;
};

class FftPlan {
 public:
  // cufftPlanMany's advanced layout, 64-bit. type: CUFFT_C2C, CUFFT_R2C or CUFFT_C2R. With a
  // callback, cuFFT JIT-links it into the plan's kernels while planning.
  FftPlan(int64_t n, cufftType type, int64_t batch, int64_t istride, int64_t idist, int64_t ostride, int64_t odist, int64_t inembed, int64_t onembed,
          const FftCallback* callback = nullptr);
  ~FftPlan();
  FftPlan(const FftPlan&) = delete;
  FftPlan& operator=(const FftPlan&) = delete;
  // Enqueues the transform on `s`. For C2C, inverse picks CUFFT_INVERSE. One host thread at a
  // time per plan (cuFFT's rule for a shared plan); work on one stream keeps its area safe.
  void exec(cudaStream_t s, const void* in, void* out, bool inverse = false) const;
  size_t work_bytes() const { return work_ ? work_->bytes() : 0; }

  // A plan of this layout shared by the ops of this process that run on the compute stream
  // (streams[0]): pipelines prepare the same transforms over and over, and a plan costs its
  // creation and a work area each time; the most recently used stay a while after their last
  // call (fft_plan.cpp). Banded work on other streams makes its own plans.
  static std::shared_ptr<FftPlan> shared(int64_t n, cufftType type, int64_t batch, int64_t istride, int64_t idist, int64_t ostride, int64_t odist,
                                         int64_t inembed, int64_t onembed);

 private:
  void make(int64_t n, cufftType type, int64_t batch, int64_t istride, int64_t idist, int64_t ostride, int64_t odist, int64_t inembed, int64_t onembed,
            const FftCallback* callback);
  cufftHandle h_ = 0;
  cufftType type_;
  std::unique_ptr<Scratch> work_;
  void* callback_info_ = nullptr;
  mutable std::mutex mu_;
};

}  // namespace abw::cuda
