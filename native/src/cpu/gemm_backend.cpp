// sgemm: CBLAS when available, else a packed cache-blocked fallback (see detail/gemm.h).
#include <algorithm>
#include <climits>
#include <cstring>

#include "common/memory.h"
#include "common/thread_pool.h"
#include "cpu/detail/gemm.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(ABW_HAVE_CBLAS)
#if defined(ABW_BLAS_ACCELERATE)
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif
#endif

namespace abw::cpu {

namespace {

// Scale C by beta (beta == 0 overwrites, so NaN/garbage in C does not leak through).
void scale_c(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
  if (beta == 1.0f) return;
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.0f) std::fill(c, c + N, 0.0f);
    else
      for (int64_t j = 0; j < N; ++j) c[j] *= beta;
  }
}

// ---- fallback ----------------------------------------------------------------------------
constexpr int MR = 6, NR = 16;
constexpr int64_t KC = 256, MC = 72, NC = 3072;

// A block (rows i0.., MC × kc) packed as MR-row panels: pa[(panel*kc + k)*MR + r].
void pack_a(bool ta, const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* pa) {
  for (int64_t ip = 0; ip < mc; ip += MR) {
    int64_t mr = std::min<int64_t>(MR, mc - ip);
    float* dst = pa + ip * kc;
    for (int64_t k = 0; k < kc; ++k) {
      for (int64_t r = 0; r < mr; ++r) {
        int64_t i = i0 + ip + r, kk = p0 + k;
        dst[k * MR + r] = ta ? A[kk * lda + i] : A[i * lda + kk];
      }
      for (int64_t r = mr; r < MR; ++r) dst[k * MR + r] = 0.0f;
    }
  }
}

// B block (kc × nc) packed as NR-column panels: pb[(panel*kc + k)*NR + c].
void pack_b(bool tb, const float* B, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* pb) {
  int64_t panels = (nc + NR - 1) / NR;
  parallel_for(panels, std::max<int64_t>(1, 4096 / (kc * NR) + 1), [&](int64_t pb0, int64_t pb1) {
    for (int64_t p = pb0; p < pb1; ++p) {
      int64_t jp = p * NR, nr = std::min<int64_t>(NR, nc - jp);
      float* dst = pb + jp * kc;
      for (int64_t k = 0; k < kc; ++k) {
        int64_t kk = p0 + k;
        if (!tb && nr == NR) {
          std::memcpy(dst + k * NR, B + kk * ldb + j0 + jp, NR * sizeof(float));
          continue;
        }
        for (int64_t c = 0; c < nr; ++c) {
          int64_t j = j0 + jp + c;
          dst[k * NR + c] = tb ? B[j * ldb + kk] : B[kk * ldb + j];
        }
        for (int64_t c = nr; c < NR; ++c) dst[k * NR + c] = 0.0f;
      }
    }
  });
}

// C[mr × nr] += alpha · (packed A panel) · (packed B panel).
inline void micro(int64_t kc, const float* pa, const float* pb, float alpha, float* C, int64_t ldc, int64_t mr, int64_t nr) {
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    const float* a = pa + k * MR;
    const float* b = pb + k * NR;
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 16
      for (int c = 0; c < NR; ++c) acc[r][c] += a[r] * b[c];
  }
  if (mr == MR && nr == NR) {
    for (int r = 0; r < MR; ++r)
      for (int c = 0; c < NR; ++c) C[r * ldc + c] += alpha * acc[r][c];
  } else {
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t c = 0; c < nr; ++c) C[r * ldc + c] += alpha * acc[r][c];
  }
}

