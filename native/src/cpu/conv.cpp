// cpu convolutions. conv1d picks by shape: 1×1 unpadded → one sgemm on the input as is;
// depthwise → direct register-accumulated loops; stride 1 with >= 32 channels per group → one
// sgemm per tap on the shifted input (no im2col); otherwise im2col tiles (several batch items
// folded into one GEMM for short outputs) + sgemm. conv2d: im2col over whole output rows +
// sgemm; with channels_last (NHWC input, OHWI weight) one row of (kh, kw, ci) per output pixel,
// times the weight transposed, which is already [Cout, kH·kW·Cin/groups]. conv2d's residual is
// the output's starting value (beta 1), as the bias is. conv_transpose1d: one
// sgemm (Wᵀ·x) per item and group followed by col2im.
#include "cpu/detail/gemm.h"
#include "cpu/detail/util.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace abw::cpu {
namespace {

// Floats in an im2col tile (8 MB): BLAS is fastest on large GEMMs (measured: smaller, L2-sized
// tiles lost more in GEMM efficiency than they saved in cache misses).
constexpr int64_t kColBudget = int64_t{1} << 21;

void fill_bias(const float* bias, float* out, int64_t N, int64_t C, int64_t plane) {
  par(N * C, plane, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* o = out + r * plane;
      const float v = bias ? bias[r % C] : 0.0f;
      std::fill(o, o + plane, v);
    }
  });
}

// conv2d's residual (input 3), checked to have the output's shape: the prior the GEMMs
// accumulate onto (beta 1), so the sum costs no pass of its own.
const float* conv_residual(KernelArgs& a, const Tensor& Y) {
  const Tensor* R = a.optional(3);
  if (!R) return nullptr;
  check_shape(a, *R, Y.shape(), "input `residual`");
  return fin(a, *R, "input `residual`");
}

struct ConvChecks {
  int64_t N, Cin, Cout, G, Cig, Cog;
};

ConvChecks check_common(KernelArgs& a, const Tensor& X, const Tensor& W, const Tensor* B, int64_t nd, int64_t groups,
                        bool transposed) {
  check_ndim(a, X, nd, "input `input`");
  check_ndim(a, W, nd, "input `weight`");
  ABW_CHECK(groups >= 1, "EINVAL", a.msg("parameter `groups` must be >= 1"));
  ConvChecks c{};
  c.N = X.size(0);
  c.Cin = X.size(1);
  c.G = groups;
  ABW_CHECK(c.Cin % groups == 0, "ESHAPE",
            a.msg("input channels " + std::to_string(c.Cin) + " are not divisible by groups " + std::to_string(groups)));
  c.Cig = c.Cin / groups;
  if (!transposed) {
    c.Cout = W.size(0);
    ABW_CHECK(c.Cout % groups == 0, "ESHAPE",
              a.msg("input `weight` out channels " + std::to_string(c.Cout) + " are not divisible by groups"));
    ABW_CHECK(W.size(1) == c.Cig, "ESHAPE",
              a.msg("input `weight` has shape " + sstr(W.shape()) + "; dim 1 must be in_channels/groups = " +
                    std::to_string(c.Cig)));
    c.Cog = c.Cout / groups;
  } else {
    ABW_CHECK(W.size(0) == c.Cin, "ESHAPE",
              a.msg("input `weight` has shape " + sstr(W.shape()) + "; dim 0 must be in_channels = " + std::to_string(c.Cin)));
    c.Cog = W.size(1);
    c.Cout = c.Cog * groups;
  }
  if (B) check_shape(a, *B, {c.Cout}, "input `bias`");
  return c;
}

