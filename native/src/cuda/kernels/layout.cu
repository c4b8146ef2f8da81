// cuda layout ops: reshape is a device copy; transpose / permute / slice are one strided gather
// (output index → input offset over up to 8 merged dims), moving raw elements of up to 16 bytes;
// concat is one 2-D copy per input (cudaMemcpy2DAsync: the copy engine's pitched path; a
// vectorised row-copy kernel where rows are narrow); pad
// maps each output index per dim (constant, reflect, replicate).
#include <algorithm>
#include <memory>
#include <string>

#include "cuda/kernels/common.cuh"
#include "cuda/op.h"

namespace abw::cuda {
namespace {

struct Gather {
  int nd = 0;
  int64_t size[8] = {0};
  int64_t stride[8] = {0};  // input stride of each output dim
  int64_t base = 0;
};

template <class E>
__global__ void gather_kernel(const E* __restrict__ x, E* __restrict__ y, int64_t n, Gather g) {
  ABW_GRID_STRIDE(i, n) {
    int64_t r = i, off = g.base;
    for (int k = g.nd - 1; k >= 0; --k) {
      off += (r % g.size[k]) * g.stride[k];
      r /= g.size[k];
    }
    y[i] = x[off];
  }
}

// Output dims with their input strides; size-1 dims dropped, mergeable neighbours merged.
Gather make_gather(const Shape& os, const std::vector<int64_t>& in_stride, int64_t base, const std::string& op) {
  std::vector<int64_t> sz, st;
  for (size_t i = 0; i < os.size(); ++i) {
    if (os[i] == 1) continue;
    if (!sz.empty() && st.back() == in_stride[i] * os[i]) {
      sz.back() *= os[i];
      st.back() = in_stride[i];
    } else {
      sz.push_back(os[i]);
      st.push_back(in_stride[i]);
    }
  }
  if (sz.empty()) sz = {1}, st = {1};
  if (sz.size() > 8) fail("ESHAPE", "[" + op + "] more than 8 non-mergeable dims are not supported on cuda");
  Gather g;
  g.nd = static_cast<int>(sz.size());
  for (int k = 0; k < g.nd; ++k) g.size[k] = sz[static_cast<size_t>(k)], g.stride[k] = st[static_cast<size_t>(k)];
  g.base = base;
  return g;
}

// The widest element (16, 8, 4 or `es` bytes) the gather can move: the innermost merged dim
// must be a contiguous run that, like every stride, the base offset and both pointers, divides
// into such elements. A permute that keeps the channels innermost (channels-last layouts) or a
// slice along an outer dim then moves 16-byte vectors and does its index arithmetic once per
// vector, not per value.
size_t gather_width(const void* x, const void* y, const Gather& g, size_t es) {
  if (g.stride[g.nd - 1] != 1) return es;
  for (size_t w : {size_t{16}, size_t{8}, size_t{4}}) {
    if (w <= es) break;
    const int64_t k = static_cast<int64_t>(w / es);
    bool ok = g.size[g.nd - 1] % k == 0 && g.base % k == 0 && reinterpret_cast<uintptr_t>(x) % w == 0 && reinterpret_cast<uintptr_t>(y) % w == 0;
    for (int d = 0; ok && d < g.nd - 1; ++d) ok = g.stride[d] % k == 0;
    if (ok) return w;
  }
  return es;
}

CallPtr gather_call(const void* x, void* y, int64_t n, const Gather& g0, size_t es) {
  auto call = std::make_unique<Call>();
  const size_t w = n ? gather_width(x, y, g0, es) : es;
  const int64_t k = static_cast<int64_t>(w / es);
  Gather g = g0;
  if (k > 1) {
    g.size[g.nd - 1] /= k;
    for (int d = 0; d < g.nd - 1; ++d) g.stride[d] /= k;
    g.base /= k;
  }
  const int64_t m = n / k;
  call->launch = [=](cudaStream_t s) {
    if (m == 0) return;
    if (w == 16) gather_kernel<uint4><<<blocks_for(m), kThreads, 0, s>>>(static_cast<const uint4*>(x), static_cast<uint4*>(y), m, g);
    else if (w == 8) gather_kernel<uint2><<<blocks_for(m), kThreads, 0, s>>>(static_cast<const uint2*>(x), static_cast<uint2*>(y), m, g);
    else if (w == 4) gather_kernel<uint32_t><<<blocks_for(m), kThreads, 0, s>>>(static_cast<const uint32_t*>(x), static_cast<uint32_t*>(y), m, g);
    else gather_kernel<uint16_t><<<blocks_for(m), kThreads, 0, s>>>(static_cast<const uint16_t*>(x), static_cast<uint16_t*>(y), m, g);
  };
  return call;
}

CallPtr reshape(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  const auto sh = a.p.ints("shape");
  a.check_shape(Y, Shape(sh.begin(), sh.end()), "output `out`");
  ABW_CHECK(X.numel() == Y.numel(), "ESHAPE", a.msg("cannot reshape " + shape_str(X.shape) + " to " + shape_str(Y.shape)));
  const size_t bytes = static_cast<size_t>(X.numel()) * dtype_size(a.dtype);
  const void* x = X.data;
  void* y = Y.data;
  auto call = std::make_unique<Call>();
  call->launch = [=](cudaStream_t s) {
    if (bytes) ABW_CU(cudaMemcpyAsync(y, x, bytes, cudaMemcpyDeviceToDevice, s));
  };
  return call;
}

CallPtr permute_impl(OpArgs& a, const std::vector<int64_t>& perm) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  const int64_t nd = X.ndim();
  ABW_CHECK(static_cast<int64_t>(perm.size()) == nd, "EINVAL", a.msg("parameter `dims` must list every dimension once"));
  std::vector<bool> seen(static_cast<size_t>(nd), false);
  Shape os(static_cast<size_t>(nd));
  const auto ist = shape_strides(X.shape);
  std::vector<int64_t> st(static_cast<size_t>(nd));
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t p = perm[static_cast<size_t>(i)];
    ABW_CHECK(p >= 0 && p < nd && !seen[static_cast<size_t>(p)], "EINVAL", a.msg("parameter `dims` must be a permutation"));
    seen[static_cast<size_t>(p)] = true;
    os[static_cast<size_t>(i)] = X.shape[static_cast<size_t>(p)];
    st[static_cast<size_t>(i)] = ist[static_cast<size_t>(p)];
  }
  a.check_shape(Y, os, "output `out`");
  return gather_call(X.data, Y.data, Y.numel(), make_gather(os, st, 0, a.op), dtype_size(a.dtype));
}

