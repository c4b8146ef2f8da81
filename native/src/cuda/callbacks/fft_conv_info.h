// What the fft_conv store callback reads (callerInfo, in device memory): shared by the callback
// (LTO-IR) and the host code that fills it.
#pragma once
#include <cuda_runtime.h>

namespace abw::cuda {

struct FftConvInfo {
  const float2* h;     // [C, nh] filter spectra
  const float* bias;   // [C] or nullptr
  unsigned r0;         // the band's first (b, c) row
  unsigned channels;   // C
  unsigned nh;         // n/2 + 1
  unsigned nyquist;    // n/2 for even n, else ~0u: with bin 0, the bins whose imaginary part irfft ignores
  float scale;         // 1/n: the unnormalised C2R's scale, folded in here
};

}  // namespace abw::cuda
