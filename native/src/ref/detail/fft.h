// FP64 complex DFT for the oracle (fft.cpp, stft.cpp).
//
// A plain O(n²) DFT is too slow for the oracle's big cases (n_fft = 8192 STFTs over seconds of
// audio), so this is a recursive mixed-radix Cooley–Tukey (decimation in time), kept as plain as
// possible so that it is obviously correct:
//   n = p·m with p the smallest prime factor of n; the p sub-sequences x[r], x[r+p], … (r < p)
//   are transformed recursively (length m), then combined by the definition
//     X[k + q·m] = Σ_r W_n^{r·(k + q·m)} · Y_r[k]      (k < m, q < p, W_n = e^{∓2πi/n}).
//   When n is prime (p = n) the definition is evaluated directly (plain DFT).
// Twiddles: every twiddle is computed directly from its exact integer exponent, never by
// repeated multiplication. The exponent e = (j·k) mod n is reduced as an integer first (so no
// large angle ever reaches cos/sin), then reduced further by exact integer octant symmetry to an
// angle in [0, π/4] before cos/sin are called. This keeps each twiddle within an ulp or so of
// the exact value and makes W^0 = 1, W^{n/4} = ∓i, W^{n/2} = −1 exact, which is what an FP64
// oracle needs (its error must be far below that of the f32 kernels it judges).
#pragma once
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/memory.h"

namespace abw::ref::detail {

// π/2 (M_PI_2 is not standard C++).
constexpr double kHalfPi = 1.57079632679489661923132169163975144;

struct cplx {
  double re, im;
};
inline cplx cmul(cplx a, cplx b) { return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }
inline cplx cadd(cplx a, cplx b) { return {a.re + b.re, a.im + b.im}; }

// cos(2π·e/n) and sin(2π·e/n) for an integer e, by exact integer reduction to [0, π/4].
inline void unit_root(int64_t e, int64_t n, double* c, double* s) {
  e %= n;
  if (e < 0) e += n;
  // 2π·e/n = (π/2)·(q + r/n) with 4e = q·n + r, 0 ≤ r < n, q ∈ {0,1,2,3}.
  const int64_t q = (4 * e) / n;
  int64_t r = (4 * e) % n;
  // θ = (π/2)·r/n ∈ [0, π/2); for r > n/2 use θ = π/2 − (π/2)·(n−r)/n (swap cos and sin).
  bool swap = false;
  if (2 * r > n) {
    r = n - r;
    swap = true;
  }
  const double theta = (kHalfPi * static_cast<double>(r)) / static_cast<double>(n);
  double cc = std::cos(theta), ss = std::sin(theta);
  if (swap) std::swap(cc, ss);
  // Rotate by q quarter turns (exact).
  switch (q) {
    case 0: *c = cc; *s = ss; break;
    case 1: *c = -ss; *s = cc; break;
    case 2: *c = -cc; *s = -ss; break;
    default: *c = ss; *s = -cc; break;
  }
}

// A transform of one length and direction: the table tw[e] = exp(sign·2πi·e/n), e < n.
class DftPlan {
 public:
  // inverse = false: e^{−2πi jk/n} (forward); true: e^{+2πi jk/n} (no scaling either way).
  DftPlan(int64_t n, bool inverse) : n_(n), tw_(static_cast<size_t>(n)) {
    for (int64_t e = 0; e < n; ++e) {
      double c, s;
      unit_root(e, n, &c, &s);
      tw_[e] = {c, inverse ? s : -s};
    }
  }
  int64_t size() const { return n_; }

  // out[k] = Σ_j in[j]·W^{jk}, for contiguous in/out of length n (in and out must not overlap).
  void run(const cplx* in, cplx* out) const {
    if (n_ > 0) rec(in, 1, out, n_, 1);
  }

 private:
  static int64_t smallest_factor(int64_t n) {
    for (int64_t p = 2; p * p <= n; ++p)
      if (n % p == 0) return p;
    return n;
  }
  // W_len^e for a sub-transform of length len = n_/step: W_n^{(e mod len)·step}.
  cplx w(int64_t e, int64_t len, int64_t step) const { return tw_[(e % len) * step]; }

  // DFT of length len of in[0], in[is], …, in[(len−1)·is] into out[0..len); step = n_/len.
  void rec(const cplx* in, int64_t is, cplx* out, int64_t len, int64_t step) const {
    if (len == 1) {
      out[0] = in[0];
      return;
    }
    const int64_t p = smallest_factor(len);
    if (p == len) {  // prime length: the definition
      for (int64_t k = 0; k < len; ++k) {
        cplx acc{0.0, 0.0};
        for (int64_t j = 0; j < len; ++j) acc = cadd(acc, cmul(in[j * is], w(j * k, len, step)));
        out[k] = acc;
      }
      return;
    }
    const int64_t m = len / p;
    // Y_r (r < p) = DFT_m of the r-th decimated sub-sequence, stored at out[r·m .. r·m + m).
    for (int64_t r = 0; r < p; ++r) rec(in + r * is, is * p, out + r * m, m, step * p);
    // Combine in place, one k at a time: the p inputs Y_r[k] sit at out[r·m + k], exactly the
    // p outputs X[k + q·m] positions, so copy them out first.
    // p ≤ √len is small; a stack buffer for the usual radices avoids an allocation per node.
    cplx small[16];
    std::vector<cplx> big;
    cplx* y = small;
    if (p > 16) {
      big.resize(static_cast<size_t>(p));
      y = big.data();
    }
    for (int64_t k = 0; k < m; ++k) {
      for (int64_t r = 0; r < p; ++r) y[r] = out[r * m + k];
      for (int64_t q = 0; q < p; ++q) {
        const int64_t kk = k + q * m;
        cplx acc{0.0, 0.0};
        for (int64_t r = 0; r < p; ++r) acc = cadd(acc, cmul(y[r], w(r * kk, len, step)));
        out[kk] = acc;
      }
    }
  }

  int64_t n_;
  Scratch<cplx> tw_;
};

}  // namespace abw::ref::detail