CallPtr transpose(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const int64_t nd = X.ndim(), d0 = a.p.i("dim0"), d1 = a.p.i("dim1");
  ABW_CHECK(d0 >= 0 && d0 < std::max<int64_t>(nd, 1) && d1 >= 0 && d1 < std::max<int64_t>(nd, 1), "EINVAL", a.msg("parameters `dim0`/`dim1` out of range"));
  std::vector<int64_t> perm(static_cast<size_t>(nd));
  for (int64_t i = 0; i < nd; ++i) perm[static_cast<size_t>(i)] = i;
  if (nd) std::swap(perm[static_cast<size_t>(d0)], perm[static_cast<size_t>(d1)]);
  return permute_impl(a, perm);
}

CallPtr permute(OpArgs& a) { return permute_impl(a, a.p.ints("dims")); }

CallPtr slice(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  const int64_t nd = X.ndim(), dim = a.p.i("dim"), start = a.p.i("start"), end = a.p.i("end"), step = a.p.i("step");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + shape_str(X.shape)));
  const int64_t n = X.shape[static_cast<size_t>(dim)];
  ABW_CHECK(0 <= start && start <= end && end <= n && step >= 1, "EINVAL", a.msg("slice is not within the dim"));
  Shape os = X.shape;
  os[static_cast<size_t>(dim)] = (end - start + step - 1) / step;
  a.check_shape(Y, os, "output `out`");
  auto st = shape_strides(X.shape);
  const int64_t base = start * st[static_cast<size_t>(dim)];
  st[static_cast<size_t>(dim)] *= step;
  return gather_call(X.data, Y.data, Y.numel(), make_gather(os, st, base, a.op), dtype_size(a.dtype));
}

// dst[r·pitch + c] = src[r·chunk + c] for `rows` rows of `chunk` W-byte elements: concat's
// narrow rows (channels-last concat along C: rows of a few hundred bytes), which the copy
// engine's pitched path moves one row at a time.
template <class E>
__global__ void copy_rows(const E* __restrict__ src, E* __restrict__ dst, int64_t rows, int64_t chunk, int64_t pitch) {
  ABW_GRID_STRIDE(i, rows * chunk) {
    const int64_t r = i / chunk;
    dst[r * pitch + (i - r * chunk)] = src[i];
  }
}

