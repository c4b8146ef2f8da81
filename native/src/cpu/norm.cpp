// cpu normalisation: two-pass statistics (mean, then squared deviations) with float lanes
// summed in double, biased variance, then one fused scale-and-shift pass per row or channel.
#include "cpu/detail/util.h"

namespace abw::cpu {
namespace {

struct Stats {
  float mean, rstd;
};
inline Stats stats(const float* x, int64_t n, double eps) {
  if (n == 0) return {0.0f, 0.0f};
  const double mean = sum_f(x, n) / static_cast<double>(n);
  const double var = sumsq_dev_f(x, n, static_cast<float>(mean)) / static_cast<double>(n);
  return {static_cast<float>(mean), static_cast<float>(1.0 / std::sqrt(var + eps))};
}

// y = (x - mean)·(rstd·w) + b over n elements, w/b scalars for this run.
inline void apply(const float* x, float* y, int64_t n, float mean, float scale, float shift) {
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * scale + shift;
}

// instance_norm's fused activation, over a row just written (still in cache).
inline void gelu_inplace(float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = gelu_erf_f(y[i]);
}

const float* opt_vec(KernelArgs& a, size_t i, int64_t n, const char* what) {
  const Tensor* t = a.optional(i);
  if (!t) return nullptr;
  check_shape(a, *t, {n}, what);
  return fin(a, *t, what);
}

void layer_norm(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  const auto ns = a.p.ints("normalized_shape");
  const double eps = a.p.f("eps");
  const int64_t nd = X.ndim(), k = static_cast<int64_t>(ns.size());
  ABW_CHECK(k <= nd, "ESHAPE", a.msg("`normalized_shape` has more dims than input " + sstr(X.shape())));
  for (int64_t i = 0; i < k; ++i)
    ABW_CHECK(X.shape()[nd - k + i] == ns[i], "ESHAPE",
              a.msg("input " + sstr(X.shape()) + " does not end with normalized_shape " + sstr(Shape(ns.begin(), ns.end()))));
  check_shape(a, Y, X.shape(), "output `out`");
  const int64_t D = shape_prod(X.shape(), nd - k, nd);
  const Tensor* Wt = a.optional(1);
  const Tensor* Bt = a.optional(2);
  if (Wt) check_shape(a, *Wt, Shape(ns.begin(), ns.end()), "input `weight`");
  if (Bt) check_shape(a, *Bt, Shape(ns.begin(), ns.end()), "input `bias`");
  const float* w = Wt ? fin(a, *Wt, "input `weight`") : nullptr;
  const float* b = Bt ? fin(a, *Bt, "input `bias`") : nullptr;
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  if (X.numel() == 0 || D == 0) return;
  const int64_t rows = X.numel() / D;
  par(rows, 4 * D, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * D;
      float* yr = y + r * D;
      const Stats s = stats(xr, D, eps);
      if (w && b)
        for (int64_t i = 0; i < D; ++i) yr[i] = (xr[i] - s.mean) * s.rstd * w[i] + b[i];
      else if (w)
        for (int64_t i = 0; i < D; ++i) yr[i] = (xr[i] - s.mean) * s.rstd * w[i];
      else if (b)
        for (int64_t i = 0; i < D; ++i) yr[i] = (xr[i] - s.mean) * s.rstd + b[i];
      else
        apply(xr, yr, D, s.mean, s.rstd, 0.0f);
    }
  });
}

struct NC {
  int64_t N, C, S;
};
NC nc_dims(KernelArgs& a, const Tensor& X, const Tensor& Y) {
  ABW_CHECK(X.ndim() >= 2, "ESHAPE", a.msg("input `input` must be at least 2-D [N, C, ...], got " + sstr(X.shape())));
  check_shape(a, Y, X.shape(), "output `out`");
  return {X.size(0), X.size(1), shape_prod(X.shape(), 2, X.shape().size())};
}

// Per-channel affine from running statistics (batch_norm, instance_norm without input stats).
void running_affine(KernelArgs& a, const NC& d, const float* x, float* y, const float* rm, const float* rv,
                    const float* w, const float* b, double eps, bool gelu = false) {
  par(d.N * d.C, (gelu ? 18 : 2) * d.S, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t c = r % d.C;
      const double rstd = 1.0 / std::sqrt(static_cast<double>(rv[c]) + eps);
      const float scale = static_cast<float>(rstd * (w ? w[c] : 1.0f));
      apply(x + r * d.S, y + r * d.S, d.S, rm[c], scale, b ? b[c] : 0.0f);
      if (gelu) gelu_inplace(y + r * d.S, d.S);
    }
  });
}

void batch_norm(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  const NC d = nc_dims(a, X, Y);
  a.input(1, "running_mean");
  a.input(2, "running_var");
  const float* rm = opt_vec(a, 1, d.C, "input `running_mean`");
  const float* rv = opt_vec(a, 2, d.C, "input `running_var`");
  const float* w = opt_vec(a, 3, d.C, "input `weight`");
  const float* b = opt_vec(a, 4, d.C, "input `bias`");
  running_affine(a, d, fin(a, X, "input `input`"), fout(a, Y, "output `out`"), rm, rv, w, b, a.p.f("eps"));
}

// instance_norm's `activation`: false for 'none', true for 'gelu' (exact, erf form).
bool gelu_activation(KernelArgs& a) {
  const std::string act = a.p.has("activation") ? a.p.s("activation") : std::string("none");
  ABW_CHECK(act == "none" || act == "gelu", "EINVAL",
            a.msg("parameter `activation` must be 'none' or 'gelu', got '" + act + "'"));
  return act == "gelu";
}

