// cpu matmul / linear: one sgemm per batch item (or one for the whole batch when b is shared),
// transposes passed to the GEMM instead of copied; matmul's residual is the GEMM's C (beta 1).
#include "common/broadcast.h"
#include "cpu/detail/gemm.h"
#include "cpu/detail/util.h"

namespace abw::cpu {
namespace {

void matmul(KernelArgs& a) {
  const Tensor& A = a.input(0, "a");
  const Tensor& B = a.input(1, "b");
  Tensor& C = a.output(0, "out");
  const bool ta = a.p.b("transpose_a", false), tb = a.p.b("transpose_b", false);
  ABW_CHECK(A.ndim() >= 2, "ESHAPE", a.msg("input `a` must be at least 2-D, got " + sstr(A.shape())));
  ABW_CHECK(B.ndim() >= 2, "ESHAPE", a.msg("input `b` must be at least 2-D, got " + sstr(B.shape())));
  const int64_t M = ta ? A.size(-1) : A.size(-2), K = ta ? A.size(-2) : A.size(-1);
  const int64_t Kb = tb ? B.size(-1) : B.size(-2), N = tb ? B.size(-2) : B.size(-1);
  ABW_CHECK(K == Kb, "ESHAPE",
            a.msg("inner dimensions differ: `a` " + sstr(A.shape()) + " and `b` " + sstr(B.shape()) +
                  (ta || tb ? " (after transposes)" : "")));
  Shape ab(A.shape().begin(), A.shape().end() - 2), bb(B.shape().begin(), B.shape().end() - 2);
  const size_t nd = std::max(ab.size(), bb.size());
  Shape ob(nd, 1);
  for (size_t i = 0; i < nd; ++i) {
    int64_t x = i + ab.size() >= nd ? ab[i + ab.size() - nd] : 1;
    int64_t y = i + bb.size() >= nd ? bb[i + bb.size() - nd] : 1;
    ABW_CHECK(x == y || x == 1 || y == 1, "ESHAPE",
              a.msg("batch dimensions of `a` " + sstr(A.shape()) + " and `b` " + sstr(B.shape()) + " do not broadcast"));
    ob[i] = x == 1 ? y : x;
  }
  Shape os = ob;
  os.push_back(M);
  os.push_back(N);
  check_shape(a, C, os, "output `out`");
  const Tensor* R = a.optional(2);
  if (R) check_shape(a, *R, os, "input `residual`");
  const float* pa = fin(a, A, "input `a`");
  const float* pb = fin(a, B, "input `b`");
  float* pc = fout(a, C, "output `out`");
  const int64_t batch = shape_numel(ob), ba = shape_numel(ab), bbn = shape_numel(bb);
  const int64_t lda = ta ? M : K, ldb = tb ? K : N;
  if (batch == 0 || M == 0 || N == 0) return;
  // A residual starts in the output and the GEMMs accumulate onto it (beta 1): no second pass.
  float beta = 0.0f;
  if (R) {
    const float* pr = fin(a, *R, "input `residual`");
    par(batch * M, N, [&](int64_t r0, int64_t r1) { std::memcpy(pc + r0 * N, pr + r0 * N, static_cast<size_t>(r1 - r0) * N * sizeof(float)); });
    beta = 1.0f;
  }
  // b shared by every batch item and a's rows contiguous: fold the batch into M.
  if (bbn == 1 && !ta && ba == batch) {
    sgemm(false, tb, batch * M, N, K, 1.0f, pa, lda, pb, ldb, beta, pc, N);
    return;
  }
  Broadcast bc(ob, {ab, bb});
  for (int64_t i = 0; i < batch; ++i) {
    const float* x = pa + bc.offset(0, i) * M * K;
    const float* y = pb + bc.offset(1, i) * K * N;
    sgemm(ta, tb, M, N, K, 1.0f, x, lda, y, ldb, beta, pc + i * M * N, N);
  }
}

void linear(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  const Tensor& W = a.input(1, "weight");
  const Tensor* Bp = a.optional(2);
  Tensor& Y = a.output(0, "out");
  ABW_CHECK(X.ndim() >= 1, "ESHAPE", a.msg("input `input` must be at least 1-D"));
  check_ndim(a, W, 2, "input `weight`");
  const int64_t in = X.size(-1), outf = W.size(0);
  ABW_CHECK(W.size(1) == in, "ESHAPE",
            a.msg("input `weight` has shape " + sstr(W.shape()) + ", expected [out, " + std::to_string(in) + "]"));
  if (Bp) check_shape(a, *Bp, {outf}, "input `bias`");
  Shape os(X.shape().begin(), X.shape().end() - 1);
  os.push_back(outf);
  check_shape(a, Y, os, "output `out`");
  const float* x = fin(a, X, "input `input`");
  const float* w = fin(a, W, "input `weight`");
  float* y = fout(a, Y, "output `out`");
  const int64_t rows = in ? X.numel() / in : shape_numel(os) / std::max<int64_t>(outf, 1);
  if (rows == 0 || outf == 0) return;
  float beta = 0.0f;
  if (Bp) {
    const float* b = fin(a, *Bp, "input `bias`");
    par(rows, outf, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) std::memcpy(y + r * outf, b, outf * sizeof(float));
    });
    beta = 1.0f;
  }
  sgemm(false, true, rows, outf, in, 1.0f, x, in, w, in, beta, y, outf);
}

}  // namespace
ABW_KERNEL(cpu, matmul, f32, matmul);
ABW_KERNEL(cpu, linear, f32, linear);
}  // namespace abw::cpu
