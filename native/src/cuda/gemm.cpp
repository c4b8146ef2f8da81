#include "cuda/gemm.h"

#include <string>

#include "common/error.h"
#include "cuda/context.h"

namespace abw::cuda {

namespace {
void lt_check(cublasStatus_t s, const char* what) {
  if (s == CUBLAS_STATUS_SUCCESS) return;
  if (s == CUBLAS_STATUS_ALLOC_FAILED) fail("ENOMEM", std::string("out of device memory in ") + what);
  fail("EINTERNAL", std::string(what) + " failed: cuBLAS status " + std::to_string(static_cast<int>(s)));
}
cudaDataType_t data_type(DType t) {
  switch (t) {
    case DType::f16: return CUDA_R_16F;
    case DType::bf16: return CUDA_R_16BF;
    default: return CUDA_R_32F;
  }
}
}  // namespace

// Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: cuBLASLt's "A" is our B and its "B" our A, with
// m = N, n = M. A row-major [R, C] matrix is a column-major [C, R] one with leading dim C.
Gemm::Gemm(const GemmShape& s, DType dtype, bool tf32, const void* bias, float beta, DType c_dtype) : beta_(beta) {
  if (s.M == 0 || s.N == 0 || s.batch == 0) {
    empty_ = true;
    return;
  }
  const cudaDataType_t dt = data_type(dtype);
  const cublasComputeType_t ct = tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  lt_check(cublasLtMatmulDescCreate(&op_, ct, CUDA_R_32F), "cublasLtMatmulDescCreate");
  const cublasOperation_t opA = s.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;  // Lt's A = our B
  const cublasOperation_t opB = s.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;  // Lt's B = our A
  lt_check(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA, &opA, sizeof opA), "set TRANSA");
  lt_check(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB, &opB, sizeof opB), "set TRANSB");
  if (bias) {
    const cublasLtEpilogue_t epi = CUBLASLT_EPILOGUE_BIAS;
    lt_check(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof epi), "set EPILOGUE");
    lt_check(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias), "set BIAS_POINTER");
  }
  const int64_t m = s.N, n = s.M, k = s.K;
  // Lt A (our B): stored rows = (trans_b ? N : K), cols = (trans_b ? K : N) row-major.
  const uint64_t a_rows = s.trans_b ? k : m, a_cols = s.trans_b ? m : k;  // column-major dims of Lt A
  const uint64_t b_rows = s.trans_a ? n : k, b_cols = s.trans_a ? k : n;
  const int64_t ldc = s.ldc ? s.ldc : s.N;
  lt_check(cublasLtMatrixLayoutCreate(&la_, dt, a_rows, a_cols, static_cast<int64_t>(a_rows)), "layout A");
  lt_check(cublasLtMatrixLayoutCreate(&lb_, dt, b_rows, b_cols, static_cast<int64_t>(b_rows)), "layout B");
  const cudaDataType_t ct_c = c_dtype == DType::f64 ? dt : data_type(c_dtype);
  lt_check(cublasLtMatrixLayoutCreate(&lc_, ct_c, m, n, ldc), "layout C");
  if (s.batch > 1) {
    const int32_t bc = static_cast<int32_t>(s.batch);
    const int64_t sa = s.stride_b, sb = s.stride_a, sc = s.stride_c;
    for (auto* l : {&la_, &lb_, &lc_}) lt_check(cublasLtMatrixLayoutSetAttribute(*l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &bc, sizeof bc), "batch");
    lt_check(cublasLtMatrixLayoutSetAttribute(la_, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &sa, sizeof sa), "stride A");
    lt_check(cublasLtMatrixLayoutSetAttribute(lb_, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &sb, sizeof sb), "stride B");
    lt_check(cublasLtMatrixLayoutSetAttribute(lc_, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &sc, sizeof sc), "stride C");
  }
  Context& c = ctx();
  cublasLtMatmulPreference_t pref = nullptr;
  lt_check(cublasLtMatmulPreferenceCreate(&pref), "preference");
  uint64_t ws = c.lt_workspace_bytes;
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
  cublasLtMatmulHeuristicResult_t res[1];
  int found = 0;
  cublasStatus_t hs = cublasLtMatmulAlgoGetHeuristic(c.lt, op_, la_, lb_, lc_, lc_, pref, 1, res, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  if (hs != CUBLAS_STATUS_SUCCESS || found == 0)
    fail("EINTERNAL", "cuBLASLt found no algorithm for this GEMM (M " + std::to_string(s.M) + ", N " + std::to_string(s.N) + ", K " +
                          std::to_string(s.K) + ", " + dtype_name(dtype) + (tf32 ? " tf32" : "") + ")");
  algo_ = res[0].algo;
}

Gemm::~Gemm() {
  if (la_) cublasLtMatrixLayoutDestroy(la_);
  if (lb_) cublasLtMatrixLayoutDestroy(lb_);
  if (lc_) cublasLtMatrixLayoutDestroy(lc_);
  if (op_) cublasLtMatmulDescDestroy(op_);
}

void Gemm::run(cudaStream_t s, const void* a, const void* b, void* c) const {
  if (empty_) return;
  Context& cx = ctx();
  lt_check(cublasLtMatmul(cx.lt, op_, &alpha_, b, la_, a, lb_, &beta_, c, lc_, c, lc_, &algo_, cx.lt_workspace, cx.lt_workspace_bytes, s),
           "cublasLtMatmul");
}

}  // namespace abw::cuda
