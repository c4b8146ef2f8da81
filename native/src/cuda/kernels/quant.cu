// cuda BitNet b1.58 quantisation: the ternary (absmean) and per-token int8 (absmax) quantisers,
// the int8 × ternary matmul with exact integer accumulation (cuBLASLt's int8 tensor-core GEMM,
// or a dp4a kernel where that cannot run; either way the int32 sum of the cpu backend, bit for
// bit), and the rescale of its int32 accumulators to float. Quantisers compute in f32 on widened
// inputs, round half to even (rintf), as the cpu backend does.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "cuda/choices.h"
#include "cuda/context.h"
#include "cuda/gemm.h"
#include "cuda/kernels/common.cuh"
#include "cuda/op.h"

namespace abw::cuda {
namespace {

__device__ __forceinline__ int8_t to_i8(float v, float lo, float hi) {
  if (v != v) return 0;  // NaN has no integer value; 0 keeps the result defined (as cpu)
  v = rintf(v);
  v = v < lo ? lo : (v > hi ? hi : v);
  return static_cast<int8_t>(v);
}

// Σ|w| in double: per-thread partials, one atomicAdd per block.
template <class T>
__global__ void abs_sum(const T* __restrict__ w, int64_t n, double* out) {
  __shared__ double red[32];
  double s = 0;
  ABW_GRID_STRIDE(i, n) s += fabsf(ld(w[i]));
  for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffff, s, o);
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = s;
  __syncthreads();
  if (threadIdx.x == 0) {
    double t = 0;
    for (int k = 0; k < (blockDim.x + 31) / 32; ++k) t += red[k];
    atomicAdd(out, t);
  }
}

__global__ void ternary_scale(const double* sum, int64_t n, float* scale) {
  const float mean = n ? static_cast<float>(*sum / static_cast<double>(n)) : NAN;
  *scale = mean < 1e-5f ? 1e-5f : mean;  // NaN stays NaN (torch.clamp propagates it)
}

template <class T>
__global__ void ternary_apply(const T* __restrict__ w, int8_t* __restrict__ q, int64_t n, const float* scale) {
  const float s = *scale;
  ABW_GRID_STRIDE(i, n) q[i] = to_i8(ld(w[i]) / s, -1.f, 1.f);
}

CallPtr quantize_ternary(OpArgs& a) {
  const DevTensor& W = a.input(0, "w");
  const DevTensor& Q = a.output(0, "q");
  const DevTensor& S = a.output(1, "scale");
  a.check_shape(Q, W.shape, "output `q`");
  ABW_CHECK(Q.dtype == DType::i8, "EDTYPE", a.msg("output `q` must be int8"));
  ABW_CHECK(S.numel() == 1 && S.ndim() == 0 && S.dtype == DType::f32, "ESHAPE", a.msg("output `scale` must be an f32 scalar []"));
  auto sum = std::make_shared<Scratch>(sizeof(double));
  const int64_t n = W.numel();
  const void* w = W.data;
  int8_t* q = Q.ptr<int8_t>();
  float* s = S.ptr<float>();
  const DType dt = a.dtype;
  auto call = std::make_unique<Call>();
  call->keep.push_back(sum);
  double* ps = sum->as<double>();
  call->launch = [=](cudaStream_t st) {
    ABW_CU(cudaMemsetAsync(ps, 0, sizeof(double), st));
    const unsigned blocks = std::min<unsigned>(blocks_for(n), 1024);
    ABW_FLOAT_DISPATCH(dt, {
      if (n) abs_sum<T><<<blocks, kThreads, 0, st>>>(static_cast<const T*>(w), n, ps);
      ternary_scale<<<1, 1, 0, st>>>(ps, n, s);
      if (n) ternary_apply<T><<<blocks_for(n), kThreads, 0, st>>>(static_cast<const T*>(w), q, n, s);
    });
  };
  return call;
}

// The running absmax step, also the combine of two partial maxima: `b` wins when larger or NaN,
// and a NaN `a` beats any number, so a NaN anywhere in the row makes the result NaN in any order.
__device__ __forceinline__ float absmax_step(float a, float b) { return (b > a || b != b) ? b : a; }

// As torch evaluates `127.0 / t`: reciprocal first, then the multiply (two f32 roundings).
__device__ __forceinline__ float int8_scale(float mx, int64_t n) { return n ? (1.0f / (mx < 1e-5f ? 1e-5f : mx)) * 127.0f : NAN; }

// One thread per (outer, inner) column: absmax along dim, then the scale and the int8 values.
template <class T>
__global__ void int8_quant(const T* __restrict__ x, int8_t* __restrict__ q, float* __restrict__ scale, int64_t outer, int64_t n, int64_t inner) {
  ABW_GRID_STRIDE(t, outer * inner) {
    const int64_t o = t / inner, j = t % inner;
    const T* xc = x + o * n * inner + j;
    float mx = 0.f;
    for (int64_t i = 0; i < n; ++i) mx = absmax_step(mx, fabsf(ld(xc[i * inner])));
    const float sc = int8_scale(mx, n);
    scale[t] = sc;
    int8_t* qc = q + o * n * inner + j;
    for (int64_t i = 0; i < n; ++i) qc[i * inner] = to_i8(ld(xc[i * inner]) * sc, -128.f, 127.f);
  }
}

// V consecutive elements, aligned so that one load (or store) moves them all.
template <class T, int V> struct alignas(sizeof(T) * V) Pack { T v[V]; };

// The block's absmax of its threads' `m` (blockDim.x a multiple of 32, at most 1024).
__device__ float block_absmax(float m) {
  __shared__ float red[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int o = 16; o > 0; o >>= 1) m = absmax_step(m, __shfl_xor_sync(0xffffffff, m, o));
  if (lane == 0) red[warp] = m;
  __syncthreads();
  if (warp == 0) {
    m = lane < static_cast<int>(blockDim.x >> 5) ? red[lane] : 0.f;
    for (int o = 16; o > 0; o >>= 1) m = absmax_step(m, __shfl_xor_sync(0xffffffff, m, o));
    if (lane == 0) red[0] = m;
  }
  __syncthreads();
  m = red[0];
  __syncthreads();  // red is written again for the block's next row
  return m;
}

// dim last (per-token scales): one block per row, its threads striding the row in packs of V
// (coalesced), a block reduction of the absmax, then the row quantised from L1/L2.
template <class T, int V>
__global__ void int8_quant_rows(const T* __restrict__ x, int8_t* __restrict__ q, float* __restrict__ scale, int64_t rows, int64_t n) {
  using In = Pack<T, V>;
  using Out = Pack<int8_t, V>;
  const int64_t nv = n / V;
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const In* xr = reinterpret_cast<const In*>(x + r * n);
    float mx = 0.f;
    for (int64_t i = threadIdx.x; i < nv; i += blockDim.x) {
      const In p = xr[i];
#pragma unroll
      for (int u = 0; u < V; ++u) mx = absmax_step(mx, fabsf(ld(p.v[u])));
    }
    const float sc = int8_scale(block_absmax(mx), n);
    if (threadIdx.x == 0) scale[r] = sc;
    Out* qr = reinterpret_cast<Out*>(q + r * n);
    for (int64_t i = threadIdx.x; i < nv; i += blockDim.x) {
      const In p = xr[i];
      Out o;
#pragma unroll
      for (int u = 0; u < V; ++u) o.v[u] = to_i8(ld(p.v[u]) * sc, -128.f, 127.f);
      qr[i] = o;
    }
  }
}

