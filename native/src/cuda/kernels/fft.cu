// cuda fft / ifft / rfft / irfft through cuFFT (f32 transforms). f16/bf16 storage is widened to
// f32 on the way in and rounded once on the way out, folded into the copy that zero-pads or
// truncates anyway; norm scaling rides on that input copy where there is one (the transforms
// are linear), else on the output pass. Transforms over the last
// dim are one batched plan; other dims use cuFFT's strides, one call per outer index. irfft's
// optional `filter` multiplies the bins in the copy it makes anyway (C2R overwrites its input):
// an FFT convolution's spectral product without a pass of its own.
#include <algorithm>
#include <cmath>
#include <vector>
#include <memory>
#include <string>

#include "cuda/context.h"
#include "cuda/fft_plan.h"
#include "cuda/kernels/common.cuh"
#include "cuda/op.h"

namespace abw::cuda {
namespace {

float norm_scale(OpArgs& a, int64_t n, bool inverse) {
  const std::string& norm = a.p.s("norm");
  if (norm == "backward") return inverse ? 1.0f / static_cast<float>(n) : 1.0f;
  if (norm == "forward") return inverse ? 1.0f : 1.0f / static_cast<float>(n);
  if (norm == "ortho") return static_cast<float>(1.0 / std::sqrt(static_cast<double>(n)));
  fail("EINVAL", a.msg("parameter `norm` must be 'backward', 'forward' or 'ortho', got '" + norm + "'"));
}

struct FDims {
  int64_t outer, m, inner, n;
};

FDims get_dims(OpArgs& a, const Shape& cshape) {
  const int64_t nd = static_cast<int64_t>(cshape.size()), dim = a.p.i("dim"), n = a.p.i("n");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` = " + std::to_string(dim) + " out of range for " + std::to_string(nd) + " dims"));
  ABW_CHECK(n >= 1, "EINVAL", a.msg("parameter `n` must be >= 1, got " + std::to_string(n)));
  const size_t k = static_cast<size_t>(dim);
  return {shape_prod(cshape, 0, k), cshape[k], shape_prod(cshape, k + 1, cshape.size()), n};
}

Shape complex_dims(OpArgs& a, const DevTensor& X) {
  ABW_CHECK(X.ndim() >= 2 && X.shape.back() == 2, "ESHAPE", a.msg("input `input` must be complex [..., 2] with at least one complex dim, got " + shape_str(X.shape)));
  return Shape(X.shape.begin(), X.shape.end() - 1);
}

// [outer, m, row] → f32 [outer, n, row] (row = inner·w floats), truncating or zero-padding, times
// `s` (the norm's scale: the transforms are linear, so scaling their input saves a pass over
// their output); for irfft (clean > 0) the imaginary parts of bin 0 and, for even n, bin n/2 are
// cleared.
template <class T>
__global__ void resize_widen(const T* __restrict__ x, float* __restrict__ y, int64_t outer, int64_t m, int64_t n, int64_t row, int clean, int64_t inner, int64_t nfull,
                             float s) {
  ABW_GRID_STRIDE(i, outer * n * row) {
    const int64_t r = i % row, k = (i / row) % n, o = i / (row * n);
    float v = k < m ? ld(x[(o * m + k) * row + r]) * s : 0.f;
    if (clean && (r & 1) && (k == 0 || (nfull % 2 == 0 && k == n - 1))) v = 0.f;
    y[i] = v;
  }
}

// The same over the last dim (inner = 1): one block row per outer index on the grid's y, so a
// value's place needs no division (the general form pays three 64-bit ones per value, which
// made a 16 × 2²² rfft's padding pass slower than the transform).
template <class T>
__global__ void resize_rows(const T* __restrict__ x, float* __restrict__ y, int64_t m, int64_t n, int w, int clean, int64_t nfull, float s) {
  const int64_t o = blockIdx.y;
  const T* xr = x + o * m * w;
  float* yr = y + o * n * w;
  const int64_t have = m * w, len = n * w, last = nfull % 2 == 0 ? (n - 1) * w + 1 : -1;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < len; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    float v = i < have ? ld(xr[i]) * s : 0.f;
    if (clean && (i == 1 || i == last)) v = 0.f;
    yr[i] = v;
  }
}

// One complex value (two values of T) widened to f32.
template <class T> __device__ __forceinline__ float2 ld_pair(const T* p) {
  if constexpr (sizeof(T) == 4) return __ldg(reinterpret_cast<const float2*>(p));
  else return widen2(*reinterpret_cast<const typename std::conditional<std::is_same_v<T, __half>, __half2, __nv_bfloat162>::type*>(p));
}

// irfft's input copy with the filter: bin k of row o is x·f·s for k < m, else 0 (bins 0 and, for
// even n, n/2 keep only their real parts). Rows over the grid's y (inner = 1), so that the
// filter's row is o mod f_rows without a division per value.
template <class T>
__global__ void resize_filter_rows(const T* __restrict__ x, const T* __restrict__ f, float2* __restrict__ y, int64_t m, int64_t nh, int64_t f_rows, int64_t nfull,
                                   float s) {
  const int64_t o = blockIdx.y;
  const T* xr = x + 2 * o * m;
  const T* fr = f + 2 * (o % f_rows) * m;
  float2* yr = y + o * nh;
  for (int64_t k = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < nh; k += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    float2 v = make_float2(0.f, 0.f);
    if (k < m) {
      const float2 a = ld_pair(xr + 2 * k), b = ld_pair(fr + 2 * k);
      v = make_float2((a.x * b.x - a.y * b.y) * s, (a.x * b.y + a.y * b.x) * s);
    }
    if (k == 0 || (nfull % 2 == 0 && k == nh - 1)) v.y = 0.f;
    yr[k] = v;
  }
}

// The same for any dim: input element e = (o·m + k)·inner + r takes filter element e mod f_count.
template <class T>
__global__ void resize_filter_widen(const T* __restrict__ x, const T* __restrict__ f, float2* __restrict__ y, int64_t outer, int64_t m, int64_t nh, int64_t inner,
                                    int64_t f_count, int64_t nfull, float s) {
  ABW_GRID_STRIDE(i, outer * nh * inner) {
    const int64_t r = i % inner, k = (i / inner) % nh, o = i / (inner * nh);
    float2 v = make_float2(0.f, 0.f);
    if (k < m) {
      const int64_t e = (o * m + k) * inner + r;
      const float2 a = ld_pair(x + 2 * e), b = ld_pair(f + 2 * (e % f_count));
      v = make_float2((a.x * b.x - a.y * b.y) * s, (a.x * b.y + a.y * b.x) * s);
    }
    if (k == 0 || (nfull % 2 == 0 && k == nh - 1)) v.y = 0.f;
    y[i] = v;
  }
}

template <class T>
void launch_resize_filter(cudaStream_t s, const void* x, const void* f, float* y, const FDims& d, int64_t nh, int64_t f_count, float scale) {
  const int64_t total = d.outer * nh * d.inner;
  if (!total) return;
  float2* y2 = reinterpret_cast<float2*>(y);
  if (d.inner == 1 && d.outer <= 65535) {
    const unsigned bx = static_cast<unsigned>(std::min<int64_t>((nh + kThreads - 1) / kThreads, std::max<int64_t>(1, 4096 / d.outer)));
    resize_filter_rows<T><<<dim3(std::max(bx, 1u), static_cast<unsigned>(d.outer)), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<const T*>(f), y2, d.m, nh,
                                                                                                      d.m ? f_count / d.m : 1, d.n, scale);
    return;
  }
  resize_filter_widen<T><<<blocks_for(total), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<const T*>(f), y2, d.outer, d.m, nh, d.inner, std::max<int64_t>(f_count, 1), d.n, scale);
}

template <class T>
__global__ void scale_narrow(const float* __restrict__ x, T* __restrict__ y, int64_t n, float s) {
  ABW_GRID_STRIDE(i, n) y[i] = st<T>(x[i] * s);
}

template <class T>
void launch_resize(cudaStream_t s, const void* x, float* y, const FDims& d, int64_t in_len, int64_t out_len, int64_t w, bool clean, float scale = 1.0f) {
  const int64_t total = d.outer * out_len * d.inner * w;
  if (!total) return;
  if (d.inner == 1 && d.outer <= 65535) {
    const int64_t len = out_len * w;
    const unsigned bx = static_cast<unsigned>(std::min<int64_t>((len + kThreads - 1) / kThreads, std::max<int64_t>(1, 4096 / d.outer)));
    resize_rows<T><<<dim3(std::max(bx, 1u), static_cast<unsigned>(d.outer)), kThreads, 0, s>>>(static_cast<const T*>(x), y, in_len, out_len, static_cast<int>(w), clean, d.n, scale);
    return;
  }
  resize_widen<T><<<blocks_for(total), kThreads, 0, s>>>(static_cast<const T*>(x), y, d.outer, in_len, out_len, d.inner * w, clean, d.inner, d.n, scale);
}

void launch_out(cudaStream_t s, DType dt, const float* src, void* dst, int64_t count, float scale) {
  if (!count) return;
  if (dt == DType::f32 && src == dst && scale == 1.0f) return;
  ABW_FLOAT_DISPATCH(dt, scale_narrow<T><<<blocks_for(count), kThreads, 0, s>>>(src, static_cast<T*>(dst), count, scale));
}

// Plans one transform of length n over [outer, len_in, inner] → [outer, len_out, inner] (complex
// or real elements as the plan type says), and the per-outer offsets when inner > 1.
struct Transform {
  std::shared_ptr<FftPlan> plan;
  int64_t outer = 1, in_step = 0, out_step = 0;  // elements (of the plan's own type) per outer
  void exec(cudaStream_t s, const void* in, size_t in_es, void* out, size_t out_es, bool inverse) const {
    for (int64_t o = 0; o < outer; ++o)
      plan->exec(s, static_cast<const char*>(in) + o * in_step * in_es, static_cast<char*>(out) + o * out_step * out_es, inverse);
  }
};

Transform make_transform(const FDims& d, int64_t len_in, int64_t len_out, cufftType type) {
  Transform t;
  if (d.inner == 1) {
    t.plan = FftPlan::shared(d.n, type, d.outer, 1, len_in, 1, len_out, len_in, len_out);
    t.outer = 1;
  } else {
    t.plan = FftPlan::shared(d.n, type, d.inner, d.inner, 1, d.inner, 1, len_in, len_out);
    t.outer = d.outer;
    t.in_step = len_in * d.inner;
    t.out_step = len_out * d.inner;
  }
  return t;
}

// The forward-shaped transforms (fft, ifft, rfft): the input widened to f32 (and zero-padded or
// truncated to n) where it must be, one plan, then the output scaled and narrowed. `in_floats`
// is 2 for complex input (C2C), 1 for real (R2C); `len_out` is n (C2C) or n/2 + 1 (R2C).
CallPtr transform_call(OpArgs& a, const DevTensor& X, const DevTensor& Y, const FDims& d, cufftType type, int64_t in_floats, int64_t len_out,
                       bool inverse) {
  const float scale = norm_scale(a, d.n, inverse);
  auto call = std::make_unique<Call>();
  const int64_t count = Y.numel();
  if (count == 0) {
    call->launch = [](cudaStream_t) {};
    return call;
  }
  const DType dt = a.dtype;
  const bool widen = dt != DType::f32 || d.m < d.n;
  const int64_t len_in = widen ? d.n : d.m;
  std::shared_ptr<Scratch> sin = widen ? std::make_shared<Scratch>(static_cast<size_t>(d.outer * d.n * d.inner * in_floats) * 4) : nullptr;
  std::shared_ptr<Scratch> sout = dt != DType::f32 ? std::make_shared<Scratch>(static_cast<size_t>(count) * 4) : nullptr;
  const Transform t = make_transform(d, len_in, len_out, type);
  call->keep = {sin, sout, t.plan};
  const void* x = X.data;
  void* y = Y.data;
  const size_t in_es = static_cast<size_t>(4 * in_floats);
  // Where the input is copied anyway, the scale rides on that copy.
  const float in_scale = widen ? scale : 1.0f, out_scale = widen ? 1.0f : scale;
  call->launch = [=](cudaStream_t s) {
    const void* src = x;
    if (widen) {
      ABW_FLOAT_DISPATCH(dt, launch_resize<T>(s, x, sin->as<float>(), d, d.m, d.n, in_floats, false, in_scale));
      src = sin->get();
    }
    float* out = sout ? sout->as<float>() : static_cast<float*>(y);
    t.exec(s, src, in_es, out, 8, inverse);
    launch_out(s, dt, out, y, count, out_scale);
  };
  return call;
}

CallPtr c2c(OpArgs& a, bool inverse) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  const Shape cs = complex_dims(a, X);
  const FDims d = get_dims(a, cs);
  Shape os = X.shape;
  os[static_cast<size_t>(a.p.i("dim"))] = d.n;
  a.check_shape(Y, os, "output `out`");
  return transform_call(a, X, Y, d, CUFFT_C2C, 2, d.n, inverse);
}

CallPtr fft_op(OpArgs& a) { return c2c(a, false); }
CallPtr ifft_op(OpArgs& a) { return c2c(a, true); }

CallPtr rfft_op(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  ABW_CHECK(X.ndim() >= 1, "ESHAPE", a.msg("input `input` must be at least 1-D"));
  const FDims d = get_dims(a, X.shape);
  const int64_t nh = d.n / 2 + 1;
  Shape os = X.shape;
  os[static_cast<size_t>(a.p.i("dim"))] = nh;
  os.push_back(2);
  a.check_shape(Y, os, "output `out`");
  return transform_call(a, X, Y, d, CUFFT_R2C, 1, nh, false);
}

CallPtr irfft_op(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  const Shape cs = complex_dims(a, X);
  const FDims d = get_dims(a, cs);
  const int64_t nh = d.n / 2 + 1;
  Shape os = cs;
  os[static_cast<size_t>(a.p.i("dim"))] = d.n;
  a.check_shape(Y, os, "output `out`");
  const float scale = norm_scale(a, d.n, true);
  const DevTensor* F = a.optional(1);
  ABW_CHECK(!F || is_complex_suffix(F->shape, X.shape), "ESHAPE",
            a.msg(filter_suffix_error(F->shape, X.shape)));
  const int64_t f_count = F ? F->numel() / 2 : 0;
  const void* f = F ? F->data : nullptr;
  auto call = std::make_unique<Call>();
  const int64_t count = Y.numel();
  if (count == 0) {
    call->launch = [](cudaStream_t) {};
    return call;
  }
  const DType dt = a.dtype;
  // C2R overwrites its input: the spectrum always goes through scratch (cleaned, resized).
  auto spec = std::make_shared<Scratch>(static_cast<size_t>(d.outer * nh * d.inner * 2) * 4);
  std::shared_ptr<Scratch> sout = dt != DType::f32 ? std::make_shared<Scratch>(static_cast<size_t>(count) * 4) : nullptr;
  const Transform t = make_transform(d, nh, d.n, CUFFT_C2R);
  call->keep = {spec, sout, t.plan};
  const void* x = X.data;
  void* y = Y.data;
  call->launch = [=](cudaStream_t s) {
    if (f) {
      ABW_FLOAT_DISPATCH(dt, launch_resize_filter<T>(s, x, f, spec->as<float>(), d, nh, f_count, scale));
    } else {
      ABW_FLOAT_DISPATCH(dt, launch_resize<T>(s, x, spec->as<float>(), d, d.m, nh, 2, true, scale));
    }
    float* out = sout ? sout->as<float>() : static_cast<float*>(y);
    t.exec(s, spec->get(), 8, out, 4, false);
    launch_out(s, dt, out, y, count, 1.0f);
  };
  return call;
}

}  // namespace
ABW_CUDA_OP(fft, fft_op, kFloats);
ABW_CUDA_OP(ifft, ifft_op, kFloats);
ABW_CUDA_OP(rfft, rfft_op, kFloats);
ABW_CUDA_OP(irfft, irfft_op, kFloats);
}  // namespace abw::cuda
