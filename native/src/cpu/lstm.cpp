// cpu LSTM: the input projection of all timesteps is one GEMM (bias folded in), then each step
// adds h·W_hhᵀ straight into that step's gate rows (ldc skips over the other timesteps when
// batch_first, so nothing is transposed) and runs one fused, vectorised gate loop. All products
// use our own kernels (detail/gemm.h) rather than BLAS: per-step products are too small for BLAS
// threading, and BLAS worker threads left spinning after a call steal the cores the recurrence
// runs on.
#include <atomic>
#include <memory>
#include <thread>

#include "cpu/detail/gemm.h"
#include "cpu/detail/util.h"

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#endif

namespace abw::cpu {
namespace {

// c = f·c + i·g, h = o·tanh(c) for hidden units [j0, j1) of one row; gates laid out [i | f | g | o].
inline void gate_range(const float* gates, float* c, float* h, int64_t H, int64_t j0, int64_t j1) {
  const float* gi = gates;
  const float* gf = gates + H;
  const float* gg = gates + 2 * H;
  const float* go = gates + 3 * H;
  for (int64_t j = j0; j < j1; ++j) {
    const float i = sigmoid_f(gi[j]), f = sigmoid_f(gf[j]), g = tanh_f(gg[j]), o = sigmoid_f(go[j]);
    const float cn = f * c[j] + i * g;
    c[j] = cn;
    h[j] = o * tanh_f(cn);
  }
}
inline void gate_row(const float* gates, float* c, float* h, int64_t H) { gate_range(gates, c, h, H, 0, H); }

inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
  _mm_pause();
#endif
}

void fill_rows_with_bias(float* G, int64_t rows, int64_t width, const float* b1, const float* b2) {
  par(rows, width, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* g = G + r * width;
      for (int64_t j = 0; j < width; ++j) g[j] = b1[j] + b2[j];
    }
  });
}

void lstm_cell(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  const Tensor& Hx = a.input(1, "hx");
  const Tensor& Cx = a.input(2, "cx");
  const Tensor& Wih = a.input(3, "w_ih");
  const Tensor& Whh = a.input(4, "w_hh");
  const Tensor* Bih = a.optional(5);
  const Tensor* Bhh = a.optional(6);
  Tensor& H1 = a.output(0, "h1");
  Tensor& C1 = a.output(1, "c1");
  check_ndim(a, X, 2, "input `input`");
  check_ndim(a, Hx, 2, "input `hx`");
  const int64_t B = X.size(0), I = X.size(1), H = Hx.size(1);
  check_shape(a, Hx, {B, H}, "input `hx`");
  check_shape(a, Cx, {B, H}, "input `cx`");
  check_shape(a, Wih, {4 * H, I}, "input `w_ih`");
  check_shape(a, Whh, {4 * H, H}, "input `w_hh`");
  ABW_CHECK((Bih == nullptr) == (Bhh == nullptr), "EINVAL", a.msg("inputs `b_ih` and `b_hh` must be given together"));
  if (Bih) check_shape(a, *Bih, {4 * H}, "input `b_ih`");
  if (Bhh) check_shape(a, *Bhh, {4 * H}, "input `b_hh`");
  check_shape(a, H1, {B, H}, "output `h1`");
  check_shape(a, C1, {B, H}, "output `c1`");
  const float* x = fin(a, X, "input `input`");
  const float* hx = fin(a, Hx, "input `hx`");
  const float* cx = fin(a, Cx, "input `cx`");
  const float* wih = fin(a, Wih, "input `w_ih`");
  const float* whh = fin(a, Whh, "input `w_hh`");
  float* h1 = fout(a, H1, "output `h1`");
  float* c1 = fout(a, C1, "output `c1`");
  if (B == 0 || H == 0) return;
  Scratch<float> G(static_cast<size_t>(B * 4 * H));
  float beta = 0.0f;
  if (Bih) {
    fill_rows_with_bias(G.data(), B, 4 * H, fin(a, *Bih, "input `b_ih`"), fin(a, *Bhh, "input `b_hh`"));
    beta = 1.0f;
  }
  sgemm(false, true, B, 4 * H, I, 1.0f, x, I, wih, I, beta, G.data(), 4 * H);
  sgemm(false, true, B, 4 * H, H, 1.0f, hx, H, whh, H, 1.0f, G.data(), 4 * H);
  if (c1 != cx) std::memcpy(c1, cx, B * H * sizeof(float));
  par(B, 40 * H, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) gate_row(G.data() + b * 4 * H, c1 + b * H, h1 + b * H, H);
  });
}

