// FP64 oracle: stft, istft (torch.stft(return_complex=True) + view_as_real, torch.istft).
// The window is generated here from its name and zero-padded, centred, to n_fft.
#include <cmath>
#include <cstdio>
#include <string>

#include "common/memory.h"
#include "common/registry.h"
#include "common/thread_pool.h"
#include "ref/detail/fft.h"
#include "ref/detail/util.h"

namespace abw::ref {
namespace {
using detail::cplx;
using detail::DftPlan;

struct StftParams {
  int64_t n_fft, hop, win_length;
  bool center, normalized, onesided;
};

StftParams read_common(const KernelArgs& a) {
  StftParams s;
  s.n_fft = a.p.i("n_fft");
  s.hop = a.p.i("hop_length");
  s.win_length = a.p.i("win_length");
  s.center = a.p.b("center");
  s.normalized = a.p.b("normalized");
  s.onesided = a.p.b("onesided");
  detail::check_range(a, "n_fft", s.n_fft, 1);
  detail::check_range(a, "hop_length", s.hop, 1);
  detail::check_range(a, "win_length", s.win_length, 1, s.n_fft);
  return s;
}

// The window of length n_fft: `name` of win_length samples, zero-padded on both sides
// (left (n_fft − win_length)/2), as torch.stft pads a shorter window.
Scratch<double> make_window(const KernelArgs& a, const std::string& name, int64_t n_fft, int64_t win_length) {
  Scratch<double> w(static_cast<size_t>(n_fft));
  for (int64_t i = 0; i < n_fft; ++i) w[i] = 0.0;
  const int64_t left = (n_fft - win_length) / 2;
  if (name == "hann") {
    // Periodic Hann: 0.5 − 0.5·cos(2πi/win_length), with cos from the exactly reduced angle.
    for (int64_t i = 0; i < win_length; ++i) {
      double c, s;
      detail::unit_root(i, win_length, &c, &s);
      w[left + i] = 0.5 - 0.5 * c;
    }
  } else if (name == "ones") {
    for (int64_t i = 0; i < win_length; ++i) w[left + i] = 1.0;
  } else {
    fail("EINVAL", a.msg("parameter `window` must be 'hann' or 'ones', got '" + name + "'"));
  }
  return w;
}

void stft(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  Tensor& y = detail::out_f64(a, 0, "out");
  const StftParams s = read_common(a);
  const std::string& pad_mode = a.p.s("pad_mode");
  ABW_CHECK(pad_mode == "reflect" || pad_mode == "constant", "EINVAL",
            a.msg("parameter `pad_mode` must be 'reflect' or 'constant', got '" + pad_mode + "'"));
  ABW_CHECK(x.ndim() >= 1, "ESHAPE", a.msg("input `input` must be [..., L], got " + shape_str(x.shape())));
  const int64_t L = x.shape().back();
  const int64_t batch = shape_prod(x.shape(), 0, x.shape().size() - 1);
  const int64_t pad = s.center ? s.n_fft / 2 : 0;
  if (s.center && pad_mode == "reflect")
    ABW_CHECK(pad < L, "ESHAPE",
              a.msg("reflect padding of " + std::to_string(pad) + " needs input length > pad, got input " +
                    shape_str(x.shape())));
  const int64_t Lp = L + 2 * pad;
  ABW_CHECK(Lp >= s.n_fft, "ESHAPE",
            a.msg("input `input` " + shape_str(x.shape()) + " (padded length " + std::to_string(Lp) +
                  ") is shorter than n_fft = " + std::to_string(s.n_fft)));
  const int64_t n_frames = 1 + (Lp - s.n_fft) / s.hop;
  const int64_t n_freq = s.onesided ? s.n_fft / 2 + 1 : s.n_fft;
  Shape os(x.shape().begin(), x.shape().end() - 1);
  os.push_back(n_freq);
  os.push_back(n_frames);
  os.push_back(2);
  detail::expect_shape(a, y, os, "output `out`", "[..., n_freq, n_frames, 2]");

  const Scratch<double> win = make_window(a, a.p.s("window"), s.n_fft, s.win_length);
  const DftPlan plan(s.n_fft, false);
  const double scale = s.normalized ? 1.0 / std::sqrt(static_cast<double>(s.n_fft)) : 1.0;
  const double* xd = x.data<double>();
  double* yd = y.data<double>();
  const bool reflect = pad_mode == "reflect";

  // Frames are independent: parallel over (batch, frame) (does not change any result).
  parallel_for(batch * n_frames, 1, [&](int64_t begin, int64_t end) {
    Scratch<cplx> buf(static_cast<size_t>(s.n_fft)), spec(static_cast<size_t>(s.n_fft));
    for (int64_t bt = begin; bt < end; ++bt) {
      const int64_t b = bt / n_frames, t = bt % n_frames;
      const double* row = xd + b * L;
      for (int64_t i = 0; i < s.n_fft; ++i) {
        // Position in the unpadded signal; centre padding is reflect (torch: no edge repeat) or 0.
        int64_t src = t * s.hop + i - pad;
        double v;
        if (src >= 0 && src < L) {
          v = row[src];
        } else if (reflect) {
          if (src < 0) src = -src;
          if (src >= L) src = 2 * (L - 1) - src;
          v = row[src];  // pad < L keeps src in [0, L)
        } else {
          v = 0.0;
        }
        buf[i] = {v * win[i], 0.0};
      }
      plan.run(buf.data(), spec.data());
      for (int64_t f = 0; f < n_freq; ++f) {
        double* o = yd + ((b * n_freq + f) * n_frames + t) * 2;
        o[0] = spec[f].re * scale;
        o[1] = spec[f].im * scale;
      }
    }
  });
}

void istft(KernelArgs& a) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  Tensor& y = detail::out_f64(a, 0, "out");
  const StftParams s = read_common(a);
  const int64_t length = a.p.i("length");
  ABW_CHECK(length >= 0, "EINVAL", a.msg("parameter `length` must be >= 0, got " + std::to_string(length)));
  ABW_CHECK(x.ndim() >= 3 && x.shape().back() == 2, "ESHAPE",
            a.msg("input `input` must be [..., n_freq, n_frames, 2], got " + shape_str(x.shape())));
  const size_t nd = x.shape().size();
  const int64_t n_freq = x.shape()[nd - 3], n_frames = x.shape()[nd - 2];
  const int64_t want_freq = s.onesided ? s.n_fft / 2 + 1 : s.n_fft;
  ABW_CHECK(n_freq == want_freq, "ESHAPE",
            a.msg("input `input` " + shape_str(x.shape()) + " must have n_freq = " + std::to_string(want_freq) +
                  (s.onesided ? " (n_fft/2+1, onesided)" : " (n_fft, two-sided)")));
  ABW_CHECK(n_frames >= 1, "ESHAPE", a.msg("input `input` " + shape_str(x.shape()) + " has no frames"));
  const int64_t batch = shape_prod(x.shape(), 0, nd - 3);
  Shape os(x.shape().begin(), x.shape().end() - 3);
  os.push_back(length);
  detail::expect_shape(a, y, os, "output `out`", "[..., length]");

