// cpu BitNet b1.58 quantisation: ternary weight and per-row int8 activation quantisers, the
// int8 × int8 → int32 matmul (exact integer arithmetic; loops shaped so the compiler emits
// widening multiply-adds) and the f32 rescale of its int32 accumulators.
#include "cpu/detail/util.h"

namespace abw::cpu {
namespace {

inline int8_t to_i8(float v, float lo, float hi) {
  if (v != v) return 0;  // NaN has no integer value; 0 keeps the result defined
  v = std::nearbyint(v);
  v = v < lo ? lo : (v > hi ? hi : v);
  return static_cast<int8_t>(v);
}

void quantize_ternary(KernelArgs& a) {
  const Tensor& W = a.input(0, "w");
  Tensor& Q = a.output(0, "q");
  Tensor& S = a.output(1, "scale");
  check_shape(a, Q, W.shape(), "output `q`");
  check_dtype(a, Q, DType::i8, "output `q`");
  ABW_CHECK(S.numel() == 1 && S.ndim() == 0, "ESHAPE", a.msg("output `scale` must be a scalar [], got " + sstr(S.shape())));
  const float* w = fin(a, W, "input `w`");
  int8_t* q = Q.data<int8_t>();
  float* s = fout(a, S, "output `scale`");
  const int64_t n = W.numel();
  // Σ|w| in double over parallel chunks (each chunk's partial written to its own slot).
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(64, n / kGrain));
  std::vector<double> part(static_cast<size_t>(chunks), 0.0);
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
      double total = 0;
      for (int64_t i = b; i < e; i += 1024) {
        const int64_t ie = std::min(e, i + 1024);
        float acc[16] = {0};
        int64_t k = i;
        for (; k + 16 <= ie; k += 16)
          for (int j = 0; j < 16; ++j) acc[j] += std::fabs(w[k + j]);
        double p = 0;
        for (int j = 0; j < 16; ++j) p += acc[j];
        for (; k < ie; ++k) p += std::fabs(w[k]);
        total += p;
      }
      part[c] = total;
    }
  });
  double sum = 0;
  for (double p : part) sum += p;
  float mean = n ? static_cast<float>(sum / static_cast<double>(n)) : std::numeric_limits<float>::quiet_NaN();
  const float scale = mean < 1e-5f ? 1e-5f : mean;  // NaN stays NaN (torch.clamp propagates it)
  s[0] = scale;
  par(n, 4, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) q[i] = to_i8(w[i] / scale, -1.0f, 1.0f);
  });
}

void quantize_int8(KernelArgs& a) {
  const Tensor& X = a.input(0, "x");
  Tensor& Q = a.output(0, "q");
  Tensor& S = a.output(1, "scale");
  const int64_t nd = X.ndim(), dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + sstr(X.shape())));
  check_shape(a, Q, X.shape(), "output `q`");
  check_dtype(a, Q, DType::i8, "output `q`");
  Shape ss = X.shape();
  ss[dim] = 1;
  check_shape(a, S, ss, "output `scale`");
  const float* x = fin(a, X, "input `x`");
  int8_t* q = Q.data<int8_t>();
  float* s = fout(a, S, "output `scale`");
  const int64_t outer = shape_prod(X.shape(), 0, dim), n = X.shape()[dim], inner = shape_prod(X.shape(), dim + 1, nd);
  if (X.numel() == 0) {
    // amax over an empty dim has no value; keep the (possibly non-empty) scale defined.
    for (int64_t i = 0; i < S.numel(); ++i) s[i] = std::numeric_limits<float>::quiet_NaN();
    return;
  }
  par(outer, 3 * n * inner, [&](int64_t o0, int64_t o1) {
    Scratch<float> mx(static_cast<size_t>(inner));
    for (int64_t o = o0; o < o1; ++o) {
      const float* xo = x + o * n * inner;
      std::fill(mx.data(), mx.data() + inner, 0.0f);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < inner; ++j) {
          const float v = std::fabs(xo[i * inner + j]);
          mx[j] = (v > mx[j] || v != v) ? v : mx[j];
        }
      float* so = s + o * inner;
      // As torch evaluates `127.0 / t`: reciprocal first, then the multiply (two f32 roundings).
      for (int64_t j = 0; j < inner; ++j) so[j] = (1.0f / (mx[j] < 1e-5f ? 1e-5f : mx[j])) * 127.0f;
      int8_t* qo = q + o * n * inner;
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < inner; ++j) qo[i * inner + j] = to_i8(xo[i * inner + j] * so[j], -128.0f, 127.0f);
    }
  });
}

// Four dot products of one int8 row with four int8 rows over k in [0, K) (K <= 65536 so the
// int32 lanes cannot overflow: |x·w| <= 16384).
inline void dot1x4(const int8_t* x, const int8_t* w0, const int8_t* w1, const int8_t* w2, const int8_t* w3, int64_t K,
                   int32_t* out) {
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (int64_t k = 0; k < K; ++k) {
    const int16_t xv = x[k];
    a0 += static_cast<int16_t>(xv * w0[k]);
    a1 += static_cast<int16_t>(xv * w1[k]);
    a2 += static_cast<int16_t>(xv * w2[k]);
    a3 += static_cast<int16_t>(xv * w3[k]);
  }
  out[0] = a0;
  out[1] = a1;
  out[2] = a2;
  out[3] = a3;
}
inline int32_t dot1(const int8_t* x, const int8_t* w, int64_t K) {
  int32_t acc = 0;
  for (int64_t k = 0; k < K; ++k) acc += static_cast<int16_t>(static_cast<int16_t>(x[k]) * w[k]);
  return acc;
}