void sgemm_fallback(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                    const float* B, int64_t ldb, float* C, int64_t ldc) {
  const int64_t kc_max = std::min(KC, K), nc_max = std::min(NC, N);
  Scratch<float> pb(static_cast<size_t>(kc_max * ((nc_max + NR - 1) / NR * NR)));
  for (int64_t j0 = 0; j0 < N; j0 += NC) {
    int64_t nc = std::min(NC, N - j0);
    for (int64_t p0 = 0; p0 < K; p0 += KC) {
      int64_t kc = std::min(KC, K - p0);
      pack_b(tb, B, ldb, p0, kc, j0, nc, pb.data());
      int64_t mblocks = (M + MC - 1) / MC;
      parallel_for(mblocks, 1, [&](int64_t b0, int64_t b1) {
        Scratch<float> pa(static_cast<size_t>(MC * kc));
        for (int64_t mb = b0; mb < b1; ++mb) {
          int64_t i0 = mb * MC, mc = std::min(MC, M - i0);
          pack_a(ta, A, lda, i0, mc, p0, kc, pa.data());
          for (int64_t jp = 0; jp < nc; jp += NR) {
            int64_t nr = std::min<int64_t>(NR, nc - jp);
            for (int64_t ip = 0; ip < mc; ip += MR) {
              int64_t mr = std::min<int64_t>(MR, mc - ip);
              micro(kc, pa.data() + ip * kc, pb.data() + jp * kc, alpha, C + (i0 + ip) * ldc + j0 + jp, ldc, mr, nr);
            }
          }
        }
      });
    }
  }
}

// Single output row (lstm with batch 1, linear on a vector): y = alpha·op(B)ᵀ-style dot products.
void gemv_row_fallback(bool ta, bool tb, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
                       int64_t ldb, float* C) {
  // a[k] = A(0, k): contiguous unless ta.
  Scratch<float> av;
  const float* a = A;
  if (ta) {
    av = Scratch<float>(static_cast<size_t>(K));
    for (int64_t k = 0; k < K; ++k) av[k] = A[k * lda];
    a = av.data();
  }
  if (tb) {  // C[j] += alpha · dot(a, B row j)
    parallel_for(N, std::max<int64_t>(1, 8192 / std::max<int64_t>(K, 1)), [&](int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; ++j) {
        const float* b = B + j * ldb;
        float acc[16] = {0};
        int64_t k = 0;
        for (; k + 16 <= K; k += 16)
          for (int u = 0; u < 16; ++u) acc[u] += a[k + u] * b[k + u];
        float s = 0;
        for (int u = 0; u < 16; ++u) s += acc[u];
        for (; k < K; ++k) s += a[k] * b[k];
        C[j] += alpha * s;
      }
    });
  } else {  // C[:] += alpha · Σ_k a[k] · B row k
    parallel_for(N, 4096, [&](int64_t j0, int64_t j1) {
      for (int64_t k = 0; k < K; ++k) {
        const float s = alpha * a[k];
        const float* b = B + k * ldb;
        for (int64_t j = j0; j < j1; ++j) C[j] += s * b[j];
      }
    });
  }
}

}  // namespace

namespace {
#if defined(__AVX2__) && defined(__FMA__)
inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
#endif

// c[0..3] += dot(a, b_r) for four rows b_r of length K.
inline void dot4(const float* a, const float* b0, const float* b1, const float* b2, const float* b3, int64_t K, float* c) {
  int64_t k = 0;
  float t0 = 0, t1 = 0, t2 = 0, t3 = 0;
#if defined(__AVX2__) && defined(__FMA__)
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
  for (; k + 16 <= K; k += 16) {
    const __m256 x = _mm256_loadu_ps(a + k), y = _mm256_loadu_ps(a + k + 8);
    s0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b0 + k), s0);
    s1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b1 + k), s1);
    s2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b2 + k), s2);
    s3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b3 + k), s3);
    u0 = _mm256_fmadd_ps(y, _mm256_loadu_ps(b0 + k + 8), u0);
    u1 = _mm256_fmadd_ps(y, _mm256_loadu_ps(b1 + k + 8), u1);
    u2 = _mm256_fmadd_ps(y, _mm256_loadu_ps(b2 + k + 8), u2);
    u3 = _mm256_fmadd_ps(y, _mm256_loadu_ps(b3 + k + 8), u3);
  }
  t0 = hsum8(_mm256_add_ps(s0, u0));
  t1 = hsum8(_mm256_add_ps(s1, u1));
  t2 = hsum8(_mm256_add_ps(s2, u2));
  t3 = hsum8(_mm256_add_ps(s3, u3));
