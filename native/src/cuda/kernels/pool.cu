// cuda pooling: one thread per output element; 1-D pools are 2-D pools of height 1. Max
// propagates NaN (as ATen does); avg uses ATen's divisor rule (count_include_pad).
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cuda/kernels/common.cuh"
#include "cuda/op.h"

namespace abw::cuda {
namespace {

struct P2 {
  int64_t kh, kw, sh, sw, ph, pw, dh, dw, H, W, Ho, Wo;
};

int64_t pool_out(OpArgs& a, int64_t L, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode, const char* axis) {
  ABW_CHECK(k >= 1 && s >= 1 && d >= 1 && p >= 0, "EINVAL", a.msg(std::string("kernel_size, stride, dilation must be >= 1 and padding >= 0 (") + axis + ")"));
  ABW_CHECK(p <= k / 2, "EINVAL", a.msg(std::string("padding must be at most half the kernel size (") + axis + ")"));
  const int64_t num = L + 2 * p - d * (k - 1) - 1;
  ABW_CHECK(num >= 0, "ESHAPE", a.msg(std::string("input is smaller than the (dilated) kernel along ") + axis));
  int64_t out = (ceil_mode ? (num + s - 1) / s : num / s) + 1;
  if (ceil_mode && (out - 1) * s >= L + p) --out;
  return out;
}

template <class T>
__global__ void max_pool(const T* __restrict__ x, T* __restrict__ y, int64_t n, P2 q) {
  ABW_GRID_STRIDE(i, n) {
    const int64_t ow = i % q.Wo, oh = (i / q.Wo) % q.Ho, plane = i / (q.Wo * q.Ho);
    const T* xp = x + plane * q.H * q.W;
    float m = -INFINITY;
    for (int64_t a = 0; a < q.kh; ++a) {
      const int64_t h = oh * q.sh - q.ph + a * q.dh;
      if (h < 0 || h >= q.H) continue;
      for (int64_t b = 0; b < q.kw; ++b) {
        const int64_t w = ow * q.sw - q.pw + b * q.dw;
        if (w < 0 || w >= q.W) continue;
        const float v = ld(xp[h * q.W + w]);
        m = (v > m || v != v) ? v : m;
      }
    }
    y[i] = st<T>(m);
  }
}

template <class T>
__global__ void avg_pool(const T* __restrict__ x, T* __restrict__ y, int64_t n, P2 q, bool cip) {
  ABW_GRID_STRIDE(i, n) {
    const int64_t ow = i % q.Wo, oh = (i / q.Wo) % q.Ho, plane = i / (q.Wo * q.Ho);
    const T* xp = x + plane * q.H * q.W;
    int64_t hs = oh * q.sh - q.ph, ws = ow * q.sw - q.pw;
    int64_t he = min(hs + q.kh, q.H + q.ph), we = min(ws + q.kw, q.W + q.pw);
    const int64_t size = (he - hs) * (we - ws);
    hs = max(hs, int64_t(0)), ws = max(ws, int64_t(0));
    he = min(he, q.H), we = min(we, q.W);
    float acc = 0.f;
    for (int64_t h = hs; h < he; ++h)
      for (int64_t w = ws; w < we; ++w) acc += ld(xp[h * q.W + w]);
    y[i] = st<T>(acc / static_cast<float>(cip ? size : (he - hs) * (we - ws)));
  }
}

template <bool Max, int Dims>
CallPtr pool(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  ABW_CHECK(X.ndim() == 2 + Dims, "ESHAPE", a.msg("input `input` must be " + std::to_string(2 + Dims) + "-D, got " + shape_str(X.shape)));
  const bool cm = a.p.b("ceil_mode");
  P2 q{};
  if (Dims == 1) {
    const int64_t d = Max ? a.p.i("dilation") : 1;
    q = P2{1, a.p.i("kernel_size"), 1, a.p.i("stride"), 0, a.p.i("padding"), 1, d, 1, X.shape[2], 1, 0};
    q.Wo = pool_out(a, q.W, q.kw, q.sw, q.pw, q.dw, cm, "length");
  } else {
    auto two = [&](const char* key) {
      auto v = a.p.ints(key);
      ABW_CHECK(v.size() == 2, "EINVAL", a.msg(std::string("parameter `") + key + "` must be [h, w]"));
      return v;
    };
    auto k = two("kernel_size"), s = two("stride"), p = two("padding");
    std::vector<int64_t> d = Max ? two("dilation") : std::vector<int64_t>{1, 1};
    q = P2{k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], X.shape[2], X.shape[3], 0, 0};
    q.Ho = pool_out(a, q.H, q.kh, q.sh, q.ph, q.dh, cm, "height");
    q.Wo = pool_out(a, q.W, q.kw, q.sw, q.pw, q.dw, cm, "width");
  }
  Shape os = {X.shape[0], X.shape[1]};
  if (Dims == 2) os.push_back(q.Ho);
  os.push_back(q.Wo);
  a.check_shape(Y, os, "output `out`");
  const bool cip = Max ? false : a.p.b("count_include_pad");
  const int64_t n = Y.numel();
  const void* x = X.data;
  void* y = Y.data;
  const DType dt = a.dtype;
  auto call = std::make_unique<Call>();
  call->launch = [=](cudaStream_t s) {
    if (n == 0) return;
    ABW_FLOAT_DISPATCH(dt, {
      if (Max) max_pool<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), n, q);
      else avg_pool<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), n, q, cip);
    });
  };
  return call;
}

}  // namespace
ABW_CUDA_OP(max_pool1d, (pool<true, 1>), kFloats);
ABW_CUDA_OP(avg_pool1d, (pool<false, 1>), kFloats);
ABW_CUDA_OP(max_pool2d, (pool<true, 2>), kFloats);
ABW_CUDA_OP(avg_pool2d, (pool<false, 2>), kFloats);
}  // namespace abw::cuda
