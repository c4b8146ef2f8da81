// FP64 oracle: reshape, transpose, permute, concat, pad, slice. Every op produces a fresh
// contiguous copy. Plain index arithmetic: for each output element, its multi-index, then the
// source element.
#include <string>
#include <utility>
#include <vector>

#include "common/registry.h"
#include "ref/detail/util.h"

namespace abw::ref {
namespace {
using detail::istr;

// Multi-index of flat index `flat` in `shape` (row-major).
void unravel(int64_t flat, const Shape& shape, std::vector<int64_t>& idx) {
  idx.assign(shape.size(), 0);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    idx[d] = flat % shape[d];
    flat /= shape[d];
  }
}

void check_dim(const KernelArgs& a, const char* key, int64_t d, int64_t nd) {
  ABW_CHECK(d >= 0 && d < nd, "EINVAL",
            a.msg(std::string("parameter `") + key + "` must be in [0, " + istr(nd) + "), got " + istr(d)));
}

void reshape(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  Tensor& y = detail::out_f64(a, 0, "out");
  const std::vector<int64_t> s = a.p.ints("shape");
  const Shape want(s.begin(), s.end());
  for (int64_t d : want) ABW_CHECK(d >= 0, "EINVAL", a.msg("parameter `shape` " + shape_str(want) + " has a negative size"));
  ABW_CHECK(shape_numel(want) == x.numel(), "ESHAPE",
            a.msg("cannot reshape input " + shape_str(x.shape()) + " (" + istr(x.numel()) + " elements) to " +
                  shape_str(want)));
  detail::expect_shape(a, y, want, "output `out`", "`shape`");
  const double* xd = x.data<double>();
  double* yd = y.data<double>();
  for (int64_t i = 0; i < x.numel(); ++i) yd[i] = xd[i];
}

// y = x permuted: y.shape[i] = x.shape[perm[i]].
void permute_copy(const KernelArgs& a, const Tensor& x, Tensor& y, const std::vector<int64_t>& perm) {
  const Shape& xs = x.shape();
  Shape os(xs.size());
  for (size_t i = 0; i < perm.size(); ++i) os[i] = xs[perm[i]];
  detail::expect_shape(a, y, os, "output `out`", "the permuted input shape");
  const std::vector<int64_t> xst = shape_strides(xs);
  const double* xd = x.data<double>();
  double* yd = y.data<double>();
  std::vector<int64_t> idx;
  for (int64_t i = 0; i < y.numel(); ++i) {
    unravel(i, os, idx);
    int64_t src = 0;
    for (size_t d = 0; d < idx.size(); ++d) src += idx[d] * xst[perm[d]];
    yd[i] = xd[src];
  }
}

void transpose(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  Tensor& y = detail::out_f64(a, 0, "out");
  const int64_t d0 = a.p.i("dim0"), d1 = a.p.i("dim1");
  const int64_t nd = x.ndim();
  if (nd == 0) {  // torch allows transposing a 0-d tensor with dims 0 / −1: a copy
    ABW_CHECK(d0 == 0 && d1 == 0, "EINVAL", a.msg("parameters `dim0`, `dim1` must be 0 for a 0-d input"));
    detail::expect_shape(a, y, x.shape(), "output `out`");
    y.data<double>()[0] = x.data<double>()[0];
    return;
  }
  check_dim(a, "dim0", d0, nd);
  check_dim(a, "dim1", d1, nd);
  std::vector<int64_t> perm(static_cast<size_t>(nd));
  for (int64_t i = 0; i < nd; ++i) perm[i] = i;
  std::swap(perm[d0], perm[d1]);
  permute_copy(a, x, y, perm);
}

void permute(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  Tensor& y = detail::out_f64(a, 0, "out");
  const std::vector<int64_t> dims = a.p.ints("dims");
  const int64_t nd = x.ndim();
  ABW_CHECK(static_cast<int64_t>(dims.size()) == nd, "EINVAL",
            a.msg("parameter `dims` must list " + istr(nd) + " dims, got " + istr(static_cast<int64_t>(dims.size()))));
  std::vector<bool> seen(static_cast<size_t>(nd), false);
  for (int64_t d : dims) {
    check_dim(a, "dims", d, nd);
    ABW_CHECK(!seen[d], "EINVAL", a.msg("parameter `dims` repeats dim " + istr(d)));
    seen[d] = true;
  }
  permute_copy(a, x, y, dims);
}

void concat(KernelArgs& a) {
  Tensor& y = detail::out_f64(a, 0, "out");
  const size_t k = a.num_inputs();
  ABW_CHECK(k >= 1, "EINVAL", a.msg("needs at least one input tensor"));
  std::vector<const Tensor*> xs;
  for (size_t i = 0; i < k; ++i) {
    const std::string name = "tensors[" + std::to_string(i) + "]";
    xs.push_back(&detail::in_f64(a, i, name.c_str()));
  }
  const Shape& s0 = xs[0]->shape();
  const int64_t nd = xs[0]->ndim();
  const int64_t dim = a.p.i("dim");
  check_dim(a, "dim", dim, nd);
  Shape os = s0;
  os[dim] = 0;
  for (size_t i = 0; i < k; ++i) {
    const Shape& si = xs[i]->shape();
    bool ok = static_cast<int64_t>(si.size()) == nd;
    for (int64_t d = 0; ok && d < nd; ++d) ok = d == dim || si[d] == s0[d];
    ABW_CHECK(ok, "ESHAPE",
              a.msg("input `tensors[" + std::to_string(i) + "]` " + shape_str(si) + " must match " + shape_str(s0) +
                    " except along dim " + istr(dim)));
    os[dim] += si[dim];
  }
  detail::expect_shape(a, y, os, "output `out`", "the concatenated shape");
  const int64_t outer = shape_prod(s0, 0, dim);
  const int64_t inner = shape_prod(s0, dim + 1, s0.size());
  double* yd = y.data<double>();
  int64_t pos = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < k; ++i) {
      const int64_t chunk = xs[i]->shape()[dim] * inner;
      const double* src = xs[i]->data<double>() + o * chunk;
      for (int64_t j = 0; j < chunk; ++j) yd[pos++] = src[j];
    }
  }
}

