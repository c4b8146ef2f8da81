// cuda elementwise ops: add / mul with broadcasting (a contiguous fast path, and an up-to-8-D
// strided path), add_bias, complex_mul on interleaved (re, im) pairs with broadcasting over the
// complex dims. f32 math on every storage dtype; operands that walk the output in order and are
// 16-byte aligned move in 16-byte vectors.
#include <algorithm>
#include <memory>

#include "cuda/kernels/common.cuh"
#include "cuda/op.h"

namespace abw::cuda {
namespace {

// Broadcast strides of operands against `out`, with adjacent dims merged where possible.
Dims make_dims(const Shape& out, const Shape& x, const Shape& y) {
  const size_t nd = out.size();
  auto strides = [&](const Shape& s) {
    std::vector<int64_t> st(nd, 0);
    int64_t acc = 1;
    for (int64_t d = static_cast<int64_t>(s.size()) - 1; d >= 0; --d) {
      st[nd - s.size() + static_cast<size_t>(d)] = s[static_cast<size_t>(d)] == 1 ? 0 : acc;
      acc *= s[static_cast<size_t>(d)];
    }
    return st;
  };
  const auto ax = strides(x), ay = strides(y);
  std::vector<int64_t> size, sa, sb;
  for (size_t d = 0; d < nd; ++d) {
    if (out[d] == 1) continue;
    if (!size.empty() && sa.back() == ax[d] * out[d] && sb.back() == ay[d] * out[d]) {
      size.back() *= out[d];
      sa.back() = ax[d];
      sb.back() = ay[d];
    } else {
      size.push_back(out[d]);
      sa.push_back(ax[d]);
      sb.push_back(ay[d]);
    }
  }
  if (size.empty()) size = {1}, sa = {0}, sb = {0};
  if (size.size() > 8) fail("ESHAPE", "broadcast of more than 8 non-mergeable dims is not supported on cuda");
  Dims d;
  d.nd = static_cast<int>(size.size());
  for (int i = 0; i < d.nd; ++i) d.size[i] = size[static_cast<size_t>(i)], d.stride[0][i] = sa[static_cast<size_t>(i)], d.stride[1][i] = sb[static_cast<size_t>(i)];
  return d;
}

// Whether both operands walk the output in order (equal shapes up to leading 1s, e.g. [1, C, n]
// against [C, n]): the broadcast merged into one dim of unit strides, so the plain or vector
// path applies instead of per-element index arithmetic.
bool walks_in_order(const Dims& d) { return d.nd == 1 && (d.size[0] == 1 || (d.stride[0][0] == 1 && d.stride[1][0] == 1)); }

__device__ __forceinline__ void offsets(const Dims& d, int64_t i, int64_t* oa, int64_t* ob) {
  int64_t a = 0, b = 0;
  for (int k = d.nd - 1; k >= 0; --k) {
    const int64_t q = i % d.size[k];
    i /= d.size[k];
    a += q * d.stride[0][k];
    b += q * d.stride[1][k];
  }
  *oa = a;
  *ob = b;
}

enum class Bin { add, mul };

template <Bin B> __device__ __forceinline__ float bin(float u, float v, float alpha) { return B == Bin::add ? u + alpha * v : u * v; }

template <class T, Bin B>
__global__ void binary_same(const T* __restrict__ x, const T* __restrict__ y, T* __restrict__ z, int64_t n, float alpha) {
  ABW_GRID_STRIDE(i, n) z[i] = st<T>(bin<B>(ld(x[i]), ld(y[i]), alpha));
}

// Same shapes, aligned: 16-byte vectors over the first n − n % V elements, the tail one by one.
template <class T, Bin B>
__global__ void binary_same_vec(const T* __restrict__ x, const T* __restrict__ y, T* __restrict__ z, int64_t n, float alpha) {
  constexpr int V = Vec16<T>::n;
  vectors_then_tail<T>(
      n,
      [&](int64_t i) {
        float u[V], v[V];
        load_vec(x + i, u);
        load_vec(y + i, v);
#pragma unroll
        for (int j = 0; j < V; ++j) u[j] = bin<B>(u[j], v[j], alpha);
        store_vec(z + i, u);
      },
      [&](int64_t t) { z[t] = st<T>(bin<B>(ld(x[t]), ld(y[t]), alpha)); });
}

template <class T, Bin B>
__global__ void binary_bcast(const T* __restrict__ x, const T* __restrict__ y, T* __restrict__ z, int64_t n, Dims d, float alpha) {
  ABW_GRID_STRIDE(i, n) {
    int64_t oa, ob;
    offsets(d, i, &oa, &ob);
    const float u = ld(x[oa]), v = ld(y[ob]);
    z[i] = st<T>(bin<B>(u, v, alpha));
  }
}

template <Bin B>
CallPtr binary(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.input(1, "other");
  const DevTensor& Z = a.output(0, "out");
  Shape os;
  ABW_CHECK(broadcast_shape(X.shape, Y.shape, &os), "ESHAPE", a.msg("shapes " + shape_str(X.shape) + " and " + shape_str(Y.shape) + " do not broadcast"));
  a.check_shape(Z, os, "output `out`");
  const float alpha = B == Bin::add ? static_cast<float>(a.p.f("alpha", 1.0)) : 1.f;
  const Dims d = make_dims(os, X.shape, Y.shape);
  const bool same = X.shape == Y.shape || walks_in_order(d);
  const int64_t n = Z.numel();
  const void *x = X.data, *y = Y.data;
  void* z = Z.data;
  const DType dt = a.dtype;
  const bool vec = same && aligned16({x, y, z});
  auto call = std::make_unique<Call>();
  call->launch = [=](cudaStream_t s) {
    if (n == 0) return;
    ABW_FLOAT_DISPATCH(dt, {
      if (vec) binary_same_vec<T, B><<<vector_blocks<T>(n), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<const T*>(y), static_cast<T*>(z), n, alpha);
      else if (same) binary_same<T, B><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<const T*>(y), static_cast<T*>(z), n, alpha);
      else binary_bcast<T, B><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<const T*>(y), static_cast<T*>(z), n, d, alpha);
    });
  };
  return call;
}

