// cuda activations and softmax. Elementwise: one grid-stride kernel per activation, f32 math
// on any storage dtype, 16-byte vector loads and stores where the tensors are aligned.
// Softmax: one block per row when the row is contiguous, one thread per (outer, inner) column
// otherwise; max-subtracted, as the op spec says.
#include <cmath>
#include <memory>
#include <string>

#include "cuda/kernels/common.cuh"
#include "cuda/op.h"

namespace abw::cuda {
namespace {

enum class Act { relu, gelu, gelu_tanh, silu, elu, sigmoid, tanh_ };

template <Act A>
__device__ __forceinline__ float act(float v, float alpha) {
  if constexpr (A == Act::relu) return v > 0.f ? v : (v != v ? v : 0.f);
  else if constexpr (A == Act::gelu) return gelu_erf(v);
  else if constexpr (A == Act::gelu_tanh) return 0.5f * v * (1.f + tanhf(0.79788456080286536f * (v + 0.044715f * v * v * v)));
  else if constexpr (A == Act::silu) return v / (1.f + expf(-v));
  else if constexpr (A == Act::elu) return v > 0.f ? v : alpha * expm1f(v);
  else if constexpr (A == Act::sigmoid) return 1.f / (1.f + expf(-v));
  else return tanhf(v);
}

// Scalar: any alignment, any count.
template <class T, Act A>
__global__ void act_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, float alpha) {
  ABW_GRID_STRIDE(i, n) y[i] = st<T>(act<A>(ld(x[i]), alpha));
}

// 16-byte vectors over the first n − n % V elements, the tail element by element.
template <class T, Act A>
__global__ void act_vec_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, float alpha) {
  constexpr int V = Vec16<T>::n;
  vectors_then_tail<T>(
      n,
      [&](int64_t i) {
        float f[V];
        load_vec(x + i, f);
#pragma unroll
        for (int j = 0; j < V; ++j) f[j] = act<A>(f[j], alpha);
        store_vec(y + i, f);
      },
      [&](int64_t t) { y[t] = st<T>(act<A>(ld(x[t]), alpha)); });
}

template <class T, Act A>
void launch_act(cudaStream_t s, const void* x, void* y, int64_t n, float alpha, bool vec) {
  if (vec)
    act_vec_kernel<T, A><<<vector_blocks<T>(n), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), n, alpha);
  else
    act_kernel<T, A><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), n, alpha);
}

template <Act A>
CallPtr activation(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  a.check_shape(Y, X.shape, "output `out`");
  Act act = A;
  if constexpr (A == Act::gelu) {
    const std::string mode = a.p.has("approximate") && !a.p.is_null("approximate") ? a.p.s("approximate") : "none";
    ABW_CHECK(mode == "none" || mode == "tanh", "EINVAL", a.msg("parameter `approximate` must be 'none' or 'tanh'"));
    if (mode == "tanh") act = Act::gelu_tanh;
  }
  const float alpha = A == Act::elu ? static_cast<float>(a.p.f("alpha", 1.0)) : 0.f;
  const int64_t n = X.numel();
  const void* x = X.data;
  void* y = Y.data;
  const DType dt = a.dtype;
  const bool vec = aligned16({x, y});
  auto call = std::make_unique<Call>();
  call->launch = [=](cudaStream_t s) {
    if (n == 0) return;
    ABW_FLOAT_DISPATCH(dt, {
      if (act == Act::gelu_tanh)
        launch_act<T, Act::gelu_tanh>(s, x, y, n, alpha, vec);
      else
        launch_act<T, A>(s, x, y, n, alpha, vec);
    });
  };
  return call;
}

