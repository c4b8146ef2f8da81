// cuda fft / ifft / rfft / irfft through cuFFT (f32 transforms). f16/bf16 storage is widened to
// f32 on the way in and rounded once on the way out, folded into the copy that zero-pads or
// truncates anyway; norm scaling is folded into that output pass too. Transforms over the last
// dim are one batched plan; other dims use cuFFT's strides, one call per outer index.
#include <algorithm>
#include <cmath>
#include <vector>
#include <memory>
#include <string>

#include "cuda/callbacks/fft_conv_info.h"
#include "cuda/context.h"
#include "cuda/fft_plan.h"
#ifdef ABW_FFT_CONV_LTO
#include "fft_conv_store_fatbin.h"  // generated: the LTO-IR of callbacks/fft_conv_store.cu
#endif
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

// [outer, m, row] → f32 [outer, n, row] (row = inner·w floats), truncating or zero-padding; for
// irfft (clean > 0) the imaginary parts of bin 0 and, for even n, bin n/2 are cleared.
template <class T>
__global__ void resize_widen(const T* __restrict__ x, float* __restrict__ y, int64_t outer, int64_t m, int64_t n, int64_t row, int clean, int64_t inner, int64_t nfull) {
  ABW_GRID_STRIDE(i, outer * n * row) {
    const int64_t r = i % row, k = (i / row) % n, o = i / (row * n);
    float v = k < m ? ld(x[(o * m + k) * row + r]) : 0.f;
    if (clean && (r & 1) && (k == 0 || (nfull % 2 == 0 && k == n - 1))) v = 0.f;
    y[i] = v;
  }
}

template <class T>
__global__ void scale_narrow(const float* __restrict__ x, T* __restrict__ y, int64_t n, float s) {
  ABW_GRID_STRIDE(i, n) y[i] = st<T>(x[i] * s);
}

template <class T>
void launch_resize(cudaStream_t s, const void* x, float* y, const FDims& d, int64_t in_len, int64_t out_len, int64_t w, bool clean) {
  const int64_t total = d.outer * out_len * d.inner * w;
  if (total) resize_widen<T><<<blocks_for(total), kThreads, 0, s>>>(static_cast<const T*>(x), y, d.outer, in_len, out_len, d.inner * w, clean, d.inner, d.n);
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
  call->launch = [=](cudaStream_t s) {
    const void* src = x;
    if (widen) {
      ABW_FLOAT_DISPATCH(dt, launch_resize<T>(s, x, sin->as<float>(), d, d.m, d.n, in_floats, false));
      src = sin->get();
    }
    float* out = sout ? sout->as<float>() : static_cast<float*>(y);
    t.exec(s, src, in_es, out, 8, inverse);
    launch_out(s, dt, out, y, count, scale);
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
    ABW_FLOAT_DISPATCH(dt, launch_resize<T>(s, x, spec->as<float>(), d, d.m, nh, 2, true));
    float* out = sout ? sout->as<float>() : static_cast<float*>(y);
    t.exec(s, spec->get(), 8, out, 4, false);
    launch_out(s, dt, out, y, count, scale);
  };
  return call;
}

// spec[r][k] = spec[r][k] · h[c][k] / n, and bin 0 gets + bias[c] (a constant added to every
// output sample is bias·n at DC before the 1/n of the inverse): the spectral multiply, the
// inverse's scaling and the bias in one pass over the spectrum.
__global__ void spectral_mul_bias(float2* __restrict__ spec, const float2* __restrict__ h, const float* __restrict__ bias, int64_t r0, int64_t rows, int64_t C, int64_t nh, int64_t n) {
  const float inv = 1.0f / static_cast<float>(n);
  ABW_GRID_STRIDE(i, rows * nh) {
    const int64_t k = i % nh, r = i / nh, c = (r0 + r) % C;
    const float2 a = spec[i], b = h[c * nh + k];
    float2 v = make_float2((a.x * b.x - a.y * b.y) * inv, (a.x * b.y + a.y * b.x) * inv);
    if (k == 0 && bias) v.x += bias[c];
    spec[i] = v;
  }
}