#else
  constexpr int V = 8;
  float s0[V] = {}, s1[V] = {}, s2[V] = {}, s3[V] = {};
  for (; k + V <= K; k += V)
    for (int l = 0; l < V; ++l) {
      s0[l] += a[k + l] * b0[k + l];
      s1[l] += a[k + l] * b1[k + l];
      s2[l] += a[k + l] * b2[k + l];
      s3[l] += a[k + l] * b3[k + l];
    }
  for (int l = 0; l < V; ++l) {
    t0 += s0[l];
    t1 += s1[l];
    t2 += s2[l];
    t3 += s3[l];
  }
#endif
  for (; k < K; ++k) {
    t0 += a[k] * b0[k];
    t1 += a[k] * b1[k];
    t2 += a[k] * b2[k];
    t3 += a[k] * b3[k];
  }
  c[0] += t0;
  c[1] += t1;
  c[2] += t2;
  c[3] += t3;
}

// Two rows of A against four rows of B: each B load feeds two FMAs.
inline void dot4x2(const float* a0, const float* a1, const float* b0, const float* b1, const float* b2, const float* b3,
                   int64_t K, float* c0, float* c1) {
#if defined(__AVX2__) && defined(__FMA__)
  int64_t k = 0;
  __m256 s00 = _mm256_setzero_ps(), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
  for (; k + 8 <= K; k += 8) {
    const __m256 x = _mm256_loadu_ps(a0 + k), y = _mm256_loadu_ps(a1 + k);
    __m256 w = _mm256_loadu_ps(b0 + k);
    s00 = _mm256_fmadd_ps(x, w, s00);
    s10 = _mm256_fmadd_ps(y, w, s10);
    w = _mm256_loadu_ps(b1 + k);
    s01 = _mm256_fmadd_ps(x, w, s01);
    s11 = _mm256_fmadd_ps(y, w, s11);
    w = _mm256_loadu_ps(b2 + k);
    s02 = _mm256_fmadd_ps(x, w, s02);
    s12 = _mm256_fmadd_ps(y, w, s12);
    w = _mm256_loadu_ps(b3 + k);
    s03 = _mm256_fmadd_ps(x, w, s03);
    s13 = _mm256_fmadd_ps(y, w, s13);
  }
  float t[8] = {hsum8(s00), hsum8(s01), hsum8(s02), hsum8(s03), hsum8(s10), hsum8(s11), hsum8(s12), hsum8(s13)};
  for (; k < K; ++k) {
    t[0] += a0[k] * b0[k];
    t[1] += a0[k] * b1[k];
    t[2] += a0[k] * b2[k];
    t[3] += a0[k] * b3[k];
    t[4] += a1[k] * b0[k];
    t[5] += a1[k] * b1[k];
    t[6] += a1[k] * b2[k];
    t[7] += a1[k] * b3[k];
  }
  for (int u = 0; u < 4; ++u) {
    c0[u] += t[u];
    c1[u] += t[4 + u];
  }
#else
  dot4(a0, b0, b1, b2, b3, K, c0);
  dot4(a1, b0, b1, b2, b3, K, c1);
#endif
}
}  // namespace

namespace {
// One MT×NT tile of C += A·Bᵀ with the AVX2 (or portable) dot kernels.
void small_nt_tile(int64_t m0, int64_t m1, int64_t n0, int64_t n1, int64_t K, const float* A, int64_t lda, const float* B,
                   int64_t ldb, float* C, int64_t ldc) {
  int64_t j = n0;
  for (; j + 4 <= n1; j += 4) {
    const float* b0 = B + j * ldb;
    int64_t m = m0;
    for (; m + 2 <= m1; m += 2)
      dot4x2(A + m * lda, A + (m + 1) * lda, b0, b0 + ldb, b0 + 2 * ldb, b0 + 3 * ldb, K, C + m * ldc + j,
             C + (m + 1) * ldc + j);
    if (m < m1) dot4(A + m * lda, b0, b0 + ldb, b0 + 2 * ldb, b0 + 3 * ldb, K, C + m * ldc + j);
  }
  for (; j < n1; ++j)
    for (int64_t m = m0; m < m1; ++m) {
      const float* a = A + m * lda;
      const float* b = B + j * ldb;
      float acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += a[k] * b[k];
      C[m * ldc + j] += acc;
    }
}

}  // namespace

