// The one-kernel stft for n_fft = 4096 (f32, one-sided): frames read straight from the signal
// (centre padding resolved per sample), windowed, transformed and written in the [freq, frame]
// layout by the same block. Hand-written because the layout is what costs with cuFFT: cuFFT
// writes [frame, freq], and the transpose after it reads and writes the whole spectrum again
// (PyTorch returns a strided view instead and skips it). A block holds the spectra of 2·P
// consecutive frames, so each bin's frames go out as one contiguous run of 2·P values.
//
// Two real frames travel as one complex signal z = a + i·b (their spectra separate through the
// mirror bin, as in fft_conv's four-step). The 4096-point transform is a four-step of 16 × 256:
// n = n1 + 16·n2, k = k2 + 256·k1; step 1: for each of the 16 columns n1, a 256-point DFT over n2
// (dft::dft256: 16 threads × 16 registers) and the twiddle W_4096^{n1·k2}; step 2: for each
// k2, a 16-point DFT over n1 in one thread's registers.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/kernels/common.cuh"
#include "cuda/kernels/dft_blocks.cuh"

namespace abw::cuda::stft_fused {

constexpr int kNfft = 4096;
constexpr int kBins = kNfft / 2 + 1;
// Shared float2 per frame pair: the 16 column buffers of step 1 (16 × 273), reused for the
// [n1][k2] exchange (16 × 257) and the spectrum (4096); + 1 so that pairs start on different banks.
constexpr int kPairStride = 16 * dft::kColStride + 1;

template <int P> constexpr size_t smem_bytes() { return static_cast<size_t>(P) * kPairStride * sizeof(float2); }

// Sample n of frame f (0 past the last frame), padding resolved.
__device__ __forceinline__ float frame_sample(const float* __restrict__ xb, int64_t f, int n, int64_t frames, int64_t L, int64_t hop, int64_t pad, bool reflect) {
  if (f >= frames) return 0.f;
  int64_t j = f * hop - pad + n;
  if (reflect) {
    j = j < 0 ? -j : j;
    j = j >= L ? 2 * (L - 1) - j : j;
  } else if (j < 0 || j >= L) {
    return 0.f;
  }
  return __ldg(xb + j);
}

// grid = (⌈frames / 2P⌉, batch), block = 256·P, dynamic shared memory smem_bytes<P>().
// x [batch, L], win [4096] (normalisation folded in), tw4096/tw256: forward twiddles;
// y [batch, 2049, frames, 2].
template <int P>
__global__ void __launch_bounds__(256 * P) stft_frame_pairs(const float* __restrict__ x, const float* __restrict__ win, const float2* __restrict__ tw4096,
                                                            const float2* __restrict__ tw256, float2* __restrict__ y, int64_t L, int64_t frames, int64_t hop,
                                                            int64_t pad, bool reflect) {
  extern __shared__ float2 sm[];
  const int q = threadIdx.x >> 8, lt = threadIdx.x & 255;
  const int64_t b = blockIdx.y, f0 = static_cast<int64_t>(blockIdx.x) * 2 * P;
  const float* xb = x + b * L;
  float2* buf = sm + q * kPairStride;
  // Step 1: column n1 = c, lane t holds n2 = t + 16·r.
  const int c = lt & 15, t = lt >> 4;
  const int64_t fa = f0 + 2 * q, fb = fa + 1;
  float2 v[16];
#pragma unroll
  for (int r = 0; r < 16; ++r) {
    const int n = c + 16 * (t + 16 * r);
    const float w = __ldg(win + n);
    v[r] = make_float2(frame_sample(xb, fa, n, frames, L, hop, pad, reflect) * w, frame_sample(xb, fb, n, frames, L, hop, pad, reflect) * w);
  }
  dft::dft256<false>(v, buf + c * dft::kColStride, t, tw256);  // v[r]: k2 = t + 16·r
  __syncthreads();  // every column's exchange reads are done before the buffer is reused
#pragma unroll
  for (int r = 0; r < 16; ++r) {
    const int k2 = t + 16 * r;
    buf[c * 257 + k2] = dft::cmul(v[r], __ldg(tw4096 + c * k2));
  }
  __syncthreads();
  // Step 2: thread k2 = lt, a 16-point DFT over n1.
#pragma unroll
  for (int n1 = 0; n1 < 16; ++n1) v[n1] = buf[n1 * 257 + lt];
  __syncthreads();
  dft::dft16<false>(v);  // v[k1] = Z[lt + 256·k1]
#pragma unroll
  for (int k1 = 0; k1 < 16; ++k1) buf[lt + 256 * k1] = v[k1];
  __syncthreads();
  // Out: bin k of frame f0 + j for j < 2P consecutive, from pair j/2's spectrum and its mirror.
  for (int i = threadIdx.x; i < kBins * 2 * P; i += blockDim.x) {
    const int k = i / (2 * P), j = i - k * (2 * P);
    const int64_t f = f0 + j;
    if (f >= frames) continue;
    const float2* z = sm + (j >> 1) * kPairStride;
    const float2 zk = z[k], zm = dft::conj(z[(kNfft - k) & (kNfft - 1)]);
    const float2 out = (j & 1) ? make_float2(0.5f * (zk.y - zm.y), -0.5f * (zk.x - zm.x))  // (Z − conj Z[−k]) / 2i
                               : make_float2(0.5f * (zk.x + zm.x), 0.5f * (zk.y + zm.y));  // (Z + conj Z[−k]) / 2
    y[(b * kBins + k) * frames + f] = out;
  }
}

}  // namespace abw::cuda::stft_fused
