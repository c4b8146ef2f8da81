// What the stft load callback reads (callerInfo, in device memory): shared by the callback
// (LTO-IR) and the host code that fills it. Only geometry: the signal itself comes as the
// transform's input pointer, so one plan serves every tensor of this geometry.
#pragma once

namespace abw::cuda {

struct StftLoadInfo {
  const float* win;  // [n_fft] analysis window, normalisation folded in
  unsigned n;        // n_fft
  unsigned shift;    // log2(n_fft) when n_fft is a power of two above 1; 0: divide by n
  unsigned frames;   // frames per signal
  unsigned hop;      // hop_length
  int length;        // L, samples per signal
  int pad;           // centre padding on each side (0 without centre)
  int reflect;       // 1: reflect padding, 0: zeros
};

}  // namespace abw::cuda