void conv1d(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  const Tensor& W = a.input(1, "weight");
  const Tensor* Bt = a.optional(2);
  Tensor& Y = a.output(0, "out");
  const int64_t stride = a.p.i("stride"), dil = a.p.i("dilation"), groups = a.p.i("groups");
  const auto pad = a.p.ints("padding");
  ABW_CHECK(pad.size() == 2 && pad[0] >= 0 && pad[1] >= 0, "EINVAL", a.msg("parameter `padding` must be [left, right] >= 0"));
  ABW_CHECK(stride >= 1 && dil >= 1, "EINVAL", a.msg("parameters `stride` and `dilation` must be >= 1"));
  ConvChecks c = check_common(a, X, W, Bt, 3, groups, false);
  const int64_t L = X.size(2), K = W.size(2);
  const int64_t span = L + pad[0] + pad[1] - dil * (K - 1) - 1;
  ABW_CHECK(span >= 0, "ESHAPE", a.msg("input length " + std::to_string(L) + " is shorter than the dilated kernel"));
  const int64_t Lout = span / stride + 1;
  check_shape(a, Y, {c.N, c.Cout, Lout}, "output `out`");
  const float* x = fin(a, X, "input `input`");
  const float* w = fin(a, W, "input `weight`");
  const float* bias = Bt ? fin(a, *Bt, "input `bias`") : nullptr;
  float* y = fout(a, Y, "output `out`");
  if (Y.numel() == 0) return;
  const float beta = bias ? 1.0f : 0.0f;
  const bool depthwise = c.Cig == 1 && c.G > 1;
  if (bias && !depthwise) fill_bias(bias, y, c.N, c.Cout, Lout);
  const int64_t rows = c.Cig * K;
  if (K == 1 && stride == 1 && pad[0] == 0 && pad[1] == 0) {
    for (int64_t n = 0; n < c.N; ++n)
      for (int64_t g = 0; g < c.G; ++g)
        sgemm(false, false, c.Cog, Lout, c.Cig, 1.0f, w + g * c.Cog * c.Cig, c.Cig, x + (n * c.Cin + g * c.Cig) * L, L,
              beta, y + (n * c.Cout + g * c.Cog) * Lout, Lout);
    return;
  }
  const int64_t left = pad[0];
  // Valid output range [lo, hi) (clipped to [o0, o0 + lt), relative to o0) of kernel tap k:
  // 0 <= o·stride + k·dil − left < L.
  auto valid = [&](int64_t k, int64_t o0, int64_t lt, int64_t* lo, int64_t* hi) {
    const int64_t base = k * dil - left;
    int64_t l = base >= 0 ? 0 : ceil_div(-base, stride);
    int64_t h = L - base <= 0 ? 0 : ceil_div(L - base, stride);
    *lo = std::clamp<int64_t>(l - o0, 0, lt);
    *hi = std::clamp<int64_t>(h - o0, *lo, lt);
  };
  if (depthwise) {
    // Depthwise (one input channel per group): a GEMM per group would have K = kernel size;
    // direct accumulation over the output row vectorises instead.
    // Interior outputs (every tap inside the input) accumulate all taps in registers with one
    // store each (a tap-by-tap pass would be bound by read-modify-write of the output row); the
    // few edge outputs go tap by tap.
    int64_t ilo, ihi, tmp_lo, tmp_hi;
    valid(0, 0, Lout, &ilo, &tmp_hi);
    valid(K - 1, 0, Lout, &tmp_lo, &ihi);
    ilo = std::max(ilo, tmp_lo);
    ihi = std::max(ilo, std::min(ihi, tmp_hi));
    par(c.N * c.Cout, Lout * K, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t n = r / c.Cout, co = r % c.Cout, g = co / c.Cog;
        const float* xs = x + (n * c.Cin + g) * L;
        const float* wr = w + co * K;
        float* yr = y + r * Lout;
        const float b0 = bias ? bias[co] : 0.0f;
        int64_t o = ilo;
#if defined(__AVX2__) && defined(__FMA__)
        if (stride == 1) {
          const float* base = xs - left;
          for (; o + 32 <= ihi; o += 32) {  // four independent FMA chains
            __m256 a0 = _mm256_set1_ps(b0), a1 = a0, a2 = a0, a3 = a0;
            for (int64_t k = 0; k < K; ++k) {
              const __m256 wk = _mm256_set1_ps(wr[k]);
              const float* src = base + o + k * dil;
              a0 = _mm256_fmadd_ps(wk, _mm256_loadu_ps(src), a0);
              a1 = _mm256_fmadd_ps(wk, _mm256_loadu_ps(src + 8), a1);
              a2 = _mm256_fmadd_ps(wk, _mm256_loadu_ps(src + 16), a2);
              a3 = _mm256_fmadd_ps(wk, _mm256_loadu_ps(src + 24), a3);
            }
            _mm256_storeu_ps(yr + o, a0);
            _mm256_storeu_ps(yr + o + 8, a1);
            _mm256_storeu_ps(yr + o + 16, a2);
            _mm256_storeu_ps(yr + o + 24, a3);
          }
        }
#endif
        for (; o < ihi; ++o) {
          float acc = b0;
          const float* src = xs + o * stride - left;
          for (int64_t k = 0; k < K; ++k) acc += wr[k] * src[k * dil];
          yr[o] = acc;
        }
        for (int64_t e = 0; e < 2; ++e) {  // edges: outputs with a tap in the padding
          const int64_t e0 = e == 0 ? 0 : ihi, e1 = e == 0 ? ilo : Lout;
          if (e1 <= e0) continue;
          std::fill(yr + e0, yr + e1, b0);
          for (int64_t k = 0; k < K; ++k) {
            int64_t lo, hi;
            valid(k, e0, e1 - e0, &lo, &hi);
            const float wk = wr[k];
            const float* src = xs + k * dil - left;
            for (int64_t i = e0 + lo; i < e0 + hi; ++i) yr[i] += wk * src[i * stride];
          }
        }
      }
    });
    return;
  }
  if (stride == 1 && c.Cig >= 32 && Lout >= 256) {
    // Stride 1: out = Σ_k W[:, :, k] · x shifted by k·dil − left. One GEMM per tap reads the
    // input in place (no im2col); each tap covers only the outputs whose window it sees.
    // Measured faster than im2col once the per-tap inner dimension (Cin/groups) is >= 32.
    Scratch<float> wk(static_cast<size_t>(K * c.Cout * c.Cig));
    par(c.Cout, c.Cig * K, [&](int64_t c0, int64_t c1) {
      for (int64_t co = c0; co < c1; ++co)
        for (int64_t ci = 0; ci < c.Cig; ++ci)
          for (int64_t k = 0; k < K; ++k) wk[(k * c.Cout + co) * c.Cig + ci] = w[(co * c.Cig + ci) * K + k];
    });
    if (!bias) std::fill(y, y + Y.numel(), 0.0f);
    for (int64_t n = 0; n < c.N; ++n)
      for (int64_t g = 0; g < c.G; ++g)
        for (int64_t k = 0; k < K; ++k) {
          const int64_t base = k * dil - left;
          const int64_t lo = std::max<int64_t>(0, -base), hi = std::min(Lout, L - base);
          if (hi <= lo) continue;
          sgemm(false, false, c.Cog, hi - lo, c.Cig, 1.0f, wk.data() + (k * c.Cout + g * c.Cog) * c.Cig, c.Cig,
                x + (n * c.Cin + g * c.Cig) * L + lo + base, L, 1.0f, y + (n * c.Cout + g * c.Cog) * Lout + lo, Lout);
        }
    return;
  }
  // Strided convolutions with long kernels gather each input channel's window per output column
  // (one contiguous copy) into a transposed tile, then transpose it in 32×32 blocks: much cheaper
  // than `rows` strided gathers across the whole input. Short kernels gather directly.
  const bool transposed = stride > 1 && dil == 1 && K >= 16;
  // Tiles of the (item, output position) column space. Short outputs fold several batch items
  // into one GEMM through a scratch result.
  const bool fold = Lout < 512 && c.N > 1;
  const int64_t total = fold ? c.N * Lout : Lout;
  const int64_t Lt = std::max<int64_t>(std::min<int64_t>(total, 64), std::min<int64_t>(total, kColBudget / std::max<int64_t>(rows, 1)));
  Scratch<float> col(static_cast<size_t>(rows * Lt));
  Scratch<float> colT(transposed ? static_cast<size_t>(rows * Lt) : 0);
  Scratch<float> tmp(fold ? static_cast<size_t>(c.Cog * Lt) : 0);
  // Fills the column tile for columns [q0, q0 + lt) of item n0's flattened space.
  auto im2col = [&](int64_t g, int64_t n0, int64_t q0, int64_t lt) {
    if (transposed) {
      par(lt, rows, [&](int64_t j0, int64_t j1) {
        for (int64_t j = j0; j < j1; ++j) {
          const int64_t q = q0 + j, n = n0 + q / Lout, o = q % Lout;
          const float* xg = x + (n * c.Cin + g * c.Cig) * L;
          float* dst = colT.data() + j * rows;
          const int64_t s0 = o * stride - left;  // input index of tap 0
          const int64_t k0 = std::clamp<int64_t>(-s0, 0, K), k1 = std::clamp<int64_t>(L - s0, k0, K);
          for (int64_t ci = 0; ci < c.Cig; ++ci) {
            float* d = dst + ci * K;
            std::fill(d, d + k0, 0.0f);
            std::memcpy(d + k0, xg + ci * L + s0 + k0, (k1 - k0) * sizeof(float));
            std::fill(d + k1, d + K, 0.0f);
          }
        }
      });
      constexpr int64_t B = 32;
      const int64_t rb = ceil_div(rows, B), jb = ceil_div(lt, B);
      par(rb * jb, B * B, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
          const int64_t r0 = (t / jb) * B, j0 = (t % jb) * B;
          const int64_t r1 = std::min(rows, r0 + B), j1 = std::min(lt, j0 + B);
          for (int64_t r = r0; r < r1; ++r)
            for (int64_t j = j0; j < j1; ++j) col[r * lt + j] = colT[j * rows + r];
        }
      });
      return;
    }
    par(rows, lt, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t ci = r / K, k = r % K, base = k * dil - left;
        float* dst = col.data() + r * lt;
        for (int64_t j = 0; j < lt;) {  // one run per batch item inside the tile
          const int64_t q = q0 + j, n = n0 + q / Lout, o0 = q % Lout, cnt = std::min(lt - j, Lout - o0);
          const float* src = x + (n * c.Cin + g * c.Cig + ci) * L;
          int64_t lo, hi;
          valid(k, o0, cnt, &lo, &hi);
          float* d = dst + j;
          std::fill(d, d + lo, 0.0f);
          if (stride == 1) std::memcpy(d + lo, src + o0 + lo + base, (hi - lo) * sizeof(float));
          else
            for (int64_t o = lo; o < hi; ++o) d[o] = src[(o0 + o) * stride + base];
          std::fill(d + hi, d + cnt, 0.0f);
          j += cnt;
        }
      }
    });
  };
  auto gemm = [&](int64_t g, int64_t lt, float b, float* dst, int64_t ldd) {
    sgemm(false, false, c.Cog, lt, rows, 1.0f, w + g * c.Cog * rows, rows, col.data(), lt, b, dst, ldd);
  };
  for (int64_t g = 0; g < c.G; ++g) {
    if (fold) {
      for (int64_t q0 = 0; q0 < total; q0 += Lt) {
        const int64_t lt = std::min(Lt, total - q0);
        im2col(g, 0, q0, lt);
        gemm(g, lt, 0.0f, tmp.data(), lt);
        par(c.Cog, lt, [&](int64_t c0, int64_t c1) {
          for (int64_t co = c0; co < c1; ++co)
            for (int64_t j = 0; j < lt;) {
              const int64_t q = q0 + j, n = q / Lout, o0 = q % Lout, cnt = std::min(lt - j, Lout - o0);
              float* yr = y + (n * c.Cout + g * c.Cog + co) * Lout + o0;
              const float* t = tmp.data() + co * lt + j;
              if (bias)
                for (int64_t i = 0; i < cnt; ++i) yr[i] += t[i];
              else
                std::memcpy(yr, t, cnt * sizeof(float));
              j += cnt;
            }
        });
      }
      continue;
    }
    for (int64_t n = 0; n < c.N; ++n)
      for (int64_t o0 = 0; o0 < Lout; o0 += Lt) {
        const int64_t lt = std::min(Lt, Lout - o0);
        im2col(g, n, o0, lt);
        gemm(g, lt, beta, y + (n * c.Cout + g * c.Cog) * Lout + o0, Lout);
      }
  }
}

