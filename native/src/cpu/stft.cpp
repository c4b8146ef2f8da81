// cpu stft / istft. stft frames chunks of ~64K samples (reflect/constant padding resolved per
// frame, window applied while copying) and runs one batched r2c per chunk that writes straight
// into the [freq, frame] output layout through FFTW's output stride; chunks run in parallel.
// istft inverts chunks of frames the same way, then overlap-adds by gathering per output sample
// (so it parallelises without write conflicts) and divides by the squared-window envelope.
#include <cstdio>

#include "common/stft_params.h"
#include "cpu/detail/fft_plan.h"
#include "cpu/detail/util.h"

namespace abw::cpu {
namespace {

int64_t frames_per_chunk(int64_t n_fft) {
  int64_t c = std::max<int64_t>(2, 65536 / n_fft);
  return c + (c & 1);  // even, so every chunk's output pointer keeps the base's 16-byte alignment
}

void stft(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  const StftParams p = read_stft_params(a.p, a.op);
  const std::string& pad_mode = a.p.s("pad_mode");
  ABW_CHECK(pad_mode == "reflect" || pad_mode == "constant", "EINVAL",
            a.msg("parameter `pad_mode` must be 'reflect' or 'constant', got '" + pad_mode + "'"));
  const bool reflect = pad_mode == "reflect";
  ABW_CHECK(X.ndim() >= 1, "ESHAPE", a.msg("input `input` must be at least 1-D"));
  const int64_t L = X.size(-1), batch = L ? X.numel() / L : shape_numel(Shape(X.shape().begin(), X.shape().end() - 1));
  const int64_t pad = p.center ? p.n_fft / 2 : 0;
  if (p.center && reflect)
    ABW_CHECK(pad < L, "ESHAPE",
              a.msg("reflect padding of " + std::to_string(pad) + " needs a signal longer than that, got length " + std::to_string(L)));
  const int64_t Lp = L + 2 * pad;
  ABW_CHECK(Lp >= p.n_fft, "ESHAPE",
            a.msg("signal length " + std::to_string(Lp) + " (after padding) is shorter than n_fft " + std::to_string(p.n_fft)));
  const int64_t frames = 1 + (Lp - p.n_fft) / p.hop, nh = p.n_fft / 2 + 1, nfreq = p.onesided ? nh : p.n_fft;
  Shape os(X.shape().begin(), X.shape().end() - 1);
  os.insert(os.end(), {nfreq, frames, 2});
  check_shape(a, Y, os, "output `out`");
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  if (Y.numel() == 0) return;
  std::vector<float> win = stft_window(a.p, p, a.op);
  if (p.normalized) {  // folded into the window: one multiply instead of a pass over the output
    const float s = static_cast<float>(1.0 / std::sqrt(static_cast<double>(p.n_fft)));
    for (float& v : win) v *= s;
  }
  const int64_t C = frames_per_chunk(p.n_fft), chunks = ceil_div(frames, C), nfft = p.n_fft;
  parallel_for(batch * chunks, 1, [&](int64_t t0, int64_t t1) {
    Scratch<float> buf(static_cast<size_t>(C * nfft));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t b = t / chunks, f0 = (t % chunks) * C, cnt = std::min(C, frames - f0);
      const float* xs = x + b * L;
      for (int64_t f = 0; f < cnt; ++f) {
        float* fr = buf.data() + f * nfft;
        const int64_t s = (f0 + f) * p.hop - pad;  // signal index of the frame's first sample
        if (s >= 0 && s + nfft <= L) {
          for (int64_t k = 0; k < nfft; ++k) fr[k] = xs[s + k] * win[k];
        } else {
          for (int64_t k = 0; k < nfft; ++k) {
            int64_t j = s + k;
            float v;
            if (reflect) {
              j = j < 0 ? -j : j;
              j = j >= L ? 2 * (L - 1) - j : j;
              v = xs[j];
            } else {
              v = (j >= 0 && j < L) ? xs[j] : 0.0f;
            }
            fr[k] = v * win[k];
          }
        }
      }
      fft::r2c(nfft, cnt, buf.data(), 1, nfft, y + 2 * (b * nfreq * frames + f0), frames, 1);
    }
  });
  if (!p.onesided) {  // the upper bins are the conjugate mirror of the lower ones
    par(batch * (nfreq - nh), frames * 2, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t b = r / (nfreq - nh), k = nh + r % (nfreq - nh);
        float* dst = y + 2 * (b * nfreq + k) * frames;
        const float* src = y + 2 * (b * nfreq + (p.n_fft - k)) * frames;
        for (int64_t f = 0; f < frames; ++f) {
          dst[2 * f] = src[2 * f];
          dst[2 * f + 1] = -src[2 * f + 1];
        }
      }
    });
  }
}

