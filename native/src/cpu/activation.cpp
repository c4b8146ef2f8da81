// cpu activations: elementwise loops over parallel chunks, written so the compiler vectorises
// them (exp/tanh from detail/util.h; erf and expm1 from libm where accuracy near 0 matters).
#include "cpu/detail/util.h"

namespace abw::cpu {
namespace {

template <class F>
void unary(KernelArgs& a, int64_t cost, F f) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  check_shape(a, Y, X.shape(), "output `out`");
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  par(X.numel(), cost, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = f(x[i]);
  });
}

void relu(KernelArgs& a) { unary(a, 1, [](float v) { return v < 0.0f ? 0.0f : v; }); }
void sigmoid(KernelArgs& a) { unary(a, 4, [](float v) { return sigmoid_f(v); }); }
void tanh_op(KernelArgs& a) { unary(a, 4, [](float v) { return tanh_f(v); }); }
void silu(KernelArgs& a) { unary(a, 4, [](float v) { return v / (1.0f + exp_f(-v)); }); }

void gelu(KernelArgs& a) {
  const std::string& mode = a.p.s("approximate");
  if (mode == "none") {
    unary(a, 16, [](float v) { return gelu_erf_f(v); });
  } else if (mode == "tanh") {
    unary(a, 4, [](float v) {
      const float inner = 0.79788456080286536f * (v + 0.044715f * v * v * v);
      return 0.5f * v * (1.0f + tanh_f(inner));
    });
  } else {
    fail("EINVAL", a.msg("parameter `approximate` must be 'none' or 'tanh', got '" + mode + "'"));
  }
}

void elu(KernelArgs& a) {
  const float alpha = static_cast<float>(a.p.f("alpha"));
  unary(a, 8, [alpha](float v) { return v > 0.0f ? v : alpha * std::expm1(v); });
}

void softmax(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  check_shape(a, Y, X.shape(), "output `out`");
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  int64_t dim = a.p.i("dim");
  const int64_t nd = X.ndim();
  if (nd == 0) {  // a scalar: softmax over nothing but itself
    ABW_CHECK(dim == 0 || dim == -1, "EINVAL", a.msg("parameter `dim` out of range"));
    if (X.numel()) y[0] = x[0] != x[0] ? x[0] : 1.0f;
    return;
  }
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL", a.msg("parameter `dim` = " + std::to_string(dim) + " out of range for " + sstr(X.shape())));
  const int64_t outer = shape_prod(X.shape(), 0, dim), n = X.size(dim), inner = shape_prod(X.shape(), dim + 1, nd);
  if (X.numel() == 0) return;
  if (inner == 1) {
    par(outer, 6 * n, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float* xr = x + r * n;
        float* yr = y + r * n;
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t i = 0; i < n; ++i) m = std::max(m, xr[i]);  // a NaN still poisons the sum below
        if (m == -std::numeric_limits<float>::infinity()) m = 0.0f;  // all -inf: exp(-inf - 0) = 0, 0/0 = NaN as torch
        for (int64_t i = 0; i < n; ++i) yr[i] = exp_f(xr[i] - m);
        const double s = sum_f(yr, n);
        const float inv = static_cast<float>(1.0 / s);
        for (int64_t i = 0; i < n; ++i) yr[i] *= inv;
      }
    });
    return;
  }
  // Reduction over a strided dim: work on whole inner rows so the loops stay contiguous.
  par(outer, 6 * n * inner, [&](int64_t r0, int64_t r1) {
    Scratch<float> mx(static_cast<size_t>(inner)), sm(static_cast<size_t>(inner));
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * n * inner;
      float* yr = y + r * n * inner;
      std::fill(mx.data(), mx.data() + inner, -std::numeric_limits<float>::infinity());
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < inner; ++j) {
          const float v = xr[i * inner + j];
          mx[j] = (v > mx[j] || v != v) ? v : mx[j];
        }
      for (int64_t j = 0; j < inner; ++j)
        if (mx[j] == -std::numeric_limits<float>::infinity()) mx[j] = 0.0f;
      std::fill(sm.data(), sm.data() + inner, 0.0f);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < inner; ++j) {
          const float e = exp_f(xr[i * inner + j] - mx[j]);
          yr[i * inner + j] = e;
          sm[j] += e;
        }
      for (int64_t j = 0; j < inner; ++j) sm[j] = 1.0f / sm[j];
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < inner; ++j) yr[i * inner + j] *= sm[j];
    }
  });
}

}  // namespace
ABW_KERNEL(cpu, relu, f32, relu);
ABW_KERNEL(cpu, gelu, f32, gelu);
ABW_KERNEL(cpu, silu, f32, silu);
ABW_KERNEL(cpu, elu, f32, elu);
ABW_KERNEL(cpu, sigmoid, f32, sigmoid);
ABW_KERNEL(cpu, tanh, f32, tanh_op);
ABW_KERNEL(cpu, softmax, f32, softmax);
}  // namespace abw::cpu