// conv2d with channels_last: X [N, H, W, Cin], W [Cout, kH, kW, Cin/groups], Y [N, Ho, Wo, Cout].
// Output pixels are the GEMM rows: Y[p, group's Cout] = col[p, (kh, kw, ci)] · W_gᵀ, where a
// col row gathers Cin/groups contiguous channels per tap; a 1×1 unpadded stride-1 convolution
// multiplies the input in place. Depthwise takes the same path (GEMMs with few columns).
void conv2d_channels_last(KernelArgs& a, const Tensor& X, const Tensor& W, const Tensor* Bt, Tensor& Y,
                          const std::vector<int64_t>& st, const std::vector<int64_t>& pad,
                          const std::vector<int64_t>& dl, int64_t groups) {
  check_ndim(a, X, 4, "input `input` ([N, H, W, Cin], channels_last)");
  check_ndim(a, W, 4, "input `weight` ([Cout, kH, kW, Cin/groups], channels_last)");
  ABW_CHECK(groups >= 1, "EINVAL", a.msg("parameter `groups` must be >= 1"));
  const int64_t N = X.size(0), H = X.size(1), Wd = X.size(2), Cin = X.size(3);
  const int64_t Cout = W.size(0), KH = W.size(1), KW = W.size(2);
  ABW_CHECK(Cin % groups == 0, "ESHAPE",
            a.msg("input channels " + std::to_string(Cin) + " (dim 3, channels_last) are not divisible by groups " +
                  std::to_string(groups)));
  ABW_CHECK(Cout % groups == 0, "ESHAPE",
            a.msg("input `weight` out channels " + std::to_string(Cout) + " are not divisible by groups"));
  const int64_t Cig = Cin / groups, Cog = Cout / groups;
  ABW_CHECK(W.size(3) == Cig, "ESHAPE",
            a.msg("input `weight` has shape " + sstr(W.shape()) + "; dim 3 must be in_channels/groups = " +
                  std::to_string(Cig) + " (channels_last: [Cout, kH, kW, Cin/groups])"));
  if (Bt) check_shape(a, *Bt, {Cout}, "input `bias`");
  const int64_t sh = H + pad[0] + pad[1] - dl[0] * (KH - 1) - 1, sw = Wd + pad[2] + pad[3] - dl[1] * (KW - 1) - 1;
  ABW_CHECK(sh >= 0 && sw >= 0, "ESHAPE", a.msg("input " + sstr(X.shape()) + " is smaller than the dilated kernel"));
  const int64_t Ho = sh / st[0] + 1, Wo = sw / st[1] + 1;
  check_shape(a, Y, {N, Ho, Wo, Cout}, "output `out`");
  const float* x = fin(a, X, "input `input`");
  const float* w = fin(a, W, "input `weight`");
  const float* bias = Bt ? fin(a, *Bt, "input `bias`") : nullptr;
  float* y = fout(a, Y, "output `out`");
  if (Y.numel() == 0) return;
  const int64_t P = N * Ho * Wo;  // output pixels of the whole batch: Y is [P, Cout]
  const float* residual = conv_residual(a, Y);
  const float beta = bias || residual ? 1.0f : 0.0f;
  if (bias || residual)
    par(P, Cout, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        float* row = y + p * Cout;
        if (residual) std::memcpy(row, residual + p * Cout, Cout * sizeof(float));
        else std::memcpy(row, bias, Cout * sizeof(float));
        if (residual && bias)
          for (int64_t c = 0; c < Cout; ++c) row[c] += bias[c];
      }
    });
  if (KH == 1 && KW == 1 && st[0] == 1 && st[1] == 1 && pad[0] == 0 && pad[1] == 0 && pad[2] == 0 && pad[3] == 0) {
    for (int64_t g = 0; g < groups; ++g)
      sgemm(false, true, P, Cog, Cig, 1.0f, x + g * Cig, Cin, w + g * Cog * Cig, Cig, beta, y + g * Cog, Cout);
    return;
  }
  const int64_t K = KH * KW * Cig;
  const int64_t Pt = std::max<int64_t>(1, std::min<int64_t>(P, kColBudget / std::max<int64_t>(K, 1)));
  Scratch<float> col(static_cast<size_t>(Pt * K));
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t p0 = 0; p0 < P; p0 += Pt) {
      const int64_t pt = std::min(Pt, P - p0);
      par(pt, K, [&](int64_t j0, int64_t j1) {
        for (int64_t j = j0; j < j1; ++j) {
          const int64_t p = p0 + j, n = p / (Ho * Wo), oh = (p / Wo) % Ho, ow = p % Wo;
          float* dst = col.data() + j * K;
          for (int64_t kh = 0; kh < KH; ++kh) {
            const int64_t ih = oh * st[0] + kh * dl[0] - pad[0];
            for (int64_t kw = 0; kw < KW; ++kw) {
              const int64_t iw = ow * st[1] + kw * dl[1] - pad[2];
              float* d = dst + (kh * KW + kw) * Cig;
              if (ih < 0 || ih >= H || iw < 0 || iw >= Wd) std::fill(d, d + Cig, 0.0f);
              else std::memcpy(d, x + ((n * H + ih) * Wd + iw) * Cin + g * Cig, Cig * sizeof(float));
            }
          }
        }
      });
      sgemm(false, true, pt, Cog, K, 1.0f, col.data(), K, w + g * Cog * K, K, beta, y + p0 * Cout + g * Cog, Cout);
    }
}

