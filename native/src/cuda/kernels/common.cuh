// Device-side helpers shared by the cuda kernels: f32 compute on f16/bf16/f32 storage (load
// widens, store rounds once to nearest-even, as the cpu backend's storage path does), launch
// geometry and dtype dispatch.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <initializer_list>
#include <type_traits>

#include "common/dtype.h"
#include "common/error.h"
#include "cuda/check.h"

namespace abw::cuda {

__device__ __forceinline__ float ld(float v) { return v; }
__device__ __forceinline__ float ld(__half v) { return __half2float(v); }
__device__ __forceinline__ float ld(__nv_bfloat16 v) { return __bfloat162float(v); }
template <class T> __device__ __forceinline__ T st(float v);
template <> __device__ __forceinline__ float st<float>(float v) { return v; }
template <> __device__ __forceinline__ __half st<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ __nv_bfloat16 st<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

constexpr int kThreads = 256;

inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  int64_t b = (n + threads - 1) / threads;
  // Grid-stride loops cover the rest; enough blocks to fill any current GPU many times over.
  if (b > 65535LL * 16) b = 65535LL * 16;
  return static_cast<unsigned>(b < 1 ? 1 : b);
}

#define ABW_GRID_STRIDE(i, n) \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += static_cast<int64_t>(gridDim.x) * blockDim.x)

// Calls `body` with T bound to the storage type of a float compute dtype.
#define ABW_FLOAT_DISPATCH(dtype, ...)                                                        \
  switch (dtype) {                                                                            \
    case ::abw::DType::f32: { using T = float; __VA_ARGS__; break; }                          \
    case ::abw::DType::f16: { using T = __half; __VA_ARGS__; break; }                         \
    case ::abw::DType::bf16: { using T = __nv_bfloat16; __VA_ARGS__; break; }                 \
    default: ::abw::fail("EDTYPE", "cuda kernels take f32, f16 or bf16");                     \
  }

// 16-byte vectors of storage (4 f32 or 8 f16/bf16), widened to f32 in registers: memory-bound
// kernels move 16 bytes per load instead of 2–4, which is what reaches the GPU's bandwidth.
template <class T> struct Vec16 {
  static constexpr int n = 16 / static_cast<int>(sizeof(T));
};
__device__ __forceinline__ void unpack(const uint4& u, float (&f)[4]) {
  f[0] = __uint_as_float(u.x), f[1] = __uint_as_float(u.y), f[2] = __uint_as_float(u.z), f[3] = __uint_as_float(u.w);
}
__device__ __forceinline__ float2 widen2(__half2 h) { return __half22float2(h); }
__device__ __forceinline__ float2 widen2(__nv_bfloat162 h) { return __bfloat1622float2(h); }
// Eight 16-bit values (T2: __half2 or __nv_bfloat162 pairs) to f32.
template <class T2> __device__ __forceinline__ void unpack(const uint4& u, float (&f)[8]) {
  const T2* h = reinterpret_cast<const T2*>(&u);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 v = widen2(h[i]);
    f[2 * i] = v.x, f[2 * i + 1] = v.y;
  }
}
template <class T> __device__ __forceinline__ void load_vec(const T* p, float (&f)[Vec16<T>::n]) {
  const uint4 u = __ldg(reinterpret_cast<const uint4*>(p));
  if constexpr (sizeof(T) == 4) unpack(u, f);
  else if constexpr (std::is_same_v<T, __half>) unpack<__half2>(u, f);
  else unpack<__nv_bfloat162>(u, f);
}
template <class T> __device__ __forceinline__ void store_vec(T* p, const float (&f)[Vec16<T>::n]) {
  if constexpr (sizeof(T) == 4) {
    *reinterpret_cast<float4*>(p) = make_float4(f[0], f[1], f[2], f[3]);
  } else {
    uint4 u;
    if constexpr (std::is_same_v<T, __half>) {
      __half2* h = reinterpret_cast<__half2*>(&u);
#pragma unroll
      for (int i = 0; i < 4; ++i) h[i] = __floats2half2_rn(f[2 * i], f[2 * i + 1]);
    } else {
      __nv_bfloat162* h = reinterpret_cast<__nv_bfloat162*>(&u);
#pragma unroll
      for (int i = 0; i < 4; ++i) h[i] = __floats2bfloat162_rn(f[2 * i], f[2 * i + 1]);
    }
    *reinterpret_cast<uint4*>(p) = u;
  }
}
// Elementwise over n values of T in 16-byte vectors: a grid-stride loop calls vec(i) for each
// whole vector (values i … i + V − 1), then one(i) for the n % V tail values, one thread each.
// Launch with vector_blocks(n) blocks of kThreads (enough threads for the tail in the first pass).
template <class T, class Vec, class One>
__device__ __forceinline__ void vectors_then_tail(int64_t n, Vec vec, One one) {
  constexpr int V = Vec16<T>::n;
  const int64_t nv = n / V;
  ABW_GRID_STRIDE(i, nv) vec(i * V);
  const int64_t t = nv * V + static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t < n) one(t);
}
template <class T> inline unsigned vector_blocks(int64_t n) { return blocks_for(n / Vec16<T>::n + 1); }

// GELU, exact (erf) form: torch's default, shared by the gelu op and the norms' fused activation.
__device__ __forceinline__ float gelu_erf(float v) { return 0.5f * v * (1.f + erff(v * 0.70710678118654752f)); }

// Whether every pointer is 16-byte aligned (vector loads and stores need it).
inline bool aligned16(std::initializer_list<const void*> ps) {
  for (const void* p : ps)
    if (reinterpret_cast<uintptr_t>(p) % 16) return false;
  return true;
}

// Up to 8-D index arithmetic for broadcast / strided access, passed by value to kernels.
struct Dims {
  int nd = 0;
  int64_t size[8] = {0};
  int64_t stride[3][8] = {{0}};  // per operand (0 = broadcast)
};

}  // namespace abw::cuda