void sgemm_small_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                    int64_t ldc) {
  // Tiles of MT rows × NT columns keep both operand tiles cache-resident.
  constexpr int64_t MT = 64, NT = 64;
  const int64_t tm = (M + MT - 1) / MT, tn = (N + NT - 1) / NT;
  const int64_t work = M * N * K;
  // Split over threads only when the product is worth a pool wake-up.
  const int64_t grain = work >= (1 << 20) ? 1 : tm * tn;
  parallel_for(tm * tn, grain, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t m0 = (t % tm) * MT, m1 = std::min(M, m0 + MT);
      const int64_t n0 = (t / tm) * NT, n1 = std::min(N, n0 + NT);
      small_nt_tile(m0, m1, n0, n1, K, A, lda, B, ldb, C, ldc);
    }
  });
}

void pack_bt(const float* B, int64_t ldb, int64_t N, int64_t K, float* Bp) {
  const int64_t panels = (N + 15) / 16;
  for (int64_t p = 0; p < panels; ++p) {
    const int64_t j0 = p * 16, nr = std::min<int64_t>(16, N - j0);
    float* dst = Bp + p * 16 * K;
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t c = 0; c < nr; ++c) dst[k * 16 + c] = B[(j0 + c) * ldb + k];
      for (int64_t c = nr; c < 16; ++c) dst[k * 16 + c] = 0.0f;
    }
  }
}

namespace {
// C[MR × nr] += A[MR × K] · panel (nr <= 16): MR rows × two 8-float vectors of accumulators.
template <int MR>
inline void micro_nt(int64_t nr, int64_t K, const float* A, int64_t lda, const float* bp, float* C, int64_t ldc) {
#if defined(__AVX2__) && defined(__FMA__)
  // Named accumulators (not arrays): GCC keeps arrays of vectors on the stack in this loop.
  __m256 x0 = _mm256_setzero_ps(), y0 = x0, x1 = x0, y1 = x0, x2 = x0, y2 = x0, x3 = x0, y3 = x0, x4 = x0, y4 = x0,
         x5 = x0, y5 = x0;
  for (int64_t k = 0; k < K; ++k) {
    const __m256 b0 = _mm256_loadu_ps(bp + k * 16), b1 = _mm256_loadu_ps(bp + k * 16 + 8);
    __m256 a = _mm256_broadcast_ss(A + k);
    x0 = _mm256_fmadd_ps(a, b0, x0);
    y0 = _mm256_fmadd_ps(a, b1, y0);
    if constexpr (MR > 1) {
      a = _mm256_broadcast_ss(A + lda + k);
      x1 = _mm256_fmadd_ps(a, b0, x1);
      y1 = _mm256_fmadd_ps(a, b1, y1);
    }
    if constexpr (MR > 2) {
      a = _mm256_broadcast_ss(A + 2 * lda + k);
      x2 = _mm256_fmadd_ps(a, b0, x2);
      y2 = _mm256_fmadd_ps(a, b1, y2);
    }
    if constexpr (MR > 3) {
      a = _mm256_broadcast_ss(A + 3 * lda + k);
      x3 = _mm256_fmadd_ps(a, b0, x3);
      y3 = _mm256_fmadd_ps(a, b1, y3);
    }
    if constexpr (MR > 4) {
      a = _mm256_broadcast_ss(A + 4 * lda + k);
      x4 = _mm256_fmadd_ps(a, b0, x4);
      y4 = _mm256_fmadd_ps(a, b1, y4);
    }
    if constexpr (MR > 5) {
      a = _mm256_broadcast_ss(A + 5 * lda + k);
      x5 = _mm256_fmadd_ps(a, b0, x5);
      y5 = _mm256_fmadd_ps(a, b1, y5);
    }
  }
  alignas(32) float t[6][16];
  _mm256_store_ps(t[0], x0);
  _mm256_store_ps(t[0] + 8, y0);
  _mm256_store_ps(t[1], x1);
  _mm256_store_ps(t[1] + 8, y1);
  _mm256_store_ps(t[2], x2);
  _mm256_store_ps(t[2] + 8, y2);
  _mm256_store_ps(t[3], x3);
  _mm256_store_ps(t[3] + 8, y3);
  _mm256_store_ps(t[4], x4);
  _mm256_store_ps(t[4] + 8, y4);
  _mm256_store_ps(t[5], x5);
  _mm256_store_ps(t[5] + 8, y5);
#else
  float t[MR][16] = {};
  for (int64_t k = 0; k < K; ++k)
    for (int r = 0; r < MR; ++r) {
      const float a = A[r * lda + k];
      for (int c = 0; c < 16; ++c) t[r][c] += a * bp[k * 16 + c];
    }
#endif
  for (int r = 0; r < MR; ++r)
    for (int64_t c = 0; c < nr; ++c) C[r * ldc + c] += t[r][c];
}

inline void micro_6x16(int64_t mr, int64_t nr, int64_t K, const float* A, int64_t lda, const float* bp, float* C,
                       int64_t ldc) {
  switch (mr) {
    case 6: micro_nt<6>(nr, K, A, lda, bp, C, ldc); break;
    case 5: micro_nt<5>(nr, K, A, lda, bp, C, ldc); break;
    case 4: micro_nt<4>(nr, K, A, lda, bp, C, ldc); break;
    case 3: micro_nt<3>(nr, K, A, lda, bp, C, ldc); break;
    case 2: micro_nt<2>(nr, K, A, lda, bp, C, ldc); break;
    default: micro_nt<1>(nr, K, A, lda, bp, C, ldc); break;
  }
}
}  // namespace