template <class T>
__global__ void add_bias_kernel(const T* __restrict__ x, const T* __restrict__ b, T* __restrict__ y, int64_t total, int64_t n, int64_t inner) {
  ABW_GRID_STRIDE(i, total) { y[i] = st<T>(ld(x[i]) + ld(b[(i / inner) % n])); }
}

// inner a multiple of the vector width and the pointers aligned: a 16-byte vector never crosses
// a bias index, so one division per vector instead of one per value (fftconv's [1, C, length]
// adds were at ~1 TB/s with a 64-bit division and modulo per value).
template <class T>
__global__ void add_bias_vec(const T* __restrict__ x, const T* __restrict__ b, T* __restrict__ y, int64_t total, int64_t n, int64_t inner) {
  constexpr int V = Vec16<T>::n;
  ABW_GRID_STRIDE(v, total / V) {
    const int64_t i = v * V;
    const float bias = ld(b[(i / inner) % n]);
    float f[V];
    load_vec(x + i, f);
#pragma unroll
    for (int j = 0; j < V; ++j) f[j] += bias;
    store_vec(y + i, f);
  }
}

// length > 0 (the op's crop variant): y = x[..., :width] + bias, rows of `width` read from rows of
// `pitch`; `per_value` consecutive rows share a bias value. Block (x, y) takes a stretch of row y:
// fftconv's inverse-FFT crop and bias in one pass instead of a slice and an add.
template <class T>
__global__ void add_bias_crop(const T* __restrict__ x, const T* __restrict__ b, T* __restrict__ y, int64_t rows, int64_t width, int64_t pitch, int64_t per_value,
                              int64_t n, bool vec) {
  constexpr int V = Vec16<T>::n;
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    const float bias = ld(b[(r / per_value) % n]);
    const T* xr = x + r * pitch;
    T* yr = y + r * width;
    if (vec) {
      for (int64_t i = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) * V; i < width; i += static_cast<int64_t>(gridDim.x) * blockDim.x * V) {
        float f[V];
        load_vec(xr + i, f);
#pragma unroll
        for (int j = 0; j < V; ++j) f[j] += bias;
        store_vec(yr + i, f);
      }
    } else {
      for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < width; i += static_cast<int64_t>(gridDim.x) * blockDim.x) yr[i] = st<T>(ld(xr[i]) + bias);
    }
  }
}

CallPtr add_bias(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Bv = a.input(1, "bias");
  const DevTensor& Y = a.output(0, "out");
  const int64_t nd = X.ndim(), dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + shape_str(X.shape)));
  const int64_t n = X.shape[static_cast<size_t>(dim)];
  const int64_t inner = shape_prod(X.shape, static_cast<size_t>(dim) + 1, static_cast<size_t>(nd));
  const int64_t last = X.shape.back(), length = a.p.i("length", 0);
  ABW_CHECK(length >= 0 && length <= last && (length == 0 || dim < nd - 1), "EINVAL",
            a.msg("parameter `length` must be in [0, " + std::to_string(last) + "] with `dim` before the last dim, got " + std::to_string(length)));
  Shape out_shape = X.shape;
  if (length > 0) out_shape.back() = length;
  a.check_shape(Bv, {n}, "input `bias`");
  a.check_shape(Y, out_shape, "output `out`");
  const int64_t total = X.numel();
  const void *x = X.data, *b = Bv.data;
  void* y = Y.data;
  const DType dt = a.dtype;
  const int64_t V = 16 / static_cast<int64_t>(dtype_size(dt));
  auto call = std::make_unique<Call>();
  if (length > 0) {
    const int64_t rows = Y.numel() / length, per_value = inner / last;
    const bool vec = length % V == 0 && last % V == 0 && aligned16({x, y});
    const int64_t per_row = vec ? length / V : length;
    const dim3 grid(static_cast<unsigned>(std::min<int64_t>((per_row + kThreads - 1) / kThreads, 4096)), static_cast<unsigned>(std::min<int64_t>(rows, 65535)));
    call->launch = [=](cudaStream_t s) {
      if (rows == 0) return;
      ABW_FLOAT_DISPATCH(dt, add_bias_crop<T><<<grid, kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<const T*>(b), static_cast<T*>(y), rows, length, last, per_value, n, vec));
    };
    return call;
  }
  const bool vec = inner % V == 0 && aligned16({x, y});
  call->launch = [=](cudaStream_t s) {
    if (total == 0) return;
    ABW_FLOAT_DISPATCH(dt, {
      if (vec)
        add_bias_vec<T><<<blocks_for(total / Vec16<T>::n), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<const T*>(b), static_cast<T*>(y), total, n, inner);
      else
        add_bias_kernel<T><<<blocks_for(total), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<const T*>(b), static_cast<T*>(y), total, n, inner);
    });
  };
  return call;
}

