// cpu layout ops: contiguous copies. Permutes coalesce dims first; when the innermost output dim
// is strided in the input, they copy 32×32 tiles so both sides stay cache-friendly.
#include "cpu/detail/util.h"

namespace abw::cpu {
namespace {

void copy_par(const float* x, float* y, int64_t n) {
  par(n, 1, [&](int64_t b, int64_t e) {
    if (e > b) std::memcpy(y + b, x + b, (e - b) * sizeof(float));
  });
}

void reshape(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  const auto sh = a.p.ints("shape");
  check_shape(a, Y, Shape(sh.begin(), sh.end()), "output `out`");
  ABW_CHECK(X.numel() == Y.numel(), "ESHAPE",
            a.msg("cannot reshape " + sstr(X.shape()) + " (" + std::to_string(X.numel()) + " elements) to " + sstr(Y.shape())));
  copy_par(fin(a, X, "input `input`"), fout(a, Y, "output `out`"), X.numel());
}

void permute_impl(KernelArgs& a, const Tensor& X, Tensor& Y, const std::vector<int64_t>& perm) {
  const int64_t nd = X.ndim();
  ABW_CHECK(static_cast<int64_t>(perm.size()) == nd, "EINVAL", a.msg("parameter `dims` must list every dimension once"));
  std::vector<bool> seen(nd, false);
  Shape os(nd);
  const auto ist = shape_strides(X.shape());
  for (int64_t i = 0; i < nd; ++i) {
    ABW_CHECK(perm[i] >= 0 && perm[i] < nd && !seen[perm[i]], "EINVAL", a.msg("parameter `dims` must be a permutation"));
    seen[perm[i]] = true;
    os[i] = X.shape()[perm[i]];
  }
  check_shape(a, Y, os, "output `out`");
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  if (Y.numel() == 0) return;
  // Drop size-1 dims, merge output-adjacent dims that are also adjacent in the input.
  std::vector<int64_t> sz, st;
  for (int64_t i = 0; i < nd; ++i) {
    if (os[i] == 1) continue;
    const int64_t s = ist[perm[i]];
    if (!sz.empty() && st.back() == s * os[i]) {
      sz.back() *= os[i];
      st.back() = s;
    } else {
      sz.push_back(os[i]);
      st.push_back(s);
    }
  }
  const int64_t n = static_cast<int64_t>(sz.size());
  if (n <= 1) {
    copy_par(x, y, Y.numel());
    return;
  }
  std::vector<int64_t> ost(n, 1);
  for (int64_t i = n - 2; i >= 0; --i) ost[i] = ost[i + 1] * sz[i + 1];
  const int64_t last = n - 1;
  if (st[last] == 1) {  // rows of the output are contiguous rows of the input
    const int64_t rows = Y.numel() / sz[last], w = sz[last];
    par(rows, w, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        int64_t rem = r, off = 0;
        for (int64_t d = last - 1; d >= 0; --d) {
          off += (rem % sz[d]) * st[d];
          rem /= sz[d];
        }
        std::memcpy(y + r * w, x + off, w * sizeof(float));
      }
    });
    return;
  }
  // Tile over (j, last) where dim j is the input's contiguous one.
  int64_t j = 0;
  for (int64_t d = 0; d < n; ++d)
    if (st[d] == 1) j = d;
  constexpr int64_t T = 32;
  const int64_t tj = ceil_div(sz[j], T), tl = ceil_div(sz[last], T);
  const int64_t outer = Y.numel() / (sz[j] * sz[last]);
  par(outer * tj * tl, T * T, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t bl = t % tl, bj = (t / tl) % tj, o = t / (tl * tj);
      int64_t rem = o, xoff = 0, yoff = 0;
      for (int64_t d = last - 1; d >= 0; --d) {
        if (d == j) continue;
        const int64_t i = rem % sz[d];
        rem /= sz[d];
        xoff += i * st[d];
        yoff += i * ost[d];
      }
      const int64_t j0 = bj * T, j1 = std::min(sz[j], j0 + T), l0 = bl * T, l1 = std::min(sz[last], l0 + T);
      for (int64_t jj = j0; jj < j1; ++jj) {
        float* yr = y + yoff + jj * ost[j];
        const float* xr = x + xoff + jj;
        for (int64_t l = l0; l < l1; ++l) yr[l] = xr[l * st[last]];
      }
    }
  });
}

