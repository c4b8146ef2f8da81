// FP64 oracle: layer_norm, batch_norm (inference), instance_norm, group_norm.
// y = (x − mean) / sqrt(var + eps) · weight + bias, variance biased (÷ n). Statistics are the
// two-pass textbook ones: mean = Σx/n, then var = Σ(x − mean)²/n. instance_norm also takes
// `channels_last` (input [N, …spatial, C]) and `activation` ('none' | 'gelu', applied after the
// affine).
#include <cmath>
#include <string>
#include <vector>

#include "common/registry.h"
#include "common/thread_pool.h"
#include "ref/detail/util.h"

namespace abw::ref {
namespace {
using detail::istr;

// Mean and biased variance of n values `stride` apart.
void stats(const double* x, int64_t n, int64_t stride, double* mean, double* var) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += x[i * stride];
  const double m = s / static_cast<double>(n);
  double q = 0.0;
  for (int64_t i = 0; i < n; ++i) q += (x[i * stride] - m) * (x[i * stride] - m);
  *mean = m;
  *var = q / static_cast<double>(n);
}
void stats(const double* x, int64_t n, double* mean, double* var) { stats(x, n, 1, mean, var); }

// GELU, exact: 0.5·x·(1 + erf(x/√2)) written as 0.5·x·erfc(−x/√2), as the gelu op (activation.cpp):
// identical, without the cancellation of 1 + erf for negative x.
double gelu(double v) { return 0.5 * v * std::erfc(-v * 0.707106781186547524400844362104849039); }

void check_nc(const KernelArgs& a, const Tensor& x) {
  ABW_CHECK(x.ndim() >= 2, "ESHAPE", a.msg("input `input` must be [N, C, ...], got " + shape_str(x.shape())));
}
const Tensor* opt_channel(const KernelArgs& a, size_t i, const char* name, int64_t C) {
  const Tensor* t = detail::opt_f64(a, i, name);
  if (t) detail::expect_shape(a, *t, {C}, std::string("input `") + name + "`", "[C]");
  return t;
}

void layer_norm(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  const Tensor* w = detail::opt_f64(a, 1, "weight");
  const Tensor* b = detail::opt_f64(a, 2, "bias");
  Tensor& y = detail::out_f64(a, 0, "out");
  const std::vector<int64_t> ns = a.p.ints("normalized_shape");
  const double eps = a.p.f("eps");
  const Shape nshape(ns.begin(), ns.end());
  const size_t k = nshape.size();
  bool ok = x.shape().size() >= k;
  for (size_t j = 0; ok && j < k; ++j) ok = x.shape()[x.shape().size() - k + j] == nshape[j];
  ABW_CHECK(ok, "ESHAPE",
            a.msg("input `input` " + shape_str(x.shape()) + " must end with normalized_shape " + shape_str(nshape)));
  if (w) detail::expect_shape(a, *w, nshape, "input `weight`", "normalized_shape");
  if (b) detail::expect_shape(a, *b, nshape, "input `bias`", "normalized_shape");
  detail::expect_shape(a, y, x.shape(), "output `out`", "the input's shape");
  const int64_t M = shape_numel(nshape);
  if (M == 0) return;  // nothing to normalise (and no element to write)
  const int64_t rows = x.numel() / M;
  const double* xd = x.data<double>();
  const double* wd = w ? w->data<double>() : nullptr;
  const double* bd = b ? b->data<double>() : nullptr;
  double* yd = y.data<double>();
  // Independent rows: parallel over them changes nothing.
  parallel_for(rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const double* xr = xd + r * M;
      double* yr = yd + r * M;
      double mean, var;
      stats(xr, M, &mean, &var);
      const double den = std::sqrt(var + eps);
      for (int64_t i = 0; i < M; ++i) {
        double v = (xr[i] - mean) / den;
        if (wd) v *= wd[i];
        if (bd) v += bd[i];
        yr[i] = v;
      }
    }
  });
}

// (x − mean[c]) / sqrt(var[c] + eps) · w[c] + b[c] over [N, C, S] with per-channel statistics.
void normalize_channels(const double* xd, double* yd, int64_t N, int64_t C, int64_t S, const double* mean,
                        const double* var, int64_t stat_stride_n, double eps, const double* wd, const double* bd) {
  // Independent (n, c) planes.
  parallel_for(N * C, 1, [&](int64_t begin, int64_t end) {
    for (int64_t nc = begin; nc < end; ++nc) {
      const int64_t n = nc / C, c = nc % C;
      const double m = mean[n * stat_stride_n + c];
      const double den = std::sqrt(var[n * stat_stride_n + c] + eps);
      for (int64_t s = 0; s < S; ++s) {
        double v = (xd[nc * S + s] - m) / den;
        if (wd) v *= wd[c];
        if (bd) v += bd[c];
        yd[nc * S + s] = v;
      }
    }
  });
}

void batch_norm(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  check_nc(a, x);
  const int64_t N = x.size(0), C = x.size(1), S = shape_prod(x.shape(), 2, x.shape().size());
  const Tensor& rm = detail::in_f64(a, 1, "running_mean");
  const Tensor& rv = detail::in_f64(a, 2, "running_var");
  detail::expect_shape(a, rm, {C}, "input `running_mean`", "[C]");
  detail::expect_shape(a, rv, {C}, "input `running_var`", "[C]");
  const Tensor* w = opt_channel(a, 3, "weight", C);
  const Tensor* b = opt_channel(a, 4, "bias", C);
  Tensor& y = detail::out_f64(a, 0, "out");
  detail::expect_shape(a, y, x.shape(), "output `out`", "the input's shape");
  const double eps = a.p.f("eps");
  normalize_channels(x.data<double>(), y.data<double>(), N, C, S, rm.data<double>(), rv.data<double>(), 0, eps,
                     w ? w->data<double>() : nullptr, b ? b->data<double>() : nullptr);
}

