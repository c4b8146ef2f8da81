// cpu argmax (first maximal index; NaN counts as the maximum, the first NaN wins, as
// torch.argmax) and index_select (a gather of contiguous slabs by memcpy, on the storage bytes
// of any float dtype: a copy is exact, so f16/bf16 need no conversion). An index outside
// [0, size) is an error naming the input, the element and the allowed range.
#include "cpu/detail/util.h"

namespace abw::cpu {
namespace {

Shape argmax_shape(const Shape& xs, int64_t dim, bool keepdim) {
  Shape os;
  for (int64_t d = 0; d < static_cast<int64_t>(xs.size()); ++d)
    if (d != dim) os.push_back(xs[d]);
    else if (keepdim) os.push_back(1);
  return os;
}

void argmax(KernelArgs& a) {
  const Tensor& X = a.input(0, "x");
  Tensor& Y = a.output(0, "indices");
  check_dtype(a, Y, DType::i32, "output `indices`");
  const int64_t nd = X.ndim(), dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + sstr(X.shape())));
  check_shape(a, Y, argmax_shape(X.shape(), dim, a.p.b("keepdim")), "output `indices`");
  const int64_t outer = shape_prod(X.shape(), 0, dim), n = X.shape()[dim], inner = shape_prod(X.shape(), dim + 1, nd);
  ABW_CHECK(n > 0, "ESHAPE", a.msg("input `x` has size 0 along dim " + std::to_string(dim) + ": an empty dim has no maximum"));
  const float* x = fin(a, X, "input `x`");
  int32_t* y = Y.data<int32_t>();
  if (inner == 1) {  // reduce along contiguous rows
    par(outer, n, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        const float* xr = x + o * n;
        int64_t best = 0;
        float m = xr[0];
        for (int64_t j = 1; j < n && m == m; ++j)
          if (xr[j] > m || xr[j] != xr[j]) {  // strictly greater: the first maximum stays
            m = xr[j];
            best = j;
          }
        y[o] = static_cast<int32_t>(best);
      }
    });
    return;
  }
  // Strided dim: sweep rows of `inner` lanes, each lane keeping its running maximum.
  par(outer, n * inner, [&](int64_t o0, int64_t o1) {
    Scratch<float> mx(static_cast<size_t>(inner));
    for (int64_t o = o0; o < o1; ++o) {
      const float* xo = x + o * n * inner;
      int32_t* yo = y + o * inner;
      for (int64_t j = 0; j < inner; ++j) {
        mx[j] = xo[j];
        yo[j] = 0;
      }
      for (int64_t i = 1; i < n; ++i)
        for (int64_t j = 0; j < inner; ++j) {
          const float v = xo[i * inner + j];
          if (mx[j] == mx[j] && (v > mx[j] || v != v)) {
            mx[j] = v;
            yo[j] = static_cast<int32_t>(i);
          }
        }
    }
  });
}

void index_select(KernelArgs& a) {
  const Tensor& X = a.input(0, "x");
  const Tensor& I = a.input(1, "index");
  Tensor& Y = a.output(0, "out");
  check_dtype(a, I, DType::i32, "input `index`");
  ABW_CHECK(Y.dtype() == X.dtype(), "EDTYPE", a.msg("output `out` must have x's dtype"));
  const int64_t nd = X.ndim(), dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + sstr(X.shape())));
  check_ndim(a, I, 1, "input `index`");
  const int64_t K = I.size(0), n = X.shape()[dim];
  Shape os = X.shape();
  os[dim] = K;
  check_shape(a, Y, os, "output `out`");
  const int32_t* idx = I.data<int32_t>();
  for (int64_t k = 0; k < K; ++k)
    ABW_CHECK(idx[k] >= 0 && idx[k] < n, "EINVAL",
              a.msg("input `index`: element " + std::to_string(k) + " is " + std::to_string(idx[k]) + ", outside [0, " +
                    std::to_string(n) + ") (x's size along dim " + std::to_string(dim) + ")"));
  const int64_t outer = shape_prod(X.shape(), 0, dim), inner = shape_prod(X.shape(), dim + 1, nd);
  const size_t es = dtype_size(X.dtype());
  const size_t slab = static_cast<size_t>(inner) * es;
  const char* x = static_cast<const char*>(X.raw());
  char* y = static_cast<char*>(Y.raw());
  if (Y.numel() == 0) return;
  par(outer * K, inner, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t o = r / K, k = r % K;
      std::memcpy(y + static_cast<size_t>(r) * slab, x + static_cast<size_t>(o * n + idx[k]) * slab, slab);
    }
  });
}

}  // namespace
ABW_KERNEL(cpu, argmax, f32, argmax);
// A copy of storage bytes: one kernel serves every float dtype without conversion.
ABW_KERNEL(cpu, index_select, f32, index_select);
ABW_KERNEL(cpu, index_select, f16, index_select);
ABW_KERNEL(cpu, index_select, bf16, index_select);
}  // namespace abw::cpu
