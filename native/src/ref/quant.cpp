// FP64 oracle: BitNet b1.58 quantisation (quantize_ternary, quantize_int8), the integer
// ternary_matmul and the rescale of its accumulators (dequantize_int32). Rounding is half-to-even (std::nearbyint in the default rounding mode, as
// torch.round).
#include <cmath>
#include <cstdint>
#include <string>

#include "common/registry.h"
#include "common/thread_pool.h"
#include "ref/detail/util.h"

namespace abw::ref {
namespace {
using detail::istr;

// clamp(round(v), lo, hi) as int8. NaN has no integer value: it maps to 0 (torch's float→int8
// cast of NaN is undefined behaviour; this keeps the oracle defined).
int8_t round_clamp(double v, double lo, double hi) {
  if (std::isnan(v)) return 0;
  double r = std::nearbyint(v);
  if (r < lo) r = lo;
  if (r > hi) r = hi;
  return static_cast<int8_t>(r);
}

void quantize_ternary(KernelArgs& a) {
  const Tensor& w = detail::in_f64(a, 0, "w");
  Tensor& q = detail::out_typed(a, 0, "q", DType::i8);
  Tensor& scale = detail::out_f64(a, 1, "scale");
  detail::expect_shape(a, q, w.shape(), "output `q`", "the shape of `w`");
  detail::expect_shape(a, scale, {}, "output `scale`", "a scalar");
  const double* wd = w.data<double>();
  double sum = 0.0;
  for (int64_t i = 0; i < w.numel(); ++i) sum += std::fabs(wd[i]);
  const double mean = sum / static_cast<double>(w.numel());
  const double s = mean < 1e-5 ? 1e-5 : mean;  // max(mean|w|, 1e-5); NaN stays NaN as in torch.clamp
  scale.data<double>()[0] = s;
  int8_t* qd = q.data<int8_t>();
  for (int64_t i = 0; i < w.numel(); ++i) qd[i] = round_clamp(wd[i] / s, -1.0, 1.0);
}

void quantize_int8(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "x");
  Tensor& q = detail::out_typed(a, 0, "q", DType::i8);
  Tensor& scale = detail::out_f64(a, 1, "scale");
  const int64_t dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < x.ndim(), "EINVAL",
            a.msg("parameter `dim` must be in [0, " + istr(x.ndim()) + "), got " + istr(dim)));
  Shape ss = x.shape();
  ss[dim] = 1;
  detail::expect_shape(a, q, x.shape(), "output `q`", "the shape of `x`");
  detail::expect_shape(a, scale, ss, "output `scale`", "x's shape with dim kept as 1");
  const int64_t n = x.size(dim);
  const int64_t outer = shape_prod(x.shape(), 0, dim);
  const int64_t inner = shape_prod(x.shape(), dim + 1, x.shape().size());
  const double* xd = x.data<double>();
  double* sd = scale.data<double>();
  int8_t* qd = q.data<int8_t>();
  // Independent lines along dim.
  parallel_for(outer * inner, 64, [&](int64_t begin, int64_t end) {
    for (int64_t line = begin; line < end; ++line) {
      const int64_t o = line / inner, i = line % inner;
      double m = n > 0 ? 0.0 : NAN;  // torch's amax over an empty dim errors; NaN keeps it defined
      for (int64_t j = 0; j < n; ++j) {
        const double v = std::fabs(xd[(o * n + j) * inner + i]);
        if (std::isnan(v) || v > m) m = v;  // NaN propagates, as torch.max
        if (std::isnan(m)) break;
      }
      const double s = 127.0 / (m < 1e-5 ? 1e-5 : m);
      sd[line] = s;
      for (int64_t j = 0; j < n; ++j) {
        const int64_t e = (o * n + j) * inner + i;
        qd[e] = round_clamp(xd[e] * s, -128.0, 127.0);
      }
    }
  });
}

void ternary_matmul(KernelArgs& a) {
  const Tensor& x = a.input(0, "xq");
  const Tensor& w = a.input(1, "wq");
  Tensor& y = detail::out_typed(a, 0, "out", DType::i32);
  detail::check_dtype(a, x, DType::i8, "input `xq`");
  detail::check_dtype(a, w, DType::i8, "input `wq`");
  ABW_CHECK(x.ndim() >= 1, "ESHAPE", a.msg("input `xq` must be [..., K], got " + shape_str(x.shape())));
  const int64_t K = x.size(-1);
  ABW_CHECK(w.ndim() == 2 && w.size(1) == K, "ESHAPE",
            a.msg("input `wq` must be [N, K = " + istr(K) + "], got " + shape_str(w.shape())));
  const int64_t N = w.size(0);
  Shape os = x.shape();
  os.back() = N;
  detail::expect_shape(a, y, os, "output `out`", "[..., N]");
  const int64_t rows = shape_numel(Shape(x.shape().begin(), x.shape().end() - 1));
  const int8_t* xd = x.data<int8_t>();
  const int8_t* wd = w.data<int8_t>();
  int32_t* yd = y.data<int32_t>();
  // Exact integer dot products (int64 accumulation cannot overflow for any realistic K; the
  // int32 result is the exact value whenever it fits). Independent rows: parallel.
  parallel_for(rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      for (int64_t nn = 0; nn < N; ++nn) {
        int64_t acc = 0;
        for (int64_t k = 0; k < K; ++k) acc += static_cast<int64_t>(xd[r * K + k]) * static_cast<int64_t>(wd[nn * K + k]);
        yd[r * N + nn] = static_cast<int32_t>(acc);
      }
    }
  });
}

// y = acc · weight_scale / scale in f64 (acc exact, two roundings), scale broadcast along dim.
void dequantize_int32(KernelArgs& a) {
  const Tensor& acc = a.input(0, "acc");
  detail::check_dtype(a, acc, DType::i32, "input `acc`");
  const Tensor& scale = detail::in_f64(a, 1, "scale");
  Tensor& y = detail::out_f64(a, 0, "y");
  const int64_t dim = a.p.i("dim");
  const double ws = a.p.f("weight_scale");
  ABW_CHECK(dim >= 0 && dim < acc.ndim(), "EINVAL",
            a.msg("parameter `dim` must be in [0, " + istr(acc.ndim()) + "), got " + istr(dim)));
  ABW_CHECK(ws > 0.0 && std::isfinite(ws), "EINVAL", a.msg("parameter `weight_scale` must be a finite number > 0"));
  Shape ss = acc.shape();
  ss[dim] = 1;
  detail::expect_shape(a, scale, ss, "input `scale`", "acc's shape with dim kept as 1");
  detail::expect_shape(a, y, acc.shape(), "output `y`", "the shape of `acc`");
  const int64_t n = acc.size(dim);
  const int64_t inner = shape_prod(acc.shape(), dim + 1, acc.shape().size());
  const int32_t* ad = acc.data<int32_t>();
  const double* sd = scale.data<double>();
  double* yd = y.data<double>();
  parallel_for(acc.numel(), 4096, [&](int64_t begin, int64_t end) {
    for (int64_t e = begin; e < end; ++e) {
      const int64_t row = (e / (n * inner)) * inner + e % inner;
      yd[e] = static_cast<double>(ad[e]) * ws / sd[row];
    }
  });
}
}  // namespace

ABW_KERNEL(ref, quantize_ternary, f64, quantize_ternary);
ABW_KERNEL(ref, quantize_int8, f64, quantize_int8);
ABW_KERNEL(ref, ternary_matmul, i8, ternary_matmul);
ABW_KERNEL(ref, dequantize_int32, f64, dequantize_int32);
}  // namespace abw::ref
