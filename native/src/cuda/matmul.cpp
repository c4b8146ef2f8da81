// cuda matmul / linear through cuBLASLt: one strided-batched GEMM where the batch broadcast
// allows it (a shared `b` is folded into M), one GEMM per batch item otherwise; linear's bias is
// cuBLASLt's bias epilogue, matmul's `residual` its C operand (beta = 1, C and D separate).
// f32, TF32 (a separate mode), f16 and bf16 with f32 accumulation.
#include <algorithm>
#include <memory>

#include "common/broadcast.h"
#include "cuda/check.h"
#include "cuda/gemm.h"
#include "cuda/op.h"

namespace abw::cuda {
namespace {

CallPtr matmul(OpArgs& a) {
  const DevTensor& A = a.input(0, "a");
  const DevTensor& B = a.input(1, "b");
  const DevTensor& C = a.output(0, "out");
  const bool ta = a.p.b("transpose_a", false), tb = a.p.b("transpose_b", false);
  ABW_CHECK(A.ndim() >= 2 && B.ndim() >= 2, "ESHAPE", a.msg("inputs `a` and `b` must be at least 2-D"));
  const int64_t M = ta ? A.size(-1) : A.size(-2), K = ta ? A.size(-2) : A.size(-1);
  const int64_t Kb = tb ? B.size(-1) : B.size(-2), N = tb ? B.size(-2) : B.size(-1);
  ABW_CHECK(K == Kb, "ESHAPE", a.msg("inner dimensions differ: `a` " + shape_str(A.shape) + " and `b` " + shape_str(B.shape)));
  Shape ab(A.shape.begin(), A.shape.end() - 2), bb(B.shape.begin(), B.shape.end() - 2);
  const size_t nd = std::max(ab.size(), bb.size());
  Shape ob(nd, 1);
  for (size_t i = 0; i < nd; ++i) {
    int64_t x = i + ab.size() >= nd ? ab[i + ab.size() - nd] : 1;
    int64_t y = i + bb.size() >= nd ? bb[i + bb.size() - nd] : 1;
    ABW_CHECK(x == y || x == 1 || y == 1, "ESHAPE", a.msg("batch dimensions of `a` and `b` do not broadcast"));
    ob[i] = x == 1 ? y : x;
  }
  Shape os = ob;
  os.push_back(M);
  os.push_back(N);
  a.check_shape(C, os, "output `out`");
  const DevTensor* R = a.optional(2);
  if (R) a.check_shape(*R, os, "input `residual`");
  const int64_t batch = shape_numel(ob), ba = shape_numel(ab), bbn = shape_numel(bb);
  const size_t es = dtype_size(a.dtype);
  auto call = std::make_unique<Call>();
  const void* pa = A.data;
  const void* pb = B.data;
  void* pc = C.data;
  // With a residual, C is it and D the output; without, both are the output (beta 0).
  const void* pr = R ? R->data : pc;
  const float beta = R ? 1.0f : 0.0f;
  if (C.numel() == 0) {
    call->launch = [](cudaStream_t) {};
    return call;
  }
  if (K == 0) {  // an empty sum: zeros (plus the residual), as torch gives
    const size_t bytes = static_cast<size_t>(C.numel()) * es;
    if (R) call->launch = [pc, pr, bytes](cudaStream_t s) { ABW_CU(cudaMemcpyAsync(pc, pr, bytes, cudaMemcpyDeviceToDevice, s)); };
    else call->launch = [pc, bytes](cudaStream_t s) { ABW_CU(cudaMemsetAsync(pc, 0, bytes, s)); };
    return call;
  }
  GemmShape g;
  g.M = M, g.N = N, g.K = K, g.trans_a = ta, g.trans_b = tb;
  if (bbn == 1 && !ta && ba == batch) {
    g.M = batch * M;  // b shared, a's rows contiguous: one GEMM
    auto gemm = std::make_shared<Gemm>(g, a.dtype, a.tf32, nullptr, beta);
    call->keep.push_back(gemm);
    call->launch = [gemm, pa, pb, pr, pc](cudaStream_t s) { gemm->run(s, pa, pb, pr, pc); };
    return call;
  }
  if ((ba == batch || ba == 1) && (bbn == batch || bbn == 1)) {
    g.batch = batch;
    g.stride_a = ba == 1 ? 0 : M * K;
    g.stride_b = bbn == 1 ? 0 : K * N;
    g.stride_c = M * N;
    auto gemm = std::make_shared<Gemm>(g, a.dtype, a.tf32, nullptr, beta);
    call->keep.push_back(gemm);
    call->launch = [gemm, pa, pb, pr, pc](cudaStream_t s) { gemm->run(s, pa, pb, pr, pc); };
    return call;
  }
  // General broadcast: one GEMM per output batch item (offsets computed once).
  Broadcast bc(ob, {ab, bb});
  std::vector<std::pair<int64_t, int64_t>> offs(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) offs[static_cast<size_t>(i)] = {bc.offset(0, i) * M * K, bc.offset(1, i) * K * N};
  auto gemm = std::make_shared<Gemm>(g, a.dtype, a.tf32, nullptr, beta);
  call->keep.push_back(gemm);
  call->launch = [gemm, pa, pb, pr, pc, offs, es, M, N](cudaStream_t s) {
    for (size_t i = 0; i < offs.size(); ++i) {
      const int64_t at = static_cast<int64_t>(i) * M * N * static_cast<int64_t>(es);
      gemm->run(s, static_cast<const char*>(pa) + offs[i].first * es, static_cast<const char*>(pb) + offs[i].second * es,
                static_cast<const char*>(pr) + at, static_cast<char*>(pc) + at);
    }
  };
  return call;
}

CallPtr linear(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& W = a.input(1, "weight");
  const DevTensor* Bp = a.optional(2);
  const DevTensor& Y = a.output(0, "out");
  ABW_CHECK(X.ndim() >= 1, "ESHAPE", a.msg("input `input` must be at least 1-D"));
  ABW_CHECK(W.ndim() == 2, "ESHAPE", a.msg("input `weight` must be 2-D"));
  const int64_t in = X.size(-1), outf = W.size(0);
  ABW_CHECK(W.size(1) == in, "ESHAPE", a.msg("input `weight` has shape " + shape_str(W.shape) + ", expected [out, " + std::to_string(in) + "]"));
  if (Bp) a.check_shape(*Bp, {outf}, "input `bias`");
  Shape os(X.shape.begin(), X.shape.end() - 1);
  os.push_back(outf);
  a.check_shape(Y, os, "output `out`");
  const int64_t rows = outf ? Y.numel() / outf : 0;
  auto call = std::make_unique<Call>();
  const void* px = X.data;
  const void* pw = W.data;
  void* py = Y.data;
  if (rows == 0 || outf == 0) {
    call->launch = [](cudaStream_t) {};
    return call;
  }
  GemmShape g;
  g.M = rows, g.N = outf, g.K = in, g.trans_b = true;
  // cuBLASLt has no algorithm for K = 0 (an output of bias alone): said, not faked.
  if (in == 0) fail("ENOKERNEL", a.msg("in_features = 0 is not supported on cuda"));
  auto gemm = std::make_shared<Gemm>(g, a.dtype, a.tf32, Bp ? Bp->data : nullptr);
  call->keep.push_back(gemm);
  call->launch = [gemm, px, pw, py](cudaStream_t s) { gemm->run(s, px, pw, py); };
  return call;
}

}  // namespace
ABW_CUDA_OP(matmul, matmul, kFloats | kTF32);
ABW_CUDA_OP(linear, linear, kFloats | kTF32);
}  // namespace abw::cuda
