// Row-major single-precision GEMM used by matmul, linear, conv and lstm:
//   C[M,N] = alpha · op(A) · op(B) + beta · C,  op(X) = X or Xᵀ (never copied by the caller).
// One cblas_sgemm (or sgemv for a single row) when a CBLAS is linked; otherwise a packed,
// cache-blocked kernel parallelised with parallel_for. Must not be called from inside a
// parallel_for region when BLAS is in use (OpenBLAS runs its own threads).
#pragma once
#include <cstdint>

namespace abw::cpu {

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// C[M,N] += A[M,K] · B[N,K]ᵀ without BLAS, for the small-M per-timestep products of recurrent
// layers: one streaming pass over B (no packing of the weights every step, no BLAS thread
// hand-off); parallel_for over B's rows when the product is large. Safe inside parallel_for.
void sgemm_small_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                    int64_t ldc);

// Bᵀ packed for the register-blocked kernel below: B [N, K] row-major becomes panels of 16 rows,
// stored k-major (Bp[panel][k][16], zero-padded). Size: packed_bt_size(N, K) floats.
inline int64_t packed_bt_size(int64_t N, int64_t K) { return (N + 15) / 16 * 16 * K; }
void pack_bt(const float* B, int64_t ldb, int64_t N, int64_t K, float* Bp);
// C[M, N] += A[M, K] · Bᵀ with B packed by pack_bt; 6×16 register blocks, no horizontal sums,
// for M >= 4. parallel_for over row and panel blocks when large. No BLAS, safe in parallel_for.
void gemm_packed_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* Bp, float* C, int64_t ldc);

}  // namespace abw::cpu