// Rows at most this long go through copy_rows; longer ones through cudaMemcpy2DAsync.
constexpr int64_t kNarrowRowBytes = 16384;

void launch_copy_rows(cudaStream_t s, const void* src, void* dst, int64_t rows, int64_t chunk_bytes, int64_t pitch_bytes) {
  size_t w = 16;
  while (w > 1 && (chunk_bytes % static_cast<int64_t>(w) || pitch_bytes % static_cast<int64_t>(w) || reinterpret_cast<uintptr_t>(src) % w ||
                   reinterpret_cast<uintptr_t>(dst) % w))
    w /= 2;
  const int64_t chunk = chunk_bytes / static_cast<int64_t>(w), pitch = pitch_bytes / static_cast<int64_t>(w), n = rows * chunk;
  switch (w) {
    case 16: copy_rows<uint4><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const uint4*>(src), static_cast<uint4*>(dst), rows, chunk, pitch); break;
    case 8: copy_rows<uint2><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const uint2*>(src), static_cast<uint2*>(dst), rows, chunk, pitch); break;
    case 4: copy_rows<uint32_t><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const uint32_t*>(src), static_cast<uint32_t*>(dst), rows, chunk, pitch); break;
    case 2: copy_rows<uint16_t><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const uint16_t*>(src), static_cast<uint16_t*>(dst), rows, chunk, pitch); break;
    default: copy_rows<uint8_t><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const uint8_t*>(src), static_cast<uint8_t*>(dst), rows, chunk, pitch); break;
  }
}

CallPtr concat(OpArgs& a) {
  const DevTensor& Y = a.output(0, "out");
  const size_t k = a.in.size();
  ABW_CHECK(k >= 1, "EINVAL", a.msg("needs at least one input"));
  const DevTensor& X0 = a.in[0];
  const int64_t nd = X0.ndim(), dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + shape_str(X0.shape)));
  Shape os = X0.shape;
  os[static_cast<size_t>(dim)] = 0;
  const int64_t inner = shape_prod(X0.shape, static_cast<size_t>(dim) + 1, static_cast<size_t>(nd));
  std::vector<std::pair<const void*, int64_t>> parts;  // (data, chunk elements per outer row)
  for (size_t i = 0; i < k; ++i) {
    const DevTensor& Xi = a.in[i];
    ABW_CHECK(Xi.ndim() == nd, "ESHAPE", a.msg("input `tensors[" + std::to_string(i) + "]` rank differs"));
    for (int64_t d = 0; d < nd; ++d)
      ABW_CHECK(d == dim || Xi.shape[static_cast<size_t>(d)] == X0.shape[static_cast<size_t>(d)], "ESHAPE",
                a.msg("input `tensors[" + std::to_string(i) + "]` has shape " + shape_str(Xi.shape) + ", incompatible with " + shape_str(X0.shape)));
    os[static_cast<size_t>(dim)] += Xi.shape[static_cast<size_t>(dim)];
    parts.push_back({Xi.data, Xi.shape[static_cast<size_t>(dim)] * inner});
  }
  a.check_shape(Y, os, "output `out`");
  const int64_t outer = shape_prod(os, 0, static_cast<size_t>(dim));
  const size_t es = dtype_size(a.dtype);
  const int64_t row = os[static_cast<size_t>(dim)] * inner;
  void* y = Y.data;
  auto call = std::make_unique<Call>();
  call->launch = [=](cudaStream_t s) {
    if (outer == 0 || row == 0) return;
    int64_t off = 0;
    for (auto& [src, chunk] : parts) {
      char* dst = static_cast<char*>(y) + off * es;
      const int64_t bytes = chunk * static_cast<int64_t>(es);
      if (chunk && outer > 1 && bytes <= kNarrowRowBytes)
        launch_copy_rows(s, src, dst, outer, bytes, row * static_cast<int64_t>(es));
      else if (chunk)
        ABW_CU(cudaMemcpy2DAsync(dst, row * es, src, chunk * es, chunk * es, outer, cudaMemcpyDeviceToDevice, s));
      off += chunk;
    }
  };
  return call;
}