// Softmax over a contiguous row of length n: one block per row, block-wide max and sum.
template <class T>
__global__ void softmax_rows(const T* __restrict__ x, T* __restrict__ y, int64_t n) {
  __shared__ float red[32];
  const T* xr = x + static_cast<int64_t>(blockIdx.x) * n;
  T* yr = y + static_cast<int64_t>(blockIdx.x) * n;
  float m = -INFINITY;
  bool nan = false;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const float v = ld(xr[i]);
    nan |= v != v;
    m = fmaxf(m, v);
  }
  for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffff, m, o));
  nan = __syncthreads_or(nan);
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = m;
  __syncthreads();
  if (threadIdx.x < 32) {
    float v = threadIdx.x < (blockDim.x + 31) / 32 ? red[threadIdx.x] : -INFINITY;
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffff, v, o));
    if (threadIdx.x == 0) red[0] = v;
  }
  __syncthreads();
  m = red[0];
  __syncthreads();
  float sum = 0.f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) sum += expf(ld(xr[i]) - m);
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffff, sum, o);
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = sum;
  __syncthreads();
  if (threadIdx.x < 32) {
    float v = threadIdx.x < (blockDim.x + 31) / 32 ? red[threadIdx.x] : 0.f;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffff, v, o);
    if (threadIdx.x == 0) red[0] = v;
  }
  __syncthreads();
  const float inv = 1.f / red[0];
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) yr[i] = st<T>(nan ? NAN : expf(ld(xr[i]) - m) * inv);
}

// Softmax along a strided dim: one thread per (outer, inner) column.
template <class T>
__global__ void softmax_cols(const T* __restrict__ x, T* __restrict__ y, int64_t outer, int64_t n, int64_t inner) {
  ABW_GRID_STRIDE(t, outer * inner) {
    const int64_t o = t / inner, j = t % inner;
    const T* xc = x + o * n * inner + j;
    T* yc = y + o * n * inner + j;
    float m = -INFINITY;
    for (int64_t i = 0; i < n; ++i) m = fmaxf(m, ld(xc[i * inner]));
    float sum = 0.f;
    for (int64_t i = 0; i < n; ++i) sum += expf(ld(xc[i * inner]) - m);
    const float inv = 1.f / sum;
    for (int64_t i = 0; i < n; ++i) yc[i * inner] = st<T>(m != m ? NAN : expf(ld(xc[i * inner]) - m) * inv);
  }
}

CallPtr softmax(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  a.check_shape(Y, X.shape, "output `out`");
  const int64_t nd = X.ndim();
  int64_t dim = a.p.i("dim");
  ABW_CHECK(nd == 0 || (dim >= 0 && dim < nd), "EINVAL", a.msg("parameter `dim` out of range for " + shape_str(X.shape)));
  const size_t k = nd ? static_cast<size_t>(dim) : 0;
  const int64_t outer = shape_prod(X.shape, 0, k), n = nd ? X.shape[k] : 1, inner = nd ? shape_prod(X.shape, k + 1, X.shape.size()) : 1;
  const void* x = X.data;
  void* y = Y.data;
  const DType dt = a.dtype;
  auto call = std::make_unique<Call>();
  call->launch = [=](cudaStream_t s) {
    if (outer * n * inner == 0) return;
    ABW_FLOAT_DISPATCH(dt, {
      if (inner == 1) {
        const int threads = n >= 1024 ? 1024 : (n >= 256 ? 256 : 128);
        for (int64_t o0 = 0; o0 < outer; o0 += 65535 * 32) {
          const int64_t rows = outer - o0 < 65535LL * 32 ? outer - o0 : 65535LL * 32;
          softmax_rows<T><<<static_cast<unsigned>(rows), threads, 0, s>>>(static_cast<const T*>(x) + o0 * n, static_cast<T*>(y) + o0 * n, n);
        }
      } else {
        softmax_cols<T><<<blocks_for(outer * inner), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), outer, n, inner);
      }
    });
  };
  return call;
}

}  // namespace
ABW_CUDA_OP(relu, activation<Act::relu>, kFloats);
ABW_CUDA_OP(gelu, activation<Act::gelu>, kFloats);
ABW_CUDA_OP(silu, activation<Act::silu>, kFloats);
ABW_CUDA_OP(elu, activation<Act::elu>, kFloats);
ABW_CUDA_OP(sigmoid, activation<Act::sigmoid>, kFloats);
ABW_CUDA_OP(tanh, activation<Act::tanh_>, kFloats);
ABW_CUDA_OP(softmax, softmax, kFloats);
}  // namespace abw::cuda
