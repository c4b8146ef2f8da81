// cpu elementwise ops with broadcasting: dims are coalesced first, so the common cases (same
// shape, scalar, bias-like row) become one long contiguous inner loop that vectorises; work is
// split over flat element ranges so even a single long row uses every thread.
#include "cpu/detail/util.h"

namespace abw::cpu {
namespace {

// Coalesced broadcast layout of an output over two operands (strides in elements, 0 = broadcast).
struct Bcast {
  std::vector<int64_t> size, sa, sb;
};

Bcast make_bcast(const Shape& out, const Shape& x, const Shape& y) {
  const size_t nd = out.size();
  auto strides = [&](const Shape& s) {
    std::vector<int64_t> st(nd, 0);
    int64_t acc = 1;
    for (int64_t d = static_cast<int64_t>(s.size()) - 1; d >= 0; --d) {
      st[nd - s.size() + d] = s[d] == 1 ? 0 : acc;
      acc *= s[d];
    }
    return st;
  };
  const auto ax = strides(x), ay = strides(y);
  Bcast b;
  for (size_t d = 0; d < nd; ++d) {
    if (out[d] == 1) continue;
    if (!b.size.empty() && b.sa.back() == ax[d] * out[d] && b.sb.back() == ay[d] * out[d]) {
      b.size.back() *= out[d];
      b.sa.back() = ax[d];
      b.sb.back() = ay[d];
    } else {
      b.size.push_back(out[d]);
      b.sa.push_back(ax[d]);
      b.sb.push_back(ay[d]);
    }
  }
  if (b.size.empty()) {
    b.size.push_back(1);
    b.sa.push_back(0);
    b.sb.push_back(0);
  }
  return b;
}

// Calls seg(out_off, a_off, b_off, count, a_inner_stride, b_inner_stride) over [0, total).
template <class Seg>
void for_segments(const Bcast& b, int64_t total, int64_t cost, Seg seg) {
  const int64_t n = static_cast<int64_t>(b.size.size()), w = b.size[n - 1];
  par(total, cost, [&](int64_t s, int64_t e) {
    int64_t i = s;
    while (i < e) {
      int64_t row = i / w, col = i % w, cnt = std::min(w - col, e - i);
      int64_t oa = col * b.sa[n - 1], ob = col * b.sb[n - 1];
      for (int64_t d = n - 2; d >= 0; --d) {
        const int64_t k = row % b.size[d];
        row /= b.size[d];
        oa += k * b.sa[d];
        ob += k * b.sb[d];
      }
      seg(i, oa, ob, cnt, b.sa[n - 1], b.sb[n - 1]);
      i += cnt;
    }
  });
}

template <class Op>
void binary(KernelArgs& a, Op op) {
  const Tensor& X = a.input(0, "input");
  const Tensor& Yt = a.input(1, "other");
  Tensor& Z = a.output(0, "out");
  Shape os;
  ABW_CHECK(broadcast_shape(X.shape(), Yt.shape(), &os), "ESHAPE",
            a.msg("shapes " + sstr(X.shape()) + " and " + sstr(Yt.shape()) + " do not broadcast"));
  check_shape(a, Z, os, "output `out`");
  const float* x = fin(a, X, "input `input`");
  const float* y = fin(a, Yt, "input `other`");
  float* z = fout(a, Z, "output `out`");
  if (Z.numel() == 0) return;
  const Bcast b = make_bcast(os, X.shape(), Yt.shape());
  for_segments(b, Z.numel(), 1, [&](int64_t o, int64_t oa, int64_t ob, int64_t cnt, int64_t sa, int64_t sb) {
    float* zo = z + o;
    const float* xa = x + oa;
    const float* yb = y + ob;
    if (sa == 1 && sb == 1)
      for (int64_t i = 0; i < cnt; ++i) zo[i] = op(xa[i], yb[i]);
    else if (sa == 1 && sb == 0) {
      const float v = yb[0];
      for (int64_t i = 0; i < cnt; ++i) zo[i] = op(xa[i], v);
    } else if (sa == 0 && sb == 1) {
      const float v = xa[0];
      for (int64_t i = 0; i < cnt; ++i) zo[i] = op(v, yb[i]);
    } else
      for (int64_t i = 0; i < cnt; ++i) zo[i] = op(xa[i * sa], yb[i * sb]);
  });
}

void add(KernelArgs& a) {
  const float alpha = static_cast<float>(a.p.f("alpha", 1.0));
  if (alpha == 1.0f) binary(a, [](float u, float v) { return u + v; });
  else binary(a, [alpha](float u, float v) { return u + alpha * v; });
}

void mul(KernelArgs& a) { binary(a, [](float u, float v) { return u * v; }); }

void add_bias(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  const Tensor& B = a.input(1, "bias");
  Tensor& Y = a.output(0, "out");
  const int64_t nd = X.ndim(), dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + sstr(X.shape())));
  const int64_t n = X.shape()[dim], inner = shape_prod(X.shape(), dim + 1, nd);
  // length > 0: input[..., :length] + bias, the last dim cropped (bias on an earlier dim).
  const int64_t last = X.shape()[nd - 1], length = a.p.i("length", 0);
  ABW_CHECK(length >= 0 && length <= last && (length == 0 || dim < nd - 1), "EINVAL",
            a.msg("parameter `length` must be in [0, " + std::to_string(last) + "] with `dim` before the last dim, got " + std::to_string(length)));
  Shape out_shape = X.shape();
  if (length > 0) out_shape.back() = length;
  check_shape(a, B, {n}, "input `bias`");
  check_shape(a, Y, out_shape, "output `out`");
  const float* x = fin(a, X, "input `input`");
  const float* b = fin(a, B, "input `bias`");
  float* y = fout(a, Y, "output `out`");
  if (Y.numel() == 0) return;
  if (length > 0) {
    // Output rows of `length` from input rows of `last`; (inner / last) rows share a bias value.
    const int64_t rows = Y.numel() / length, rows_per_value = inner / last;
    par(rows, length, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float v = b[(r / rows_per_value) % n];
        const float* xr = x + r * last;
        float* yr = y + r * length;
        for (int64_t i = 0; i < length; ++i) yr[i] = xr[i] + v;
      }
    });
    return;
  }
  const int64_t rows = X.numel() / inner;  // (outer, channel) rows of `inner` elements
  if (inner == 1) {
    par(rows / n, n, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t j = 0; j < n; ++j) y[r * n + j] = x[r * n + j] + b[j];
    });
    return;
  }
  par(rows, inner, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float v = b[r % n];
      const float* xr = x + r * inner;
      float* yr = y + r * inner;
      for (int64_t i = 0; i < inner; ++i) yr[i] = xr[i] + v;
    }
  });
}

