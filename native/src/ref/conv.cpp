// FP64 oracle: conv1d, conv2d, conv_transpose1d (PyTorch semantics: cross-correlation, NCL /
// NCHW, weights [out, in/groups, k…] — [in, out/groups, k] for the transposed conv). conv2d
// with `channels_last`: input [N, H, W, Cin], weight [Cout, kH, kW, Cin/groups], out
// [N, Hout, Wout, Cout].
// Plain loops. Each output element is Σ over input channel ci, then kernel taps (in order), of
// x·w, plus the bias. The loops run ci, k outermost and the output position innermost so that
// long signals are read along rows; every output element still gets exactly the same sum in
// the same order as the textbook loop (in both conv2d layouts, so they agree bit for bit).
#include <string>
#include <vector>

#include "common/registry.h"
#include "common/thread_pool.h"
#include "ref/detail/util.h"

namespace abw::ref {
namespace {
using detail::istr;

std::vector<int64_t> ints_n(const KernelArgs& a, const char* key, size_t n) {
  std::vector<int64_t> v = a.p.ints(key);
  ABW_CHECK(v.size() == n, "EINVAL",
            a.msg(std::string("parameter `") + key + "` must have " + istr(static_cast<int64_t>(n)) + " values, got " +
                  istr(static_cast<int64_t>(v.size()))));
  return v;
}
void positive(const KernelArgs& a, const char* key, int64_t v) { detail::check_range(a, key, v, 1); }
void non_negative(const KernelArgs& a, const char* key, int64_t v) { detail::check_range(a, key, v, 0); }
void check_groups(const KernelArgs& a, int64_t groups, int64_t cin, int64_t cout) {
  positive(a, "groups", groups);
  ABW_CHECK(cin % groups == 0, "EINVAL",
            a.msg("parameter `groups` = " + istr(groups) + " must divide the input channels " + istr(cin)));
  ABW_CHECK(cout % groups == 0, "EINVAL",
            a.msg("parameter `groups` = " + istr(groups) + " must divide the output channels " + istr(cout)));
}
// Output length of a convolution along one dim; the padded input must hold one dilated kernel.
int64_t conv_out(const KernelArgs& a, const char* dimname, int64_t L, int64_t pad_total, int64_t d, int64_t k,
                 int64_t s) {
  const int64_t span = d * (k - 1) + 1;
  ABW_CHECK(L + pad_total >= span, "ESHAPE",
            a.msg(std::string("padded input ") + dimname + " " + istr(L + pad_total) +
                  " is smaller than the dilated kernel " + istr(span)));
  return (L + pad_total - span) / s + 1;
}

// For each kernel tap k, the range [lo[k], hi[k]) of positions o (0 <= o < n_o) whose partner
// position o·step − pad + k·dil lies inside [0, n_in). Found by a plain scan; the partner grows
// with o, so the valid positions are contiguous. Lets the inner loops run without a bounds test
// per element (the same terms, in the same order, as testing every position).
struct TapRanges {
  std::vector<int64_t> lo, hi;
};
TapRanges tap_ranges(int64_t K, int64_t n_o, int64_t step, int64_t pad, int64_t dil, int64_t n_in) {
  TapRanges r{std::vector<int64_t>(static_cast<size_t>(K), 0), std::vector<int64_t>(static_cast<size_t>(K), 0)};
  for (int64_t k = 0; k < K; ++k) {
    int64_t lo = -1, hi = -1;
    for (int64_t o = 0; o < n_o; ++o) {
      const int64_t i = o * step - pad + k * dil;
      if (i >= 0 && i < n_in) {
        if (lo < 0) lo = o;
        hi = o + 1;
      }
    }
    if (lo >= 0) {
      r.lo[k] = lo;
      r.hi[k] = hi;
    }
  }
  return r;
}

void conv1d(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  const Tensor& w = detail::in_f64(a, 1, "weight");
  const Tensor* bias = detail::opt_f64(a, 2, "bias");
  Tensor& y = detail::out_f64(a, 0, "out");
  const int64_t stride = a.p.i("stride"), dil = a.p.i("dilation"), groups = a.p.i("groups");
  const std::vector<int64_t> pad = ints_n(a, "padding", 2);
  positive(a, "stride", stride);
  positive(a, "dilation", dil);
  non_negative(a, "padding", pad[0]);
  non_negative(a, "padding", pad[1]);
  ABW_CHECK(x.ndim() == 3, "ESHAPE", a.msg("input `input` must be [N, Cin, L], got " + shape_str(x.shape())));
  const int64_t N = x.size(0), Cin = x.size(1), L = x.size(2);
  ABW_CHECK(w.ndim() == 3, "ESHAPE", a.msg("input `weight` must be [Cout, Cin/groups, K], got " + shape_str(w.shape())));
  const int64_t Cout = w.size(0), K = w.size(2);
  check_groups(a, groups, Cin, Cout);
  const int64_t Cg = Cin / groups, Og = Cout / groups;
  detail::expect_shape(a, w, {Cout, Cg, K}, "input `weight`", "[Cout, Cin/groups, K]");
  ABW_CHECK(K >= 1, "ESHAPE", a.msg("input `weight` has an empty kernel: " + shape_str(w.shape())));
  if (bias) detail::expect_shape(a, *bias, {Cout}, "input `bias`", "[Cout]");
  const int64_t Lout = conv_out(a, "length", L, pad[0] + pad[1], dil, K, stride);
  detail::expect_shape(a, y, {N, Cout, Lout}, "output `out`", "[N, Cout, Lout]");

  const double* xd = x.data<double>();
  const double* wd = w.data<double>();
  const double* bd = bias ? bias->data<double>() : nullptr;
  double* yd = y.data<double>();
  const TapRanges tr = tap_ranges(K, Lout, stride, pad[0], dil, L);
  // One task per output row (n, co): independent outputs, so parallelism changes nothing.
  parallel_for(N * Cout, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / Cout, co = r % Cout, g = co / Og;
      double* out = yd + r * Lout;
      for (int64_t o = 0; o < Lout; ++o) out[o] = 0.0;
      for (int64_t c = 0; c < Cg; ++c) {
        const double* xrow = xd + (n * Cin + g * Cg + c) * L;
        for (int64_t k = 0; k < K; ++k) {
          const double wv = wd[(co * Cg + c) * K + k];
          // out[o] += x[o·stride − pad_left + k·dilation]·w for the o whose input is inside.
          for (int64_t o = tr.lo[k]; o < tr.hi[k]; ++o) out[o] += xrow[o * stride - pad[0] + k * dil] * wv;
        }
      }
      if (bd)
        for (int64_t o = 0; o < Lout; ++o) out[o] += bd[co];
    }
  });
}

