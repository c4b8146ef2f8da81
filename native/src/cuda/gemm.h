// One cuBLASLt GEMM, planned once: descriptors and the heuristic's algorithm are chosen at
// prepare time; run() only enqueues. Row-major operands as the ops see them; the column-major
// mapping lives in gemm.cpp.
#pragma once
#include <cublasLt.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <memory>

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
  void run(cudaStream_t s, const void* a, const void* b, void* c) const;

 private:
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t la_ = nullptr, lb_ = nullptr, lc_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
  float alpha_ = 1.0f, beta_ = 0.0f;
  bool empty_ = false;
};

}  // namespace abw::cuda
