#include "cuda/fft_plan.h"

#include <string>

#include "common/error.h"

namespace abw::cuda {

namespace {
void fft_check(cufftResult r, const char* what) {
  if (r == CUFFT_SUCCESS) return;
  if (r == CUFFT_ALLOC_FAILED) fail("ENOMEM", std::string("out of device memory in ") + what);
  fail("EINTERNAL", std::string(what) + " failed: cuFFT result " + std::to_string(static_cast<int>(r)));
}
}  // namespace

FftPlan::FftPlan(int64_t n, cufftType type, int64_t batch, int64_t istride, int64_t idist, int64_t ostride, int64_t odist, int64_t inembed,
                 int64_t onembed)
    : type_(type) {
  fft_check(cufftCreate(&h_), "cufftCreate");
  fft_check(cufftSetAutoAllocation(h_, 0), "cufftSetAutoAllocation");
  long long nn[1] = {n}, ie[1] = {inembed}, oe[1] = {onembed};
  size_t work = 0;
  fft_check(cufftMakePlanMany64(h_, 1, nn, ie, istride, idist, oe, ostride, odist, type, batch, &work), "cufftMakePlanMany64");
  if (work) {
    work_ = std::make_unique<Scratch>(work);
    fft_check(cufftSetWorkArea(h_, work_->get()), "cufftSetWorkArea");
  }
}

FftPlan::~FftPlan() {
  if (h_) cufftDestroy(h_);
}

void FftPlan::exec(cudaStream_t s, const void* in, void* out, bool inverse) const {
  fft_check(cufftSetStream(h_, s), "cufftSetStream");
  auto* i = const_cast<void*>(in);
  switch (type_) {
    case CUFFT_C2C:
      fft_check(cufftExecC2C(h_, static_cast<cufftComplex*>(i), static_cast<cufftComplex*>(out), inverse ? CUFFT_INVERSE : CUFFT_FORWARD), "cufftExecC2C");
      break;
    case CUFFT_R2C:
      fft_check(cufftExecR2C(h_, static_cast<cufftReal*>(i), static_cast<cufftComplex*>(out)), "cufftExecR2C");
      break;
    case CUFFT_C2R:
      fft_check(cufftExecC2R(h_, static_cast<cufftComplex*>(i), static_cast<cufftReal*>(out)), "cufftExecC2R");
      break;
    default:
      fail("EINTERNAL", "unsupported cuFFT plan type");
  }
}

}  // namespace abw::cuda
