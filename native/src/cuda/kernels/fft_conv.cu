// The fused FFT-convolution stage (a native op for benchmarks and banded pipelines, not a
// catalogue op; bench/cuda-vs-torch calls it through the raw addon):
//   y[b][c] = irfft(rfft(x[b][c]) · h[c], n) + bias[c]   (circular, n = x's length)
// x [B, C, n] f32, h [C, n/2+1, 2] f32, bias [C] f32 (optional) → y [B, C, n].
// Two methods (parameter `method`):
//   'fourstep'  n = 65536 only: the three-pass four-step transform with the product in its middle
//               pass (four_step.cuh), two rows per complex signal; the filters are first laid out
//               in that pass's order (a small pass over h);
//   'cufft'     any n: per band R2C → product → C2R, the product on the forward transform's stores
//               (LTO callback, parameter `callbacks`) or as its own kernel;
//   'auto'      (default) 'fourstep' where it applies, else 'cufft'.
// `fourstep_columns` (16 or 32, default 32): columns per block of the four-step's first and last
// passes, i.e. 64- or 128-byte row segments per warp access.
// The rows are split into `streams` bands (pairs of rows for 'fourstep'), each on its own stream
// (fork/join with events), so bands overlap on the GPU.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cuda/callbacks/fft_conv_info.h"
#include "cuda/context.h"
#include "cuda/fft_plan.h"
#ifdef ABW_FFT_CONV_LTO
#include "fft_conv_store_fatbin.h"  // generated: the LTO-IR of callbacks/fft_conv_store.cu
#endif
#include "cuda/kernels/common.cuh"
#include "cuda/kernels/four_step.cuh"
#include "cuda/op.h"
#include "cuda/twiddles.h"

