// FP64 oracle: fft, ifft, rfft, irfft (torch.fft semantics). Complex tensors are real tensors
// with a trailing dimension of 2; `dim` counts the complex dims only. The transform itself is the
// plain mixed-radix DFT of detail/fft.h; here each 1-D line along `dim` is gathered (zero-padded
// or truncated to n), transformed, scaled and scattered. irfft's optional `filter` (complex, the
// trailing dims of the input's, broadcast over the rest) multiplies each bin first.
#include <cmath>
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

enum class Kind { c2c_forward, c2c_inverse, r2c, c2r };

// Scale for norm mode: forward transforms (fft, rfft) and inverse ones (ifft, irfft).
double norm_scale(const KernelArgs& a, const std::string& norm, bool inverse, int64_t n) {
  if (norm == "backward") return inverse ? 1.0 / static_cast<double>(n) : 1.0;
  if (norm == "forward") return inverse ? 1.0 : 1.0 / static_cast<double>(n);
  if (norm == "ortho") return 1.0 / std::sqrt(static_cast<double>(n));
  fail("EINVAL", a.msg("parameter `norm` must be 'backward', 'forward' or 'ortho', got '" + norm + "'"));
}

void run(KernelArgs& a, Kind kind) {
  const Tensor& x = detail::in_f64(a, 0, "input");
  Tensor& y = detail::out_f64(a, 0, "out");
  const int64_t n = a.p.i("n");
  const int64_t dim = a.p.i("dim");
  const std::string& norm = a.p.s("norm");
  detail::check_range(a, "n", n, 1);
  const bool complex_in = kind != Kind::r2c;
  const bool complex_out = kind != Kind::c2r;

  // Logical (complex or real) shape of the input.
  Shape ls = x.shape();
  if (complex_in) {
    ABW_CHECK(x.ndim() >= 1 && x.shape().back() == 2, "ESHAPE",
              a.msg("input `input` must be complex [..., 2], got " + shape_str(x.shape())));
    ls.pop_back();
  }
  const int64_t nd = static_cast<int64_t>(ls.size());
  ABW_CHECK(dim >= 0 && dim < nd, "EINVAL",
            a.msg("parameter `dim` must be in [0, " + std::to_string(nd) + "), got " + std::to_string(dim)));
  const int64_t len_in = ls[dim];
  // Output length along dim.
  const int64_t len_out = kind == Kind::r2c ? n / 2 + 1 : n;
  Shape os = ls;
  os[dim] = len_out;
  if (complex_out) os.push_back(2);
  detail::expect_shape(a, y, os, "output `out`");

  const int64_t outer = shape_prod(ls, 0, dim);
  const int64_t inner = shape_prod(ls, dim + 1, ls.size());
  const bool inverse = kind == Kind::c2c_inverse || kind == Kind::c2r;
  const double scale = norm_scale(a, norm, inverse, n);
  const DftPlan plan(n, inverse);
  const double* xd = x.data<double>();
  double* yd = y.data<double>();
  const Tensor* f = kind == Kind::c2r ? detail::opt_f64(a, 1, "filter") : nullptr;
  int64_t f_count = 0;  // complex elements of the filter: element e of the input takes e mod f_count
  if (f) {
    ABW_CHECK(is_complex_suffix(f->shape(), x.shape()), "ESHAPE",
              a.msg(filter_suffix_error(f->shape(), x.shape())));
    f_count = f->numel() / 2;
  }
  const double* fd = f ? f->data<double>() : nullptr;

  // Lines along dim are independent: parallel over them (does not change any result).
  parallel_for(outer * inner, 1, [&](int64_t begin, int64_t end) {
    Scratch<cplx> buf(static_cast<size_t>(n)), spec(static_cast<size_t>(n));
    for (int64_t line = begin; line < end; ++line) {
      const int64_t o = line / inner, i = line % inner;
      auto in_at = [&](int64_t j) { return (o * len_in + j) * inner + i; };  // element index
      auto out_at = [&](int64_t j) { return (o * len_out + j) * inner + i; };
      for (int64_t j = 0; j < n; ++j) buf[j] = {0.0, 0.0};
      if (kind == Kind::c2r) {
        // Hermitian spectrum from bins 0..n/2 (missing bins are zero); the imaginary parts of
        // bin 0 and, for even n, bin n/2 are ignored, as pocketfft / torch.fft.irfft do.
        for (int64_t k = 0; k <= n / 2; ++k) {
          cplx v{0.0, 0.0};
          if (k < len_in) v = {xd[2 * in_at(k)], xd[2 * in_at(k) + 1]};
          if (fd && k < len_in) {
            const int64_t e = in_at(k) % f_count;
            v = detail::cmul(v, {fd[2 * e], fd[2 * e + 1]});
          }
          if (k == 0 || 2 * k == n) v.im = 0.0;
          buf[k] = v;
          if (k > 0 && n - k != k) buf[n - k] = {v.re, -v.im};
        }
      } else {
        const int64_t take = len_in < n ? len_in : n;  // truncate or zero-pad to n
        for (int64_t j = 0; j < take; ++j)
          buf[j] = complex_in ? cplx{xd[2 * in_at(j)], xd[2 * in_at(j) + 1]} : cplx{xd[in_at(j)], 0.0};
      }
      plan.run(buf.data(), spec.data());
      for (int64_t k = 0; k < len_out; ++k) {
        if (complex_out) {
          yd[2 * out_at(k)] = spec[k].re * scale;
          yd[2 * out_at(k) + 1] = spec[k].im * scale;
        } else {
          yd[out_at(k)] = spec[k].re * scale;
        }
      }
    }
  });
}

void fft(KernelArgs& a) { run(a, Kind::c2c_forward); }
void ifft(KernelArgs& a) { run(a, Kind::c2c_inverse); }
void rfft(KernelArgs& a) { run(a, Kind::r2c); }
void irfft(KernelArgs& a) { run(a, Kind::c2r); }
}  // namespace

ABW_KERNEL(ref, fft, f64, fft);
ABW_KERNEL(ref, ifft, f64, ifft);
ABW_KERNEL(ref, rfft, f64, rfft);
ABW_KERNEL(ref, irfft, f64, irfft);
}  // namespace abw::ref
