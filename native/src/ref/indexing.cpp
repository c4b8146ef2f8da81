// FP64 oracle: argmax (int32 index of the maximum along dim: the first maximal index wins a
// tie, NaN counts as the maximum and the first NaN wins, as torch.argmax) and index_select (a
// gather along dim; an index outside [0, size) is an error naming the input, the element and
// the allowed range).
#include <cmath>
#include <cstdint>
#include <string>

#include "common/registry.h"
#include "common/thread_pool.h"
#include "ref/detail/util.h"

namespace abw::ref {
namespace {
using detail::istr;

void argmax(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "x");
  Tensor& y = detail::out_typed(a, 0, "indices", DType::i32);
  const int64_t dim = a.p.i("dim");
  const bool keepdim = a.p.b("keepdim");
  ABW_CHECK(dim >= 0 && dim < x.ndim(), "EINVAL",
            a.msg("parameter `dim` must be in [0, " + istr(x.ndim()) + "), got " + istr(dim)));
  const int64_t n = x.size(dim);
  ABW_CHECK(n > 0, "ESHAPE", a.msg("input `x` has size 0 along dim " + istr(dim) + ": an empty dim has no maximum"));
  Shape os;
  for (int64_t d = 0; d < x.ndim(); ++d)
    if (d != dim) os.push_back(x.size(d));
    else if (keepdim) os.push_back(1);
  detail::expect_shape(a, y, os, "output `indices`", "x's shape without dim (kept as 1 with keepdim)");
  const int64_t inner = shape_prod(x.shape(), dim + 1, x.shape().size());
  const double* xd = x.data<double>();
  int32_t* yd = y.data<int32_t>();
  parallel_for(y.numel(), 64, [&](int64_t begin, int64_t end) {
    for (int64_t line = begin; line < end; ++line) {
      const double* xl = xd + (line / inner) * n * inner + line % inner;
      int64_t best = 0;
      double m = xl[0];
      for (int64_t j = 1; j < n && !std::isnan(m); ++j) {
        const double v = xl[j * inner];
        if (std::isnan(v) || v > m) {  // strictly greater: the first maximum stays
          m = v;
          best = j;
        }
      }
      yd[line] = static_cast<int32_t>(best);
    }
  });
}

void index_select(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "x");
  const Tensor& index = a.input(1, "index");
  detail::check_dtype(a, index, DType::i32, "input `index`");
  Tensor& y = detail::out_f64(a, 0, "out");
  const int64_t dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < x.ndim(), "EINVAL",
            a.msg("parameter `dim` must be in [0, " + istr(x.ndim()) + "), got " + istr(dim)));
  ABW_CHECK(index.ndim() == 1, "ESHAPE", a.msg("input `index` must be 1-D [K], got " + shape_str(index.shape())));
  const int64_t n = x.size(dim), K = index.size(0);
  Shape os = x.shape();
  os[dim] = K;
  detail::expect_shape(a, y, os, "output `out`", "x's shape with dim's size K");
  const int32_t* id = index.data<int32_t>();
  for (int64_t k = 0; k < K; ++k)
    ABW_CHECK(id[k] >= 0 && id[k] < n, "EINVAL",
              a.msg("input `index`: element " + istr(k) + " is " + istr(id[k]) + ", outside [0, " + istr(n) +
                    ") (x's size along dim " + istr(dim) + ")"));
  const int64_t outer = shape_prod(x.shape(), 0, dim);
  const int64_t inner = shape_prod(x.shape(), dim + 1, x.shape().size());
  const double* xd = x.data<double>();
  double* yd = y.data<double>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t i = 0; i < inner; ++i) yd[(o * K + k) * inner + i] = xd[(o * n + id[k]) * inner + i];
}
}  // namespace

ABW_KERNEL(ref, argmax, f64, argmax);
ABW_KERNEL(ref, index_select, f64, index_select);
}  // namespace abw::ref
