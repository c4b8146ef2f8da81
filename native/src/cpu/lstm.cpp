// cpu LSTM: the input projection of all timesteps is one GEMM (bias folded in), then each step
// adds h·W_hhᵀ straight into that step's gate rows (ldc skips over the other timesteps when
// batch_first, so nothing is transposed) and runs one fused, vectorised gate loop. All products
// use our own kernels (detail/gemm.h) rather than BLAS: per-step products are too small for BLAS
// threading, and BLAS worker threads left spinning after a call steal the cores the recurrence
// runs on.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include "cpu/detail/gemm.h"
#include "cpu/detail/util.h"

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#endif

namespace abw::cpu {
namespace {

// c = f·c + i·g, h = o·tanh(c) for hidden units [j0, j1) of one row; gates laid out [i | f | g | o].
inline void gate_range(const float* gates, float* c, float* h, int64_t H, int64_t j0, int64_t j1) {
  const float* gi = gates;
  const float* gf = gates + H;
  const float* gg = gates + 2 * H;
  const float* go = gates + 3 * H;
  for (int64_t j = j0; j < j1; ++j) {
    const float i = sigmoid_f(gi[j]), f = sigmoid_f(gf[j]), g = tanh_f(gg[j]), o = sigmoid_f(go[j]);
    const float cn = f * c[j] + i * g;
    c[j] = cn;
    h[j] = o * tanh_f(cn);
  }
}
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
// The same loop compiled for AVX-512 (16 lanes), used with the AVX-512 kernels below.
__attribute__((target("avx512f,avx512dq,fma"))) void gate_range512(const float* gates, float* c, float* h, int64_t H,
                                                                    int64_t j0, int64_t j1) {
  const float* gi = gates;
  const float* gf = gates + H;
  const float* gg = gates + 2 * H;
  const float* go = gates + 3 * H;
  for (int64_t j = j0; j < j1; ++j) {
    const float i = sigmoid_f(gi[j]), f = sigmoid_f(gf[j]), g = tanh_f(gg[j]), o = sigmoid_f(go[j]);
    const float cn = f * c[j] + i * g;
    c[j] = cn;
    h[j] = o * tanh_f(cn);
  }
}
#endif
inline void gate_row(const float* gates, float* c, float* h, int64_t H) { gate_range(gates, c, h, H, 0, H); }

inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
  _mm_pause();
#endif
}

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define ABW_LSTM_AVX512 1
// AVX-512 kernels on the same 16-column panels as pack_bt, chosen at run time (the build targets
// AVX2): the 32 vector registers allow 14×32 register blocks for the input projection and 16×16
// blocks for the per-step product (W_hh read once per step for 16 batch rows), where the AVX2
// kernel is limited to 6×16. Each accumulator still sums k in order, so results are identical
// to the AVX2 kernels'.
bool have_avx512() {
  static const bool ok = [] {
    // ABW_CPU_ISA=avx2 keeps the AVX2 kernels on an AVX-512 machine, so that the two paths can be
    // compared on one machine (test/native/lstm-isa.test.ts).
    const char* isa = std::getenv("ABW_CPU_ISA");
    if (isa && std::strcmp(isa, "avx2") == 0) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return ok;
}
// C[MR × (16·NV, last vector cut to `last` columns)] += A[MR × K] · panels p..p+NV-1.
template <int MR, int NV>
__attribute__((target("avx512f,fma"))) void mk512(int64_t K, const float* A, int64_t lda, const float* bp,
                                                   int64_t pstride, float* C, int64_t ldc, int last) {
  __m512 acc[MR][NV];
#pragma GCC unroll 32
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
  for (int64_t k = 0; k < K; ++k) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = _mm512_loadu_ps(bp + v * pstride + k * 16);
#pragma GCC unroll 32
    for (int r = 0; r < MR; ++r) {
      const __m512 a = _mm512_set1_ps(A[r * lda + k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(a, b[v], acc[r][v]);
    }
  }
  const __mmask16 lm = static_cast<__mmask16>((1u << last) - 1u);
#pragma GCC unroll 32
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      float* c = C + r * ldc + v * 16;
      const __mmask16 m = v == NV - 1 ? lm : static_cast<__mmask16>(0xFFFF);
      _mm512_mask_storeu_ps(c, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, c), acc[r][v]));
    }
}
template <int NV, int R = (NV == 1 ? 16 : 14)>
inline void mk512_rows(int mr, int64_t K, const float* A, int64_t lda, const float* bp, int64_t pstride, float* C,
                       int64_t ldc, int last) {
  if constexpr (R >= 1) {
    if (mr == R) return mk512<R, NV>(K, A, lda, bp, pstride, C, ldc, last);
    return mk512_rows<NV, R - 1>(mr, K, A, lda, bp, pstride, C, ldc, last);
  }
}
// C[MR × N] += A · Bᵀ with A given k-major (At[k·16 + r], r < MR <= 16) and B packed by pack_bt:
// one cache line of A and one of B per k, a single A pointer (no per-row address registers).
template <int MR>
__attribute__((target("avx512f,fma"))) void mk512t(int64_t K, const float* At, const float* bp, float* C, int64_t ldc,
                                                    int last) {
  __m512 acc[MR];
#pragma GCC unroll 32
  for (int r = 0; r < MR; ++r) acc[r] = _mm512_setzero_ps();
  for (int64_t k = 0; k < K; ++k) {
    const __m512 b = _mm512_loadu_ps(bp + k * 16);
#pragma GCC unroll 32
    for (int r = 0; r < MR; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(At[k * 16 + r]), b, acc[r]);
  }
  const __mmask16 m = static_cast<__mmask16>((1u << last) - 1u);
#pragma GCC unroll 32
  for (int r = 0; r < MR; ++r) {
    float* c = C + r * ldc;
    _mm512_mask_storeu_ps(c, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, c), acc[r]));
  }
}
template <int R = 16>
inline void mk512t_rows(int mr, int64_t K, const float* At, const float* bp, float* C, int64_t ldc, int last) {
  if constexpr (R >= 1) {
    if (mr == R) return mk512t<R>(K, At, bp, C, ldc, last);
    return mk512t_rows<R - 1>(mr, K, At, bp, C, ldc, last);
  }
}
// C[M, N] += A · Bᵀ, A [M, K] stored as groups of 16 rows, each k-major (hT[g][k][16]).
void gemm512_tn(int64_t M, int64_t N, int64_t K, const float* At, const float* Bp, float* C, int64_t ldc) {
  const int64_t panels = (N + 15) / 16;
  for (int64_t g = 0; g * 16 < M; ++g) {
    const int mr = static_cast<int>(std::min<int64_t>(16, M - g * 16));
    for (int64_t p = 0; p < panels; ++p) {
      const int last = static_cast<int>(std::min<int64_t>(16, N - p * 16));
      mk512t_rows(mr, K, At + g * 16 * K, Bp + p * 16 * K, C + g * 16 * ldc + p * 16, ldc, last);
    }
  }
}
// C[M, N] += A[M, K] · Bᵀ, B packed by pack_bt; this thread only (no parallel_for).
// Rows in blocks of MB kept in L2 while the panels stream past; 14×32 or 16×16 register blocks.
void gemm512_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* Bp, float* C, int64_t ldc) {
  const int64_t panels = (N + 15) / 16;
  const bool narrow = M <= 16;  // one block of rows: 16×16, each panel read once
  const int64_t MRo = narrow ? 16 : 14, MB = narrow ? 16 : 112;
  for (int64_t m0 = 0; m0 < M; m0 += MB) {
    const int64_t m1 = std::min(M, m0 + MB);
    for (int64_t p = 0; p < panels; p += narrow ? 1 : 2) {
      const int nv = narrow || p + 1 == panels ? 1 : 2;
      const int64_t j0 = p * 16;
      const int last = static_cast<int>(std::min<int64_t>(16, N - (j0 + (nv - 1) * 16)));
      for (int64_t m = m0; m < m1; m += MRo) {
        const int mr = static_cast<int>(std::min<int64_t>(MRo, m1 - m));
        if (nv == 2) mk512_rows<2>(mr, K, A + m * lda, lda, Bp + p * 16 * K, 16 * K, C + m * ldc + j0, ldc, last);
        else mk512_rows<1>(mr, K, A + m * lda, lda, Bp + p * 16 * K, 16 * K, C + m * ldc + j0, ldc, last);
      }
    }
  }
}
#endif

