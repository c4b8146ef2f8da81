// In-block DFT building blocks of the hand-written transforms (four_step.cuh: fft_conv's
// 65536-point four-step; stft_fused.cuh: the one-kernel 4096-point stft): complex helpers, the
// radix-4 and 16-point DFTs in registers, and the 256-point DFT of one column held by 16 threads
// (thread t holds elements t + 16·r in register r; a 16-point DFT in registers (radix 4 × 4), a
// twiddle, an exchange through shared memory and a second 16-point DFT; results come back in the
// same thread/register distribution).
#pragma once
#include <cuda_runtime.h>

namespace abw::cuda::dft {

constexpr int kColStride = 273;  // shared float2 per 256-point column: 256 + 16 pads (+1 against bank conflicts between columns)

__device__ __forceinline__ float2 cadd(float2 a, float2 b) { return make_float2(a.x + b.x, a.y + b.y); }
__device__ __forceinline__ float2 csub(float2 a, float2 b) { return make_float2(a.x - b.x, a.y - b.y); }
__device__ __forceinline__ float2 cmul(float2 a, float2 b) { return make_float2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }
__device__ __forceinline__ float2 conj(float2 a) { return make_float2(a.x, -a.y); }
// Forward twiddles are stored; the inverse uses their conjugates.
template <bool INV> __device__ __forceinline__ float2 twiddle(float2 w) { return INV ? conj(w) : w; }
// × −i (forward) or × +i (inverse).
template <bool INV> __device__ __forceinline__ float2 rot(float2 a) { return INV ? make_float2(-a.y, a.x) : make_float2(a.y, -a.x); }

template <bool INV> __device__ __forceinline__ void dft4(float2& a0, float2& a1, float2& a2, float2& a3) {
  const float2 t0 = cadd(a0, a2), t1 = csub(a0, a2), t2 = cadd(a1, a3), t3 = rot<INV>(csub(a1, a3));
  a0 = cadd(t0, t2);
  a2 = csub(t0, t2);
  a1 = cadd(t1, t3);
  a3 = csub(t1, t3);
}

// W_16^e, forward sign (cos, −sin); compile-time e after unrolling.
__device__ __forceinline__ float2 w16(int e) {
  constexpr float c[16] = {1.0f, 0.92387953251128674f, 0.70710678118654752f, 0.38268343236508978f, 0.0f, -0.38268343236508978f, -0.70710678118654752f, -0.92387953251128674f,
                           -1.0f, -0.92387953251128674f, -0.70710678118654752f, -0.38268343236508978f, 0.0f, 0.38268343236508978f, 0.70710678118654752f, 0.92387953251128674f};
  return make_float2(c[e & 15], -c[(e + 12) & 15]);  // sin θ = cos(θ − π/2)
}

// In-register 16-point DFT: v[m] → v[k]. Radix 4 × 4 with m = m1 + 4·m2, k = k2 + 4·k1.
template <bool INV> __device__ __forceinline__ void dft16(float2 (&v)[16]) {
#pragma unroll
  for (int m1 = 0; m1 < 4; ++m1) dft4<INV>(v[m1], v[m1 + 4], v[m1 + 8], v[m1 + 12]);  // v[m1 + 4·k2]
#pragma unroll
  for (int m1 = 1; m1 < 4; ++m1)
#pragma unroll
    for (int k2 = 1; k2 < 4; ++k2) v[m1 + 4 * k2] = cmul(v[m1 + 4 * k2], twiddle<INV>(w16(m1 * k2)));
#pragma unroll
  for (int k2 = 0; k2 < 4; ++k2) dft4<INV>(v[4 * k2], v[4 * k2 + 1], v[4 * k2 + 2], v[4 * k2 + 3]);  // v[k1 + 4·k2] = X[k2 + 4·k1]
  float2 t[16];
#pragma unroll
  for (int i = 0; i < 16; ++i) t[i] = v[i];
#pragma unroll
  for (int k1 = 0; k1 < 4; ++k1)
#pragma unroll
    for (int k2 = 0; k2 < 4; ++k2) v[k2 + 4 * k1] = t[k1 + 4 * k2];
}

// Shared-memory slot of element i of a column: one pad per 16 so that the strided reads of the
// second half hit distinct banks.
__device__ __forceinline__ int slot(int i) { return i + (i >> 4); }

// 256-point DFT of one column held by 16 threads (lane t, v[r] = element t + 16·r); `col` is
// the column's shared buffer, `tw256` the 256 forward twiddles W_256^e. Every thread of the
// block must call it (it synchronises the block).
template <bool INV> __device__ __forceinline__ void dft256(float2 (&v)[16], float2* col, int t, const float2* __restrict__ tw256) {
  dft16<INV>(v);  // over r: v[ka] = Σ_r x[t + 16r]·W16^{r·ka}
  __syncthreads();  // the buffer may still be read from an earlier use
#pragma unroll
  for (int ka = 0; ka < 16; ++ka) col[slot(t + 16 * ka)] = ka == 0 ? v[0] : cmul(v[ka], twiddle<INV>(__ldg(tw256 + t * ka)));
  __syncthreads();
#pragma unroll
  for (int j = 0; j < 16; ++j) v[j] = col[slot(j + 16 * t)];
  dft16<INV>(v);  // v[kb] = X[t + 16·kb]
}

}  // namespace abw::cuda::dft