void instance_norm(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  const bool channels_last = a.p.b("channels_last", false);
  const std::string activation = a.p.has("activation") ? a.p.s("activation") : std::string("none");
  ABW_CHECK(activation == "none" || activation == "gelu", "EINVAL",
            a.msg("parameter `activation` must be 'none' or 'gelu', got '" + activation + "'"));
  const bool use_gelu = activation == "gelu";
  const size_t nd = x.shape().size();
  if (channels_last) {
    ABW_CHECK(nd >= 2, "ESHAPE",
              a.msg("input `input` must be [N, ..., C] (channels_last), got " + shape_str(x.shape())));
  } else {
    check_nc(a, x);
  }
  const int64_t N = x.size(0);
  const int64_t C = channels_last ? x.size(nd - 1) : x.size(1);
  const int64_t S = channels_last ? shape_prod(x.shape(), 1, nd - 1) : shape_prod(x.shape(), 2, nd);
  const Tensor* rm = opt_channel(a, 1, "running_mean", C);
  const Tensor* rv = opt_channel(a, 2, "running_var", C);
  const Tensor* w = opt_channel(a, 3, "weight", C);
  const Tensor* b = opt_channel(a, 4, "bias", C);
  Tensor& y = detail::out_f64(a, 0, "out");
  detail::expect_shape(a, y, x.shape(), "output `out`", "the input's shape");
  const bool use_input_stats = a.p.b("use_input_stats");
  const double eps = a.p.f("eps");
  if (!use_input_stats)
    ABW_CHECK(rm && rv, "EINVAL", a.msg("use_input_stats = false needs inputs `running_mean` and `running_var`"));
  if (x.numel() == 0) return;
  const double* xd = x.data<double>();
  const double* rmd = rm ? rm->data<double>() : nullptr;
  const double* rvd = rv ? rv->data<double>() : nullptr;
  const double* wd = w ? w->data<double>() : nullptr;
  const double* bd = b ? b->data<double>() : nullptr;
  double* yd = y.data<double>();
  // Element (n, c, s) is at n·C·S + c·cstride + s·sstride: [N, C, S] or, channels_last, [N, S, C].
  const int64_t cstride = channels_last ? 1 : S, sstride = channels_last ? C : 1;
  // Independent (n, c) instances: parallel over them changes nothing. (torch would also update
  // running stats in place when given with input statistics; the output does not depend on
  // that and inputs are read-only here.)
  parallel_for(N * C, 1, [&](int64_t begin, int64_t end) {
    for (int64_t nc = begin; nc < end; ++nc) {
      const int64_t n = nc / C, c = nc % C;
      const double* xi = xd + n * C * S + c * cstride;
      double* yi = yd + n * C * S + c * cstride;
      double mean, var;
      if (use_input_stats) {
        stats(xi, S, sstride, &mean, &var);
      } else {
        mean = rmd[c];
        var = rvd[c];
      }
      const double den = std::sqrt(var + eps);
      for (int64_t s = 0; s < S; ++s) {
        double v = (xi[s * sstride] - mean) / den;
        if (wd) v *= wd[c];
        if (bd) v += bd[c];
        yi[s * sstride] = use_gelu ? gelu(v) : v;
      }
    }
  });
}

void group_norm(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  check_nc(a, x);
  const int64_t N = x.size(0), C = x.size(1), S = shape_prod(x.shape(), 2, x.shape().size());
  const Tensor* w = opt_channel(a, 1, "weight", C);
  const Tensor* b = opt_channel(a, 2, "bias", C);
  Tensor& y = detail::out_f64(a, 0, "out");
  detail::expect_shape(a, y, x.shape(), "output `out`", "the input's shape");
  const int64_t G = a.p.i("num_groups");
  const double eps = a.p.f("eps");
  ABW_CHECK(G >= 1, "EINVAL", a.msg("parameter `num_groups` must be >= 1, got " + istr(G)));
  ABW_CHECK(C % G == 0, "EINVAL",
            a.msg("parameter `num_groups` = " + istr(G) + " must divide the channels " + istr(C)));
  const int64_t Cg = C / G, M = Cg * S;
  if (M == 0) return;
  const double* xd = x.data<double>();
  const double* wd = w ? w->data<double>() : nullptr;
  const double* bd = b ? b->data<double>() : nullptr;
  double* yd = y.data<double>();
  // Independent (n, group) blocks, contiguous [C/G, S].
  parallel_for(N * G, 1, [&](int64_t begin, int64_t end) {
    for (int64_t ng = begin; ng < end; ++ng) {
      const int64_t g = ng % G;
      const double* xb = xd + ng * M;
      double* yb = yd + ng * M;
      double mean, var;
      stats(xb, M, &mean, &var);
      const double den = std::sqrt(var + eps);
      for (int64_t i = 0; i < M; ++i) {
        const int64_t c = g * Cg + i / S;
        double v = (xb[i] - mean) / den;
        if (wd) v *= wd[c];
        if (bd) v += bd[c];
        yb[i] = v;
      }
    }
  });
}
}  // namespace

ABW_KERNEL(ref, layer_norm, f64, layer_norm);
ABW_KERNEL(ref, batch_norm, f64, batch_norm);
ABW_KERNEL(ref, instance_norm, f64, instance_norm);
ABW_KERNEL(ref, group_norm, f64, group_norm);
}  // namespace abw::ref
