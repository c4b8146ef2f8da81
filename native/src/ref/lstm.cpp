// FP64 oracle: lstm_cell and (multi-layer, unidirectional) lstm, PyTorch semantics.
// gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh, split in order i, f, g, o;
// c' = σ(f)⊙c + σ(i)⊙tanh(g), h' = σ(o)⊙tanh(c').
#include <cmath>
#include <string>
#include <vector>

#include "common/memory.h"
#include "common/registry.h"
#include "common/thread_pool.h"
#include "ref/detail/util.h"

namespace abw::ref {
namespace {
using detail::istr;

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

struct CellWeights {
  const double* w_ih;  // [4H, I]
  const double* w_hh;  // [4H, H]
  const double* b_ih;  // [4H] or nullptr
  const double* b_hh;  // [4H] or nullptr
  int64_t I, H;
};

// One step for a batch of B rows: x [B, I], h, c [B, H] → h1, c1 [B, H]. gates is scratch
// [B, 4H]. h1/c1 may not alias x (they may alias nothing that is read after being written:
// all gates are computed before any output is written).
void cell_step(const CellWeights& w, int64_t B, const double* x, const double* h, const double* c, double* h1,
               double* c1, double* gates) {
  const int64_t G = 4 * w.H;
  // Gate pre-activations: independent per (b, row), so computing them in parallel changes nothing.
  parallel_for(B * G, 16, [&](int64_t begin, int64_t end) {
    for (int64_t e = begin; e < end; ++e) {
      const int64_t b = e / G, r = e % G;
      double acc_i = 0.0;
      for (int64_t k = 0; k < w.I; ++k) acc_i += x[b * w.I + k] * w.w_ih[r * w.I + k];
      double acc_h = 0.0;
      for (int64_t k = 0; k < w.H; ++k) acc_h += h[b * w.H + k] * w.w_hh[r * w.H + k];
      gates[e] = acc_i + (w.b_ih ? w.b_ih[r] : 0.0) + acc_h + (w.b_hh ? w.b_hh[r] : 0.0);
    }
  });
  for (int64_t b = 0; b < B; ++b) {
    const double* gb = gates + b * G;
    for (int64_t j = 0; j < w.H; ++j) {
      const double ig = sigmoid(gb[j]);
      const double fg = sigmoid(gb[w.H + j]);
      const double gg = std::tanh(gb[2 * w.H + j]);
      const double og = sigmoid(gb[3 * w.H + j]);
      const double cn = fg * c[b * w.H + j] + ig * gg;
      c1[b * w.H + j] = cn;
      h1[b * w.H + j] = og * std::tanh(cn);
    }
  }
}

void lstm_cell(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  const Tensor& hx = detail::in_f64(a, 1, "hx");
  const Tensor& cx = detail::in_f64(a, 2, "cx");
  const Tensor& w_ih = detail::in_f64(a, 3, "w_ih");
  const Tensor& w_hh = detail::in_f64(a, 4, "w_hh");
  const Tensor* b_ih = detail::opt_f64(a, 5, "b_ih");
  const Tensor* b_hh = detail::opt_f64(a, 6, "b_hh");
  Tensor& h1 = detail::out_f64(a, 0, "h1");
  Tensor& c1 = detail::out_f64(a, 1, "c1");
  ABW_CHECK(x.ndim() == 2, "ESHAPE", a.msg("input `input` must be [B, I], got " + shape_str(x.shape())));
  ABW_CHECK(hx.ndim() == 2, "ESHAPE", a.msg("input `hx` must be [B, H], got " + shape_str(hx.shape())));
  const int64_t B = x.size(0), I = x.size(1), H = hx.size(1);
  detail::expect_shape(a, hx, {B, H}, "input `hx`", "[B, H]");
  detail::expect_shape(a, cx, {B, H}, "input `cx`", "[B, H]");
  detail::expect_shape(a, w_ih, {4 * H, I}, "input `w_ih`", "[4H, I]");
  detail::expect_shape(a, w_hh, {4 * H, H}, "input `w_hh`", "[4H, H]");
  if (b_ih) detail::expect_shape(a, *b_ih, {4 * H}, "input `b_ih`", "[4H]");
  if (b_hh) detail::expect_shape(a, *b_hh, {4 * H}, "input `b_hh`", "[4H]");
  detail::expect_shape(a, h1, {B, H}, "output `h1`", "[B, H]");
  detail::expect_shape(a, c1, {B, H}, "output `c1`", "[B, H]");
  const CellWeights w{w_ih.data<double>(), w_hh.data<double>(), b_ih ? b_ih->data<double>() : nullptr,
                      b_hh ? b_hh->data<double>() : nullptr, I, H};
  // Results go through scratch first, so outputs may safely be the same tensors as inputs.
  Scratch<double> gates(static_cast<size_t>(B * 4 * H)), hn(static_cast<size_t>(B * H)), cn(static_cast<size_t>(B * H));
  cell_step(w, B, x.data<double>(), hx.data<double>(), cx.data<double>(), hn.data(), cn.data(), gates.data());
  for (int64_t i = 0; i < B * H; ++i) {
    h1.data<double>()[i] = hn[i];
    c1.data<double>()[i] = cn[i];
  }
}

void lstm(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "x");
  const Tensor* h0 = detail::opt_f64(a, 1, "h0");
  const Tensor* c0 = detail::opt_f64(a, 2, "c0");
  Tensor& out = detail::out_f64(a, 0, "out");
  Tensor& h_n = detail::out_f64(a, 1, "h_n");
  Tensor& c_n = detail::out_f64(a, 2, "c_n");
  const int64_t layers = a.p.i("num_layers");
  const bool has_bias = a.p.b("bias");
  const bool batch_first = a.p.b("batch_first");
  const int64_t H = a.p.i("hidden_size");
  ABW_CHECK(layers >= 1, "EINVAL", a.msg("parameter `num_layers` must be >= 1, got " + istr(layers)));
  ABW_CHECK(H >= 1, "EINVAL", a.msg("parameter `hidden_size` must be >= 1, got " + istr(H)));
  const int64_t per = has_bias ? 4 : 2;
  ABW_CHECK(static_cast<int64_t>(a.num_inputs()) == 3 + layers * per, "EINVAL",
            a.msg("expected " + istr(3 + layers * per) + " inputs (x, h0, c0, then " + istr(per) +
                  " weights per layer), got " + istr(static_cast<int64_t>(a.num_inputs()))));
  ABW_CHECK(x.ndim() == 3, "ESHAPE",
            a.msg(std::string("input `x` must be ") + (batch_first ? "[B, T, I]" : "[T, B, I]") + ", got " +
                  shape_str(x.shape())));
  const int64_t T = batch_first ? x.size(1) : x.size(0);
  const int64_t B = batch_first ? x.size(0) : x.size(1);
  const int64_t I = x.size(2);
  if (h0) detail::expect_shape(a, *h0, {layers, B, H}, "input `h0`", "[num_layers, B, H]");
  if (c0) detail::expect_shape(a, *c0, {layers, B, H}, "input `c0`", "[num_layers, B, H]");
  std::vector<CellWeights> ws;
  for (int64_t l = 0; l < layers; ++l) {
    const int64_t in_l = l == 0 ? I : H;
    const size_t base = static_cast<size_t>(3 + l * per);
    const std::string sl = istr(l);
    const std::string n_wih = "weight_ih_l" + sl, n_whh = "weight_hh_l" + sl, n_bih = "bias_ih_l" + sl,
                      n_bhh = "bias_hh_l" + sl;
    const Tensor& wih = detail::in_f64(a, base, n_wih.c_str());
    const Tensor& whh = detail::in_f64(a, base + 1, n_whh.c_str());
    detail::expect_shape(a, wih, {4 * H, in_l}, "input `" + n_wih + "`", l == 0 ? "[4H, I]" : "[4H, H]");
    detail::expect_shape(a, whh, {4 * H, H}, "input `" + n_whh + "`", "[4H, H]");
    const double* bih = nullptr;
    const double* bhh = nullptr;
    if (has_bias) {
      const Tensor& tbi = detail::in_f64(a, base + 2, n_bih.c_str());
      const Tensor& tbh = detail::in_f64(a, base + 3, n_bhh.c_str());
      detail::expect_shape(a, tbi, {4 * H}, "input `" + n_bih + "`", "[4H]");
      detail::expect_shape(a, tbh, {4 * H}, "input `" + n_bhh + "`", "[4H]");
      bih = tbi.data<double>();
      bhh = tbh.data<double>();
    }
    ws.push_back({wih.data<double>(), whh.data<double>(), bih, bhh, in_l, H});
  }
  detail::expect_shape(a, out, batch_first ? Shape{B, T, H} : Shape{T, B, H}, "output `out`",
                       batch_first ? "[B, T, H]" : "[T, B, H]");
  detail::expect_shape(a, h_n, {layers, B, H}, "output `h_n`", "[num_layers, B, H]");
  detail::expect_shape(a, c_n, {layers, B, H}, "output `c_n`", "[num_layers, B, H]");