// Threads per row block: enough 32-lane warps to cover the row's packs once, 256 at most.
unsigned row_threads(int64_t packs) {
  const int64_t t = (packs + 31) / 32 * 32;
  return static_cast<unsigned>(t < 32 ? 32 : (t > 256 ? 256 : t));
}

// Four elements a load where each row starts at a multiple of four elements from an aligned base.
template <class T>
void launch_int8_rows(const T* x, int8_t* q, float* s, int64_t rows, int64_t n, cudaStream_t st) {
  const unsigned grid = static_cast<unsigned>(rows < 65535LL * 16 ? rows : 65535LL * 16);
  const bool vec = n % 4 == 0 && reinterpret_cast<uintptr_t>(x) % (4 * sizeof(T)) == 0 && reinterpret_cast<uintptr_t>(q) % 4 == 0;
  if (vec)
    int8_quant_rows<T, 4><<<grid, row_threads(n / 4), 0, st>>>(x, q, s, rows, n);
  else
    int8_quant_rows<T, 1><<<grid, row_threads(n), 0, st>>>(x, q, s, rows, n);
}

CallPtr quantize_int8(OpArgs& a) {
  const DevTensor& X = a.input(0, "x");
  const DevTensor& Q = a.output(0, "q");
  const DevTensor& S = a.output(1, "scale");
  const int64_t nd = X.ndim(), dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + shape_str(X.shape)));
  a.check_shape(Q, X.shape, "output `q`");
  ABW_CHECK(Q.dtype == DType::i8 && S.dtype == DType::f32, "EDTYPE", a.msg("outputs must be int8 `q` and f32 `scale`"));
  Shape ss = X.shape;
  ss[static_cast<size_t>(dim)] = 1;
  a.check_shape(S, ss, "output `scale`");
  const int64_t outer = shape_prod(X.shape, 0, static_cast<size_t>(dim)), inner = shape_prod(X.shape, static_cast<size_t>(dim) + 1, X.shape.size());
  const int64_t n = X.shape[static_cast<size_t>(dim)];
  const void* x = X.data;
  int8_t* q = Q.ptr<int8_t>();
  float* s = S.ptr<float>();
  const DType dt = a.dtype;
  auto call = std::make_unique<Call>();
  call->launch = [=](cudaStream_t st) {
    if (outer * inner == 0) return;
    if (inner == 1) {
      ABW_FLOAT_DISPATCH(dt, launch_int8_rows<T>(static_cast<const T*>(x), q, s, outer, n, st));
    } else {
      ABW_FLOAT_DISPATCH(dt, int8_quant<T><<<blocks_for(outer * inner), kThreads, 0, st>>>(static_cast<const T*>(x), q, s, outer, n, inner));
    }
  };
  return call;
}

