// FP64 oracle: relu, gelu, silu, elu, sigmoid, tanh, softmax (PyTorch semantics).
// Where the textbook formula cancels catastrophically in floating point, an algebraically
// identical form is used instead (commented); the oracle must be the exact function, not a
// rounding artefact of one way of writing it.
#include <cmath>
#include <string>

#include "common/registry.h"
#include "common/thread_pool.h"
#include "ref/detail/util.h"

namespace abw::ref {
namespace {

template <class F>
void unary(KernelArgs& a, F f) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  Tensor& y = detail::out_f64(a, 0, "out");
  detail::expect_shape(a, y, x.shape(), "output `out`", "the input's shape");
  const double* xd = x.data<double>();
  double* yd = y.data<double>();
  // Independent elements: parallel chunks change nothing.
  parallel_for(x.numel(), 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) yd[i] = f(xd[i]);
  });
}

constexpr double kSqrtHalf = 0.707106781186547524400844362104849039;  // 1/√2
constexpr double kPi = 3.14159265358979323846264338327950288;

double sigmoid_of(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// torch.relu is clamp_min(x, 0): NaN propagates.
void relu(KernelArgs& a) {
  unary(a, [](double v) { return std::isnan(v) ? v : (v > 0.0 ? v : 0.0); });
}
void sigmoid(KernelArgs& a) { unary(a, sigmoid_of); }
void tanh_(KernelArgs& a) {
  unary(a, [](double v) { return std::tanh(v); });
}
// silu(x) = x·σ(x) = x / (1 + e^{−x}).
void silu(KernelArgs& a) {
  unary(a, [](double v) { return v / (1.0 + std::exp(-v)); });
}
void elu(KernelArgs& a) {
  const double alpha = a.p.f("alpha");
  // alpha·(e^x − 1) via expm1 (accurate for small |x|).
  unary(a, [alpha](double v) { return v > 0.0 ? v : (std::isnan(v) ? v : alpha * std::expm1(v)); });
}
void gelu(KernelArgs& a) {
  const std::string& mode = a.p.s("approximate");
  if (mode == "none") {
    // 0.5·x·(1 + erf(x/√2)) written as 0.5·x·erfc(−x/√2): identical, but 1 + erf cancels for
    // negative x and erfc does not.
    unary(a, [](double v) { return 0.5 * v * std::erfc(-v * kSqrtHalf); });
  } else if (mode == "tanh") {
    // 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³). Since 1 + tanh(u) = 2/(1 + e^{−2u}),
    // this is x / (1 + e^{−2u}): identical, without the cancellation of 1 + tanh(u) for u < 0.
    const double k = std::sqrt(2.0 / kPi);
    unary(a, [k](double v) {
      const double u = k * (v + 0.044715 * v * v * v);
      return v / (1.0 + std::exp(-2.0 * u));
    });
  } else {
    fail("EINVAL", a.msg("parameter `approximate` must be 'none' or 'tanh', got '" + mode + "'"));
  }
}

void softmax(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  Tensor& y = detail::out_f64(a, 0, "out");
  detail::expect_shape(a, y, x.shape(), "output `out`", "the input's shape");
  const int64_t dim = a.p.i("dim");
  const int64_t nd = x.ndim();
  // A 0-d tensor is treated as one element along dim 0, as torch does.
  ABW_CHECK((nd == 0 && dim == 0) || (dim >= 0 && dim < nd), "EINVAL",
            a.msg("parameter `dim` must be in [0, " + std::to_string(nd) + "), got " + std::to_string(dim)));
  const int64_t n = nd == 0 ? 1 : x.size(dim);
  const int64_t outer = nd == 0 ? 1 : shape_prod(x.shape(), 0, dim);
  const int64_t inner = nd == 0 ? 1 : shape_prod(x.shape(), dim + 1, x.shape().size());
  const double* xd = x.data<double>();
  double* yd = y.data<double>();
  // Independent lines along dim: parallel over them changes nothing.
  parallel_for(outer * inner, 64, [&](int64_t begin, int64_t end) {
    for (int64_t line = begin; line < end; ++line) {
      const int64_t o = line / inner, i = line % inner;
      const double* xl = xd + o * n * inner + i;
      double* yl = yd + o * n * inner + i;
      // max (NaN propagates, as in torch)
      double m = -INFINITY;
      for (int64_t j = 0; j < n; ++j) {
        const double v = xl[j * inner];
        if (std::isnan(v) || v > m) m = v;
        if (std::isnan(m)) break;
      }
      double sum = 0.0;
      for (int64_t j = 0; j < n; ++j) {
        const double e = std::exp(xl[j * inner] - m);
        yl[j * inner] = e;
        sum += e;
      }
      for (int64_t j = 0; j < n; ++j) yl[j * inner] = yl[j * inner] / sum;
    }
  });
}
}  // namespace

ABW_KERNEL(ref, relu, f64, relu);
ABW_KERNEL(ref, gelu, f64, gelu);
ABW_KERNEL(ref, silu, f64, silu);
ABW_KERNEL(ref, elu, f64, elu);
ABW_KERNEL(ref, sigmoid, f64, sigmoid);
ABW_KERNEL(ref, tanh, f64, tanh_);
ABW_KERNEL(ref, softmax, f64, softmax);
}  // namespace abw::ref