  // Sequences in time-major scratch: seq_in [T, B, in], seq_out [T, B, H].
  const int64_t BH = B * H;
  Scratch<double> seq_in(static_cast<size_t>(T * B * (I > H ? I : H))), seq_out(static_cast<size_t>(T * BH));
  Scratch<double> h(static_cast<size_t>(BH)), c(static_cast<size_t>(BH)), hn(static_cast<size_t>(BH)),
      cn(static_cast<size_t>(BH)), gates(static_cast<size_t>(B * 4 * H));
  const double* xd = x.data<double>();
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t k = 0; k < I; ++k)
        seq_in[(t * B + b) * I + k] = batch_first ? xd[(b * T + t) * I + k] : xd[(t * B + b) * I + k];

  for (int64_t l = 0; l < layers; ++l) {
    const int64_t in_l = ws[l].I;
    for (int64_t i = 0; i < BH; ++i) {
      h[i] = h0 ? h0->data<double>()[l * BH + i] : 0.0;
      c[i] = c0 ? c0->data<double>()[l * BH + i] : 0.0;
    }
    for (int64_t t = 0; t < T; ++t) {
      cell_step(ws[l], B, seq_in.data() + t * B * in_l, h.data(), c.data(), hn.data(), cn.data(), gates.data());
      for (int64_t i = 0; i < BH; ++i) {
        h[i] = hn[i];
        c[i] = cn[i];
        seq_out[t * BH + i] = hn[i];
      }
    }
    for (int64_t i = 0; i < BH; ++i) {
      h_n.data<double>()[l * BH + i] = h[i];
      c_n.data<double>()[l * BH + i] = c[i];
    }
    // This layer's output sequence is the next layer's input ([T, B, H]).
    for (int64_t i = 0; i < T * BH; ++i) seq_in[i] = seq_out[i];
  }
  double* od = out.data<double>();
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t j = 0; j < H; ++j)
        (batch_first ? od[(b * T + t) * H + j] : od[(t * B + b) * H + j]) = seq_out[(t * B + b) * H + j];
}
}  // namespace

ABW_KERNEL(ref, lstm_cell, f64, lstm_cell);
ABW_KERNEL(ref, lstm, f64, lstm);
}  // namespace abw::ref