// The dp4a fallback of ternary_matmul, where cuBLASLt's IMMA GEMM cannot run (gemm.h):
// C[M, N] = X[M, K] · W[N, K]ᵀ in int32, 64×64 tiles, 16×16 threads of 4×4 outputs each, K in
// 64-byte steps staged in shared memory as packed 4-byte words (zero-padded at the edges).
// dp4a adds in int32 and wraps, as the cpu backend's two's-complement result does.
constexpr int TM = 64, TN = 64, TK = 64;

// Bytes k..k+3 of row r of a [rows, K] int8 matrix as one little-endian word, zeros past the
// edges. kWords: K % 4 == 0 and the base 4-byte aligned, so the word is one aligned load.
template <bool kWords>
__device__ __forceinline__ int32_t tile_word(const int8_t* __restrict__ p, int64_t r, int64_t rows, int64_t k, int64_t K) {
  if (r >= rows) return 0;
  const int8_t* row = p + r * K;
  if (kWords) return k < K ? *reinterpret_cast<const int32_t*>(row + k) : 0;
  int32_t v = 0;
  for (int b = 0; b < 4; ++b)
    if (k + b < K) v |= static_cast<int32_t>(static_cast<uint8_t>(row[k + b])) << (8 * b);
  return v;
}

template <bool kWords>
__global__ void ternary_matmul_kernel(const int8_t* __restrict__ x, const int8_t* __restrict__ w, int32_t* __restrict__ c, int64_t M, int64_t N, int64_t K) {
  __shared__ int32_t xs[TM][TK / 4 + 1];
  __shared__ int32_t ws[TN][TK / 4 + 1];
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * TN;
  // Row tiles stride by gridDim.y: M may need more than the grid's 65535 rows of blocks.
  for (int64_t m0 = static_cast<int64_t>(blockIdx.y) * TM; m0 < M; m0 += static_cast<int64_t>(gridDim.y) * TM) {
    int32_t acc[4][4] = {{0}};
    for (int64_t k0 = 0; k0 < K; k0 += TK) {
      // 256 threads load 64 rows × 16 words of each tile.
      for (int e = threadIdx.x; e < TM * (TK / 4); e += 256) {
        const int r = e / (TK / 4), wd = e % (TK / 4);
        const int64_t k = k0 + wd * 4;
        xs[r][wd] = tile_word<kWords>(x, m0 + r, M, k, K);
        ws[r][wd] = tile_word<kWords>(w, n0 + r, N, k, K);
      }
      __syncthreads();
#pragma unroll 4
      for (int wd = 0; wd < TK / 4; ++wd) {
        int32_t xv[4], wv[4];
        for (int i = 0; i < 4; ++i) xv[i] = xs[ty * 4 + i][wd];
        for (int j = 0; j < 4; ++j) wv[j] = ws[tx * 4 + j][wd];
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) acc[i][j] = __dp4a(xv[i], wv[j], acc[i][j]);
      }
      __syncthreads();
    }
    for (int i = 0; i < 4; ++i) {
      const int64_t m = m0 + ty * 4 + i;
      if (m >= M) continue;
      for (int j = 0; j < 4; ++j) {
        const int64_t n = n0 + tx * 4 + j;
        if (n < N) c[m * N + n] = acc[i][j];
      }
    }
  }
}