namespace abw::cuda {
namespace {

// Fork/join of `bands` pieces of work over the module's streams: one band runs on the caller's
// stream; several wait on it, run on streams 1.., and the caller's stream waits on each.
class ForkJoin {
 public:
  explicit ForkJoin(size_t bands) : ev_(bands + 1) {
    for (auto& e : ev_) ABW_CU(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  }
  ~ForkJoin() {
    for (auto e : ev_) cudaEventDestroy(e);
  }
  ForkJoin(const ForkJoin&) = delete;
  ForkJoin& operator=(const ForkJoin&) = delete;
  template <class F> void run(cudaStream_t s, F&& band) const {
    const size_t n = ev_.size() - 1;
    if (n == 1) return band(0, s);
    const Context& c = ctx();
    ABW_CU(cudaEventRecord(ev_[0], s));
    for (size_t i = 0; i < n; ++i) {
      cudaStream_t bs = c.streams[i + 1 < c.streams.size() ? i + 1 : 0];
      ABW_CU(cudaStreamWaitEvent(bs, ev_[0], 0));
      band(i, bs);
      ABW_CU(cudaEventRecord(ev_[i + 1], bs));
      ABW_CU(cudaStreamWaitEvent(s, ev_[i + 1], 0));
    }
  }

 private:
  std::vector<cudaEvent_t> ev_;
};

// spec[r][k] = spec[r][k] · h[c][k] / n, and bin 0 gets + bias[c] (a constant added to every
// output sample is bias·n at DC before the 1/n of the inverse): the spectral multiply, the
// inverse's scaling and the bias in one pass over the spectrum. Bins 0 and n/2 (even n) keep only
// their real parts, as irfft takes them: cuFFT's C2R does not simply ignore their imaginary
// parts (3e-3 of max |y| on the H100 with a random h), the four-step method and numpy do.
__global__ void spectral_mul_bias(float2* __restrict__ spec, const float2* __restrict__ h, const float* __restrict__ bias, int64_t r0, int64_t rows, int64_t C, int64_t nh, int64_t n) {
  const float inv = 1.0f / static_cast<float>(n);
  ABW_GRID_STRIDE(i, rows * nh) {
    const int64_t k = i % nh, r = i / nh, c = (r0 + r) % C;
    const float2 a = spec[i], b = h[c * nh + k];
    float2 v = make_float2((a.x * b.x - a.y * b.y) * inv, (a.x * b.y + a.y * b.x) * inv);
    if (k == 0 || (k == nh - 1 && n % 2 == 0)) v.y = 0.f;
    if (k == 0 && bias) v.x += bias[c];
    spec[i] = v;
  }
}

// Whether the forward transforms carry the spectral multiply as a cuFFT LTO store callback
// (parameter `callbacks`: 'on' requires it, 'off' uses the multiply kernel, 'auto' tries the
// callback and falls back to the kernel when this build or this cuFFT cannot link it). 'off' is
// the default: the JIT link costs 0.1–0.5 s per plan (measured on an H100) for a few percent.
bool use_callbacks(OpArgs& a, int64_t rows, int64_t nh) {
  const std::string mode = a.p.has("callbacks") && !a.p.is_null("callbacks") ? a.p.s("callbacks") : "off";
  ABW_CHECK(mode == "auto" || mode == "on" || mode == "off", "EINVAL", a.msg("parameter `callbacks` must be 'auto', 'on' or 'off', got '" + mode + "'"));
  if (mode == "off") return false;
#ifdef ABW_FFT_CONV_LTO
  if (rows * nh < (int64_t{1} << 32)) return true;
  ABW_CHECK(mode != "on", "EINVAL", a.msg("callbacks: a band's spectrum has 2^32 bins or more (the callback indexes it in 32 bits)"));
  return false;
#else
  ABW_CHECK(mode != "on", "ENOKERNEL", a.msg("callbacks: this build has no LTO callback (bin2c was not found when the CUDA module was built)"));
  return false;
#endif
}

// The cuFFT method: per band, R2C → multiply (a store callback or its own kernel) → C2R.
CallPtr cufft_conv(OpArgs& a, const DevTensor& X, const DevTensor& Hs, const DevTensor* Bv, const DevTensor& Y, int64_t streams) {
  const int64_t B = X.shape[0], C = X.shape[1], n = X.shape[2], nh = n / 2 + 1;
  const int64_t rows = B * C;
  auto spec = std::make_shared<Scratch>(static_cast<size_t>(rows * nh) * 8);
  struct Band {
    int64_t r0, r1;
    std::shared_ptr<FftPlan> fwd, inv;
  };
  std::vector<Band> bands;
  bool fused = use_callbacks(a, rows, nh);
  const bool required = a.p.has("callbacks") && !a.p.is_null("callbacks") && a.p.s("callbacks") == "on";
  std::vector<std::shared_ptr<Scratch>> infos;
  for (int64_t b = 0; b < streams; ++b) {
    const int64_t r0 = rows * b / streams, r1 = rows * (b + 1) / streams;
    if (r1 == r0) continue;
    std::shared_ptr<FftPlan> fwd;
#ifdef ABW_FFT_CONV_LTO
    if (fused) {
      // The callback's parameters live in device memory, one block per band.
      const FftConvInfo info{static_cast<const float2*>(Hs.data), Bv ? Bv->ptr<float>() : nullptr, static_cast<unsigned>(r0), static_cast<unsigned>(C),
                             static_cast<unsigned>(nh), n % 2 == 0 ? static_cast<unsigned>(n / 2) : ~0u, 1.0f / static_cast<float>(n)};
      auto dinfo = upload_scratch(&info, sizeof info);
      const FftCallback cb{"abw_fft_conv_store", abw_fft_conv_store_fatbin, sizeof abw_fft_conv_store_fatbin, CUFFT_CB_ST_COMPLEX, dinfo->get()};
      try {
        fwd = std::make_shared<FftPlan>(n, CUFFT_R2C, r1 - r0, 1, n, 1, nh, n, nh, &cb);
        infos.push_back(dinfo);
      } catch (const Error&) {
        if (required) throw;
        fused = false;  // 'auto': this cuFFT would not link the callback; the kernel path it is
        for (Band& done : bands) done.fwd = std::make_shared<FftPlan>(n, CUFFT_R2C, done.r1 - done.r0, 1, n, 1, nh, n, nh);
        infos.clear();
      }
    }
#endif
    if (!fwd) fwd = std::make_shared<FftPlan>(n, CUFFT_R2C, r1 - r0, 1, n, 1, nh, n, nh);
    bands.push_back({r0, r1, fwd, std::make_shared<FftPlan>(n, CUFFT_C2R, r1 - r0, 1, nh, 1, n, nh, n)});
  }
  auto fj = std::make_shared<ForkJoin>(bands.size());
  auto call = std::make_unique<Call>();
  call->keep = {spec, fj};
  for (auto& i : infos) call->keep.push_back(i);
  const float* x = X.ptr<float>();
  const float2* h = static_cast<const float2*>(Hs.data);
  const float* bias = Bv ? Bv->ptr<float>() : nullptr;
  float* y = Y.ptr<float>();
  call->launch = [=](cudaStream_t s) {
    float2* sp = spec->as<float2>();
    fj->run(s, [&](size_t i, cudaStream_t bs) {
      const Band& bd = bands[i];
      bd.fwd->exec(bs, x + bd.r0 * n, sp + bd.r0 * nh);
      if (!fused) {
        const int64_t cnt = (bd.r1 - bd.r0) * nh;
        // Bands start at row r0: the channel of local row r is (r0 + r) % C.
        spectral_mul_bias<<<blocks_for(cnt), kThreads, 0, bs>>>(sp + bd.r0 * nh, h, bias, bd.r0, bd.r1 - bd.r0, C, nh, n);
      }
      bd.inv->exec(bs, sp + bd.r0 * nh, y + bd.r0 * n);
    });
  };
  return call;
}


// The four-step method: per band of row pairs, three launches (four_step.cuh).
// The first and last passes' columns per block (`fourstep_columns`, 16 or 32).
template <int TC> void launch_column_passes_setup() {
  const int smem = TC * four_step::kColStride * static_cast<int>(sizeof(float2));
  ABW_CU(cudaFuncSetAttribute(four_step::pass_columns_forward<TC>, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
  ABW_CU(cudaFuncSetAttribute(four_step::pass_columns_inverse<TC>, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
}

CallPtr four_step_conv(const DevTensor& X, const DevTensor& Hs, const DevTensor* Bv, const DevTensor& Y, int64_t streams, int tc) {
  const int64_t C = X.shape[1], rows = X.shape[0] * C, pairs = (rows + 1) / 2;
  streams = std::min(streams, pairs);
  auto tw256 = twiddle_table(four_step::kSide), twn = twiddle_table(four_step::kN);
  if (tc == 32) launch_column_passes_setup<32>();
  else launch_column_passes_setup<16>();
  const size_t col_smem = static_cast<size_t>(tc) * four_step::kColStride * sizeof(float2);
  auto packed = std::make_shared<Scratch>(static_cast<size_t>(pairs * four_step::kN) * sizeof(float2));
  auto filters = std::make_shared<Scratch>(static_cast<size_t>(C * four_step::kN) * sizeof(float2));
  auto fj = std::make_shared<ForkJoin>(static_cast<size_t>(streams));
  auto call = std::make_unique<Call>();
  call->keep = {tw256, twn, packed, filters, fj};
  const float* x = X.ptr<float>();
  const float2* h = static_cast<const float2*>(Hs.data);
  float* y = Y.ptr<float>();
  four_step::SpectralArgs sa{filters->as<float2>(), Bv ? Bv->ptr<float>() : nullptr, 0, 0, rows, static_cast<int>(C), 1.0f / static_cast<float>(four_step::kN)};
  call->launch = [=](cudaStream_t s) {
    float2* sp = packed->as<float2>();
    four_step::permute_filters<<<dim3(four_step::kSide / 32, four_step::kSide / 32, static_cast<unsigned>(C)), dim3(32, 8), 0, s>>>(h, filters->as<float2>());
    fj->run(s, [&](size_t i, cudaStream_t bs) {
      four_step::SpectralArgs band = sa;
      band.p0 = pairs * static_cast<int64_t>(i) / streams;
      band.p1 = pairs * static_cast<int64_t>(i + 1) / streams;
      const int64_t count = band.p1 - band.p0;
      if (count == 0) return;
      const unsigned column_blocks = static_cast<unsigned>(count * (four_step::kSide / tc));
      const float2 *w256 = tw256->as<float2>(), *wn = twn->as<float2>();
      if (tc == 32) four_step::pass_columns_forward<32><<<column_blocks, 16 * 32, col_smem, bs>>>(x, sp, w256, wn, band.p0, rows);
      else four_step::pass_columns_forward<16><<<column_blocks, 16 * 16, col_smem, bs>>>(x, sp, w256, wn, band.p0, rows);
      four_step::pass_spectral_product<<<dim3(static_cast<unsigned>((count + 7) / 8), four_step::kSide / 2 + 1), 256, 0, bs>>>(sp, w256, wn, band);
      if (tc == 32) four_step::pass_columns_inverse<32><<<column_blocks, 16 * 32, col_smem, bs>>>(sp, y, w256, band.p0, rows);
      else four_step::pass_columns_inverse<16><<<column_blocks, 16 * 16, col_smem, bs>>>(sp, y, w256, band.p0, rows);
    });
  };
  return call;
}

CallPtr fft_conv(OpArgs& a) {
  const DevTensor& X = a.input(0, "x");
  const DevTensor& Hs = a.input(1, "h");
  const DevTensor* Bv = a.optional(2);
  const DevTensor& Y = a.output(0, "out");
  ABW_CHECK(a.dtype == DType::f32, "EDTYPE", a.msg("fft_conv runs in f32"));
  ABW_CHECK(X.ndim() == 3, "ESHAPE", a.msg("input `x` must be [B, C, n]"));
  const int64_t C = X.shape[1], n = X.shape[2], nh = n / 2 + 1, rows = X.shape[0] * C;
  a.check_shape(Hs, {C, nh, 2}, "input `h`");
  if (Bv) a.check_shape(*Bv, {C}, "input `bias`");
  a.check_shape(Y, X.shape, "output `out`");
  const Context& cx = ctx();
  const int64_t streams = std::max<int64_t>(1, std::min<int64_t>(a.p.i("streams", cx.active_streams), std::max<int64_t>(rows, 1)));
  ABW_CHECK(streams <= static_cast<int64_t>(cx.streams.size()), "EINVAL", a.msg("parameter `streams` must be at most " + std::to_string(cx.streams.size())));
  const std::string method = a.p.has("method") && !a.p.is_null("method") ? a.p.s("method") : "auto";
  ABW_CHECK(method == "auto" || method == "fourstep" || method == "cufft", "EINVAL", a.msg("parameter `method` must be 'auto', 'fourstep' or 'cufft', got '" + method + "'"));
  const bool four_step_fits = n == four_step::kN && C <= 65535;
  ABW_CHECK(method != "fourstep" || n == four_step::kN, "EINVAL",
            a.msg("method 'fourstep' needs n = " + std::to_string(four_step::kN) + " (256 × 256), got n = " + std::to_string(n) + "; use 'cufft' or 'auto'"));
  ABW_CHECK(method != "fourstep" || C <= 65535, "EINVAL", a.msg("method 'fourstep' takes at most 65535 channels, got " + std::to_string(C) + "; use 'cufft' or 'auto'"));
  if (rows == 0) {
    auto call = std::make_unique<Call>();
    call->launch = [](cudaStream_t) {};
    return call;
  }
  const int64_t columns = a.p.i("fourstep_columns", 32);
  ABW_CHECK(columns == 16 || columns == 32, "EINVAL", a.msg("parameter `fourstep_columns` must be 16 or 32, got " + std::to_string(columns)));
  if (method != "cufft" && four_step_fits) return four_step_conv(X, Hs, Bv, Y, streams, static_cast<int>(columns));
  return cufft_conv(a, X, Hs, Bv, Y, streams);
}

}  // namespace
ABW_CUDA_OP(fft_conv, fft_conv, kF32);
}  // namespace abw::cuda
