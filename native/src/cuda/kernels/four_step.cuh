// The fft_conv stage's own transform: a four-step FFT of n = 256 × 256 with the spectral product
// fused into its middle pass. Hand-written because cuFFT cannot do what makes it fast: cuFFT runs
// a 65536-point transform as several passes over memory and the product can ride only on its
// first or last pass, so rfft → ·h → irfft costs cuFFT about six passes; here the middle pass holds
// whole columns of the spectrum (each with its mirror column), so forward columns, product and
// inverse columns, and the last inverse columns make three passes, each one read and one write.
// Two real rows travel as one complex signal z = x_a + i·x_b (their spectra are separated by
// the mirror bin, X_a = (Z[k] + conj Z[−k])/2, X_b = (Z[k] − conj Z[−k])/(2i)), so the packed
// data is no bigger than the input.
//
// Index convention (n = N1·N2, N1 = N2 = 256): time n = n1 + N1·n2, frequency k = k2 + N2·k1.
//   pass 1 (columns n1): DFT over n2 of z[n1 + N1·n2], times W_n^{n1·k2}  → S[k2][n1]
//   pass 2 (columns k2): DFT over n1 → Z[k2 + N2·k1]; product with h (and its mirror), 1/n, bias
//                        at k = 0; inverse DFT over k1, times W_n^{−n1·k2} → S[k2][n1]
//   pass 3 (columns n1): inverse DFT over k2 → y_a + i·y_b at n1 + N1·n2
// A 256-point column is 16 threads × 16 registers (dft_blocks.cuh).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/kernels/common.cuh"
#include "cuda/kernels/dft_blocks.cuh"