void launch_dp4a(const int8_t* x, const int8_t* w, int32_t* y, int64_t M, int64_t N, int64_t K, bool words, cudaStream_t s) {
  const int64_t mt = (M + TM - 1) / TM;
  const dim3 grid(static_cast<unsigned>((N + TN - 1) / TN), static_cast<unsigned>(mt < 65535 ? mt : 65535));
  if (words)
    ternary_matmul_kernel<true><<<grid, 256, 0, s>>>(x, w, y, M, N, K);
  else
    ternary_matmul_kernel<false><<<grid, 256, 0, s>>>(x, w, y, M, N, K);
}

// The record of which path a ternary_matmul shape took (choices.h).
void record_path(const OpArgs& a, int64_t M, int64_t N, int64_t K, unsigned align, const GemmI8& g) {
  const std::string shape = std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K);
  ChoiceRecord r;
  r.str("op", a.op).str("mode", "int8").str("api", g.ok() ? "cublasLt" : "dp4a");
  if (g.ok())
    r.num("algo", g.algo_id()).num("workspaceBytes", static_cast<double>(g.workspace_bytes())).str("summary", "cuBLASLt int8 IMMA algo " + std::to_string(g.algo_id()));
  else
    r.str("fallback", g.why()).str("summary", "dp4a kernel (" + g.why() + ")");
  r.emit(a.op + " int8 " + shape + " align " + std::to_string(align));
}

CallPtr ternary_matmul(OpArgs& a) {
  const DevTensor& X = a.input(0, "xq");
  const DevTensor& W = a.input(1, "wq");
  const DevTensor& Y = a.output(0, "out");
  ABW_CHECK(X.dtype == DType::i8 && W.dtype == DType::i8 && Y.dtype == DType::i32, "EDTYPE", a.msg("inputs must be int8 and the output int32"));
  ABW_CHECK(X.ndim() >= 1 && W.ndim() == 2, "ESHAPE", a.msg("`xq` must be at least 1-D and `wq` 2-D"));
  const int64_t K = X.size(-1), N = W.shape[0];
  ABW_CHECK(W.shape[1] == K, "ESHAPE", a.msg("input `wq` has shape " + shape_str(W.shape) + ", expected [N, " + std::to_string(K) + "]"));
  Shape os(X.shape.begin(), X.shape.end() - 1);
  os.push_back(N);
  a.check_shape(Y, os, "output `out`");
  const int64_t M = N ? Y.numel() / N : 0;
  const int8_t* x = X.ptr<int8_t>();
  const int8_t* w = W.ptr<int8_t>();
  int32_t* y = Y.ptr<int32_t>();
  auto call = std::make_unique<Call>();
  if (M == 0 || N == 0) {
    call->launch = [](cudaStream_t) {};
    return call;
  }
  if (K == 0) {  // an empty sum: zeros
    const size_t bytes = static_cast<size_t>(M * N) * sizeof(int32_t);
    call->launch = [y, bytes](cudaStream_t s) { ABW_CU(cudaMemsetAsync(y, 0, bytes, s)); };
    return call;
  }
  const unsigned align = std::min({address_alignment(x), address_alignment(w), address_alignment(y)});
  auto lt = std::make_shared<GemmI8>(M, N, K, align);
  record_path(a, M, N, K, align, *lt);
  if (lt->ok()) {
    call->keep.push_back(lt);
    call->launch = [lt, x, w, y](cudaStream_t s) { lt->run(s, x, w, y); };
    return call;
  }
  const bool words = K % 4 == 0 && address_alignment(x) >= 4 && address_alignment(w) >= 4;
  call->launch = [=](cudaStream_t s) { launch_dp4a(x, w, y, M, N, K, words, s); };
  return call;
}

