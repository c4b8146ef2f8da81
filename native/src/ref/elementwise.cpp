// FP64 oracle: add, mul (NumPy/PyTorch broadcasting), add_bias, complex_mul. Plain loops.
#include <string>

#include "common/broadcast.h"
#include "common/registry.h"
#include "common/thread_pool.h"
#include "ref/detail/util.h"

namespace abw::ref {
namespace {
using detail::istr;

template <class F>
void binary(KernelArgs& a, F f) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  const Tensor& o = detail::in_f64(a, 1, "other");
  Tensor& y = detail::out_f64(a, 0, "out");
  const Shape os = detail::broadcast_shapes(a, x.shape(), o.shape(), "input `input`", "input `other`");
  detail::expect_shape(a, y, os, "output `out`", "the broadcast shape");
  const Broadcast bc(os, {x.shape(), o.shape()});
  const double* xd = x.data<double>();
  const double* od = o.data<double>();
  double* yd = y.data<double>();
  // Independent elements: parallel chunks change nothing.
  parallel_for(y.numel(), 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) yd[i] = f(xd[bc.offset(0, i)], od[bc.offset(1, i)]);
  });
}

void add(KernelArgs& a) {
  const double alpha = a.p.f("alpha", 1.0);
  binary(a, [alpha](double u, double v) { return u + alpha * v; });
}
void mul(KernelArgs& a) {
  binary(a, [](double u, double v) { return u * v; });
}

void add_bias(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  const Tensor& b = detail::in_f64(a, 1, "bias");
  Tensor& y = detail::out_f64(a, 0, "out");
  const int64_t dim = a.p.i("dim");
  const int64_t nd = x.ndim();
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` must be in [0, " + istr(nd) + "), got " + istr(dim)));
  const int64_t n = x.size(dim);
  detail::expect_shape(a, b, {n}, "input `bias`", "[input.shape[dim]]");
  // length > 0: input[..., :length] + bias, the last dim cropped (bias on an earlier dim).
  const int64_t last = x.size(nd - 1), length = a.p.i("length", 0);
  ABW_CHECK(length >= 0 && length <= last && (length == 0 || dim < nd - 1), "EINVAL",
            a.msg("parameter `length` must be in [0, " + istr(last) + "] with `dim` before the last dim, got " + istr(length)));
  Shape out_shape = x.shape();
  if (length > 0) out_shape.back() = length;
  detail::expect_shape(a, y, out_shape, "output `out`", length > 0 ? "the input's shape, its last dim length" : "the input's shape");
  const int64_t width = out_shape.back();
  const int64_t inner = shape_prod(out_shape, dim + 1, out_shape.size());
  const double* xd = x.data<double>();
  const double* bd = b.data<double>();
  double* yd = y.data<double>();
  parallel_for(y.numel(), 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) yd[i] = xd[(i / width) * last + i % width] + bd[(i / inner) % n];
  });
}

void complex_mul(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "a");
  const Tensor& z = detail::in_f64(a, 1, "b");
  Tensor& y = detail::out_f64(a, 0, "out");
  ABW_CHECK(x.ndim() >= 1 && x.shape().back() == 2, "ESHAPE",
            a.msg("input `a` must be complex [..., 2], got " + shape_str(x.shape())));
  ABW_CHECK(z.ndim() >= 1 && z.shape().back() == 2, "ESHAPE",
            a.msg("input `b` must be complex [..., 2], got " + shape_str(z.shape())));
  const Shape xs(x.shape().begin(), x.shape().end() - 1), zs(z.shape().begin(), z.shape().end() - 1);
  const Shape cs = detail::broadcast_shapes(a, xs, zs, "input `a` (complex dims)", "input `b` (complex dims)");
  Shape os = cs;
  os.push_back(2);
  detail::expect_shape(a, y, os, "output `out`", "[...broadcast, 2]");
  const Broadcast bc(cs, {xs, zs});
  const double* xd = x.data<double>();
  const double* zd = z.data<double>();
  double* yd = y.data<double>();
  parallel_for(shape_numel(cs), 1 << 13, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const double* u = xd + 2 * bc.offset(0, i);
      const double* v = zd + 2 * bc.offset(1, i);
      const double re = u[0] * v[0] - u[1] * v[1];
      const double im = u[0] * v[1] + u[1] * v[0];
      yd[2 * i] = re;
      yd[2 * i + 1] = im;
    }
  });
}
}  // namespace

ABW_KERNEL(ref, add, f64, add);
ABW_KERNEL(ref, mul, f64, mul);
ABW_KERNEL(ref, add_bias, f64, add_bias);
ABW_KERNEL(ref, complex_mul, f64, complex_mul);
}  // namespace abw::ref
