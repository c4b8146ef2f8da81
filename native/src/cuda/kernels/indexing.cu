// cuda argmax and index_select. argmax: one warp per row when dim is last (lanes stride the
// row, each keeps its first maximum, then a shuffle reduction that keeps the smaller index on a
// tie and lets NaN win, as torch.argmax); one thread per line otherwise. index_select: a gather
// of whole slabs with the widest vector load (16, 8, 4 or 2 bytes) the slab size and the
// pointers allow. A kernel cannot raise: an index outside [0, size) is clamped (docs/ops.md).
#include <cmath>
#include <memory>
#include <string>

#include "cuda/kernels/common.cuh"
#include "cuda/op.h"

namespace abw::cuda {
namespace {

// True when (v, i) should replace the running (m, best): NaN first (the first NaN), then a
// strictly larger value, then, on a tie, the smaller index.
__device__ __forceinline__ bool beats(float v, int32_t i, float m, int32_t best) {
  const bool vn = v != v, mn = m != m;
  if (vn || mn) return vn && (!mn || i < best);
  return v > m || (v == m && i < best);
}

template <class T>
__global__ void argmax_rows(const T* __restrict__ x, int32_t* __restrict__ y, int64_t rows, int64_t n) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x >> 5);
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * (blockDim.x >> 5) + (threadIdx.x >> 5); r < rows; r += warps) {
    const T* xr = x + r * n;
    float m = NAN;
    int32_t best = -1;  // no element yet
    for (int64_t j = lane; j < n; j += 32) {
      const float v = ld(xr[j]);
      if (best < 0 || beats(v, static_cast<int32_t>(j), m, best)) m = v, best = static_cast<int32_t>(j);
    }
    for (int o = 16; o > 0; o >>= 1) {
      const float om = __shfl_xor_sync(0xffffffff, m, o);
      const int32_t ob = __shfl_xor_sync(0xffffffff, best, o);
      if (ob >= 0 && (best < 0 || beats(om, ob, m, best))) m = om, best = ob;
    }
    if (lane == 0) y[r] = best;
  }
}

template <class T>
__global__ void argmax_strided(const T* __restrict__ x, int32_t* __restrict__ y, int64_t lines, int64_t n, int64_t inner) {
  ABW_GRID_STRIDE(l, lines) {
    const T* xl = x + (l / inner) * n * inner + l % inner;
    float m = ld(xl[0]);
    int32_t best = 0;
    for (int64_t j = 1; j < n && m == m; ++j) {
      const float v = ld(xl[j * inner]);
      if (v > m || v != v) m = v, best = static_cast<int32_t>(j);
    }
    y[l] = best;
  }
}

CallPtr argmax(OpArgs& a) {
  const DevTensor& X = a.input(0, "x");
  const DevTensor& Y = a.output(0, "indices");
  ABW_CHECK(Y.dtype == DType::i32, "EDTYPE", a.msg("output `indices` must be int32"));
  const int64_t nd = X.ndim(), dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + shape_str(X.shape)));
  const bool keepdim = a.p.b("keepdim");
  Shape os;
  for (int64_t d = 0; d < nd; ++d) {
    if (d != dim) os.push_back(X.shape[static_cast<size_t>(d)]);
    else if (keepdim) os.push_back(1);
  }
  const int64_t inner = shape_prod(X.shape, static_cast<size_t>(dim) + 1, X.shape.size());
  a.check_shape(Y, os, "output `indices`");
  const int64_t n = X.shape[static_cast<size_t>(dim)], lines = Y.numel();
  ABW_CHECK(n > 0, "ESHAPE", a.msg("input `x` has size 0 along dim " + std::to_string(dim) + ": an empty dim has no maximum"));
  const void* x = X.data;
  int32_t* y = Y.ptr<int32_t>();
  const DType dt = a.dtype;
  auto call = std::make_unique<Call>();
  call->launch = [=](cudaStream_t s) {
    if (lines == 0) return;
    if (inner == 1) {
      const int64_t blocks = (lines + kThreads / 32 - 1) / (kThreads / 32);
      ABW_FLOAT_DISPATCH(dt, argmax_rows<T><<<blocks_for(blocks * kThreads), kThreads, 0, s>>>(static_cast<const T*>(x), y, lines, n));
    } else {
      ABW_FLOAT_DISPATCH(dt, argmax_strided<T><<<blocks_for(lines), kThreads, 0, s>>>(static_cast<const T*>(x), y, lines, n, inner));
    }
  };
  return call;
}

