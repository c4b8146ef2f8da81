#include "cuda/gemm.h"

#include <initializer_list>
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

// The heuristic's best algorithm for these descriptors within the context's workspace, for
// operands aligned to `align` bytes (256 is cuBLASLt's own assumption). False where it has none.
bool best_algo(cublasLtMatmulDesc_t op, cublasLtMatrixLayout_t la, cublasLtMatrixLayout_t lb, cublasLtMatrixLayout_t lc, uint32_t align,
               cublasLtMatmulHeuristicResult_t* res) {
  Context& c = ctx();
  cublasLtMatmulPreference_t pref = nullptr;
  lt_check(cublasLtMatmulPreferenceCreate(&pref), "preference");
  uint64_t ws = c.lt_workspace_bytes;
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
  for (auto attr : {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
                    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES})
    cublasLtMatmulPreferenceSetAttribute(pref, attr, &align, sizeof align);
  int found = 0;
  const cublasStatus_t hs = cublasLtMatmulAlgoGetHeuristic(c.lt, op, la, lb, lc, lc, pref, 1, res, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  return hs == CUBLAS_STATUS_SUCCESS && found > 0;
}

void destroy(cublasLtMatmulDesc_t op, cublasLtMatrixLayout_t la, cublasLtMatrixLayout_t lb, cublasLtMatrixLayout_t lc) {
  if (la) cublasLtMatrixLayoutDestroy(la);
  if (lb) cublasLtMatrixLayoutDestroy(lb);
  if (lc) cublasLtMatrixLayoutDestroy(lc);
  if (op) cublasLtMatmulDescDestroy(op);
}
}  // namespace

unsigned address_alignment(const void* p) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  unsigned al = 1;
  while (al < 256 && a % (2u * al) == 0) al *= 2;
  return al;
}

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
  cublasLtMatmulHeuristicResult_t res{};
  if (!best_algo(op_, la_, lb_, lc_, 256, &res))
    fail("EINTERNAL", "cuBLASLt found no algorithm for this GEMM (M " + std::to_string(s.M) + ", N " + std::to_string(s.N) + ", K " +
                          std::to_string(s.K) + ", " + dtype_name(dtype) + (tf32 ? " tf32" : "") + ")");
  algo_ = res.algo;
}

Gemm::~Gemm() { destroy(op_, la_, lb_, lc_); }

void Gemm::run(cudaStream_t s, const void* a, const void* b, const void* c, void* d) const {
  if (empty_) return;
  Context& cx = ctx();
  lt_check(cublasLtMatmul(cx.lt, op_, &alpha_, b, la_, a, lb_, &beta_, c, lc_, d, lc_, &algo_, cx.lt_workspace, cx.lt_workspace_bytes, s),
           "cublasLtMatmul");
}

// Row-major C[M, N] = X · Wᵀ is column-major Cᵀ[N, M] = op(W)[N, K] · X[K, M]: W's rows are the
// columns of a column-major K×N matrix (ld K) taken transposed, X's rows those of a K×M one
// (ld K) taken as is, C a column-major N×M (ld N). That is cuBLASLt's "TN" layout, the only one
// its IMMA kernels take; they also want m (= N) and k (= K) and the leading dimensions multiples
// of 4 and every pointer 4-byte aligned.
//
// Exact: each int8 product is at most 2^14 in magnitude (at most 2^7 with ternary weights) and
// the tensor cores add products in int32 without rounding; with K <= kMaxExactK no partial sum,
// in whatever order or split-K reduction, leaves int32, and alpha = 1, beta = 0 (int32 scale
// type) leave the accumulator as it is. So C is the integer sum, bit for bit.
GemmI8::GemmI8(int64_t M, int64_t N, int64_t K, unsigned align) { why_ = plan(M, N, K, align); }

std::string GemmI8::plan(int64_t M, int64_t N, int64_t K, unsigned align) {
  constexpr int64_t kI32 = INT32_MAX;
  if (M <= 0 || N <= 0 || K <= 0) return "an empty dimension";
  if (M > kI32 || N > kI32 || K > kI32) return "M, N or K beyond int32";
  if (K > kMaxExactK) return "K > " + std::to_string(kMaxExactK) + ": int32 sums could overflow, and IMMA overflow is unspecified";
  if (K % 4 != 0 || N % 4 != 0) return "K and N must be multiples of 4 for IMMA";
  if (align < 4) return "an operand is not 4-byte aligned";
  lt_check(cublasLtMatmulDescCreate(&op_, CUBLAS_COMPUTE_32I, CUDA_R_32I), "cublasLtMatmulDescCreate");
  const cublasOperation_t opA = CUBLAS_OP_T, opB = CUBLAS_OP_N;
  lt_check(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA, &opA, sizeof opA), "set TRANSA");
  lt_check(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB, &opB, sizeof opB), "set TRANSB");
  const uint64_t m = static_cast<uint64_t>(N), n = static_cast<uint64_t>(M), k = static_cast<uint64_t>(K);
  lt_check(cublasLtMatrixLayoutCreate(&la_, CUDA_R_8I, k, m, K), "layout W");
  lt_check(cublasLtMatrixLayoutCreate(&lb_, CUDA_R_8I, k, n, K), "layout X");
  lt_check(cublasLtMatrixLayoutCreate(&lc_, CUDA_R_32I, m, n, N), "layout C");
  cublasLtMatmulHeuristicResult_t res{};
  if (!best_algo(op_, la_, lb_, lc_, align, &res)) return "cuBLASLt has no int8 algorithm for this shape and alignment";
  algo_ = res.algo;
  workspace_ = res.workspaceSize;
  size_t written = 0;
  cublasLtMatmulAlgoConfigGetAttribute(&algo_, CUBLASLT_ALGO_CONFIG_ID, &algo_id_, sizeof algo_id_, &written);
  return "";
}

GemmI8::~GemmI8() { destroy(op_, la_, lb_, lc_); }

void GemmI8::run(cudaStream_t s, const int8_t* x, const int8_t* w, int32_t* c) const {
  Context& cx = ctx();
  lt_check(cublasLtMatmul(cx.lt, op_, &alpha_, w, la_, x, lb_, &beta_, c, lc_, c, lc_, &algo_, cx.lt_workspace, cx.lt_workspace_bytes, s),
           "cublasLtMatmul (int8)");
}

}  // namespace abw::cuda
