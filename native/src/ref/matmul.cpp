// FP64 oracle: matmul (batched, broadcast batch dims, optional transposes, optional residual) and linear.
// Plain loops; every output element is a sum over k = 0..K−1 in order.
#include <string>

#include "common/broadcast.h"
#include "common/memory.h"
#include "common/registry.h"
#include "common/thread_pool.h"
#include "ref/detail/util.h"

namespace abw::ref {
namespace {

void matmul(KernelArgs& a) {
  const Tensor& A = detail::in_f64(a, 0, "a");
  const Tensor& B = detail::in_f64(a, 1, "b");
  Tensor& C = detail::out_f64(a, 0, "out");
  const bool ta = a.p.b("transpose_a", false);
  const bool tb = a.p.b("transpose_b", false);
  ABW_CHECK(A.ndim() >= 2, "ESHAPE", a.msg("input `a` must be at least 2-D, got " + shape_str(A.shape())));
  ABW_CHECK(B.ndim() >= 2, "ESHAPE", a.msg("input `b` must be at least 2-D, got " + shape_str(B.shape())));
  const int64_t M = ta ? A.size(-1) : A.size(-2);
  const int64_t K = ta ? A.size(-2) : A.size(-1);
  const int64_t Kb = tb ? B.size(-1) : B.size(-2);
  const int64_t N = tb ? B.size(-2) : B.size(-1);
  ABW_CHECK(K == Kb, "ESHAPE",
            a.msg("inner dimensions differ: a " + shape_str(A.shape()) + (ta ? " (transposed)" : "") + " has K = " +
                  std::to_string(K) + ", b " + shape_str(B.shape()) + (tb ? " (transposed)" : "") + " has K = " +
                  std::to_string(Kb)));
  const Shape abatch(A.shape().begin(), A.shape().end() - 2);
  const Shape bbatch(B.shape().begin(), B.shape().end() - 2);
  const Shape batch = detail::broadcast_shapes(a, abatch, bbatch, "batch dims of `a`", "batch dims of `b`");
  Shape os = batch;
  os.push_back(M);
  os.push_back(N);
  detail::expect_shape(a, C, os, "output `out`", "[...broadcast, M, N]");
  const Tensor* R = detail::opt_f64(a, 2, "residual");
  if (R) detail::expect_shape(a, *R, os, "input `residual`", "the output's shape [...broadcast, M, N]");
  const double* rd = R ? R->data<double>() : nullptr;

  const int64_t nbatch = shape_numel(batch);
  const Broadcast bc(batch, {abatch, bbatch});  // offsets in units of whole matrices
  const double* ad = A.data<double>();
  const double* bd = B.data<double>();
  double* cd = C.data<double>();

  // If b is given transposed ([N, K] per matrix), copy it once into [K, N] layout. A copy only:
  // it changes no arithmetic, but keeps the inner loop below reading b along rows.
  Scratch<double> bt;
  if (tb && B.numel() > 0) {
    bt = Scratch<double>(static_cast<size_t>(B.numel()));
    const int64_t nb = B.numel() / (N * K);
    for (int64_t m = 0; m < nb; ++m)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t k = 0; k < K; ++k) bt[(m * K + k) * N + n] = bd[(m * N + n) * K + k];
    bd = bt.data();
  }

  // One task per output row (batch, i): rows are independent, so parallelism changes nothing.
  // For each row, out[i][j] = Σ_k A(i,k)·B(k,j), accumulated for k = 0, 1, …, K−1 in order
  // (loop order i, k, j: the same sum, in the same order, as the textbook i, j, k loop).
  parallel_for(nbatch * M, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t bi = r / M, i = r % M;
      const double* am = ad + bc.offset(0, bi) * M * K;
      const double* bm = bd + bc.offset(1, bi) * K * N;
      double* crow = cd + (bi * M + i) * N;
      for (int64_t j = 0; j < N; ++j) crow[j] = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        const double aik = ta ? am[k * M + i] : am[i * K + k];
        const double* brow = bm + k * N;
        for (int64_t j = 0; j < N; ++j) crow[j] += aik * brow[j];
      }
      // The residual is added to the finished sum (torch.baddbmm's order: input + product).
      if (rd) {
        const double* rrow = rd + (bi * M + i) * N;
        for (int64_t j = 0; j < N; ++j) crow[j] = rrow[j] + crow[j];
      }
    }
  });
}

void linear(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  const Tensor& w = detail::in_f64(a, 1, "weight");
  const Tensor* bias = detail::opt_f64(a, 2, "bias");
  Tensor& y = detail::out_f64(a, 0, "out");
  ABW_CHECK(x.ndim() >= 1, "ESHAPE", a.msg("input `input` must be [..., in], got " + shape_str(x.shape())));
  const int64_t in = x.size(-1);
  ABW_CHECK(w.ndim() == 2 && w.size(1) == in, "ESHAPE",
            a.msg("input `weight` must be [out, in = " + std::to_string(in) + "], got " + shape_str(w.shape())));
  const int64_t out = w.size(0);
  if (bias) detail::expect_shape(a, *bias, {out}, "input `bias`", "[out]");
  Shape os = x.shape();
  os.back() = out;
  detail::expect_shape(a, y, os, "output `out`", "[..., out]");

  const int64_t nrows = shape_numel(Shape(x.shape().begin(), x.shape().end() - 1));
  const double* xd = x.data<double>();
  const double* wd = w.data<double>();
  const double* bd = bias ? bias->data<double>() : nullptr;
  double* yd = y.data<double>();
  // One task per input row (independent outputs). y[o] = Σ_k x[k]·w[o][k] (k in order) + bias[o].
  parallel_for(nrows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const double* xr = xd + r * in;
      for (int64_t o = 0; o < out; ++o) {
        const double* wr = wd + o * in;
        double acc = 0.0;
        for (int64_t k = 0; k < in; ++k) acc += xr[k] * wr[k];
        yd[r * out + o] = acc + (bd ? bd[o] : 0.0);
      }
    }
  });
}
}  // namespace

ABW_KERNEL(ref, matmul, f64, matmul);
ABW_KERNEL(ref, linear, f64, linear);
}  // namespace abw::ref