// pack_bt split over the threads by panels (each panel is packed independently).
void pack_bt_par(const float* B, int64_t ldb, int64_t N, int64_t K, float* Bp) {
  const int64_t panels = (N + 15) / 16;
  parallel_for(panels, std::max<int64_t>(1, 8192 / (16 * K + 1)), [&](int64_t p0, int64_t p1) {
    pack_bt(B + p0 * 16 * ldb, ldb, std::min(N, p1 * 16) - p0 * 16, K, Bp + p0 * 16 * K);
  });
}

void fill_rows_with_bias(float* G, int64_t rows, int64_t width, const float* b1, const float* b2) {
  par(rows, width, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* g = G + r * width;
      for (int64_t j = 0; j < width; ++j) g[j] = b1[j] + b2[j];
    }
  });
}

void lstm_cell(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  const Tensor& Hx = a.input(1, "hx");
  const Tensor& Cx = a.input(2, "cx");
  const Tensor& Wih = a.input(3, "w_ih");
  const Tensor& Whh = a.input(4, "w_hh");
  const Tensor* Bih = a.optional(5);
  const Tensor* Bhh = a.optional(6);
  Tensor& H1 = a.output(0, "h1");
  Tensor& C1 = a.output(1, "c1");
  check_ndim(a, X, 2, "input `input`");
  check_ndim(a, Hx, 2, "input `hx`");
  const int64_t B = X.size(0), I = X.size(1), H = Hx.size(1);
  check_shape(a, Hx, {B, H}, "input `hx`");
  check_shape(a, Cx, {B, H}, "input `cx`");
  check_shape(a, Wih, {4 * H, I}, "input `w_ih`");
  check_shape(a, Whh, {4 * H, H}, "input `w_hh`");
  ABW_CHECK((Bih == nullptr) == (Bhh == nullptr), "EINVAL", a.msg("inputs `b_ih` and `b_hh` must be given together"));
  if (Bih) check_shape(a, *Bih, {4 * H}, "input `b_ih`");
  if (Bhh) check_shape(a, *Bhh, {4 * H}, "input `b_hh`");
  check_shape(a, H1, {B, H}, "output `h1`");
  check_shape(a, C1, {B, H}, "output `c1`");
  const float* x = fin(a, X, "input `input`");
  const float* hx = fin(a, Hx, "input `hx`");
  const float* cx = fin(a, Cx, "input `cx`");
  const float* wih = fin(a, Wih, "input `w_ih`");
  const float* whh = fin(a, Whh, "input `w_hh`");
  float* h1 = fout(a, H1, "output `h1`");
  float* c1 = fout(a, C1, "output `c1`");
  if (B == 0 || H == 0) return;
  Scratch<float> G(static_cast<size_t>(B * 4 * H));
  float beta = 0.0f;
  if (Bih) {
    fill_rows_with_bias(G.data(), B, 4 * H, fin(a, *Bih, "input `b_ih`"), fin(a, *Bhh, "input `b_hh`"));
    beta = 1.0f;
  }
  sgemm(false, true, B, 4 * H, I, 1.0f, x, I, wih, I, beta, G.data(), 4 * H);
  sgemm(false, true, B, 4 * H, H, 1.0f, hx, H, whh, H, 1.0f, G.data(), 4 * H);
  if (c1 != cx) std::memcpy(c1, cx, B * H * sizeof(float));
  par(B, 40 * H, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) gate_row(G.data() + b * 4 * H, c1 + b * H, h1 + b * H, H);
  });
}