struct PadDims {
  int nd = 0;
  int64_t out[8] = {0}, in[8] = {0}, lo[8] = {0}, in_stride[8] = {0};
};

template <class T>
__global__ void pad_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, PadDims p, int mode, float value) {
  ABW_GRID_STRIDE(i, n) {
    if (mode == 3) {  // empty input, constant mode: every output is the fill value
      y[i] = st<T>(value);
      continue;
    }
    int64_t r = i, off = 0;
    bool fill = false;
    for (int k = p.nd - 1; k >= 0; --k) {
      const int64_t o = r % p.out[k];
      r /= p.out[k];
      int64_t j = o - p.lo[k];
      const int64_t m = p.in[k];
      if (mode == 1) {
        if (j < 0) j = -j;
        if (j >= m) j = 2 * (m - 1) - j;
      } else if (mode == 2) {
        j = j < 0 ? 0 : (j >= m ? m - 1 : j);
      } else if (j < 0 || j >= m) {
        fill = true;
        j = 0;
      }
      off += j * p.in_stride[k];
    }
    y[i] = fill ? st<T>(value) : x[off];
  }
}

CallPtr pad(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  const auto pads = a.p.ints("pad");
  const std::string& mode = a.p.s("mode");
  const float value = static_cast<float>(a.p.f("value", 0.0));
  const int64_t nd = X.ndim(), np = static_cast<int64_t>(pads.size()) / 2;
  ABW_CHECK(pads.size() % 2 == 0 && np <= nd, "EINVAL", a.msg("parameter `pad` must have an even length <= 2·ndim"));
  const int m = mode == "constant" ? 0 : mode == "reflect" ? 1 : mode == "replicate" ? 2 : -1;
  ABW_CHECK(m >= 0, "EINVAL", a.msg("parameter `mode` must be 'constant', 'reflect' or 'replicate', got '" + mode + "'"));
  ABW_CHECK(nd <= 8, "ESHAPE", a.msg("pad takes at most 8 dims on cuda"));
  Shape os = X.shape;
  PadDims p;
  p.nd = static_cast<int>(nd);
  const auto ist = shape_strides(X.shape);
  for (int64_t d = 0; d < nd; ++d) p.in[d] = X.shape[static_cast<size_t>(d)], p.in_stride[d] = ist[static_cast<size_t>(d)];
  for (int64_t i = 0; i < np; ++i) {
    const int64_t d = nd - 1 - i, l = pads[static_cast<size_t>(2 * i)], r = pads[static_cast<size_t>(2 * i + 1)], n = X.shape[static_cast<size_t>(d)];
    if (m != 0) ABW_CHECK(l >= 0 && r >= 0, "EINVAL", a.msg("negative padding needs mode 'constant'"));
    if (m == 1) ABW_CHECK(l < n && r < n, "ESHAPE", a.msg("reflect padding must be smaller than the input size of dim " + std::to_string(d)));
    if (m == 2) ABW_CHECK(n > 0 || (l == 0 && r == 0), "ESHAPE", a.msg("replicate padding of an empty dim"));
    os[static_cast<size_t>(d)] = n + l + r;
    ABW_CHECK(os[static_cast<size_t>(d)] >= 0, "ESHAPE", a.msg("padding makes dim " + std::to_string(d) + " negative"));
    p.lo[d] = l;
  }
  for (int64_t d = 0; d < nd; ++d) p.out[d] = os[static_cast<size_t>(d)];
  a.check_shape(Y, os, "output `out`");
  const int64_t n = Y.numel();
  const bool empty_in = X.numel() == 0;
  const void* x = X.data;
  void* y = Y.data;
  const DType dt = a.dtype;
  auto call = std::make_unique<Call>();
  call->launch = [=](cudaStream_t s) {
    if (n == 0) return;
    ABW_FLOAT_DISPATCH(dt, pad_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), n, p, empty_in ? 3 : m, value));
  };
  return call;
}

}  // namespace
ABW_CUDA_OP(reshape, reshape, kFloats);
ABW_CUDA_OP(transpose, transpose, kFloats);
ABW_CUDA_OP(permute, permute, kFloats);
ABW_CUDA_OP(slice, slice, kFloats);
ABW_CUDA_OP(concat, concat, kFloats);
ABW_CUDA_OP(pad, pad, kFloats);
}  // namespace abw::cuda