// Whether the forward transforms carry the spectral multiply as a cuFFT LTO store callback
// (parameter `callbacks`: 'on' requires it, 'off' uses the multiply kernel, 'auto' tries the
// callback and falls back to the kernel when this build or this cuFFT cannot link it). 'off' is
// the default: on the H100 with CUDA 13.0 planning with the callback failed (CUFFT_INTERNAL_ERROR,
// docs/backends/cuda.md), so every prepare would pay a failed JIT link.
bool use_callbacks(OpArgs& a, int64_t rows, int64_t nh) {
  const std::string mode = a.p.has("callbacks") && !a.p.is_null("callbacks") ? a.p.s("callbacks") : "off";
  ABW_CHECK(mode == "auto" || mode == "on" || mode == "off", "EINVAL", a.msg("parameter `callbacks` must be 'auto', 'on' or 'off', got '" + mode + "'"));
  if (mode == "off") return false;
#ifdef ABW_FFT_CONV_LTO
  if (rows * nh < (int64_t{1} << 32)) return true;
  ABW_CHECK(mode != "on", "EINVAL", a.msg("callbacks: a band's spectrum has 2^32 bins or more (the callback indexes it in 32 bits)"));
  return false;
#else
  ABW_CHECK(mode != "on", "ENOKERNEL", a.msg("callbacks: this build has no LTO callback (bin2c was not found when the CUDA module was built)"));
  return false;
#endif
}