void istft(KernelArgs& a) {
  const Tensor& X = a.input(0, "input");
  Tensor& Y = a.output(0, "out");
  const StftParams p = read_stft_params(a.p, a.op);
  const int64_t length = a.p.i("length");
  ABW_CHECK(length >= 0, "EINVAL", a.msg("parameter `length` must be >= 0"));
  ABW_CHECK(X.ndim() >= 3 && X.size(-1) == 2, "ESHAPE",
            a.msg("input `input` must be [..., n_freq, n_frames, 2], got " + sstr(X.shape())));
  const int64_t nh = p.n_fft / 2 + 1, nfreq = X.size(-3), frames = X.size(-2);
  ABW_CHECK(nfreq == (p.onesided ? nh : p.n_fft), "ESHAPE",
            a.msg("input `input` has " + std::to_string(nfreq) + " frequency bins, expected " +
                  std::to_string(p.onesided ? nh : p.n_fft) + (p.onesided ? " (onesided)" : " (two-sided)")));
  ABW_CHECK(frames >= 1, "ESHAPE", a.msg("input `input` has no frames"));
  Shape os(X.shape().begin(), X.shape().end() - 3);
  const int64_t batch = shape_numel(os);
  os.push_back(length);
  check_shape(a, Y, os, "output `out`");
  const float* x = fin(a, X, "input `input`");
  float* y = fout(a, Y, "output `out`");
  if (Y.numel() == 0) return;
  const std::vector<float> win = stft_window(a.p, p, a.op);
  const int64_t nfft = p.n_fft, hop = p.hop;
  const int64_t expected = nfft + hop * (frames - 1), start = p.center ? nfft / 2 : 0;
  const int64_t valid = std::clamp<int64_t>(expected - start, 0, length);  // outputs taken from the signal
  // Overlap-add of `cnt`-frame rows src (row f at src + f·row_stride, length nfft) onto output
  // positions [i0, i1) of the kept range, frame-major so the inner loop is contiguous.
  auto ola = [&](const float* src, int64_t row_stride, float* dst, int64_t i0, int64_t i1) {
    std::fill(dst + i0, dst + i1, 0.0f);
    const int64_t t0 = start + i0, t1 = start + i1;
    const int64_t flo = t0 >= nfft ? (t0 - nfft) / hop + 1 : 0, fhi = std::min(frames - 1, (t1 - 1) / hop);
    for (int64_t f = flo; f <= fhi; ++f) {
      const int64_t fs = f * hop, a0 = std::max(t0, fs), a1 = std::min(t1, fs + nfft);
      const float* s = src + f * row_stride + (a0 - fs);
      float* d = dst + (a0 - start);
      for (int64_t t = 0; t < a1 - a0; ++t) d[t] += s[t];
    }
  };
  // Envelope Σ w² of the kept samples; below 1e-11 the division is not invertible (NOLA).
  Scratch<float> env(static_cast<size_t>(std::max<int64_t>(valid, 1)));
  {
    std::vector<float> w2(win.size());
    for (size_t k = 0; k < win.size(); ++k) w2[k] = win[k] * win[k];
    par(valid, 4 * (nfft / hop + 1), [&](int64_t i0, int64_t i1) { ola(w2.data(), 0, env.data(), i0, i1); });
    for (int64_t i = 0; i < valid; ++i)
      if (!(std::fabs(env[i]) >= 1e-11f)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.3g", static_cast<double>(env[i]));
        fail("ESHAPE", a.msg("window overlap-add is not invertible (NOLA): envelope " + std::string(buf) +
                             " at output sample " + std::to_string(i)));
      }
  }
  // Inverse of every frame times window·(1/n or 1/√n), all frames kept for the gather below.
  const float scale = static_cast<float>(p.normalized ? 1.0 / std::sqrt(static_cast<double>(nfft)) : 1.0 / static_cast<double>(nfft));
  std::vector<float> wsc(win);
  for (float& v : wsc) v *= scale;
  Scratch<float> fr(static_cast<size_t>(frames * nfft));
  const int64_t C = frames_per_chunk(nfft), chunks = ceil_div(frames, C);
  for (int64_t b = 0; b < batch; ++b) {
    const float* xb = x + 2 * b * nfreq * frames;
    parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
      Scratch<float> spec(static_cast<size_t>(C * nh * 2));
      for (int64_t c = c0; c < c1; ++c) {
        const int64_t f0 = c * C, cnt = std::min(C, frames - f0);
        // Bin-major reads: each bin's `cnt` frames are contiguous in the [freq, frame] input.
        for (int64_t k = 0; k < nh; ++k) {
          const float* src = xb + 2 * (k * frames + f0);
          float* dst = spec.data() + 2 * k;
          for (int64_t f = 0; f < cnt; ++f) {
            dst[2 * f * nh] = src[2 * f];
            dst[2 * f * nh + 1] = src[2 * f + 1];
          }
        }
        for (int64_t f = 0; f < cnt; ++f) {
          float* s = spec.data() + 2 * f * nh;
          s[1] = 0.0f;  // c2r ignores these imaginary parts; clear them so every backend agrees
          if (nfft % 2 == 0) s[2 * (nh - 1) + 1] = 0.0f;
        }
        float* out = fr.data() + f0 * nfft;
        fft::c2r(nfft, cnt, spec.data(), 1, nh, out, 1, nfft);
        for (int64_t f = 0; f < cnt; ++f)
          for (int64_t k = 0; k < nfft; ++k) out[f * nfft + k] *= wsc[k];
      }
    });
    float* yb = y + b * length;
    par(length, 4 * (nfft / hop + 1), [&](int64_t i0, int64_t i1) {
      const int64_t v1 = std::min(i1, valid);
      if (i0 < v1) {
        ola(fr.data(), nfft, yb, i0, v1);
        for (int64_t i = i0; i < v1; ++i) yb[i] /= env[i];
      }
      for (int64_t i = std::max(i0, v1); i < i1; ++i) yb[i] = 0.0f;
    });
  }
}

}  // namespace
ABW_KERNEL(cpu, stft, f32, stft);
ABW_KERNEL(cpu, istft, f32, istft);
}  // namespace abw::cpu
