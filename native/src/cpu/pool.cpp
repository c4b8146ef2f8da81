// cpu pooling: one (n, c) plane per work item; window bounds clipped once per output so the
// inner loops need no padding tests. Max propagates NaN (as ATen does).
#include "cpu/detail/util.h"

namespace abw::cpu {
namespace {

int64_t pool_out(KernelArgs& a, int64_t L, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode, const char* axis) {
  ABW_CHECK(k >= 1 && s >= 1 && d >= 1 && p >= 0, "EINVAL",
            a.msg(std::string("kernel_size, stride, dilation must be >= 1 and padding >= 0 (") + axis + ")"));
  ABW_CHECK(p <= k / 2, "EINVAL", a.msg(std::string("padding must be at most half the kernel size (") + axis + ")"));
  const int64_t num = L + 2 * p - d * (k - 1) - 1;
  ABW_CHECK(num >= 0, "ESHAPE", a.msg(std::string("input is smaller than the (dilated) kernel along ") + axis));
  int64_t out = (ceil_mode ? ceil_div(num, s) : num / s) + 1;
  if (ceil_mode && (out - 1) * s >= L + p) --out;
  return out;
}

inline float maxv(float m, float v) { return (v > m || v != v) ? v : m; }

void max_pool1d(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  check_ndim(a, X, 3, "input `input`");
  const int64_t k = a.p.i("kernel_size"), s = a.p.i("stride"), p = a.p.i("padding"), d = a.p.i("dilation");
  const int64_t L = X.size(2), Lo = pool_out(a, L, k, s, p, d, a.p.b("ceil_mode"), "length");
  check_shape(a, Y, {X.size(0), X.size(1), Lo}, "output `out`");
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  par(X.size(0) * X.size(1), Lo * k, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * L;
      float* yr = y + r * Lo;
      for (int64_t o = 0; o < Lo; ++o) {
        const int64_t st = o * s - p;
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < k; ++j) {
          const int64_t i = st + j * d;
          if (i >= 0 && i < L) m = maxv(m, xr[i]);
        }
        yr[o] = m;
      }
    }
  });
}

void avg_pool1d(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  check_ndim(a, X, 3, "input `input`");
  const int64_t k = a.p.i("kernel_size"), s = a.p.i("stride"), p = a.p.i("padding");
  const bool cip = a.p.b("count_include_pad");
  const int64_t L = X.size(2), Lo = pool_out(a, L, k, s, p, 1, a.p.b("ceil_mode"), "length");
  check_shape(a, Y, {X.size(0), X.size(1), Lo}, "output `out`");
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  par(X.size(0) * X.size(1), Lo * k, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * L;
      float* yr = y + r * Lo;
      for (int64_t o = 0; o < Lo; ++o) {
        int64_t st = o * s - p, en = std::min(st + k, L + p);
        const int64_t size = en - st;
        st = std::max<int64_t>(st, 0);
        en = std::min(en, L);
        float acc = 0.0f;
        for (int64_t i = st; i < en; ++i) acc += xr[i];
        yr[o] = acc / static_cast<float>(cip ? size : en - st);
      }
    }
  });
}

struct Pool2 {
  int64_t kh, kw, sh, sw, ph, pw, dh, dw, H, W, Ho, Wo;
};

Pool2 pool2_params(KernelArgs& a, const Tensor& X, bool with_dilation) {
  check_ndim(a, X, 4, "input `input`");
  auto two = [&](const char* key) {
    auto v = a.p.ints(key);
    ABW_CHECK(v.size() == 2, "EINVAL", a.msg(std::string("parameter `") + key + "` must be [h, w]"));
    return v;
  };
  auto k = two("kernel_size"), s = two("stride"), p = two("padding");
  std::vector<int64_t> d = with_dilation ? two("dilation") : std::vector<int64_t>{1, 1};
  const bool cm = a.p.b("ceil_mode");
  Pool2 q{k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], X.size(2), X.size(3), 0, 0};
  q.Ho = pool_out(a, q.H, q.kh, q.sh, q.ph, q.dh, cm, "height");
  q.Wo = pool_out(a, q.W, q.kw, q.sw, q.pw, q.dw, cm, "width");
  return q;
}

void max_pool2d(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  const Pool2 q = pool2_params(a, X, true);
  check_shape(a, Y, {X.size(0), X.size(1), q.Ho, q.Wo}, "output `out`");
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  par(X.size(0) * X.size(1), q.Ho * q.Wo * q.kh * q.kw, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * q.H * q.W;
      float* yr = y + r * q.Ho * q.Wo;
      for (int64_t oh = 0; oh < q.Ho; ++oh)
        for (int64_t ow = 0; ow < q.Wo; ++ow) {
          float m = -std::numeric_limits<float>::infinity();
          for (int64_t i = 0; i < q.kh; ++i) {
            const int64_t ih = oh * q.sh - q.ph + i * q.dh;
            if (ih < 0 || ih >= q.H) continue;
            for (int64_t j = 0; j < q.kw; ++j) {
              const int64_t iw = ow * q.sw - q.pw + j * q.dw;
              if (iw >= 0 && iw < q.W) m = maxv(m, xr[ih * q.W + iw]);
            }
          }
          yr[oh * q.Wo + ow] = m;
        }
    }
  });
}

void avg_pool2d(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  const Pool2 q = pool2_params(a, X, false);
  const bool cip = a.p.b("count_include_pad");
  check_shape(a, Y, {X.size(0), X.size(1), q.Ho, q.Wo}, "output `out`");
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  par(X.size(0) * X.size(1), q.Ho * q.Wo * q.kh * q.kw, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * q.H * q.W;
      float* yr = y + r * q.Ho * q.Wo;
      for (int64_t oh = 0; oh < q.Ho; ++oh) {
        int64_t hs = oh * q.sh - q.ph, he = std::min(hs + q.kh, q.H + q.ph);
        const int64_t hsize = he - hs;
        hs = std::max<int64_t>(hs, 0);
        he = std::min(he, q.H);
        for (int64_t ow = 0; ow < q.Wo; ++ow) {
          int64_t ws = ow * q.sw - q.pw, we = std::min(ws + q.kw, q.W + q.pw);
          const int64_t wsize = we - ws;
          ws = std::max<int64_t>(ws, 0);
          we = std::min(we, q.W);
          float acc = 0.0f;
          for (int64_t ih = hs; ih < he; ++ih)
            for (int64_t iw = ws; iw < we; ++iw) acc += xr[ih * q.W + iw];
          const int64_t div = cip ? hsize * wsize : (he - hs) * (we - ws);
          yr[oh * q.Wo + ow] = acc / static_cast<float>(div);
        }
      }
    }
  });
}

}  // namespace
ABW_KERNEL(cpu, max_pool1d, f32, max_pool1d);
ABW_KERNEL(cpu, avg_pool1d, f32, avg_pool1d);
ABW_KERNEL(cpu, max_pool2d, f32, max_pool2d);
ABW_KERNEL(cpu, avg_pool2d, f32, avg_pool2d);
}  // namespace abw::cpu