namespace abw::cuda::four_step {

using namespace dft;  // NOLINT: the building blocks read as the math does

constexpr int kSide = 256;            // N1 = N2
constexpr int64_t kN = 65536;         // the transform length this path serves

// Pass 1: block = TC columns n1 (lane c, fastest) × 16 threads; grid.x = pairs × 256/TC column
// groups; dynamic shared memory TC × kColStride float2. TC = 32 makes each row segment a warp
// loads or stores 128 bytes (TC = 16: 64).
// z[n1 + 256·n2] = x[2p][·] + i·x[2p+1][·] (zero when row 2p+1 does not exist).
template <int TC>
__global__ void __launch_bounds__(16 * TC) pass_columns_forward(const float* __restrict__ x, float2* __restrict__ s, const float2* __restrict__ tw256,
                                                            const float2* __restrict__ twn, int64_t p0, int64_t rows) {
  extern __shared__ float2 buf[];  // TC × kColStride
  const int c = threadIdx.x % TC, t = threadIdx.x / TC;
  const int64_t p = p0 + blockIdx.x / (kSide / TC);
  const int n1 = (blockIdx.x % (kSide / TC)) * TC + c;
  const float* xa = x + 2 * p * kN;
  const bool has_b = 2 * p + 1 < rows;
  float2 v[16];
#pragma unroll
  for (int r = 0; r < 16; ++r) {
    const int i = n1 + kSide * (t + 16 * r);
    v[r] = make_float2(__ldg(xa + i), has_b ? __ldg(xa + kN + i) : 0.0f);
  }
  dft256<false>(v, buf + c * kColStride, t, tw256);
  float2* sp = s + p * kN;
#pragma unroll
  for (int r = 0; r < 16; ++r) {
    const int k2 = t + 16 * r;
    sp[k2 * kSide + n1] = cmul(v[r], __ldg(twn + ((n1 * k2) & (kN - 1))));
  }
}

// Pass 0: the filters in the middle pass's order. hp[c][k2·256 + k1] = h_c at bin k = k2 + 256·k1
// over the whole spectrum (a real filter's spectrum is conjugate-symmetric: bins above n/2 are
// mirrors), so that a column k2 reads its 256 bins contiguously; bins 0 and n/2 keep only their
// real parts, as irfft does with them. Runs in every launch: h is an input and may change.
// grid = (8, 8, C) tiles of 32 k2 × 32 k1, block (32, 8): through a shared tile so that reads (k2
// fastest: contiguous bins, descending for the mirrored half) and writes (k1 fastest) coalesce.
__global__ void permute_filters(const float2* __restrict__ h, float2* __restrict__ hp) {
  constexpr int half = static_cast<int>(kN / 2);
  __shared__ float2 tile[32][33];
  const int64_t c = blockIdx.z;
  const int k2_0 = blockIdx.x * 32, k1_0 = blockIdx.y * 32;
  const float2* hc = h + c * (half + 1);
  for (int r = threadIdx.y; r < 32; r += blockDim.y) {
    const int k = k2_0 + threadIdx.x + kSide * (k1_0 + r);
    float2 v = k <= half ? __ldg(hc + k) : conj(__ldg(hc + (static_cast<int>(kN) - k)));
    if (k == 0 || k == half) v.y = 0.f;
    tile[r][threadIdx.x] = v;
  }
  __syncthreads();
  float2* hpc = hp + c * kN;
  for (int r = threadIdx.y; r < 32; r += blockDim.y) hpc[(k2_0 + r) * kSide + k1_0 + threadIdx.x] = tile[threadIdx.x][r];
}

// Pass 2: block = 8 pairs × 2 columns (k2 = g and its mirror 256 − g) × 16 lanes (fastest);
// grid = (⌈pairs/8⌉, 129). Consecutive blocks take the same columns of successive pairs, so the
// filter columns they need stay in L2.
struct SpectralArgs {
  const float2* hp;    // [C, 256, 256] filters from permute_filters
  const float* bias;   // [C] or nullptr
  int64_t p0, p1;      // this band's pairs
  int64_t rows;        // B·C
  int channels;        // C
  float scale;         // 1/n
};

__global__ void __launch_bounds__(256) pass_spectral_product(float2* __restrict__ s, const float2* __restrict__ tw256, const float2* __restrict__ twn, SpectralArgs a) {
  __shared__ float2 buf[16 * kColStride];
  const int t = threadIdx.x & 15, col = threadIdx.x >> 4, side = col & 1;
  const int64_t p = a.p0 + static_cast<int64_t>(blockIdx.x) * 8 + (col >> 1);
  const bool active = p < a.p1;
  const int g = static_cast<int>(blockIdx.y);
  const int k2 = side ? (kSide - g) & (kSide - 1) : g;
  float2* sp = s + (active ? p : a.p0) * kN;
  float2* mine = buf + col * kColStride;
  float2 v[16];
#pragma unroll
  for (int r = 0; r < 16; ++r) v[r] = active ? sp[k2 * kSide + t + 16 * r] : make_float2(0.f, 0.f);
  dft256<false>(v, mine, t, tw256);  // v[r] = Z[k2 + 256·k1], k1 = t + 16·r
  __syncthreads();
#pragma unroll
  for (int r = 0; r < 16; ++r) mine[slot(t + 16 * r)] = v[r];
  __syncthreads();
  // The mirror bin −k of k = k2 + 256·k1 lies in the partner column (the other side; for
  // g = 0 and g = 128 both sides hold the same column): k1' = 255 − k1, or (256 − k1) mod 256
  // in column 0.
  const float2* partner = buf + (col ^ 1) * kColStride;
  const int64_t ra = 2 * p, rb = 2 * p + 1;
  const bool has_b = rb < a.rows;
  const float2* ha = a.hp + (ra % a.channels) * kN + k2 * kSide;
  const float2* hb = a.hp + (rb % a.channels) * kN + k2 * kSide;
#pragma unroll
  for (int r = 0; r < 16; ++r) {
    const int k1 = t + 16 * r;
    const int k1m = k2 == 0 ? (kSide - k1) & (kSide - 1) : kSide - 1 - k1;
    const float2 z = v[r], zm = conj(partner[slot(k1m)]);
    const int k = k2 + kSide * k1;
    const float2 xa = make_float2(0.5f * (z.x + zm.x), 0.5f * (z.y + zm.y));
    const float2 xb = make_float2(0.5f * (z.y - zm.y), -0.5f * (z.x - zm.x));  // (z − zm)/(2i)
    const float2 ya = cmul(xa, __ldg(ha + k1));
    const float2 yb = has_b ? cmul(xb, __ldg(hb + k1)) : make_float2(0.f, 0.f);
    float2 w = make_float2((ya.x - yb.y) * a.scale, (ya.y + yb.x) * a.scale);  // (ya + i·yb)/n
    if (k == 0 && a.bias) {
      w.x += __ldg(a.bias + ra % a.channels);
      if (has_b) w.y += __ldg(a.bias + rb % a.channels);
    }
    v[r] = w;
  }
  dft256<true>(v, mine, t, tw256);  // v[r] = c[n1], n1 = t + 16·r (its first barrier guards the partner reads)
  // Columns 0 and 128 are their own mirror: both sides computed them, one writes.
  if (active && !(side && k2 == g)) {
#pragma unroll
    for (int r = 0; r < 16; ++r) {
      const int n1 = t + 16 * r;
      sp[k2 * kSide + n1] = cmul(v[r], conj(__ldg(twn + ((n1 * k2) & (kN - 1)))));
    }
  }
}

// Pass 3: like pass 1 over columns n1 (TC of them per block); inverse DFT over k2 → y[2p][n1 + 256·n2] = re,
// y[2p+1][…] = im.
template <int TC>
__global__ void __launch_bounds__(16 * TC) pass_columns_inverse(const float2* __restrict__ s, float* __restrict__ y, const float2* __restrict__ tw256, int64_t p0, int64_t rows) {
  extern __shared__ float2 buf[];  // TC × kColStride
  const int c = threadIdx.x % TC, t = threadIdx.x / TC;
  const int64_t p = p0 + blockIdx.x / (kSide / TC);
  const int n1 = (blockIdx.x % (kSide / TC)) * TC + c;
  const float2* sp = s + p * kN;
  float2 v[16];
#pragma unroll
  for (int r = 0; r < 16; ++r) v[r] = sp[(t + 16 * r) * kSide + n1];
  dft256<true>(v, buf + c * kColStride, t, tw256);
  float* ya = y + 2 * p * kN;
  const bool has_b = 2 * p + 1 < rows;
#pragma unroll
  for (int r = 0; r < 16; ++r) {
    const int i = n1 + kSide * (t + 16 * r);
    ya[i] = v[r].x;
    if (has_b) ya[kN + i] = v[r].y;
  }
}

}  // namespace abw::cuda::four_step
