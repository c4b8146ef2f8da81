// FP64 oracle: max_pool1d/2d, avg_pool1d/2d (PyTorch / ATen semantics: output size with
// ceil_mode, padding as −∞ for max, the ATen avg divisor rule).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/registry.h"
#include "common/thread_pool.h"
#include "ref/detail/util.h"

namespace abw::ref {
namespace {
using detail::istr;

int64_t floor_div(int64_t a, int64_t b) {  // b > 0
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// ATen pooling_output_shape, with its checks (kernel/stride/dilation positive, padding at most
// half the kernel, output at least 1).
int64_t pool_out(const KernelArgs& a, const char* what, int64_t L, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil) {
  const std::string w = std::string(" (") + what + ")";
  detail::check_range(a, "kernel_size", k, 1);
  detail::check_range(a, "stride", s, 1);
  detail::check_range(a, "dilation", d, 1);
  ABW_CHECK(p >= 0 && p <= k / 2, "EINVAL",
            a.msg("parameter `padding` = " + istr(p) + " must be in [0, kernel_size/2 = " + istr(k / 2) + "]" + w));
  int64_t out = floor_div(L + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0), s) + 1;
  // With ceil_mode the last window must start inside the input or the left padding.
  if (ceil && (out - 1) * s >= L + p) --out;
  ABW_CHECK(out >= 1, "ESHAPE",
            a.msg("input size " + istr(L) + w + " is too small: computed output size " + istr(out)));
  return out;
}

std::vector<int64_t> pair(const KernelArgs& a, const char* key) {
  std::vector<int64_t> v = a.p.ints(key);
  ABW_CHECK(v.size() == 2, "EINVAL",
            a.msg(std::string("parameter `") + key + "` must be [h, w], got " + istr(static_cast<int64_t>(v.size())) +
                  " values"));
  return v;
}

// Generic 2-D pooling over planes [P, H, W] → [P, Ho, Wo]; 1-D pooling is the case H = 1.
struct Geo {
  int64_t H, W, Ho, Wo, kh, kw, sh, sw, ph, pw, dh, dw;
};

void max_planes(const double* x, double* y, int64_t planes, const Geo& g) {
  // Independent output planes: parallel over them changes nothing.
  parallel_for(planes, 1, [&](int64_t begin, int64_t end) {
    for (int64_t pl = begin; pl < end; ++pl) {
      const double* xp = x + pl * g.H * g.W;
      double* yp = y + pl * g.Ho * g.Wo;
      for (int64_t oh = 0; oh < g.Ho; ++oh) {
        for (int64_t ow = 0; ow < g.Wo; ++ow) {
          double m = -INFINITY;  // padding acts as −∞
          for (int64_t i = 0; i < g.kh; ++i) {
            const int64_t ih = oh * g.sh - g.ph + i * g.dh;
            if (ih < 0 || ih >= g.H) continue;
            for (int64_t j = 0; j < g.kw; ++j) {
              const int64_t iw = ow * g.sw - g.pw + j * g.dw;
              if (iw < 0 || iw >= g.W) continue;
              const double v = xp[ih * g.W + iw];
              if (v > m || std::isnan(v)) m = v;  // ATen: NaN wins
              if (std::isnan(m)) break;
            }
            if (std::isnan(m)) break;
          }
          yp[oh * g.Wo + ow] = m;
        }
      }
    }
  });
}

void avg_planes(const double* x, double* y, int64_t planes, const Geo& g, bool count_include_pad) {
  parallel_for(planes, 1, [&](int64_t begin, int64_t end) {
    for (int64_t pl = begin; pl < end; ++pl) {
      const double* xp = x + pl * g.H * g.W;
      double* yp = y + pl * g.Ho * g.Wo;
      for (int64_t oh = 0; oh < g.Ho; ++oh) {
        for (int64_t ow = 0; ow < g.Wo; ++ow) {
          // ATen: window clipped to the padded input gives pool_size; clipped to the input gives
          // the summed region.
          int64_t hs = oh * g.sh - g.ph, ws = ow * g.sw - g.pw;
          int64_t he = std::min(hs + g.kh, g.H + g.ph), we = std::min(ws + g.kw, g.W + g.pw);
          const int64_t pool_size = (he - hs) * (we - ws);
          hs = std::max<int64_t>(hs, 0);
          ws = std::max<int64_t>(ws, 0);
          he = std::min(he, g.H);
          we = std::min(we, g.W);
          if (hs >= he || ws >= we) {  // empty window (ATen writes 0)
            yp[oh * g.Wo + ow] = 0.0;
            continue;
          }
          double sum = 0.0;
          for (int64_t ih = hs; ih < he; ++ih)
            for (int64_t iw = ws; iw < we; ++iw) sum += xp[ih * g.W + iw];
          const int64_t div = count_include_pad ? pool_size : (he - hs) * (we - ws);
          yp[oh * g.Wo + ow] = sum / static_cast<double>(div);
        }
      }
    }
  });
}

void pool1d(KernelArgs& a, bool is_max) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  Tensor& y = detail::out_f64(a, 0, "out");
  ABW_CHECK(x.ndim() == 3, "ESHAPE", a.msg("input `input` must be [N, C, L], got " + shape_str(x.shape())));
  const int64_t k = a.p.i("kernel_size"), s = a.p.i("stride"), p = a.p.i("padding");
  const int64_t d = is_max ? a.p.i("dilation") : 1;
  const bool ceil = a.p.b("ceil_mode");
  const int64_t L = x.size(2);
  const int64_t Lo = pool_out(a, "length", L, k, s, p, d, ceil);
  detail::expect_shape(a, y, {x.size(0), x.size(1), Lo}, "output `out`", "[N, C, Lout]");
  const Geo g{1, L, 1, Lo, 1, k, 1, s, 0, p, 1, d};
  if (is_max) max_planes(x.data<double>(), y.data<double>(), x.size(0) * x.size(1), g);
  else avg_planes(x.data<double>(), y.data<double>(), x.size(0) * x.size(1), g, a.p.b("count_include_pad"));
}

void pool2d(KernelArgs& a, bool is_max) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  Tensor& y = detail::out_f64(a, 0, "out");
  ABW_CHECK(x.ndim() == 4, "ESHAPE", a.msg("input `input` must be [N, C, H, W], got " + shape_str(x.shape())));
  const std::vector<int64_t> k = pair(a, "kernel_size"), s = pair(a, "stride"), p = pair(a, "padding");
  const std::vector<int64_t> d = is_max ? pair(a, "dilation") : std::vector<int64_t>{1, 1};
  const bool ceil = a.p.b("ceil_mode");
  const int64_t H = x.size(2), W = x.size(3);
  const int64_t Ho = pool_out(a, "height", H, k[0], s[0], p[0], d[0], ceil);
  const int64_t Wo = pool_out(a, "width", W, k[1], s[1], p[1], d[1], ceil);
  detail::expect_shape(a, y, {x.size(0), x.size(1), Ho, Wo}, "output `out`", "[N, C, Hout, Wout]");
  const Geo g{H, W, Ho, Wo, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]};
  if (is_max) max_planes(x.data<double>(), y.data<double>(), x.size(0) * x.size(1), g);
  else avg_planes(x.data<double>(), y.data<double>(), x.size(0) * x.size(1), g, a.p.b("count_include_pad"));
}

void max_pool1d(KernelArgs& a) { pool1d(a, true); }
void avg_pool1d(KernelArgs& a) { pool1d(a, false); }
void max_pool2d(KernelArgs& a) { pool2d(a, true); }
void avg_pool2d(KernelArgs& a) { pool2d(a, false); }
}  // namespace

ABW_KERNEL(ref, max_pool1d, f64, max_pool1d);
ABW_KERNEL(ref, avg_pool1d, f64, avg_pool1d);
ABW_KERNEL(ref, max_pool2d, f64, max_pool2d);
ABW_KERNEL(ref, avg_pool2d, f64, avg_pool2d);
}  // namespace abw::ref
