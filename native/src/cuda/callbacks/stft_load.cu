// cuFFT LTO load callback of the stft: the R2C runs over a virtual contiguous layout of
// batch·frames frames of n_fft samples (idist = n_fft), and each load of element `offset` is
// resolved here to x[b][f·hop − pad + k] (centre padding, reflect or zeros) times win[k]. No
// padded copy of the signal and no framed copy exist. Compiled to LTO-IR (nvcc -dlto) and linked
// into cuFFT's kernels at plan time (cufftXtSetJITCallback); C++ linkage at global scope, as
// cuFFT declares the callback when it links it in.
#include <cufftXt.h>

#include "cuda/callbacks/stft_load_info.h"

// `in` is the pointer given to cufftExecR2C: the f32 signal [batch, length].
__device__ cufftReal abw_stft_load(void* in, unsigned long long offset, void* info, void*) {
  const auto* p = static_cast<const abw::cuda::StftLoadInfo*>(info);
  // batch·frames·n_fft < 2^32 and frames·hop + n_fft < 2^31 (checked at prepare): 32-bit math,
  // a shift and a mask for power-of-two n_fft, and one 32-bit division for the signal index.
  const unsigned off = static_cast<unsigned>(offset);
  unsigned r, k;
  if (p->shift) {
    r = off >> p->shift;
    k = off & (p->n - 1u);
  } else {
    r = off / p->n;
    k = off - r * p->n;
  }
  const unsigned b = r < p->frames ? 0u : r / p->frames;
  const unsigned f = r - b * p->frames;
  int j = static_cast<int>(f * p->hop + k) - p->pad;  // in [−pad, length + pad)
  const float* xb = static_cast<const float*>(in) + static_cast<size_t>(b) * static_cast<unsigned>(p->length);
  float v;
  if (p->reflect) {
    // pad < length (checked at prepare), so one reflection lands inside the signal.
    j = j < 0 ? -j : j;
    j = j >= p->length ? 2 * (p->length - 1) - j : j;
    v = __ldg(xb + j);
  } else {
    v = (j >= 0 && j < p->length) ? __ldg(xb + j) : 0.f;
  }
  return v * __ldg(p->win + k);
}