void pad(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  Tensor& y = detail::out_f64(a, 0, "out");
  const std::vector<int64_t> p = a.p.ints("pad");
  const std::string& mode = a.p.s("mode");
  const int64_t nd = x.ndim();
  ABW_CHECK(p.size() % 2 == 0 && static_cast<int64_t>(p.size()) <= 2 * nd, "EINVAL",
            a.msg("parameter `pad` must have an even length <= 2 * ndim = " + istr(2 * nd) + ", got " +
                  istr(static_cast<int64_t>(p.size()))));
  const bool constant = mode == "constant", reflect = mode == "reflect", replicate = mode == "replicate";
  ABW_CHECK(constant || reflect || replicate, "EINVAL",
            a.msg("parameter `mode` must be 'constant', 'reflect' or 'replicate', got '" + mode + "'"));
  const double value = constant ? a.p.f("value", 0.0) : 0.0;
  const Shape& xs = x.shape();
  std::vector<int64_t> left(static_cast<size_t>(nd), 0);
  Shape os = xs;
  for (size_t j = 0; j < p.size() / 2; ++j) {
    const int64_t d = nd - 1 - static_cast<int64_t>(j);  // pad lists the last dim first
    const int64_t l = p[2 * j], r = p[2 * j + 1], L = xs[d];
    detail::check_range(a, "pad", l, -detail::kMaxSizeParam);
    detail::check_range(a, "pad", r, -detail::kMaxSizeParam);
    if (constant) {
      ABW_CHECK(L + l + r >= 0, "ESHAPE",
                a.msg("padding (" + istr(l) + ", " + istr(r) + ") of dim " + istr(d) + " (size " + istr(L) +
                      ") gives a negative size"));
    } else {
      ABW_CHECK(l >= 0 && r >= 0, "EINVAL", a.msg("parameter `pad` must be non-negative in " + mode + " mode"));
      if (reflect)
        ABW_CHECK((l < L && r < L) || (l == 0 && r == 0), "ESHAPE",
                  a.msg("reflect padding (" + istr(l) + ", " + istr(r) + ") must be less than the size " + istr(L) +
                        " of dim " + istr(d)));
      else
        ABW_CHECK(L > 0 || (l == 0 && r == 0), "ESHAPE",
                  a.msg("replicate padding of the empty dim " + istr(d) + " is undefined"));
    }
    left[d] = l;
    os[d] = L + l + r;
  }
  detail::expect_shape(a, y, os, "output `out`", "the padded shape");
  const std::vector<int64_t> xst = shape_strides(xs);
  const double* xd = x.data<double>();
  double* yd = y.data<double>();
  std::vector<int64_t> idx;
  for (int64_t i = 0; i < y.numel(); ++i) {
    unravel(i, os, idx);
    int64_t src = 0;
    bool inside = true;
    for (int64_t d = 0; d < nd; ++d) {
      const int64_t L = xs[d];
      int64_t s = idx[d] - left[d];
      if (s < 0 || s >= L) {
        if (constant) {
          inside = false;
          break;
        }
        if (reflect) {  // mirror without repeating the edge: −1 → 1, L → L−2
          if (s < 0) s = -s;
          if (s >= L) s = 2 * (L - 1) - s;
        } else {  // replicate: clamp to the edge
          s = s < 0 ? 0 : L - 1;
        }
      }
      src += s * xst[d];
    }
    yd[i] = inside ? xd[src] : value;
  }
}

void slice(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  Tensor& y = detail::out_f64(a, 0, "out");
  const int64_t dim = a.p.i("dim"), start = a.p.i("start"), end = a.p.i("end"), step = a.p.i("step");
  check_dim(a, "dim", dim, x.ndim());
  const int64_t L = x.size(dim);
  ABW_CHECK(0 <= start && start <= end && end <= L, "EINVAL",
            a.msg("parameters `start` = " + istr(start) + ", `end` = " + istr(end) + " must satisfy 0 <= start <= end <= " +
                  istr(L)));
  ABW_CHECK(step >= 1, "EINVAL", a.msg("parameter `step` must be >= 1, got " + istr(step)));
  const int64_t n = (end - start + step - 1) / step;
  Shape os = x.shape();
  os[dim] = n;
  detail::expect_shape(a, y, os, "output `out`", "the sliced shape");
  const int64_t outer = shape_prod(x.shape(), 0, dim);
  const int64_t inner = shape_prod(x.shape(), dim + 1, x.shape().size());
  const double* xd = x.data<double>();
  double* yd = y.data<double>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < inner; ++i) yd[(o * n + j) * inner + i] = xd[(o * L + start + j * step) * inner + i];
}
}  // namespace

ABW_KERNEL(ref, reshape, f64, reshape);
ABW_KERNEL(ref, transpose, f64, transpose);
ABW_KERNEL(ref, permute, f64, permute);
ABW_KERNEL(ref, concat, f64, concat);
ABW_KERNEL(ref, pad, f64, pad);
ABW_KERNEL(ref, slice, f64, slice);
}  // namespace abw::ref