void permute(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  permute_impl(a, X, a.output(0, "out"), a.p.ints("dims"));
}

void transpose(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  const int64_t nd = X.ndim(), d0 = a.p.i("dim0"), d1 = a.p.i("dim1");
  if (nd == 0) {  // torch allows transpose(0, 0) / (-1, -1) of a scalar
    Tensor& Y = a.output(0, "out");
    check_shape(a, Y, X.shape(), "output `out`");
    copy_par(fin(a, X, "input `input`"), fout(a, Y, "output `out`"), X.numel());
    return;
  }
  ABW_CHECK(d0 >= 0 && d0 < nd && d1 >= 0 && d1 < nd, "EINVAL", a.msg("parameters `dim0`/`dim1` out of range"));
  std::vector<int64_t> perm(nd);
  for (int64_t i = 0; i < nd; ++i) perm[i] = i;
  std::swap(perm[d0], perm[d1]);
  permute_impl(a, X, a.output(0, "out"), perm);
}

void concat(KernelArgs& a) {
  Tensor& Y = a.output(0, "out");
  const size_t k = a.num_inputs();
  ABW_CHECK(k >= 1, "EINVAL", a.msg("needs at least one input"));
  const Tensor& X0 = a.input(0, "tensors[0]");
  const int64_t nd = X0.ndim(), dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + sstr(X0.shape())));
  Shape os = X0.shape();
  os[dim] = 0;
  std::vector<const float*> src(k);
  std::vector<int64_t> chunk(k);
  const int64_t inner = shape_prod(X0.shape(), dim + 1, nd);
  for (size_t i = 0; i < k; ++i) {
    const std::string name = "tensors[" + std::to_string(i) + "]";
    const Tensor& Xi = a.input(i, name.c_str());
    ABW_CHECK(Xi.ndim() == nd, "ESHAPE", a.msg("input `" + name + "` has shape " + sstr(Xi.shape()) + ", rank differs"));
    for (int64_t d = 0; d < nd; ++d)
      ABW_CHECK(d == dim || Xi.shape()[d] == X0.shape()[d], "ESHAPE",
                a.msg("input `" + name + "` has shape " + sstr(Xi.shape()) + ", incompatible with " + sstr(X0.shape())));
    os[dim] += Xi.shape()[dim];
    src[i] = fin(a, Xi, ("input `" + name + "`").c_str());
    chunk[i] = Xi.shape()[dim] * inner;
  }
  check_shape(a, Y, os, "output `out`");
  float* y = fout(a, Y, "output `out`");
  const int64_t outer = shape_prod(os, 0, dim), row = os[dim] * inner;
  if (Y.numel() == 0) return;
  par(outer, row, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* dst = y + r * row;
      for (size_t i = 0; i < k; ++i) {
        if (chunk[i]) std::memcpy(dst, src[i] + r * chunk[i], chunk[i] * sizeof(float));
        dst += chunk[i];
      }
    }
  });
}