// Unit u of the output (V-wide) sits in slab r = u / per (o = r / K, k = r % K) at word u % per.
template <class V>
__global__ void gather_slabs(const V* __restrict__ x, const int32_t* __restrict__ index, V* __restrict__ y, int64_t units, int64_t per,
                             int64_t K, int64_t n) {
  ABW_GRID_STRIDE(u, units) {
    const int64_t r = u / per, w = u % per;
    const int64_t o = r / K;
    int64_t i = index[r % K];
    i = i < 0 ? 0 : (i >= n ? n - 1 : i);  // no way to raise from here: clamp
    y[u] = x[(o * n + i) * per + w];
  }
}

CallPtr index_select(OpArgs& a) {
  const DevTensor& X = a.input(0, "x");
  const DevTensor& I = a.input(1, "index");
  const DevTensor& Y = a.output(0, "out");
  ABW_CHECK(I.dtype == DType::i32, "EDTYPE", a.msg("input `index` must be int32"));
  ABW_CHECK(Y.dtype == X.dtype, "EDTYPE", a.msg("output `out` must have x's dtype"));
  const int64_t nd = X.ndim(), dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + shape_str(X.shape)));
  ABW_CHECK(I.ndim() == 1, "ESHAPE", a.msg("input `index` must be 1-D [K], got " + shape_str(I.shape)));
  const int64_t K = I.shape[0], n = X.shape[static_cast<size_t>(dim)];
  Shape os = X.shape;
  os[static_cast<size_t>(dim)] = K;
  a.check_shape(Y, os, "output `out`");
  const int64_t inner = shape_prod(X.shape, static_cast<size_t>(dim) + 1, static_cast<size_t>(nd));
  const int64_t slab = inner * static_cast<int64_t>(dtype_size(X.dtype));  // bytes
  const uintptr_t align = reinterpret_cast<uintptr_t>(X.data) | reinterpret_cast<uintptr_t>(Y.data);
  int vec = 16;
  while (vec > 2 && (slab % vec != 0 || align % vec != 0)) vec >>= 1;
  const int64_t per = slab / vec, units = Y.numel() * static_cast<int64_t>(dtype_size(X.dtype)) / vec;
  const void* x = X.data;
  const int32_t* idx = I.ptr<int32_t>();
  void* y = Y.data;
  auto call = std::make_unique<Call>();
  call->launch = [=](cudaStream_t s) {
    if (units == 0 || n == 0) return;
    const unsigned b = blocks_for(units);
    switch (vec) {
      case 16: gather_slabs<int4><<<b, kThreads, 0, s>>>(static_cast<const int4*>(x), idx, static_cast<int4*>(y), units, per, K, n); break;
      case 8: gather_slabs<int2><<<b, kThreads, 0, s>>>(static_cast<const int2*>(x), idx, static_cast<int2*>(y), units, per, K, n); break;
      case 4: gather_slabs<int32_t><<<b, kThreads, 0, s>>>(static_cast<const int32_t*>(x), idx, static_cast<int32_t*>(y), units, per, K, n); break;
      default: gather_slabs<uint16_t><<<b, kThreads, 0, s>>>(static_cast<const uint16_t*>(x), idx, static_cast<uint16_t*>(y), units, per, K, n); break;
    }
  };
  return call;
}

}  // namespace
ABW_CUDA_OP(argmax, argmax, kFloats);
ABW_CUDA_OP(index_select, index_select, kFloats);
}  // namespace abw::cuda