template <class T>
__global__ void complex_mul_kernel(const T* __restrict__ x, const T* __restrict__ y, T* __restrict__ z, int64_t n, Dims d, bool same) {
  ABW_GRID_STRIDE(i, n) {
    int64_t oa = i, ob = i;
    if (!same) offsets(d, i, &oa, &ob);
    const float ar = ld(x[2 * oa]), ai = ld(x[2 * oa + 1]), br = ld(y[2 * ob]), bi = ld(y[2 * ob + 1]);
    z[2 * i] = st<T>(ar * br - ai * bi);
    z[2 * i + 1] = st<T>(ar * bi + ai * br);
  }
}

// Operands that walk the output in order, aligned: 16-byte vectors of V / 2 complex values each
// (2 in f32, 4 in f16/bf16) instead of two scalar loads per operand and value; the tail (an odd
// count of f32 pairs) one pair per thread.
template <class T>
__global__ void complex_mul_vec(const T* __restrict__ x, const T* __restrict__ y, T* __restrict__ z, int64_t n) {
  constexpr int V = Vec16<T>::n;
  vectors_then_tail<T>(
      2 * n,
      [&](int64_t i) {
        float u[V], v[V], w[V];
        load_vec(x + i, u);
        load_vec(y + i, v);
#pragma unroll
        for (int j = 0; j < V; j += 2) {
          w[j] = u[j] * v[j] - u[j + 1] * v[j + 1];
          w[j + 1] = u[j] * v[j + 1] + u[j + 1] * v[j];
        }
        store_vec(z + i, w);
      },
      [&](int64_t t) {
        // Tail values come in whole pairs (V and 2n are even): the even one computes its pair.
        if (t % 2) return;
        const float ar = ld(x[t]), ai = ld(x[t + 1]), br = ld(y[t]), bi = ld(y[t + 1]);
        z[t] = st<T>(ar * br - ai * bi);
        z[t + 1] = st<T>(ar * bi + ai * br);
      });
}

CallPtr complex_mul(OpArgs& a) {
  const DevTensor& X = a.input(0, "a");
  const DevTensor& Y = a.input(1, "b");
  const DevTensor& Z = a.output(0, "out");
  ABW_CHECK(X.ndim() >= 1 && X.shape.back() == 2, "ESHAPE", a.msg("input `a` must end in a dimension of 2 (re, im)"));
  ABW_CHECK(Y.ndim() >= 1 && Y.shape.back() == 2, "ESHAPE", a.msg("input `b` must end in a dimension of 2 (re, im)"));
  const Shape xs(X.shape.begin(), X.shape.end() - 1), ys(Y.shape.begin(), Y.shape.end() - 1);
  Shape os;
  ABW_CHECK(broadcast_shape(xs, ys, &os), "ESHAPE", a.msg("complex shapes " + shape_str(xs) + " and " + shape_str(ys) + " do not broadcast"));
  Shape full = os;
  full.push_back(2);
  a.check_shape(Z, full, "output `out`");
  const Dims d = make_dims(os, xs, ys);
  const bool same = xs == ys || walks_in_order(d);
  const int64_t n = shape_numel(os);
  const void *x = X.data, *y = Y.data;
  void* z = Z.data;
  const DType dt = a.dtype;
  const bool vec = same && aligned16({x, y, z});
  auto call = std::make_unique<Call>();
  call->launch = [=](cudaStream_t s) {
    if (n == 0) return;
    ABW_FLOAT_DISPATCH(dt, {
      if (vec)
        complex_mul_vec<T><<<vector_blocks<T>(2 * n), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<const T*>(y), static_cast<T*>(z), n);
      else
        complex_mul_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<const T*>(y), static_cast<T*>(z), n, d, same);
    });
  };
  return call;
}

}  // namespace
ABW_CUDA_OP(add, binary<Bin::add>, kFloats);
ABW_CUDA_OP(mul, binary<Bin::mul>, kFloats);
ABW_CUDA_OP(add_bias, add_bias, kFloats);
ABW_CUDA_OP(complex_mul, complex_mul, kFloats);
}  // namespace abw::cuda
