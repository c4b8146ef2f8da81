// cpu fft family: batched transforms through detail/fft_plan.h. Transforms over the last dim read
// the input in place (truncation is just a shorter transform); other dims use FFTW's strides, one
// batched call per outer index. Only zero-padding (and irfft's bin clean-up) goes through scratch.
// irfft's optional `filter` multiplies the bins in that scratch before the transform.
#include "cpu/detail/fft_plan.h"
#include "cpu/detail/util.h"

namespace abw::cpu {
namespace {

// Scale factor of `norm` for a transform of length n in the given direction.
float norm_scale(KernelArgs& a, int64_t n, bool inverse) {
  const std::string& norm = a.p.s("norm");
  if (norm == "backward") return inverse ? 1.0f / static_cast<float>(n) : 1.0f;
  if (norm == "forward") return inverse ? 1.0f : 1.0f / static_cast<float>(n);
  if (norm == "ortho") return static_cast<float>(1.0 / std::sqrt(static_cast<double>(n)));
  fail("EINVAL", a.msg("parameter `norm` must be 'backward', 'forward' or 'ortho', got '" + norm + "'"));
}

void scale_all(float* y, int64_t count, float s) {
  if (s == 1.0f) return;
  par(count, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] *= s;
  });
}

struct Dims {
  int64_t outer, m, inner, n;
};