void complex_mul(KernelArgs& a) {
  const Tensor& X = a.input(0, "a");
  const Tensor& Yt = a.input(1, "b");
  Tensor& Z = a.output(0, "out");
  ABW_CHECK(X.ndim() >= 1 && X.size(-1) == 2, "ESHAPE", a.msg("input `a` must end in a dim of 2 (re, im), got " + sstr(X.shape())));
  ABW_CHECK(Yt.ndim() >= 1 && Yt.size(-1) == 2, "ESHAPE", a.msg("input `b` must end in a dim of 2 (re, im), got " + sstr(Yt.shape())));
  const Shape xs(X.shape().begin(), X.shape().end() - 1), ys(Yt.shape().begin(), Yt.shape().end() - 1);
  Shape os;
  ABW_CHECK(broadcast_shape(xs, ys, &os), "ESHAPE",
            a.msg("complex shapes " + sstr(xs) + " and " + sstr(ys) + " do not broadcast"));
  Shape ofull = os;
  ofull.push_back(2);
  check_shape(a, Z, ofull, "output `out`");
  const float* x = fin(a, X, "input `a`");
  const float* y = fin(a, Yt, "input `b`");
  float* z = fout(a, Z, "output `out`");
  if (Z.numel() == 0) return;
  const Bcast b = make_bcast(os, xs, ys);
  for_segments(b, Z.numel() / 2, 4, [&](int64_t o, int64_t oa, int64_t ob, int64_t cnt, int64_t sa, int64_t sb) {
    float* zo = z + 2 * o;
    const float* xa = x + 2 * oa;
    const float* yb = y + 2 * ob;
    for (int64_t i = 0; i < cnt; ++i) {
      const float ar = xa[2 * i * sa], ai = xa[2 * i * sa + 1], br = yb[2 * i * sb], bi = yb[2 * i * sb + 1];
      zo[2 * i] = ar * br - ai * bi;
      zo[2 * i + 1] = ar * bi + ai * br;
    }
  });
}

}  // namespace
ABW_KERNEL(cpu, add, f32, add);
ABW_KERNEL(cpu, mul, f32, mul);
ABW_KERNEL(cpu, add_bias, f32, add_bias);
ABW_KERNEL(cpu, complex_mul, f32, complex_mul);
}  // namespace abw::cpu