void pad(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  const auto pads = a.p.ints("pad");
  const std::string& mode = a.p.s("mode");
  const float value = static_cast<float>(a.p.f("value", 0.0));
  const int64_t nd = X.ndim(), np = static_cast<int64_t>(pads.size()) / 2;
  ABW_CHECK(pads.size() % 2 == 0 && np <= nd, "EINVAL", a.msg("parameter `pad` must have an even length <= 2·ndim"));
  const int m = mode == "constant" ? 0 : mode == "reflect" ? 1 : mode == "replicate" ? 2 : -1;
  ABW_CHECK(m >= 0, "EINVAL", a.msg("parameter `mode` must be 'constant', 'reflect' or 'replicate', got '" + mode + "'"));
  Shape os = X.shape();
  std::vector<int64_t> lo(nd, 0);
  for (int64_t i = 0; i < np; ++i) {
    const int64_t d = nd - 1 - i, l = pads[2 * i], r = pads[2 * i + 1], n = X.shape()[d];
    if (m != 0) ABW_CHECK(l >= 0 && r >= 0, "EINVAL", a.msg("negative padding needs mode 'constant'"));
    if (m == 1)
      ABW_CHECK(l < n && r < n, "ESHAPE",
                a.msg("reflect padding must be smaller than the input size " + std::to_string(n) + " of dim " + std::to_string(d)));
    if (m == 2) ABW_CHECK(n > 0 || (l == 0 && r == 0), "ESHAPE", a.msg("replicate padding of an empty dim"));
    os[d] = n + l + r;
    ABW_CHECK(os[d] >= 0, "ESHAPE", a.msg("padding makes dim " + std::to_string(d) + " negative"));
    lo[d] = l;
  }
  check_shape(a, Y, os, "output `out`");
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  if (Y.numel() == 0) return;
  if (X.numel() == 0) {  // only constant mode gets here: nothing to copy
    std::fill(y, y + Y.numel(), value);
    return;
  }
  // map[d][o]: input index for output index o along d, or -1 for a constant-filled position.
  std::vector<std::vector<int64_t>> map(nd);
  for (int64_t d = 0; d < nd; ++d) {
    const int64_t n = X.shape()[d];
    map[d].resize(os[d]);
    for (int64_t o = 0; o < os[d]; ++o) {
      int64_t i = o - lo[d];
      if (m == 1) {
        if (i < 0) i = -i;
        if (i >= n) i = 2 * (n - 1) - i;
      } else if (m == 2) {
        i = std::clamp<int64_t>(i, 0, n - 1);
      } else if (i < 0 || i >= n) {
        i = -1;
      }
      map[d][o] = i;
    }
  }
  const auto ist = shape_strides(X.shape());
  const int64_t w = nd ? os[nd - 1] : 1, rows = Y.numel() / w;
  const int64_t* ml = nd ? map[nd - 1].data() : nullptr;
  par(rows, w, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* yr = y + r * w;
      int64_t rem = r, off = 0;
      bool fill = false;
      for (int64_t d = nd - 2; d >= 0; --d) {
        const int64_t i = map[d][rem % os[d]];
        rem /= os[d];
        if (i < 0) fill = true;
        off += i * ist[d];
      }
      if (fill) {
        std::fill(yr, yr + w, value);
        continue;
      }
      if (nd == 0) {
        yr[0] = x[0];
        continue;
      }
      const float* xr = x + off;
      for (int64_t o = 0; o < w; ++o) yr[o] = ml[o] < 0 ? value : xr[ml[o] < 0 ? 0 : ml[o]];
    }
  });
}

void slice(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  const int64_t nd = X.ndim(), dim = a.p.i("dim"), start = a.p.i("start"), end = a.p.i("end"), step = a.p.i("step");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + sstr(X.shape())));
  const int64_t n = X.shape()[dim];
  ABW_CHECK(0 <= start && start <= end && end <= n && step >= 1, "EINVAL",
            a.msg("slice [" + std::to_string(start) + ":" + std::to_string(end) + ":" + std::to_string(step) +
                  "] is not within dim of size " + std::to_string(n)));
  Shape os = X.shape();
  os[dim] = ceil_div(end - start, step);
  check_shape(a, Y, os, "output `out`");
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  const int64_t outer = shape_prod(os, 0, dim), inner = shape_prod(os, dim + 1, nd), m = os[dim];
  if (Y.numel() == 0) return;
  par(outer * m, inner, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t o = r / m, j = r % m;
      std::memcpy(y + r * inner, x + (o * n + start + j * step) * inner, inner * sizeof(float));
    }
  });
}

}  // namespace
ABW_KERNEL(cpu, reshape, f32, reshape);
ABW_KERNEL(cpu, transpose, f32, transpose);
ABW_KERNEL(cpu, permute, f32, permute);
ABW_KERNEL(cpu, concat, f32, concat);
ABW_KERNEL(cpu, pad, f32, pad);
ABW_KERNEL(cpu, slice, f32, slice);
}  // namespace abw::cpu