// dim and n of an op over a tensor with `cdims` logical dims (complex dims for complex inputs).
Dims get_dims(KernelArgs& a, const Shape& cshape) {
  const int64_t nd = static_cast<int64_t>(cshape.size()), dim = a.p.i("dim"), n = a.p.i("n");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` = " + std::to_string(dim) + " out of range for " +
                                                  std::to_string(nd) + " dims"));
  ABW_CHECK(n >= 1, "EINVAL", a.msg("parameter `n` must be >= 1, got " + std::to_string(n)));
  return {shape_prod(cshape, 0, dim), cshape[dim], shape_prod(cshape, dim + 1, nd), n};
}

Shape complex_dims(KernelArgs& a, const Tensor& X, const char* what) {
  ABW_CHECK(X.ndim() >= 2 && X.size(-1) == 2, "ESHAPE",
            a.msg(std::string(what) + " must be complex [..., 2] with at least one complex dim, got " + sstr(X.shape())));
  return Shape(X.shape().begin(), X.shape().end() - 1);
}

// Copy [outer, m, inner] (elements of `w` floats) into [outer, n, inner], truncating or zero-padding.
void resize_dim(const float* x, float* y, const Dims& d, int64_t w) {
  const int64_t keep = std::min(d.m, d.n);
  par(d.outer, d.n * d.inner * w, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      const float* xs = x + o * d.m * d.inner * w;
      float* ys = y + o * d.n * d.inner * w;
      std::memcpy(ys, xs, keep * d.inner * w * sizeof(float));
      std::fill(ys + keep * d.inner * w, ys + d.n * d.inner * w, 0.0f);
    }
  });
}

// spec [outer, nh, inner] complex (bins 0..min(m, nh) copied from the input) times the filter,
// whose complex dims are the trailing dims of the input's: input element e takes filter element
// e mod (the filter's count).
void multiply_filter(KernelArgs& a, const Tensor& F, const Tensor& X, float* spec, const Dims& d, int64_t nh) {
  ABW_CHECK(is_complex_suffix(F.shape(), X.shape()), "ESHAPE",
            a.msg(filter_suffix_error(F.shape(), X.shape())));
  const float* f = fin(a, F, "input `filter`");
  const int64_t count = F.numel() / 2, keep = std::min(d.m, nh);
  par(d.outer, keep * d.inner, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t k = 0; k < keep; ++k)
        for (int64_t i = 0; i < d.inner; ++i) {
          float* v = spec + 2 * ((o * nh + k) * d.inner + i);
          const float* w = f + 2 * (((o * d.m + k) * d.inner + i) % count);
          const float re = v[0] * w[0] - v[1] * w[1], im = v[0] * w[1] + v[1] * w[0];
          v[0] = re;
          v[1] = im;
        }
  });
}

void c2c_op(KernelArgs& a, bool inverse) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  const Shape cs = complex_dims(a, X, "input `input`");
  const Dims d = get_dims(a, cs);
  Shape os = X.shape();
  os[a.p.i("dim")] = d.n;
  check_shape(a, Y, os, "output `out`");
  const float scale = norm_scale(a, d.n, inverse);
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  if (Y.numel() == 0) return;
  Scratch<float> pad;
  int64_t m = d.m;
  if (d.m < d.n) {
    pad = Scratch<float>(static_cast<size_t>(d.outer * d.n * d.inner * 2));
    resize_dim(x, pad.data(), d, 2);
    x = pad.data();
    m = d.n;
  }
  if (d.inner == 1) {
    fft::c2c(d.n, d.outer, x, 1, m, y, 1, d.n, inverse);
  } else {
    for (int64_t o = 0; o < d.outer; ++o)
      fft::c2c(d.n, d.inner, x + 2 * o * m * d.inner, d.inner, 1, y + 2 * o * d.n * d.inner, d.inner, 1, inverse);
  }
  scale_all(y, Y.numel(), scale);
}

void fft_op(KernelArgs& a) { c2c_op(a, false); }
void ifft_op(KernelArgs& a) { c2c_op(a, true); }

void rfft_op(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  ABW_CHECK(X.ndim() >= 1, "ESHAPE", a.msg("input `input` must be at least 1-D"));
  const Dims d = get_dims(a, X.shape());
  const int64_t nh = d.n / 2 + 1;
  Shape os = X.shape();
  os[a.p.i("dim")] = nh;
  os.push_back(2);
  check_shape(a, Y, os, "output `out`");
  const float scale = norm_scale(a, d.n, false);
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  if (Y.numel() == 0) return;
  Scratch<float> pad;
  int64_t m = d.m;
  if (d.m < d.n) {
    pad = Scratch<float>(static_cast<size_t>(d.outer * d.n * d.inner));
    resize_dim(x, pad.data(), d, 1);
    x = pad.data();
    m = d.n;
  }
  if (d.inner == 1) {
    fft::r2c(d.n, d.outer, x, 1, m, y, 1, nh);
  } else {
    for (int64_t o = 0; o < d.outer; ++o)
      fft::r2c(d.n, d.inner, x + o * m * d.inner, d.inner, 1, y + 2 * o * nh * d.inner, d.inner, 1);
  }
  scale_all(y, Y.numel(), scale);
}

void irfft_op(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  const Shape cs = complex_dims(a, X, "input `input`");
  const Dims d = get_dims(a, cs);
  const int64_t nh = d.n / 2 + 1;
  Shape os = cs;
  os[a.p.i("dim")] = d.n;
  check_shape(a, Y, os, "output `out`");
  const float scale = norm_scale(a, d.n, true);
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  if (Y.numel() == 0) return;
  // Bins 0..n/2 (zero-padded), with the imaginary parts c2r must ignore cleared explicitly.
  Scratch<float> spec(static_cast<size_t>(d.outer * nh * d.inner * 2));
  const Dims rd{d.outer, d.m, d.inner, nh};
  resize_dim(x, spec.data(), rd, 2);
  if (const Tensor* F = a.optional(1)) multiply_filter(a, *F, X, spec.data(), d, nh);
  par(d.outer, d.inner, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      float* s = spec.data() + 2 * o * nh * d.inner;
      for (int64_t j = 0; j < d.inner; ++j) {
        s[2 * j + 1] = 0.0f;
        if (d.n % 2 == 0) s[2 * ((nh - 1) * d.inner + j) + 1] = 0.0f;
      }
    }
  });
  if (d.inner == 1) {
    fft::c2r(d.n, d.outer, spec.data(), 1, nh, y, 1, d.n);
  } else {
    for (int64_t o = 0; o < d.outer; ++o)
      fft::c2r(d.n, d.inner, spec.data() + 2 * o * nh * d.inner, d.inner, 1, y + o * d.n * d.inner, d.inner, 1);
  }
  scale_all(y, Y.numel(), scale);
}

}  // namespace
ABW_KERNEL(cpu, fft, f32, fft_op);
ABW_KERNEL(cpu, ifft, f32, ifft_op);
ABW_KERNEL(cpu, rfft, f32, rfft_op);
ABW_KERNEL(cpu, irfft, f32, irfft_op);
}  // namespace abw::cpu