// y = (f32(acc) · ws) / scale[row], rounded once to T (IEEE f32 multiply and divide, as cpu).
__device__ __forceinline__ float dequant(int32_t v, float ws, float s) { return static_cast<float>(v) * ws / s; }

// Per-token scales (dim last) with rows a multiple of 4 long: 16-byte loads, four outputs a thread.
template <class T>
__global__ void dequant_rows4(const int4* __restrict__ acc, const float* __restrict__ scale, T* __restrict__ y, int64_t n4, int64_t row4, float ws) {
  ABW_GRID_STRIDE(i, n4) {
    const int4 v = acc[i];
    const float s = scale[i / row4];
    T* o = y + 4 * i;
    o[0] = st<T>(dequant(v.x, ws, s));
    o[1] = st<T>(dequant(v.y, ws, s));
    o[2] = st<T>(dequant(v.z, ws, s));
    o[3] = st<T>(dequant(v.w, ws, s));
  }
}

// Any dim: the scale of element e sits at (e / (len·inner))·inner + e % inner.
template <class T>
__global__ void dequant_any(const int32_t* __restrict__ acc, const float* __restrict__ scale, T* __restrict__ y, int64_t n, int64_t len, int64_t inner, float ws) {
  ABW_GRID_STRIDE(e, n) y[e] = st<T>(dequant(acc[e], ws, scale[(e / (len * inner)) * inner + e % inner]));
}

CallPtr dequantize_int32(OpArgs& a) {
  const DevTensor& A = a.input(0, "acc");
  const DevTensor& S = a.input(1, "scale");
  const DevTensor& Y = a.output(0, "y");
  ABW_CHECK(A.dtype == DType::i32 && S.dtype == DType::f32, "EDTYPE", a.msg("inputs must be int32 `acc` and f32 `scale`"));
  const int64_t nd = A.ndim(), dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + shape_str(A.shape)));
  const float ws = static_cast<float>(a.p.f("weight_scale"));
  ABW_CHECK(ws > 0.0f && std::isfinite(ws), "EINVAL", a.msg("parameter `weight_scale` must be a finite f32 > 0"));
  Shape ss = A.shape;
  ss[static_cast<size_t>(dim)] = 1;
  a.check_shape(S, ss, "input `scale`");
  a.check_shape(Y, A.shape, "output `y`");
  const int64_t inner = shape_prod(A.shape, static_cast<size_t>(dim) + 1, static_cast<size_t>(nd));
  const int64_t len = A.shape[static_cast<size_t>(dim)], n = A.numel();
  const int32_t* acc = A.ptr<int32_t>();
  const float* s = S.ptr<float>();
  void* y = Y.data;
  const DType dt = a.dtype;
  const bool vec4 = inner == 1 && len % 4 == 0 && reinterpret_cast<uintptr_t>(acc) % 16 == 0;
  auto call = std::make_unique<Call>();
  call->launch = [=](cudaStream_t st) {
    if (n == 0) return;
    if (vec4) {
      ABW_FLOAT_DISPATCH(dt, dequant_rows4<T><<<blocks_for(n / 4), kThreads, 0, st>>>(reinterpret_cast<const int4*>(acc), s, static_cast<T*>(y), n / 4, len / 4, ws));
    } else {
      ABW_FLOAT_DISPATCH(dt, dequant_any<T><<<blocks_for(n), kThreads, 0, st>>>(acc, s, static_cast<T*>(y), n, len, inner, ws));
    }
  };
  return call;
}

}  // namespace
ABW_CUDA_OP(quantize_ternary, quantize_ternary, kFloats);
ABW_CUDA_OP(quantize_int8, quantize_int8, kFloats);
ABW_CUDA_OP(ternary_matmul, ternary_matmul, kI8);
ABW_CUDA_OP(dequantize_int32, dequantize_int32, kFloats);
}  // namespace abw::cuda