void gemm_packed_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* Bp, float* C, int64_t ldc) {
  constexpr int64_t MB = 48, PB = 4;  // rows × panels per task: A block and B panels stay in L1/L2
  const int64_t panels = (N + 15) / 16, tm = (M + MB - 1) / MB, tp = (panels + PB - 1) / PB;
  const int64_t grain = M * N * K >= (1 << 20) ? 1 : tm * tp;
  parallel_for(tm * tp, grain, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t m0 = (t % tm) * MB, m1 = std::min(M, m0 + MB);
      const int64_t p0 = (t / tm) * PB, p1 = std::min(panels, p0 + PB);
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t j0 = p * 16, nr = std::min<int64_t>(16, N - j0);
        for (int64_t m = m0; m < m1; m += 6)
          micro_6x16(std::min<int64_t>(6, m1 - m), nr, K, A + m * lda, lda, Bp + p * 16 * K, C + m * ldc + j0, ldc);
      }
    }
  });
}

void sgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
           int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
#if defined(ABW_HAVE_CBLAS)
  const int64_t lim = INT_MAX;
  if (M < lim && N < lim && K < lim && lda < lim && ldb < lim && ldc < lim) {
    const float b = beta;  // OpenBLAS and Accelerate treat beta == 0 as overwrite
    if (M == 1) {
      // One row: y = alpha·op(B)ᵀ·a + b·y, as a gemv on B (row-major [K×N] or [N×K]).
      const int n_rows = static_cast<int>(tb ? N : K), n_cols = static_cast<int>(tb ? K : N);
      // gemv scales y by beta with ?scal, which in newer OpenBLAS keeps NaN·0 = NaN from
      // uninitialised output memory; clear it instead.
      if (beta == 0.0f) std::fill(C, C + N, 0.0f);
      cblas_sgemv(CblasRowMajor, tb ? CblasNoTrans : CblasTrans, n_rows, n_cols, alpha, B, static_cast<int>(ldb), A,
                  static_cast<int>(ta ? lda : 1), b, C, 1);
      return;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(M),
                static_cast<int>(N), static_cast<int>(K), alpha, A, static_cast<int>(lda), B, static_cast<int>(ldb), b, C,
                static_cast<int>(ldc));
    return;
  }
#endif
  scale_c(M, N, beta, C, ldc);
  if (M == 1) gemv_row_fallback(ta, tb, N, K, alpha, A, lda, B, ldb, C);
  else sgemm_fallback(ta, tb, M, N, K, alpha, A, lda, B, ldb, C, ldc);
}

}  // namespace abw::cpu