// instance_norm with channels_last: x is [N, S, C]. Channels go in blocks of kBlock; each task
// (n, block) walks the S rows, so every read is a contiguous run of channels and the
// per-channel sums (in double) vectorise across channels. Looping in place beats permuting to
// [N, C, S] and back, which would read and write the tensor twice more.
void instance_norm_channels_last(const float* x, float* y, int64_t N, int64_t S, int64_t C, bool use_stats,
                                 const float* rm, const float* rv, const float* w, const float* b, double eps,
                                 bool gelu) {
  constexpr int64_t kBlock = 64;
  const int64_t blocks = ceil_div(C, kBlock);
  par(N * blocks, 4 * S * std::min(C, kBlock), [&](int64_t t0, int64_t t1) {
    double acc[kBlock];
    float mean[kBlock], scale[kBlock], shift[kBlock];
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n = t / blocks, c0 = (t % blocks) * kBlock, cn = std::min(kBlock, C - c0);
      const float* xn = x + n * S * C + c0;
      float* yn = y + n * S * C + c0;
      if (use_stats) {
        std::fill(acc, acc + cn, 0.0);
        for (int64_t s = 0; s < S; ++s) {
          const float* r = xn + s * C;
          for (int64_t j = 0; j < cn; ++j) acc[j] += r[j];
        }
        for (int64_t j = 0; j < cn; ++j) mean[j] = static_cast<float>(acc[j] / static_cast<double>(S));
        std::fill(acc, acc + cn, 0.0);
        for (int64_t s = 0; s < S; ++s) {
          const float* r = xn + s * C;
          for (int64_t j = 0; j < cn; ++j) {
            const float d = r[j] - mean[j];
            acc[j] += static_cast<double>(d) * d;
          }
        }
      }
      for (int64_t j = 0; j < cn; ++j) {
        const int64_t c = c0 + j;
        const double var = use_stats ? acc[j] / static_cast<double>(S) : static_cast<double>(rv[c]);
        if (!use_stats) mean[j] = rm[c];
        scale[j] = static_cast<float>(1.0 / std::sqrt(var + eps) * (w ? w[c] : 1.0f));
        shift[j] = b ? b[c] : 0.0f;
      }
      for (int64_t s = 0; s < S; ++s) {
        const float* r = xn + s * C;
        float* o = yn + s * C;
        for (int64_t j = 0; j < cn; ++j) o[j] = (r[j] - mean[j]) * scale[j] + shift[j];
        if (gelu) gelu_inplace(o, cn);
      }
    }
  });
}

void instance_norm(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  const bool channels_last = a.p.b("channels_last", false);
  const bool gelu = gelu_activation(a);
  NC d;
  if (channels_last) {
    ABW_CHECK(X.ndim() >= 2, "ESHAPE",
              a.msg("input `input` must be at least 2-D [N, ..., C] (channels_last), got " + sstr(X.shape())));
    check_shape(a, Y, X.shape(), "output `out`");
    d = {X.size(0), X.size(X.ndim() - 1), shape_prod(X.shape(), 1, X.shape().size() - 1)};
  } else {
    d = nc_dims(a, X, Y);
  }
  const float* rm = opt_vec(a, 1, d.C, "input `running_mean`");
  const float* rv = opt_vec(a, 2, d.C, "input `running_var`");
  const float* w = opt_vec(a, 3, d.C, "input `weight`");
  const float* b = opt_vec(a, 4, d.C, "input `bias`");
  const double eps = a.p.f("eps");
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  const bool use_stats = a.p.b("use_input_stats");
  if (!use_stats)
    ABW_CHECK(rm && rv, "EINVAL", a.msg("inputs `running_mean` and `running_var` are required when use_input_stats is false"));
  if (X.numel() == 0) return;
  if (channels_last) {
    instance_norm_channels_last(x, y, d.N, d.S, d.C, use_stats, rm, rv, w, b, eps, gelu);
    return;
  }
  if (!use_stats) {
    running_affine(a, d, x, y, rm, rv, w, b, eps, gelu);
    return;
  }
  par(d.N * d.C, (gelu ? 20 : 4) * d.S, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t c = r % d.C;
      const Stats s = stats(x + r * d.S, d.S, eps);
      apply(x + r * d.S, y + r * d.S, d.S, s.mean, s.rstd * (w ? w[c] : 1.0f), b ? b[c] : 0.0f);
      if (gelu) gelu_inplace(y + r * d.S, d.S);
    }
  });
}

void group_norm(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  const NC d = nc_dims(a, X, Y);
  const int64_t G = a.p.i("num_groups");
  ABW_CHECK(G >= 1 && d.C % G == 0, "ESHAPE",
            a.msg("channels " + std::to_string(d.C) + " are not divisible by num_groups " + std::to_string(G)));
  const float* w = opt_vec(a, 1, d.C, "input `weight`");
  const float* b = opt_vec(a, 2, d.C, "input `bias`");
  const double eps = a.p.f("eps");
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  const int64_t cg = d.C / G, block = cg * d.S;
  par(d.N * G, 4 * block, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const Stats s = stats(x + r * block, block, eps);
      const int64_t c0 = (r % G) * cg;
      for (int64_t j = 0; j < cg; ++j) {
        const int64_t c = c0 + j;
        const int64_t off = r * block + j * d.S;
        apply(x + off, y + off, d.S, s.mean, s.rstd * (w ? w[c] : 1.0f), b ? b[c] : 0.0f);
      }
    }
  });
}

}  // namespace
ABW_KERNEL(cpu, layer_norm, f32, layer_norm);
ABW_KERNEL(cpu, batch_norm, f32, batch_norm);
ABW_KERNEL(cpu, instance_norm, f32, instance_norm);
ABW_KERNEL(cpu, group_norm, f32, group_norm);
}  // namespace abw::cpu