void conv2d(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  const Tensor& W = a.input(1, "weight");
  const Tensor* Bt = a.optional(2);
  Tensor& Y = a.output(0, "out");
  const auto st = a.p.ints("stride"), pad = a.p.ints("padding"), dl = a.p.ints("dilation");
  const int64_t groups = a.p.i("groups");
  ABW_CHECK(st.size() == 2 && st[0] >= 1 && st[1] >= 1, "EINVAL", a.msg("parameter `stride` must be [sh, sw] >= 1"));
  ABW_CHECK(dl.size() == 2 && dl[0] >= 1 && dl[1] >= 1, "EINVAL", a.msg("parameter `dilation` must be [dh, dw] >= 1"));
  ABW_CHECK(pad.size() == 4 && pad[0] >= 0 && pad[1] >= 0 && pad[2] >= 0 && pad[3] >= 0, "EINVAL",
            a.msg("parameter `padding` must be [top, bottom, left, right] >= 0"));
  if (a.p.b("channels_last", false)) {
    conv2d_channels_last(a, X, W, Bt, Y, st, pad, dl, groups);
    return;
  }
  ConvChecks c = check_common(a, X, W, Bt, 4, groups, false);
  const int64_t H = X.size(2), Wd = X.size(3), KH = W.size(2), KW = W.size(3);
  const int64_t sh = H + pad[0] + pad[1] - dl[0] * (KH - 1) - 1, sw = Wd + pad[2] + pad[3] - dl[1] * (KW - 1) - 1;
  ABW_CHECK(sh >= 0 && sw >= 0, "ESHAPE", a.msg("input " + sstr(X.shape()) + " is smaller than the dilated kernel"));
  const int64_t Ho = sh / st[0] + 1, Wo = sw / st[1] + 1;
  check_shape(a, Y, {c.N, c.Cout, Ho, Wo}, "output `out`");
  const float* x = fin(a, X, "input `input`");
  const float* w = fin(a, W, "input `weight`");
  const float* bias = Bt ? fin(a, *Bt, "input `bias`") : nullptr;
  float* y = fout(a, Y, "output `out`");
  if (Y.numel() == 0) return;
  const float* residual = conv_residual(a, Y);
  const float beta = bias || residual ? 1.0f : 0.0f;
  const int64_t P = Ho * Wo, HW = H * Wd;
  if (residual) {
    std::memcpy(y, residual, static_cast<size_t>(Y.numel()) * sizeof(float));
    if (bias)
      par(c.N * c.Cout, P, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r)
          for (int64_t o = 0; o < P; ++o) y[r * P + o] += bias[r % c.Cout];
      });
  } else if (bias) {
    fill_bias(bias, y, c.N, c.Cout, P);
  }
  const int64_t rows = c.Cig * KH * KW;
  if (KH == 1 && KW == 1 && st[0] == 1 && st[1] == 1 && pad[0] == 0 && pad[1] == 0 && pad[2] == 0 && pad[3] == 0) {
    for (int64_t n = 0; n < c.N; ++n)
      for (int64_t g = 0; g < c.G; ++g)
        sgemm(false, false, c.Cog, P, c.Cig, 1.0f, w + g * c.Cog * c.Cig, c.Cig, x + (n * c.Cin + g * c.Cig) * HW, HW,
              beta, y + (n * c.Cout + g * c.Cog) * P, P);
    return;
  }
  // Tile over whole output rows so each tile is a contiguous column range of the output plane.
  const int64_t Rt = std::max<int64_t>(1, std::min<int64_t>(Ho, kColBudget / std::max<int64_t>(rows * Wo, 1)));
  Scratch<float> col(static_cast<size_t>(rows * Rt * Wo));
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t g = 0; g < c.G; ++g) {
      const float* xg = x + (n * c.Cin + g * c.Cig) * HW;
      for (int64_t h0 = 0; h0 < Ho; h0 += Rt) {
        const int64_t rt = std::min(Rt, Ho - h0), cols = rt * Wo;
        par(rows, cols, [&](int64_t r0, int64_t r1) {
          for (int64_t r = r0; r < r1; ++r) {
            const int64_t ci = r / (KH * KW), kh = (r / KW) % KH, kw = r % KW;
            const float* src = xg + ci * HW;
            float* dst = col.data() + r * cols;
            const int64_t bw = kw * dl[1] - pad[2];
            int64_t lo = bw >= 0 ? 0 : ceil_div(-bw, st[1]);
            int64_t hi = Wd - bw <= 0 ? 0 : ceil_div(Wd - bw, st[1]);
            lo = std::min(lo, Wo);
            hi = std::clamp(hi, lo, Wo);
            for (int64_t oh = 0; oh < rt; ++oh) {
              float* d = dst + oh * Wo;
              const int64_t ih = (h0 + oh) * st[0] + kh * dl[0] - pad[0];
              if (ih < 0 || ih >= H) {
                std::fill(d, d + Wo, 0.0f);
                continue;
              }
              const float* s = src + ih * Wd;
              std::fill(d, d + lo, 0.0f);
              if (st[1] == 1) std::memcpy(d + lo, s + lo + bw, (hi - lo) * sizeof(float));
              else
                for (int64_t ow = lo; ow < hi; ++ow) d[ow] = s[ow * st[1] + bw];
              std::fill(d + hi, d + Wo, 0.0f);
            }
          }
        });
        sgemm(false, false, c.Cog, cols, rows, 1.0f, w + g * c.Cog * rows, rows, col.data(), cols, beta,
              y + (n * c.Cout + g * c.Cog) * P + h0 * Wo, P);
      }
    }
}

