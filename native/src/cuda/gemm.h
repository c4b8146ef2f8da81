// cuBLASLt GEMMs, planned once: descriptors and the heuristic's algorithm are chosen at prepare
// time; run() only enqueues. Row-major operands as the ops see them; the column-major mapping
// lives in gemm.cpp. Gemm: floating point; GemmI8: int8 × int8 → int32 on the tensor cores.
#pragma once
#include <cublasLt.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/dtype.h"

namespace abw::cuda {

struct GemmShape {
  // Row-major: C[M, N] = op(A) · op(B); A is [M, K] ([K, M] if trans_a), B is [K, N] ([N, K] if trans_b).
  int64_t M = 0, N = 0, K = 0;
  bool trans_a = false, trans_b = false;
  int64_t batch = 1;
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;  // elements; 0 broadcasts an operand
  int64_t ldc = 0;                                   // 0: N
};

class Gemm {
 public:
  // dtype: f32 (tf32 picks TF32 tensor-core math), f16 or bf16 storage; always f32 accumulation.
  // bias: a [N] vector added to every row (cuBLASLt epilogue), or nullptr.
  // c_dtype: storage of C (f32 keeps f16/bf16 products unrounded, e.g. LSTM gates); default dtype.
  Gemm(const GemmShape& s, DType dtype, bool tf32, const void* bias, float beta = 0.0f, DType c_dtype = DType::f64);
  ~Gemm();
  Gemm(const Gemm&) = delete;
  Gemm& operator=(const Gemm&) = delete;
  void run(cudaStream_t s, const void* a, const void* b, void* c) const { run(s, a, b, c, c); }
  // D = A·B + beta·C with C and D separate buffers of the same layout (a residual read in the
  // epilogue, instead of a separate add that reads the product back).
  void run(cudaStream_t s, const void* a, const void* b, const void* c, void* d) const;

 private:
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t la_ = nullptr, lb_ = nullptr, lc_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
  float alpha_ = 1.0f, beta_ = 0.0f;
  bool empty_ = false;
};

// C[M, N] (int32) = X[M, K] · W[N, K]ᵀ (int8) through cuBLASLt's int8 tensor-core (IMMA) GEMM,
// alpha = 1, beta = 0: exact, see gemm.cpp. Planned for operands aligned to at least `align`
// bytes (address_alignment of each pointer). Where cuBLASLt cannot take the shape or finds no
// algorithm, ok() is false and why() says which condition failed; the caller falls back.
class GemmI8 {
 public:
  // Longest K whose sums stay inside int32 whatever the int8 values: |x·w| <= 2^14, and
  // 131071 · 2^14 < 2^31. Beyond it the result must wrap like int32, which IMMA does not promise.
  static constexpr int64_t kMaxExactK = 131071;

  GemmI8(int64_t M, int64_t N, int64_t K, unsigned align);
  ~GemmI8();
  GemmI8(const GemmI8&) = delete;
  GemmI8& operator=(const GemmI8&) = delete;
  bool ok() const { return why_.empty(); }
  const std::string& why() const { return why_; }
  int algo_id() const { return algo_id_; }
  size_t workspace_bytes() const { return workspace_; }
  void run(cudaStream_t s, const int8_t* x, const int8_t* w, int32_t* c) const;

 private:
  std::string plan(int64_t M, int64_t N, int64_t K, unsigned align);  // "" or why not
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t la_ = nullptr, lb_ = nullptr, lc_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
  int32_t alpha_ = 1, beta_ = 0;
  int algo_id_ = -1;
  size_t workspace_ = 0;
  std::string why_;
};

// The largest power of two (at most 256) that divides the address: the alignment cuBLASLt's
// heuristic is told, so that it only offers algorithms the pointers can run.
unsigned address_alignment(const void* p);

}  // namespace abw::cuda