// conv2d's sizes, checked against the tensors in either layout: channels first x [N, Cin, H, W],
// w [Cout, Cin/groups, kH, kW], y [N, Cout, Ho, Wo]; channels_last x [N, H, W, Cin],
// w [Cout, kH, kW, Cin/groups], y [N, Ho, Wo, Cout].
struct Conv2dDims {
  int64_t N, Cin, H, W, Cout, KH, KW, Cg, Og, Ho, Wo;
};
Conv2dDims conv2d_dims(KernelArgs& a, const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor& y, const std::vector<int64_t>& st,
                       const std::vector<int64_t>& pad, const std::vector<int64_t>& dil, int64_t groups, bool cl) {
  const std::string tag = cl ? " (channels_last)" : "";
  const std::string xs = cl ? "[N, H, W, Cin]" : "[N, Cin, H, W]", ws = cl ? "[Cout, kH, kW, Cin/groups]" : "[Cout, Cin/groups, kH, kW]";
  ABW_CHECK(x.ndim() == 4, "ESHAPE", a.msg("input `input` must be " + xs + tag + ", got " + shape_str(x.shape())));
  ABW_CHECK(w.ndim() == 4, "ESHAPE", a.msg("input `weight` must be " + ws + tag + ", got " + shape_str(w.shape())));
  Conv2dDims d{};
  d.N = x.size(0);
  d.Cin = x.size(cl ? 3 : 1), d.H = x.size(cl ? 1 : 2), d.W = x.size(cl ? 2 : 3);
  d.Cout = w.size(0), d.KH = w.size(cl ? 1 : 2), d.KW = w.size(cl ? 2 : 3);
  check_groups(a, groups, d.Cin, d.Cout);
  d.Cg = d.Cin / groups, d.Og = d.Cout / groups;
  detail::expect_shape(a, w, cl ? Shape{d.Cout, d.KH, d.KW, d.Cg} : Shape{d.Cout, d.Cg, d.KH, d.KW}, "input `weight`", ws + tag);
  ABW_CHECK(d.KH >= 1 && d.KW >= 1, "ESHAPE", a.msg("input `weight` has an empty kernel: " + shape_str(w.shape())));
  if (bias) detail::expect_shape(a, *bias, {d.Cout}, "input `bias`", "[Cout]");
  d.Ho = conv_out(a, "height", d.H, pad[0] + pad[1], dil[0], d.KH, st[0]);
  d.Wo = conv_out(a, "width", d.W, pad[2] + pad[3], dil[1], d.KW, st[1]);
  detail::expect_shape(a, y, cl ? Shape{d.N, d.Ho, d.Wo, d.Cout} : Shape{d.N, d.Cout, d.Ho, d.Wo}, "output `out`",
                       (cl ? "[N, Hout, Wout, Cout]" : "[N, Cout, Hout, Wout]") + tag);
  return d;
}