void lstm(KernelArgs& a) {
  const Tensor& X = a.input(0, "x");
  const Tensor* H0 = a.optional(1);
  const Tensor* C0 = a.optional(2);
  Tensor& Out = a.output(0, "out");
  Tensor& Hn = a.output(1, "h_n");
  Tensor& Cn = a.output(2, "c_n");
  const int64_t L = a.p.i("num_layers"), H = a.p.i("hidden_size");
  const bool bias = a.p.b("bias"), bf = a.p.b("batch_first");
  ABW_CHECK(L >= 1, "EINVAL", a.msg("parameter `num_layers` must be >= 1"));
  ABW_CHECK(H >= 1, "EINVAL", a.msg("parameter `hidden_size` must be >= 1"));
  const int64_t per = bias ? 4 : 2;
  ABW_CHECK(static_cast<int64_t>(a.num_inputs()) == 3 + L * per, "EINVAL",
            a.msg("expected " + std::to_string(3 + L * per) + " inputs (x, h0, c0 and " + std::to_string(per) +
                  " weights per layer), got " + std::to_string(a.num_inputs())));
  check_ndim(a, X, 3, "input `x`");
  const int64_t T = bf ? X.size(1) : X.size(0), B = bf ? X.size(0) : X.size(1), I = X.size(2);
  if (H0) check_shape(a, *H0, {L, B, H}, "input `h0`");
  if (C0) check_shape(a, *C0, {L, B, H}, "input `c0`");
  check_shape(a, Out, bf ? Shape{B, T, H} : Shape{T, B, H}, "output `out`");
  check_shape(a, Hn, {L, B, H}, "output `h_n`");
  check_shape(a, Cn, {L, B, H}, "output `c_n`");
  std::vector<const float*> wih(L), whh(L), bih(L, nullptr), bhh(L, nullptr);
  for (int64_t l = 0; l < L; ++l) {
    const std::string s = std::to_string(l);
    const Tensor& wi = a.input(3 + l * per, "weight_ih");
    const Tensor& wh = a.input(4 + l * per, "weight_hh");
    check_shape(a, wi, {4 * H, l == 0 ? I : H}, ("input `weight_ih_l" + s + "`").c_str());
    check_shape(a, wh, {4 * H, H}, ("input `weight_hh_l" + s + "`").c_str());
    wih[l] = fin(a, wi, "input `weight_ih`");
    whh[l] = fin(a, wh, "input `weight_hh`");
    if (bias) {
      const Tensor& bi = a.input(5 + l * per, "bias_ih");
      const Tensor& bh = a.input(6 + l * per, "bias_hh");
      check_shape(a, bi, {4 * H}, ("input `bias_ih_l" + s + "`").c_str());
      check_shape(a, bh, {4 * H}, ("input `bias_hh_l" + s + "`").c_str());
      bih[l] = fin(a, bi, "input `bias_ih`");
      bhh[l] = fin(a, bh, "input `bias_hh`");
    }
  }
  const float* x = fin(a, X, "input `x`");
  const float* h0 = H0 ? fin(a, *H0, "input `h0`") : nullptr;
  const float* c0 = C0 ? fin(a, *C0, "input `c0`") : nullptr;
  float* out = fout(a, Out, "output `out`");
  float* hn = fout(a, Hn, "output `h_n`");
  float* cn = fout(a, Cn, "output `c_n`");
  if (B == 0) return;
  if (T == 0) {  // nothing to run: the final state is the initial state
    for (int64_t i = 0; i < L * B * H; ++i) {
      hn[i] = h0 ? h0[i] : 0.0f;
      cn[i] = c0 ? c0[i] : 0.0f;
    }
    return;
  }
  const int64_t G4 = 4 * H;
  // Row of (t, b) in x, out and the gate buffer; rows of one timestep are `rs` rows apart.
  const int64_t rs = bf ? T : 1;
  auto row = [&](int64_t t, int64_t b) { return bf ? b * T + t : t * B + b; };
  auto step_row = [&](int64_t t) { return bf ? t : t * B; };
  Scratch<float> G(static_cast<size_t>(T * B * G4));
  Scratch<float> mid[2];
  if (L > 1) mid[0] = Scratch<float>(static_cast<size_t>(T * B * H));
  if (L > 2) mid[1] = Scratch<float>(static_cast<size_t>(T * B * H));
  // The recurrence runs as one team region for all timesteps: hidden units are split into P
  // slices; a slice of step t computes its four gate columns (h_{t-1}·W_hhᵀ on its W_hh rows, our
  // own kernel: no per-step weight packing, no BLAS hand-off) and its gate nonlinearity, so a step
  // needs a single barrier. Members claim their own slice first, so in steady state each core
  // keeps re-reading the same W_hh rows from its own cache; a member that is not running (pool
  // busy, nested call) simply has its slices done by the others, so nothing can deadlock.
  // Tiny steps are not worth a barrier per timestep: one slice, no second member.
  const int64_t P = B * 4 * H * H < (1 << 17) ? 1 : std::max<int64_t>(1, std::min<int64_t>(num_threads(), H / 16));
  auto claim = std::make_unique<std::atomic<int64_t>[]>(static_cast<size_t>(P));
  std::atomic<int64_t> completed{0};
  const float* in = x;
  int64_t in_w = I;
  for (int64_t l = 0; l < L; ++l) {
    float* y = l == L - 1 ? out : mid[l % 2].data();
    float* c = cn + l * B * H;  // the cell state lives in c_n
    if (c0) std::memcpy(c, c0 + l * B * H, B * H * sizeof(float));
    else std::fill(c, c + B * H, 0.0f);
    if (bias) fill_rows_with_bias(G.data(), T * B, G4, bih[l], bhh[l]);
    // Input projection of all timesteps with our own kernel as well: a BLAS call here leaves
    // the BLAS threads spinning on the cores the recurrence below needs.
    if (!bias) std::fill(G.data(), G.data() + T * B * G4, 0.0f);
    if (T * B >= 4) {
      Scratch<float> wp(static_cast<size_t>(packed_bt_size(G4, in_w)));
      pack_bt(wih[l], in_w, G4, in_w, wp.data());
      gemm_packed_nt(T * B, G4, in_w, in, in_w, wp.data(), G.data(), G4);
    } else {
      sgemm_small_nt(T * B, G4, in_w, in, in_w, wih[l], in_w, G.data(), G4);
    }
    const float* w = whh[l];
    const float* h_init = h0 ? h0 + l * B * H : nullptr;
    // Batches of 4+ rows use the register-blocked kernel on W_hh packed once per layer, per
    // (slice, gate) block so every block's panels start at its own columns.
    const bool packed = B >= 4;
    auto block_off = [&](int64_t p, int64_t q) {
      int64_t off = 0;
      for (int64_t pp = 0; pp < p; ++pp) off += 4 * packed_bt_size(H * (pp + 1) / P - H * pp / P, H);
      return off + q * packed_bt_size(H * (p + 1) / P - H * p / P, H);
    };
    Scratch<float> whp;
    if (packed) {
      whp = Scratch<float>(static_cast<size_t>(block_off(P, 0)));
      for (int64_t p = 0; p < P; ++p)
        for (int64_t q = 0; q < 4; ++q) {
          const int64_t j0 = H * p / P, j1 = H * (p + 1) / P;
          pack_bt(w + (q * H + j0) * H, H, j1 - j0, H, whp.data() + block_off(p, q));
        }
    }
    auto slice = [&](int64_t t, int64_t p) {
      const int64_t j0 = H * p / P, j1 = H * (p + 1) / P;
      float* g = G.data() + step_row(t) * G4;
      const float* hp = t > 0 ? y + step_row(t - 1) * H : h_init;
      const int64_t ldh = t > 0 ? rs * H : H;
      if (hp)
        for (int64_t q = 0; q < 4; ++q) {
          if (packed) gemm_packed_nt(B, j1 - j0, H, hp, ldh, whp.data() + block_off(p, q), g + q * H + j0, rs * G4);
          else sgemm_small_nt(B, j1 - j0, H, hp, ldh, w + (q * H + j0) * H, H, g + q * H + j0, rs * G4);
        }
      for (int64_t b = 0; b < B; ++b) gate_range(G.data() + row(t, b) * G4, c + b * H, y + row(t, b) * H, H, j0, j1);
    };
    for (int64_t p = 0; p < P; ++p) claim[p].store(0);
    completed.store(0);
    parallel_for(P, 1, [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m)
        for (int64_t t = 0; t < T; ++t) {
          // Step t reads all of h_{t-1}: wait for every slice of the previous step.
          int spins = 0;
          while (completed.load(std::memory_order_acquire) < t * P) {
            if (++spins < 4096) cpu_relax();
            else std::this_thread::yield();
          }
          for (int64_t k = 0; k < P; ++k) {
            const int64_t p = (m + k) % P;
            int64_t expect = t;
            if (claim[p].load(std::memory_order_relaxed) == t &&
                claim[p].compare_exchange_strong(expect, t + 1, std::memory_order_acq_rel)) {
              slice(t, p);
              completed.fetch_add(1, std::memory_order_release);
            }
          }
        }
    });
    for (int64_t b = 0; b < B; ++b) std::memcpy(hn + (l * B + b) * H, y + row(T - 1, b) * H, H * sizeof(float));
    in = y;
    in_w = H;
  }
}

}  // namespace
ABW_KERNEL(cpu, lstm_cell, f32, lstm_cell);
ABW_KERNEL(cpu, lstm, f32, lstm);
}  // namespace abw::cpu
