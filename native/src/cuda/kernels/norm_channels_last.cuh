// cuda instance norm of channels-last data: x viewed as [N, S, C] (S the spatial dims'
// product), statistics per (n, c) over S rows, C the fastest dim. The layout mdx23c's NHWC
// convolutions read and write (decision 29), so its norms need no transpose. Three launches:
// - partials: block (chunk, n, tile) reduces rows [r0, r1) of sample n for a tile of channels;
//   each thread owns one 16-byte vector of channels (coalesced across the row) and steps down
//   the rows, summing x − x₀ and (x − x₀)² in double (x₀ = the channel's value in row 0: the
//   shift that keeps the one-pass variance exact for any mean, as the channels-first chunks do);
// - finalize: per (n, c), the chunks' partials → mean and rstd·weight (a block per 32 channels
//   of a sample, its warps splitting the chunks);
// - normalize: (x − mean)·scale + bias, then the fused activation (GELU) if asked, tiled as the
//   partials (each thread's channels' constants in registers), in 16-byte vectors: one more
//   read and one write of x.
#pragma once

#include <algorithm>
#include <memory>

#include "cuda/context.h"
#include "cuda/kernels/common.cuh"
#include "cuda/op.h"

namespace abw::cuda {

// A thread's place in the grid both passes share, block (chunk, n, tile) of lanes_per_block
// lanes × blockDim.x / lanes_per_block rows: its V channels from c0 of sample n, and rows
// row_in + k·rows_par of the chunk [r0, r1).
struct ClTile {
  int lane_in, row_in, rows_par;
  int64_t c0, n, r0, r1;
  __device__ ClTile(int lanes_per_block, int V, int64_t S, int64_t rows_per_chunk)
      : lane_in(static_cast<int>(threadIdx.x) % lanes_per_block),
        row_in(static_cast<int>(threadIdx.x) / lanes_per_block),
        rows_par(static_cast<int>(blockDim.x) / lanes_per_block),
        c0((static_cast<int64_t>(blockIdx.z) * lanes_per_block + lane_in) * V),
        n(blockIdx.y),
        r0(static_cast<int64_t>(blockIdx.x) * rows_per_chunk),
        r1(min(S, r0 + rows_per_chunk)) {}
};

// V values per thread (a 16-byte vector, or 1 where C or the pointers do not allow it).
template <class T, int V>
__global__ void cl_partials(const T* __restrict__ x, double2* __restrict__ part, int64_t S, int64_t C, int64_t rows_per_chunk, int lanes_per_block) {
  extern __shared__ double2 cl_shared[];  // [rows in parallel][lanes_per_block · V]
  const int lb = lanes_per_block;
  const ClTile tile(lb, V, S, rows_per_chunk);
  const int lane_in = tile.lane_in, row_in = tile.row_in, rows_par = tile.rows_par;
  const int64_t c0 = tile.c0, n = tile.n, r0 = tile.r0, r1 = tile.r1;
  const T* xn = x + n * S * C;
  double s[V], q[V];
  float k[V];
#pragma unroll
  for (int j = 0; j < V; ++j) s[j] = q[j] = 0.0, k[j] = 0.f;
  if (c0 < C) {
    auto load = [&](int64_t r, float (&f)[V]) {
      if constexpr (V > 1)
        load_vec(xn + r * C + c0, f);
      else
        f[0] = ld(xn[r * C + c0]);
    };
    load(0, k);
    // Unrolled: several rows' loads in flight per thread before their sums.
#pragma unroll 4
    for (int64_t r = r0 + row_in; r < r1; r += rows_par) {
      float f[V];
      load(r, f);
#pragma unroll
      for (int j = 0; j < V; ++j) {
        const double d = static_cast<double>(f[j]) - k[j];
        s[j] += d;
        q[j] += d * d;
      }
    }
  }
  const int cols = lb * V;
#pragma unroll
  for (int j = 0; j < V; ++j) cl_shared[row_in * cols + lane_in * V + j] = make_double2(s[j], q[j]);
  __syncthreads();
  for (int col = threadIdx.x; col < cols; col += blockDim.x) {
    double2 acc = make_double2(0.0, 0.0);
    for (int r = 0; r < rows_par; ++r) {
      const double2 p = cl_shared[r * cols + col];
      acc.x += p.x;
      acc.y += p.y;
    }
    const int64_t c = static_cast<int64_t>(blockIdx.z) * cols + col;
    if (c < C) part[(n * gridDim.x + blockIdx.x) * C + c] = acc;
  }
}

// Per (n, c): mean and rstd·weight from the chunks' partials. A block of kFinGroups × kFinTile
// threads takes kFinTile channels of one sample and spreads the chunks over its warps, the sums
// then combined in shared memory: one thread per (n, c) adding every chunk in turn waited on a
// few hundred loads one after another, on a handful of SMs (the H100 op matrix put a 4×128×256×128
// f16 norm at 105 µs against ~35 µs for its three passes over memory).
constexpr int kFinTile = 32, kFinGroups = 32;
template <class T>
__global__ void cl_finalize(const T* __restrict__ x, const double2* __restrict__ part, const T* __restrict__ w, float2* __restrict__ ms, int64_t S, int64_t C,
                            int64_t chunks, double eps) {
  __shared__ double2 acc[kFinGroups][kFinTile + 1];
  const int64_t n = blockIdx.y;
  const int lane = static_cast<int>(threadIdx.x) % kFinTile, grp = static_cast<int>(threadIdx.x) / kFinTile;
  const int64_t c = static_cast<int64_t>(blockIdx.x) * kFinTile + lane;
  double s = 0, q = 0;
  if (c < C) {
    for (int64_t k = grp; k < chunks; k += kFinGroups) {
      const double2 p = part[(n * chunks + k) * C + c];
      s += p.x;
      q += p.y;
    }
  }
  acc[grp][lane] = make_double2(s, q);
  __syncthreads();
  if (grp != 0 || c >= C) return;
  for (int g = 1; g < kFinGroups; ++g) {
    s += acc[g][lane].x;
    q += acc[g][lane].y;
  }
  s /= static_cast<double>(S);
  q /= static_cast<double>(S);
  const double mean = static_cast<double>(ld(x[n * S * C + c])) + s;
  const double rstd = 1.0 / sqrt(fmax(q - s * s, 0.0) + eps);
  ms[n * C + c] = make_float2(static_cast<float>(mean), static_cast<float>(rstd * (w ? ld(w[c]) : 1.f)));
}

// The same tiling as cl_partials: block (chunk, n, tile), each thread one V-wide vector of
// channels, stepping down the chunk's rows. Its channels' mean, scale and bias are loaded once
// into registers, so the loop is loads, FMAs, the activation and stores: no index divisions per
// vector and no per-value lookups of the (n, c) table (the previous grid-stride form paid a
// 64-bit division and modulo per vector and a table load per value; on the H100 the norm ran at
// ~2.3× its memory time, size for size).
template <class T, int V>
__global__ void cl_normalize(const T* __restrict__ x, T* __restrict__ y, const float2* __restrict__ ms, const T* __restrict__ b, int64_t S, int64_t C,
                             int64_t rows_per_chunk, int lanes_per_block, bool gelu) {
  const ClTile tile(lanes_per_block, V, S, rows_per_chunk);
  const int64_t c0 = tile.c0, n = tile.n;
  if (c0 >= C) return;
  float mean[V], scale[V], shift[V];
#pragma unroll
  for (int j = 0; j < V; ++j) {
    const float2 m = ms[n * C + c0 + j];
    mean[j] = m.x, scale[j] = m.y, shift[j] = b ? ld(b[c0 + j]) : 0.f;
  }
  const T* xn = x + n * S * C + c0;
  T* yn = y + n * S * C + c0;
#pragma unroll 4
  for (int64_t r = tile.r0 + tile.row_in; r < tile.r1; r += tile.rows_par) {
    float f[V];
    if constexpr (V > 1)
      load_vec(xn + r * C, f);
    else
      f[0] = ld(xn[r * C]);
#pragma unroll
    for (int j = 0; j < V; ++j) {
      const float v = (f[j] - mean[j]) * scale[j] + shift[j];
      f[j] = gelu ? gelu_erf(v) : v;
    }
    if constexpr (V > 1)
      store_vec(yn + r * C, f);
    else
      yn[r * C] = st<T>(f[0]);
  }
}

// The call for x [N, S, C] (channels last) → y, weight/bias [C] or null.
inline CallPtr channels_last_norm_call(OpArgs& a, const void* x, void* y, const void* w, const void* b, int64_t N, int64_t S, int64_t C, double eps, bool gelu) {
  auto call = std::make_unique<Call>();
  const DType dt = a.dtype;
  if (N == 0 || S == 0 || C == 0) {
    call->launch = [](cudaStream_t) {};
    return call;
  }
  ABW_CHECK(N <= 65535, "ESHAPE", a.msg("batch of more than 65535 samples in one channels-last instance norm"));
  const int V = aligned16({x, y}) && C % (16 / static_cast<int64_t>(dtype_size(dt))) == 0 ? 16 / static_cast<int>(dtype_size(dt)) : 1;
  const int64_t lanes = C / V;
  // A tile of up to 256 lanes; the rest of the block's 256 threads take further rows.
  const int lb = static_cast<int>(std::min<int64_t>(lanes, 256));
  const int rows_par = std::max(1, 256 / lb);
  const int threads = lb * rows_par;
  const int64_t tiles = (lanes + lb - 1) / lb;
  ABW_CHECK(tiles <= 65535, "ESHAPE", a.msg("too many channels for one channels-last instance norm"));
  // About a thousand blocks fill an H100's 132 SMs several times over; a chunk keeps at least
  // four rows per thread so that the partials stay a small fraction of the data.
  const int64_t want = std::max<int64_t>(1, 1024 / (N * tiles));
  const int64_t most = std::max<int64_t>(1, S / (4 * rows_par));
  const int64_t rows_per_chunk = (S + std::min(want, most) - 1) / std::min(want, most);
  const int64_t chunks = (S + rows_per_chunk - 1) / rows_per_chunk;
  auto part = std::make_shared<Scratch>(static_cast<size_t>(N * chunks * C) * sizeof(double2));
  auto ms = std::make_shared<Scratch>(static_cast<size_t>(N * C) * sizeof(float2));
  call->keep = {part, ms};
  const size_t shared = static_cast<size_t>(threads) * V * sizeof(double2);
  call->launch = [=](cudaStream_t s) {
    const dim3 grid(static_cast<unsigned>(chunks), static_cast<unsigned>(N), static_cast<unsigned>(tiles));
    ABW_FLOAT_DISPATCH(dt, {
      const T* xt = static_cast<const T*>(x);
      T* yt = static_cast<T*>(y);
      if (V > 1) {
        cl_partials<T, Vec16<T>::n><<<grid, threads, shared, s>>>(xt, part->as<double2>(), S, C, rows_per_chunk, lb);
      } else {
        cl_partials<T, 1><<<grid, threads, shared, s>>>(xt, part->as<double2>(), S, C, rows_per_chunk, lb);
      }
      const dim3 fin(static_cast<unsigned>((C + kFinTile - 1) / kFinTile), static_cast<unsigned>(N));
      cl_finalize<T><<<fin, kFinTile * kFinGroups, 0, s>>>(xt, part->as<double2>(), static_cast<const T*>(w), ms->as<float2>(), S, C, chunks, eps);
      if (V > 1)
        cl_normalize<T, Vec16<T>::n><<<grid, threads, 0, s>>>(xt, yt, ms->as<float2>(), static_cast<const T*>(b), S, C, rows_per_chunk, lb, gelu);
      else
        cl_normalize<T, 1><<<grid, threads, 0, s>>>(xt, yt, ms->as<float2>(), static_cast<const T*>(b), S, C, rows_per_chunk, lb, gelu);
    });
  };
  return call;
}

}  // namespace abw::cuda