// conv2d with channels_last: the textbook loop per output element, with the terms in the order
// of the NCHW loop below (channel, kernel row, kernel column; taps outside the input skipped).
void conv2d_channels_last(const Conv2dDims& d, const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, const std::vector<int64_t>& st,
                          const std::vector<int64_t>& pad, const std::vector<int64_t>& dil) {
  const int64_t H = d.H, W = d.W, Cin = d.Cin, Cout = d.Cout, KH = d.KH, KW = d.KW, Cg = d.Cg, Og = d.Og, Ho = d.Ho, Wo = d.Wo;
  const double* xd = x.data<double>();
  const double* wd = w.data<double>();
  const double* bd = bias ? bias->data<double>() : nullptr;
  double* yd = y.data<double>();
  // One task per output row (n, oh): independent outputs.
  parallel_for(d.N * Ho, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / Ho, oh = r % Ho;
      for (int64_t ow = 0; ow < Wo; ++ow) {
        double* out = yd + (r * Wo + ow) * Cout;
        for (int64_t co = 0; co < Cout; ++co) {
          const int64_t g = co / Og;
          double acc = 0.0;
          for (int64_t c = 0; c < Cg; ++c) {
            for (int64_t kh = 0; kh < KH; ++kh) {
              const int64_t ih = oh * st[0] - pad[0] + kh * dil[0];
              if (ih < 0 || ih >= H) continue;
              for (int64_t kw = 0; kw < KW; ++kw) {
                const int64_t iw = ow * st[1] - pad[2] + kw * dil[1];
                if (iw < 0 || iw >= W) continue;
                acc += xd[((n * H + ih) * W + iw) * Cin + g * Cg + c] * wd[((co * KH + kh) * KW + kw) * Cg + c];
              }
            }
          }
          out[co] = bd ? acc + bd[co] : acc;
        }
      }
    }
  });
}

// conv2d channels first: per output plane, the taps accumulated over whole rows of the plane.
void conv2d_channels_first(const Conv2dDims& d, const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y, const std::vector<int64_t>& st,
                           const std::vector<int64_t>& pad, const std::vector<int64_t>& dil) {
  const int64_t N = d.N, Cin = d.Cin, H = d.H, W = d.W, Cout = d.Cout, KH = d.KH, KW = d.KW, Cg = d.Cg, Og = d.Og, Ho = d.Ho, Wo = d.Wo;

  const double* xd = x.data<double>();
  const double* wd = w.data<double>();
  const double* bd = bias ? bias->data<double>() : nullptr;
  double* yd = y.data<double>();
  const TapRanges trh = tap_ranges(KH, Ho, st[0], pad[0], dil[0], H);
  const TapRanges trw = tap_ranges(KW, Wo, st[1], pad[2], dil[1], W);
  // One task per output plane (n, co): independent outputs.
  parallel_for(N * Cout, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / Cout, co = r % Cout, g = co / Og;
      double* out = yd + r * Ho * Wo;
      for (int64_t o = 0; o < Ho * Wo; ++o) out[o] = 0.0;
      for (int64_t c = 0; c < Cg; ++c) {
        const double* xp = xd + (n * Cin + g * Cg + c) * H * W;
        for (int64_t kh = 0; kh < KH; ++kh) {
          for (int64_t kw = 0; kw < KW; ++kw) {
            const double wv = wd[((co * Cg + c) * KH + kh) * KW + kw];
            // Output positions whose input (oh·sh − top + kh·dh, ow·sw − left + kw·dw) is inside.
            for (int64_t oh = trh.lo[kh]; oh < trh.hi[kh]; ++oh) {
              const double* xr = xp + (oh * st[0] - pad[0] + kh * dil[0]) * W;
              double* orow = out + oh * Wo;
              for (int64_t ow = trw.lo[kw]; ow < trw.hi[kw]; ++ow) orow[ow] += xr[ow * st[1] - pad[2] + kw * dil[1]] * wv;
            }
          }
        }
      }
      if (bd)
        for (int64_t o = 0; o < Ho * Wo; ++o) out[o] += bd[co];
    }
  });
}

