// A cuFFT plan whose work area comes from the caching allocator (so device memory statistics
// include it, and it is allocated at prepare time, never inside a timed or captured launch).
#pragma once
#include <cufft.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <memory>

#include "cuda/context.h"

namespace abw::cuda {

class FftPlan {
 public:
  // cufftPlanMany's advanced layout, 64-bit. type: CUFFT_C2C, CUFFT_R2C or CUFFT_C2R.
  FftPlan(int64_t n, cufftType type, int64_t batch, int64_t istride, int64_t idist, int64_t ostride, int64_t odist, int64_t inembed, int64_t onembed);
  ~FftPlan();
  FftPlan(const FftPlan&) = delete;
  FftPlan& operator=(const FftPlan&) = delete;
  // Enqueues the transform on `s`. For C2C, inverse picks CUFFT_INVERSE.
  void exec(cudaStream_t s, const void* in, void* out, bool inverse = false) const;

 private:
  cufftHandle h_ = 0;
  cufftType type_;
  std::unique_ptr<Scratch> work_;
};

}  // namespace abw::cuda
