#include "cuda/fft_plan.h"

#include <dlfcn.h>

#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <tuple>

#include "common/error.h"

namespace abw::cuda {

namespace {
void fft_check(cufftResult r, const char* what) {
  if (r == CUFFT_SUCCESS) return;
  if (r == CUFFT_ALLOC_FAILED) fail("ENOMEM", std::string("out of device memory in ") + what);
  fail("EINTERNAL", std::string(what) + " failed: cuFFT result " + std::to_string(static_cast<int>(r)));
}
// cuFFT links LTO callbacks with nvJitLink, which it dlopens by soname; where the toolkit is not
// on the loader's path, loading it first from the toolkit this module was built against makes
// that soname resolve. (Once per process; a failure leaves cuFFT to say why.)
void preload_jit_link() {
  static const bool done = [] {
    if (dlopen("libnvJitLink.so.13", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD)) return true;
#ifdef ABW_CUDA_LIBDIR
    if (dlopen(ABW_CUDA_LIBDIR "/libnvJitLink.so.13", RTLD_NOW | RTLD_GLOBAL)) return true;
#endif
    return dlopen("libnvJitLink.so.13", RTLD_NOW | RTLD_GLOBAL) != nullptr;
  }();
  (void)done;
}
}  // namespace

FftPlan::FftPlan(int64_t n, cufftType type, int64_t batch, int64_t istride, int64_t idist, int64_t ostride, int64_t odist, int64_t inembed,
                 int64_t onembed, const FftCallback* callback)
    : type_(type) {
  fft_check(cufftCreate(&h_), "cufftCreate");
  fft_check(cufftSetAutoAllocation(h_, 0), "cufftSetAutoAllocation");
  // A constructor that throws runs no destructor: the handle goes back here.
  try {
    make(n, type, batch, istride, idist, ostride, odist, inembed, onembed, callback);
  } catch (...) {
    cufftDestroy(h_);
    h_ = 0;
    throw;
  }
}

void FftPlan::make(int64_t n, cufftType type, int64_t batch, int64_t istride, int64_t idist, int64_t ostride, int64_t odist, int64_t inembed,
                   int64_t onembed, const FftCallback* callback) {
  if (callback) {
    preload_jit_link();
    callback_info_ = callback->info;
    fft_check(cufftXtSetJITCallback(h_, callback->symbol, callback->fatbin, callback->fatbin_bytes, callback->type, &callback_info_),
              "cufftXtSetJITCallback");
  }
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

namespace {

// The most recently used shared plans, held past their last prepared call: a pipeline prepares
// and releases its transforms in every run (and per chunk), and planning a 4M-point transform
// costs milliseconds — the fftconv pipeline with 16 bands replanned 32 transforms per run. At
// most 16 plans and a thirty-second of the GPU's memory (256 MiB to 4 GiB) of work areas; the
// oldest go first. Never destroyed (a static's destructor would run after the CUDA context).
class RecentPlans {
 public:
  void touch(const std::shared_ptr<FftPlan>& p) {
    for (auto it = recent_.begin(); it != recent_.end(); ++it)
      if (*it == p) {
        recent_.erase(it);
        break;
      }
    recent_.push_front(p);
    size_t bytes = 0, kept = 0;
    for (auto it = recent_.begin(); it != recent_.end(); ++it, ++kept) {
      bytes += (*it)->work_bytes();
      if (kept >= kMaxPlans || bytes > cap()) {
        recent_.erase(it, recent_.end());
        break;
      }
    }
  }

 private:
  static constexpr size_t kMaxPlans = 16;
  static size_t cap() {
    static const size_t c = [] {
      size_t free_b = 0, total_b = 0;
      if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) return size_t{256} << 20;
      return std::clamp(total_b / 32, size_t{256} << 20, size_t{4} << 30);
    }();
    return c;
  }
  std::deque<std::shared_ptr<FftPlan>> recent_;
};

}  // namespace

std::shared_ptr<FftPlan> FftPlan::shared(int64_t n, cufftType type, int64_t batch, int64_t istride, int64_t idist, int64_t ostride, int64_t odist,
                                         int64_t inembed, int64_t onembed) {
  using Key = std::tuple<int64_t, int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>;
  static std::mutex mu;
  static auto* plans = new std::map<Key, std::weak_ptr<FftPlan>>();
  static auto* recent = new RecentPlans();
  const Key key{n, static_cast<int>(type), batch, istride, idist, ostride, odist, inembed, onembed};
  std::lock_guard<std::mutex> lock(mu);
  // Weak entries: a plan lives while a prepared call or the recent list holds it.
  auto it = plans->find(key);
  if (it != plans->end())
    if (auto p = it->second.lock()) {
      recent->touch(p);
      return p;
    }
  auto p = std::make_shared<FftPlan>(n, type, batch, istride, idist, ostride, odist, inembed, onembed);
  (*plans)[key] = p;
  recent->touch(p);
  return p;
}

void FftPlan::exec(cudaStream_t s, const void* in, void* out, bool inverse) const {
  std::lock_guard<std::mutex> lock(mu_);
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