// fft_conv (a fused pipeline stage, not a catalogue op; bench/cuda-vs-torch calls it through
// the raw addon): y[b][c] = irfft(rfft(x[b][c]) · h[c], n) + bias[c], circular, n = x's length.
// x [B, C, n] f32, h [C, n/2+1, 2] f32, bias [C] f32 (optional) → y [B, C, n]. The (b, c) rows
// are split into `streams` bands, each with its own plans on its own stream (fork/join with
// events), so bands overlap on the GPU. With callbacks, each band is two cuFFT launches and
// nothing else: the multiply, 1/n and the bias ride on the forward transform's stores.
CallPtr fft_conv(OpArgs& a) {
  const DevTensor& X = a.input(0, "x");
  const DevTensor& Hs = a.input(1, "h");
  const DevTensor* Bv = a.optional(2);
  const DevTensor& Y = a.output(0, "out");
  ABW_CHECK(a.dtype == DType::f32, "EDTYPE", a.msg("fft_conv runs in f32"));
  ABW_CHECK(X.ndim() == 3, "ESHAPE", a.msg("input `x` must be [B, C, n]"));
  const int64_t B = X.shape[0], C = X.shape[1], n = X.shape[2], nh = n / 2 + 1;
  a.check_shape(Hs, {C, nh, 2}, "input `h`");
  if (Bv) a.check_shape(*Bv, {C}, "input `bias`");
  a.check_shape(Y, X.shape, "output `out`");
  Context& cx = ctx();
  const int64_t rows = B * C;
  const int64_t streams = std::max<int64_t>(1, std::min<int64_t>(a.p.i("streams", cx.active_streams), rows));
  ABW_CHECK(streams <= static_cast<int64_t>(cx.streams.size()), "EINVAL", a.msg("parameter `streams` must be at most " + std::to_string(cx.streams.size())));
  auto spec = std::make_shared<Scratch>(static_cast<size_t>(rows * nh) * 8);
  struct Band {
    int64_t r0, r1;
    std::shared_ptr<FftPlan> fwd, inv;
  };
  std::vector<Band> bands;
  bool fused = use_callbacks(a, rows, nh);
  const bool required = a.p.has("callbacks") && !a.p.is_null("callbacks") && a.p.s("callbacks") == "on";
  std::vector<std::shared_ptr<Scratch>> infos;
  for (int64_t b = 0; b < streams; ++b) {
    const int64_t r0 = rows * b / streams, r1 = rows * (b + 1) / streams;
    if (r1 == r0) continue;
    std::shared_ptr<FftPlan> fwd;
#ifdef ABW_FFT_CONV_LTO
    if (fused) {
      // The callback's parameters live in device memory, one block per band.
      const FftConvInfo info{static_cast<const float2*>(Hs.data), Bv ? Bv->ptr<float>() : nullptr, static_cast<unsigned>(r0), static_cast<unsigned>(C),
                             static_cast<unsigned>(nh), 1.0f / static_cast<float>(n)};
      auto dinfo = std::make_shared<Scratch>(sizeof(FftConvInfo));
      ABW_CU(cudaMemcpy(dinfo->get(), &info, sizeof info, cudaMemcpyHostToDevice));
      const FftCallback cb{"abw_fft_conv_store", abw_fft_conv_store_fatbin, sizeof abw_fft_conv_store_fatbin, CUFFT_CB_ST_COMPLEX, dinfo->get()};
      try {
        fwd = std::make_shared<FftPlan>(n, CUFFT_R2C, r1 - r0, 1, n, 1, nh, n, nh, &cb);
        infos.push_back(dinfo);
      } catch (const Error&) {
        if (required) throw;
        fused = false;  // 'auto': this cuFFT would not link the callback; the kernel path it is
        for (Band& done : bands) done.fwd = std::make_shared<FftPlan>(n, CUFFT_R2C, done.r1 - done.r0, 1, n, 1, nh, n, nh);
        infos.clear();
      }
    }
#endif
    if (!fwd) fwd = std::make_shared<FftPlan>(n, CUFFT_R2C, r1 - r0, 1, n, 1, nh, n, nh);
    bands.push_back({r0, r1, fwd, std::make_shared<FftPlan>(n, CUFFT_C2R, r1 - r0, 1, nh, 1, n, nh, n)});
  }
  auto events = std::shared_ptr<std::vector<cudaEvent_t>>(new std::vector<cudaEvent_t>(bands.size() + 1), [](std::vector<cudaEvent_t>* v) {
    for (auto e : *v) cudaEventDestroy(e);
    delete v;
  });
  for (auto& e : *events) ABW_CU(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  auto call = std::make_unique<Call>();
  call->keep = {spec, events};
  for (auto& i : infos) call->keep.push_back(i);
  const float* x = X.ptr<float>();
  const float2* h = static_cast<const float2*>(Hs.data);
  const float* bias = Bv ? Bv->ptr<float>() : nullptr;
  float* y = Y.ptr<float>();
  call->launch = [=](cudaStream_t s) {
    Context& c = ctx();
    float2* sp = spec->as<float2>();
    if (bands.size() > 1) ABW_CU(cudaEventRecord((*events)[0], s));
    for (size_t i = 0; i < bands.size(); ++i) {
      const Band& bd = bands[i];
      cudaStream_t bs = bands.size() > 1 ? c.streams[i + 1 < c.streams.size() ? i + 1 : 0] : s;
      if (bands.size() > 1) ABW_CU(cudaStreamWaitEvent(bs, (*events)[0], 0));
      bd.fwd->exec(bs, x + bd.r0 * n, sp + bd.r0 * nh);
      if (!fused) {
        const int64_t cnt = (bd.r1 - bd.r0) * nh;
        // Bands start at row r0: the channel of local row r is (r0 + r) % C.
        spectral_mul_bias<<<blocks_for(cnt), kThreads, 0, bs>>>(sp + bd.r0 * nh, h, bias, bd.r0, bd.r1 - bd.r0, C, nh, n);
      }
      bd.inv->exec(bs, sp + bd.r0 * nh, y + bd.r0 * n);
      if (bands.size() > 1) {
        ABW_CU(cudaEventRecord((*events)[i + 1], bs));
        ABW_CU(cudaStreamWaitEvent(s, (*events)[i + 1], 0));
      }
    }
  };
  return call;
}

}  // namespace
ABW_CUDA_OP(fft_conv, fft_conv, kF32);
ABW_CUDA_OP(fft, fft_op, kFloats);
ABW_CUDA_OP(ifft, ifft_op, kFloats);
ABW_CUDA_OP(rfft, rfft_op, kFloats);
ABW_CUDA_OP(irfft, irfft_op, kFloats);
}  // namespace abw::cuda
