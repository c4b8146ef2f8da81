// cuFFT LTO store callback of the fused fft_conv stage: as the forward R2C writes bin k of row
// `row`, it writes X[k]·h[c][k]/n instead (c = the row's channel), plus bias[c] on bin 0, so the
// inverse C2R returns irfft(X·h) + bias with no pass of its own over the spectrum. Bins 0 and n/2
// keep only their real parts, as irfft takes them (cuFFT's C2R does not simply ignore them). Compiled to
// LTO-IR (nvcc -dlto) and linked into cuFFT's kernels at plan time (cufftXtSetJITCallback);
// kept apart from the module's other sources because it is not compiled to SASS.
#include <cufftXt.h>

#include "cuda/callbacks/fft_conv_info.h"

__device__ void abw_fft_conv_store(void* out, unsigned long long offset, cufftComplex v, void* info, void* shared) {
  const auto* p = static_cast<const abw::cuda::FftConvInfo*>(info);
  // Offsets index this band's spectrum, [rows, nh]; 32-bit division is enough (rows·nh < 2^32,
  // checked at prepare) and far cheaper than 64-bit.
  const unsigned off = static_cast<unsigned>(offset);
  const unsigned row = off / p->nh, k = off - row * p->nh;
  const unsigned c = (p->r0 + row) % p->channels;
  const float2 h = p->h[static_cast<size_t>(c) * p->nh + k];
  float2 r = make_float2((v.x * h.x - v.y * h.y) * p->scale, (v.x * h.y + v.y * h.x) * p->scale);
  if (k == 0 || k == p->nyquist) r.y = 0.f;
  if (k == 0 && p->bias) r.x += p->bias[c];
  static_cast<float2*>(out)[offset] = r;
}