void ternary_matmul(KernelArgs& a) {
  const Tensor& X = a.input(0, "xq");
  const Tensor& W = a.input(1, "wq");
  Tensor& Y = a.output(0, "out");
  check_dtype(a, X, DType::i8, "input `xq`");
  check_dtype(a, W, DType::i8, "input `wq`");
  check_dtype(a, Y, DType::i32, "output `out`");
  ABW_CHECK(X.ndim() >= 1, "ESHAPE", a.msg("input `xq` must be at least 1-D"));
  check_ndim(a, W, 2, "input `wq`");
  const int64_t K = X.size(-1), N = W.size(0);
  ABW_CHECK(W.size(1) == K, "ESHAPE",
            a.msg("input `wq` has shape " + sstr(W.shape()) + ", expected [N, " + std::to_string(K) + "]"));
  Shape os(X.shape().begin(), X.shape().end() - 1);
  os.push_back(N);
  check_shape(a, Y, os, "output `out`");
  const int8_t* x = X.data<int8_t>();
  const int8_t* w = W.data<int8_t>();
  int32_t* y = Y.data<int32_t>();
  const int64_t M = shape_numel(os) / std::max<int64_t>(N, 1);
  if (Y.numel() == 0) return;
  constexpr int64_t KB = 65536;  // int32 partial sums stay exact within a block
  constexpr int64_t NB = 64;     // w rows per tile: NB·K bytes stay cache-resident across x rows
  const int64_t nblocks = ceil_div(N, NB);
  par(nblocks * M, std::max<int64_t>(1, NB * K / 4), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      // Tile-major order: consecutive items share the w tile.
      const int64_t jb = t / M, r = t % M;
      const int64_t j0 = jb * NB, j1 = std::min(N, j0 + NB);
      const int8_t* xr = x + r * K;
      int32_t* yr = y + r * N;
      for (int64_t j = j0; j < j1; j += 4) {
        const int64_t cnt = std::min<int64_t>(4, j1 - j);
        int64_t acc[4] = {0, 0, 0, 0};
        for (int64_t k0 = 0; k0 < K; k0 += KB) {
          const int64_t kb = std::min(KB, K - k0);
          if (cnt == 4) {
            int32_t part[4];
            dot1x4(xr + k0, w + j * K + k0, w + (j + 1) * K + k0, w + (j + 2) * K + k0, w + (j + 3) * K + k0, kb, part);
            for (int u = 0; u < 4; ++u) acc[u] += part[u];
          } else {
            for (int64_t u = 0; u < cnt; ++u) acc[u] += dot1(xr + k0, w + (j + u) * K + k0, kb);
          }
        }
        // Integer accumulation wraps like int32 arithmetic (two's complement) when it overflows.
        for (int64_t u = 0; u < cnt; ++u) yr[j + u] = static_cast<int32_t>(static_cast<uint32_t>(acc[u]));
      }
    }
  });
}

// y = (f32(acc) · weight_scale) / scale in f32 (f16/bf16 outputs rounded once by the dispatcher).
void dequantize_int32(KernelArgs& a) {
  const Tensor& A = a.input(0, "acc");
  const Tensor& S = a.input(1, "scale");
  Tensor& Y = a.output(0, "y");
  check_dtype(a, A, DType::i32, "input `acc`");
  const int64_t nd = A.ndim(), dim = a.p.i("dim");
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` out of range for " + sstr(A.shape())));
  const float ws = static_cast<float>(a.p.f("weight_scale"));
  ABW_CHECK(ws > 0.0f && std::isfinite(ws), "EINVAL", a.msg("parameter `weight_scale` must be a finite f32 > 0"));
  Shape ss = A.shape();
  ss[dim] = 1;
  check_shape(a, S, ss, "input `scale`");
  check_shape(a, Y, A.shape(), "output `y`");
  const int32_t* acc = A.data<int32_t>();
  const float* s = fin(a, S, "input `scale`");
  float* y = fout(a, Y, "output `y`");
  const int64_t outer = shape_prod(A.shape(), 0, dim), n = A.shape()[dim], inner = shape_prod(A.shape(), dim + 1, nd);
  if (A.numel() == 0) return;
  if (inner == 1) {  // the scale's dim is last (per-token scales): one scale per contiguous row
    par(outer, 2 * n, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        const float so = s[o];
        const int32_t* ar = acc + o * n;
        float* yr = y + o * n;
        for (int64_t i = 0; i < n; ++i) yr[i] = static_cast<float>(ar[i]) * ws / so;
      }
    });
    return;
  }
  par(outer * n, 2 * inner, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* so = s + (r / n) * inner;
      const int32_t* ar = acc + r * inner;
      float* yr = y + r * inner;
      for (int64_t j = 0; j < inner; ++j) yr[j] = static_cast<float>(ar[j]) * ws / so[j];
    }
  });
}

}  // namespace
ABW_KERNEL(cpu, quantize_ternary, f32, quantize_ternary);
ABW_KERNEL(cpu, quantize_int8, f32, quantize_int8);
ABW_KERNEL(cpu, ternary_matmul, i8, ternary_matmul);
ABW_KERNEL(cpu, dequantize_int32, f32, dequantize_int32);
}  // namespace abw::cpu