void lstm(KernelArgs& a) {
  const Tensor& X = a.input(0, "x");
  const Tensor* H0 = a.optional(1);
  const Tensor* C0 = a.optional(2);
  Tensor& Out = a.output(0, "out");
  Tensor& Hn = a.output(1, "h_n");
  Tensor& Cn = a.output(2, "c_n");
  const int64_t L = a.p.i("num_layers"), H = a.p.i("hidden_size");
  const bool bias = a.p.b("bias"), bf = a.p.b("batch_first");
  ABW_CHECK(L >= 1, "EINVAL", a.msg("parameter `num_layers` must be >= 1"));
  ABW_CHECK(H >= 1, "EINVAL", a.msg("parameter `hidden_size` must be >= 1"));
  const int64_t per = bias ? 4 : 2;
  ABW_CHECK(static_cast<int64_t>(a.num_inputs()) == 3 + L * per, "EINVAL",
            a.msg("expected " + std::to_string(3 + L * per) + " inputs (x, h0, c0 and " + std::to_string(per) +
                  " weights per layer), got " + std::to_string(a.num_inputs())));
  check_ndim(a, X, 3, "input `x`");
  const int64_t T = bf ? X.size(1) : X.size(0), B = bf ? X.size(0) : X.size(1), I = X.size(2);
  if (H0) check_shape(a, *H0, {L, B, H}, "input `h0`");
  if (C0) check_shape(a, *C0, {L, B, H}, "input `c0`");
  check_shape(a, Out, bf ? Shape{B, T, H} : Shape{T, B, H}, "output `out`");
  check_shape(a, Hn, {L, B, H}, "output `h_n`");
  check_shape(a, Cn, {L, B, H}, "output `c_n`");
  std::vector<const float*> wih(L), whh(L), bih(L, nullptr), bhh(L, nullptr);
  for (int64_t l = 0; l < L; ++l) {
    const std::string s = std::to_string(l);
    const Tensor& wi = a.input(3 + l * per, "weight_ih");
    const Tensor& wh = a.input(4 + l * per, "weight_hh");
    check_shape(a, wi, {4 * H, l == 0 ? I : H}, ("input `weight_ih_l" + s + "`").c_str());
    check_shape(a, wh, {4 * H, H}, ("input `weight_hh_l" + s + "`").c_str());
    wih[l] = fin(a, wi, "input `weight_ih`");
    whh[l] = fin(a, wh, "input `weight_hh`");
    if (bias) {
      const Tensor& bi = a.input(5 + l * per, "bias_ih");
      const Tensor& bh = a.input(6 + l * per, "bias_hh");
      check_shape(a, bi, {4 * H}, ("input `bias_ih_l" + s + "`").c_str());
      check_shape(a, bh, {4 * H}, ("input `bias_hh_l" + s + "`").c_str());
      bih[l] = fin(a, bi, "input `bias_ih`");
      bhh[l] = fin(a, bh, "input `bias_hh`");
    }
  }
  const float* x = fin(a, X, "input `x`");
  const float* h0 = H0 ? fin(a, *H0, "input `h0`") : nullptr;
  const float* c0 = C0 ? fin(a, *C0, "input `c0`") : nullptr;
  float* out = fout(a, Out, "output `out`");
  float* hn = fout(a, Hn, "output `h_n`");
  float* cn = fout(a, Cn, "output `c_n`");
  if (B == 0) return;
  if (T == 0) {  // nothing to run: the final state is the initial state
    for (int64_t i = 0; i < L * B * H; ++i) {
      hn[i] = h0 ? h0[i] : 0.0f;
      cn[i] = c0 ? c0[i] : 0.0f;
    }
    return;
  }
  const int64_t G4 = 4 * H;
  // Row of (t, b) in x, out and the gate buffer; rows of one timestep are `rs` rows apart.
  const int64_t rs = bf ? T : 1;
  auto row = [&](int64_t t, int64_t b) { return bf ? b * T + t : t * B + b; };
  auto step_row = [&](int64_t t) { return bf ? t : t * B; };
  Scratch<float> G(static_cast<size_t>(T * B * G4));
  Scratch<float> mid[2];
  if (L > 1) mid[0] = Scratch<float>(static_cast<size_t>(T * B * H));
  if (L > 2) mid[1] = Scratch<float>(static_cast<size_t>(T * B * H));
  // The recurrence runs as one team region for all timesteps: hidden units are split into P
  // slices; a slice of step t computes its four gate columns (h_{t-1}·W_hhᵀ on its W_hh rows, our
  // own kernel: no per-step weight packing, no BLAS hand-off) and its gate nonlinearity, so a step
  // needs a single barrier. Members claim their own slice first, so in steady state each core
  // keeps re-reading the same W_hh rows from its own cache; a member that is not running (pool
  // busy, nested call) simply has its slices done by the others, so nothing can deadlock.
  // Tiny steps are not worth a barrier per timestep: one slice, no second member.
  const int64_t P = B * 4 * H * H < (1 << 17) ? 1 : std::max<int64_t>(1, std::min<int64_t>(num_threads(), H / 16));
  auto claim = std::make_unique<std::atomic<int64_t>[]>(static_cast<size_t>(P));
  std::atomic<int64_t> completed{0};
  const float* in = x;
  int64_t in_w = I;
  for (int64_t l = 0; l < L; ++l) {
    float* y = l == L - 1 ? out : mid[l % 2].data();
    float* c = cn + l * B * H;  // the cell state lives in c_n
    if (c0) std::memcpy(c, c0 + l * B * H, B * H * sizeof(float));
    else std::fill(c, c + B * H, 0.0f);
    if (bias) fill_rows_with_bias(G.data(), T * B, G4, bih[l], bhh[l]);
    // Input projection of all timesteps with our own kernel as well: a BLAS call here leaves
    // the BLAS threads spinning on the cores the recurrence below needs.
    if (!bias) std::fill(G.data(), G.data() + T * B * G4, 0.0f);
    if (T * B >= 4) {
      Scratch<float> wp(static_cast<size_t>(packed_bt_size(G4, in_w)));
      pack_bt_par(wih[l], in_w, G4, in_w, wp.data());
#if defined(ABW_LSTM_AVX512)
      if (have_avx512()) {
        // Rows split evenly between the threads in multiples of the 14-row register block.
        const int64_t M = T * B, groups = (M + 13) / 14, nt = std::max<int64_t>(1, std::min<int64_t>(num_threads(), groups));
        const float* wpd = wp.data();
        parallel_for(nt, 1, [&](int64_t q0, int64_t q1) {
          for (int64_t q = q0; q < q1; ++q) {
            const int64_t r0 = std::min(M, groups * q / nt * 14), r1 = std::min(M, groups * (q + 1) / nt * 14);
            if (r1 > r0) gemm512_nt(r1 - r0, G4, in_w, in + r0 * in_w, in_w, wpd, G.data() + r0 * G4, G4);
          }
        });
      } else
#endif
      gemm_packed_nt(T * B, G4, in_w, in, in_w, wp.data(), G.data(), G4);
    } else {
      sgemm_small_nt(T * B, G4, in_w, in, in_w, wih[l], in_w, G.data(), G4);
    }
    const float* w = whh[l];
    const float* h_init = h0 ? h0 + l * B * H : nullptr;
    // Batches of 4+ rows use the register-blocked kernel on W_hh packed once per layer, per
    // (slice, gate) block so every block's panels start at its own columns.
    const bool packed = B >= 4;
    auto block_off = [&](int64_t p, int64_t q) {
      int64_t off = 0;
      for (int64_t pp = 0; pp < p; ++pp) off += 4 * packed_bt_size(H * (pp + 1) / P - H * pp / P, H);
      return off + q * packed_bt_size(H * (p + 1) / P - H * p / P, H);
    };
    Scratch<float> whp;
    if (packed) {
      whp = Scratch<float>(static_cast<size_t>(block_off(P, 0)));
      parallel_for(4 * P, P == 1 ? 4 : 1, [&](int64_t b0, int64_t b1) {
        for (int64_t bq = b0; bq < b1; ++bq) {
          const int64_t p = bq / 4, q = bq % 4, j0 = H * p / P, j1 = H * (p + 1) / P;
          pack_bt(w + (q * H + j0) * H, H, j1 - j0, H, whp.data() + block_off(p, q));
        }
      });
    }
#if defined(ABW_LSTM_AVX512)
    const bool tn = packed && have_avx512();
#else
    const bool tn = false;
#endif
    // With AVX-512 the step product reads h_{t-1} from a k-major copy (hT[t % 2]: groups of 16
    // rows, [k][16]) that each slice's gate loop writes for its own hidden units, double-buffered
    // so step t writes one copy while the other slices may still read the other; the per-step
    // wait already orders these, so no extra barrier.
    const int64_t hts = (B + 15) / 16 * 16 * H;
    Scratch<float> hT;
    if (tn) {
      hT = Scratch<float>(static_cast<size_t>(2 * hts));
      std::fill(hT.data(), hT.data() + 2 * hts, 0.0f);
      if (h_init)
        for (int64_t b = 0; b < B; ++b)
          for (int64_t j = 0; j < H; ++j) hT[hts + (b / 16) * 16 * H + j * 16 + b % 16] = h_init[b * H + j];
    }
    auto slice = [&](int64_t t, int64_t p) {
      const int64_t j0 = H * p / P, j1 = H * (p + 1) / P;
      float* g = G.data() + step_row(t) * G4;
      const float* hp = t > 0 ? y + step_row(t - 1) * H : h_init;
      const int64_t ldh = t > 0 ? rs * H : H;
      if (hp)
        for (int64_t q = 0; q < 4; ++q) {
#if defined(ABW_LSTM_AVX512)
          if (tn) gemm512_tn(B, j1 - j0, H, hT.data() + ((t + 1) % 2) * hts, whp.data() + block_off(p, q), g + q * H + j0, rs * G4);
          else
#endif
          if (packed) gemm_packed_nt(B, j1 - j0, H, hp, ldh, whp.data() + block_off(p, q), g + q * H + j0, rs * G4);
          else sgemm_small_nt(B, j1 - j0, H, hp, ldh, w + (q * H + j0) * H, H, g + q * H + j0, rs * G4);
        }
#if defined(ABW_LSTM_AVX512)
      if (tn)
        for (int64_t b = 0; b < B; ++b) gate_range512(G.data() + row(t, b) * G4, c + b * H, y + row(t, b) * H, H, j0, j1);
      else
#endif
      for (int64_t b = 0; b < B; ++b) gate_range(G.data() + row(t, b) * G4, c + b * H, y + row(t, b) * H, H, j0, j1);
      if (tn) {
        float* dst = hT.data() + (t % 2) * hts;
        for (int64_t b = 0; b < B; ++b) {
          const float* src = y + row(t, b) * H;
          float* d = dst + (b / 16) * 16 * H + b % 16;
          for (int64_t j = j0; j < j1; ++j) d[j * 16] = src[j];
        }
      }
    };
    for (int64_t p = 0; p < P; ++p) claim[p].store(0);
    completed.store(0);
    parallel_for(P, 1, [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m)
        for (int64_t t = 0; t < T; ++t) {
          // Step t reads all of h_{t-1}: wait for every slice of the previous step.
          int spins = 0;
          while (completed.load(std::memory_order_acquire) < t * P) {
            if (++spins < 4096) cpu_relax();
            else std::this_thread::yield();
          }
          for (int64_t k = 0; k < P; ++k) {
            const int64_t p = (m + k) % P;
            int64_t expect = t;
            if (claim[p].load(std::memory_order_relaxed) == t &&
                claim[p].compare_exchange_strong(expect, t + 1, std::memory_order_acq_rel)) {
              slice(t, p);
              completed.fetch_add(1, std::memory_order_release);
            }
          }
        }
    });
    for (int64_t b = 0; b < B; ++b) std::memcpy(hn + (l * B + b) * H, y + row(T - 1, b) * H, H * sizeof(float));
    in = y;
    in_w = H;
  }
}

}  // namespace
ABW_KERNEL(cpu, lstm_cell, f32, lstm_cell);
ABW_KERNEL(cpu, lstm, f32, lstm);
}  // namespace abw::cpu