void conv_transpose1d(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  const Tensor& W = a.input(1, "weight");
  const Tensor* Bt = a.optional(2);
  Tensor& Y = a.output(0, "out");
  const int64_t stride = a.p.i("stride"), pad = a.p.i("padding"), opad = a.p.i("output_padding"),
                groups = a.p.i("groups"), dil = a.p.i("dilation");
  ABW_CHECK(stride >= 1 && dil >= 1, "EINVAL", a.msg("parameters `stride` and `dilation` must be >= 1"));
  ABW_CHECK(pad >= 0 && opad >= 0, "EINVAL", a.msg("parameters `padding` and `output_padding` must be >= 0"));
  ConvChecks c = check_common(a, X, W, Bt, 3, groups, true);
  const int64_t L = X.size(2), K = W.size(2);
  const int64_t Lout = (L - 1) * stride - 2 * pad + dil * (K - 1) + opad + 1;
  ABW_CHECK(Lout >= 0 || L == 0, "ESHAPE", a.msg("output length " + std::to_string(Lout) + " is negative"));
  check_shape(a, Y, {c.N, c.Cout, std::max<int64_t>(Lout, 0)}, "output `out`");
  const float* x = fin(a, X, "input `input`");
  const float* w = fin(a, W, "input `weight`");
  const float* bias = Bt ? fin(a, *Bt, "input `bias`") : nullptr;
  float* y = fout(a, Y, "output `out`");
  if (Y.numel() == 0) return;
  fill_bias(bias, y, c.N, c.Cout, Lout);
  if (L == 0 || K == 0 || c.Cig == 0) return;
  const int64_t rows = c.Cog * K;
  const int64_t Lt = std::max<int64_t>(1, std::min<int64_t>(L, kColBudget / std::max<int64_t>(rows, 1)));
  Scratch<float> col(static_cast<size_t>(rows * Lt));
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t g = 0; g < c.G; ++g) {
      for (int64_t l0 = 0; l0 < L; l0 += Lt) {
        const int64_t lt = std::min(Lt, L - l0);
        // col[co*K + k, l] = Σ_ci w[ci, co, k] · x[ci, l]
        sgemm(true, false, rows, lt, c.Cig, 1.0f, w + g * c.Cig * rows, rows, x + (n * c.Cin + g * c.Cig) * L + l0, L,
              0.0f, col.data(), lt);
        par(c.Cog, K * lt, [&](int64_t c0, int64_t c1) {
          for (int64_t co = c0; co < c1; ++co) {
            float* dst = y + (n * c.Cout + g * c.Cog + co) * Lout;
            for (int64_t k = 0; k < K; ++k) {
              const float* src = col.data() + (co * K + k) * lt;
              const int64_t base = k * dil - pad + l0 * stride;  // output index of column l: l*stride + base
              for (int64_t l = 0; l < lt; ++l) {
                const int64_t t = l * stride + base;
                if (t >= 0 && t < Lout) dst[t] += src[l];
              }
            }
          }
        });
      }
    }
}

}  // namespace
ABW_KERNEL(cpu, conv1d, f32, conv1d);
ABW_KERNEL(cpu, conv2d, f32, conv2d);
ABW_KERNEL(cpu, conv_transpose1d, f32, conv_transpose1d);
}  // namespace abw::cpu