  const Scratch<double> win = make_window(a, a.p.s("window"), s.n_fft, s.win_length);
  const int64_t n = s.n_fft;
  const int64_t total = n + s.hop * (n_frames - 1);  // overlap-added signal length
  const int64_t start = s.center ? n / 2 : 0;
  // torch slices [start, start + length) of the overlap-added signal (clamped to its length) and
  // pads the rest of the output with zeros. Only samples before `avail_end` are ever used, so
  // only those are accumulated (a frame's samples past it are skipped).
  const int64_t avail_end = start + length < total ? start + length : total;
  const int64_t kept = avail_end > 0 ? avail_end : 0;

  // Envelope: overlap-added squared window; must be >= 1e-11 wherever it divides the output.
  Scratch<double> env(static_cast<size_t>(kept));
  for (int64_t i = 0; i < kept; ++i) env[i] = 0.0;
  for (int64_t t = 0; t < n_frames && t * s.hop < kept; ++t)
    for (int64_t i = 0; i < n && t * s.hop + i < kept; ++i) env[t * s.hop + i] += win[i] * win[i];
  for (int64_t i = start; i < avail_end; ++i) {
    if (std::fabs(env[i]) >= 1e-11) continue;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", env[i]);
    fail("ESHAPE", a.msg("window overlap-add is not invertible (NOLA): the squared-window envelope is " +
                         std::string(buf) + " < 1e-11 at output sample " + std::to_string(i - start)));
  }

  // Inverse of each frame: torch.istft (return_complex=False) takes bins 0..n/2 and runs irfft
  // (c2r, norm 'backward' = 1/n), for onesided and two-sided input alike; normalized multiplies
  // the input by √n_fft first.
  const DftPlan plan(n, true);
  const double scale = (s.normalized ? std::sqrt(static_cast<double>(n)) : 1.0) / static_cast<double>(n);
  const double* xd = x.data<double>();
  double* yd = y.data<double>();

  // Batch items are independent: parallel over them (does not change any result).
  parallel_for(batch, 1, [&](int64_t begin, int64_t end) {
    Scratch<cplx> buf(static_cast<size_t>(n)), sig(static_cast<size_t>(n));
    Scratch<double> ola(static_cast<size_t>(kept));
    for (int64_t b = begin; b < end; ++b) {
      for (int64_t i = 0; i < kept; ++i) ola[i] = 0.0;
      for (int64_t t = 0; t < n_frames && t * s.hop < kept; ++t) {
        for (int64_t k = 0; k < n; ++k) buf[k] = {0.0, 0.0};
        for (int64_t k = 0; k <= n / 2; ++k) {
          const double* v = xd + ((b * n_freq + k) * n_frames + t) * 2;  // k < n_freq always
          cplx c{v[0], v[1]};
          if (k == 0 || 2 * k == n) c.im = 0.0;  // c2r ignores these imaginary parts
          buf[k] = c;
          if (k > 0 && n - k != k) buf[n - k] = {c.re, -c.im};
        }
        plan.run(buf.data(), sig.data());
        // Frames are added in order t = 0, 1, … (the order of torch's col2im fold).
        for (int64_t i = 0; i < n && t * s.hop + i < kept; ++i) ola[t * s.hop + i] += sig[i].re * scale * win[i];
      }
      double* out = yd + b * length;
      for (int64_t j = 0; j < length; ++j) {
        const int64_t i = start + j;
        out[j] = i < avail_end ? ola[i] / env[i] : 0.0;
      }
    }
  });
}
}  // namespace

ABW_KERNEL(ref, stft, f64, stft);
ABW_KERNEL(ref, istft, f64, istft);
}  // namespace abw::ref
