// Device-side helpers shared by the cuda kernels: f32 compute on f16/bf16/f32 storage (load
// widens, store rounds once to nearest-even, as the cpu backend's storage path does), launch
// geometry and dtype dispatch.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

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

// Up to 8-D index arithmetic for broadcast / strided access, passed by value to kernels.
struct Dims {
  int nd = 0;
  int64_t size[8] = {0};
  int64_t stride[3][8] = {{0}};  // per operand (0 = broadcast)
};

}  // namespace abw::cuda