void conv2d(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  const Tensor& w = detail::in_f64(a, 1, "weight");
  const Tensor* bias = detail::opt_f64(a, 2, "bias");
  Tensor& y = detail::out_f64(a, 0, "out");
  const std::vector<int64_t> st = ints_n(a, "stride", 2), pad = ints_n(a, "padding", 4), dil = ints_n(a, "dilation", 2);
  const int64_t groups = a.p.i("groups");
  for (int64_t v : st) positive(a, "stride", v);
  for (int64_t v : dil) positive(a, "dilation", v);
  for (int64_t v : pad) non_negative(a, "padding", v);
  const bool cl = a.p.b("channels_last", false);
  const Conv2dDims d = conv2d_dims(a, x, w, bias, y, st, pad, dil, groups, cl);
  const Tensor* residual = detail::opt_f64(a, 3, "residual");
  if (residual) detail::expect_shape(a, *residual, y.shape(), "input `residual`", "the output's shape");
  if (cl) conv2d_channels_last(d, x, w, bias, y, st, pad, dil);
  else conv2d_channels_first(d, x, w, bias, y, st, pad, dil);
  // The residual is added to the finished convolution (+ bias): residual + conv, as an add after it.
  if (residual) {
    const double* rd = residual->data<double>();
    double* yd = y.data<double>();
    parallel_for(y.numel(), 4096, [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; ++i) yd[i] = rd[i] + yd[i];
    });
  }
}

void conv_transpose1d(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  const Tensor& w = detail::in_f64(a, 1, "weight");
  const Tensor* bias = detail::opt_f64(a, 2, "bias");
  Tensor& y = detail::out_f64(a, 0, "out");
  const int64_t stride = a.p.i("stride"), pad = a.p.i("padding"), opad = a.p.i("output_padding");
  const int64_t groups = a.p.i("groups"), dil = a.p.i("dilation");
  positive(a, "stride", stride);
  positive(a, "dilation", dil);
  non_negative(a, "padding", pad);
  non_negative(a, "output_padding", opad);
  ABW_CHECK(opad < stride || opad < dil, "EINVAL",
            a.msg("parameter `output_padding` = " + istr(opad) + " must be smaller than either stride (" + istr(stride) +
                  ") or dilation (" + istr(dil) + ")"));
  ABW_CHECK(x.ndim() == 3, "ESHAPE", a.msg("input `input` must be [N, Cin, L], got " + shape_str(x.shape())));
  const int64_t N = x.size(0), Cin = x.size(1), L = x.size(2);
  ABW_CHECK(w.ndim() == 3, "ESHAPE", a.msg("input `weight` must be [Cin, Cout/groups, K], got " + shape_str(w.shape())));
  positive(a, "groups", groups);
  ABW_CHECK(Cin % groups == 0, "EINVAL",
            a.msg("parameter `groups` = " + istr(groups) + " must divide the input channels " + istr(Cin)));
  const int64_t Og = w.size(1), K = w.size(2), Cout = Og * groups, Cg = Cin / groups;
  detail::expect_shape(a, w, {Cin, Og, K}, "input `weight`", "[Cin, Cout/groups, K]");
  ABW_CHECK(K >= 1, "ESHAPE", a.msg("input `weight` has an empty kernel: " + shape_str(w.shape())));
  if (bias) detail::expect_shape(a, *bias, {Cout}, "input `bias`", "[Cout]");
  const int64_t Lout = (L - 1) * stride - 2 * pad + dil * (K - 1) + opad + 1;
  ABW_CHECK(Lout >= 1, "ESHAPE", a.msg("output length " + istr(Lout) + " is not positive"));
  detail::expect_shape(a, y, {N, Cout, Lout}, "output `out`", "[N, Cout, (L-1)*stride - 2*padding + dilation*(K-1) + output_padding + 1]");

  const double* xd = x.data<double>();
  const double* wd = w.data<double>();
  const double* bd = bias ? bias->data<double>() : nullptr;
  double* yd = y.data<double>();
  const TapRanges tr = tap_ranges(K, L, stride, pad, dil, Lout);  // input positions i per tap
  // out[n, co, i·stride − padding + k·dilation] += x[n, ci, i]·w[ci, co mod Og, k] over the
  // group's input channels ci, taps k and positions i. One task per output row (n, co).
  parallel_for(N * Cout, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / Cout, co = r % Cout, g = co / Og, col = co % Og;
      double* out = yd + r * Lout;
      for (int64_t o = 0; o < Lout; ++o) out[o] = 0.0;
      for (int64_t c = 0; c < Cg; ++c) {
        const int64_t ci = g * Cg + c;
        const double* xrow = xd + (n * Cin + ci) * L;
        for (int64_t k = 0; k < K; ++k) {
          const double wv = wd[(ci * Og + col) * K + k];
          for (int64_t i = tr.lo[k]; i < tr.hi[k]; ++i) out[i * stride - pad + k * dil] += xrow[i] * wv;
        }
      }
      if (bd)
        for (int64_t o = 0; o < Lout; ++o) out[o] += bd[co];
    }
  });
}
}  // namespace

ABW_KERNEL(ref, conv1d, f64, conv1d);
ABW_KERNEL(ref, conv2d, f64, conv2d);
ABW_KERNEL(ref, conv_transpose1d, f64, conv_transpose1d);
}  // namespace abw::ref
