// cuda stft / istft with fused framing and overlap-add around cuFFT.
// stft: "padded" where the window allows (the signal padded once, cuFFT reading overlapping
// frames from it, the window applied in frequency and fused with the transpose to [freq,
// frame]), else "framed" (one kernel frames and windows the signal, one R2C — C2C when
// two-sided — per signal, then the transpose). One-sided f32 races that path once per geometry
// (stft_choose) against "callback" (a cuFFT LTO load callback pads, frames and windows as cuFFT
// reads, one R2C and one transpose launch for every signal) and, for n_fft 4096, "fused" (one
// hand-written kernel from signal to [freq, frame], stft_fused.cuh).
// istft: one kernel gathers the [freq, frame] spectrum into frame-major order (clearing the
// imaginary parts C2R ignores); one batched C2R; one overlap-add kernel gathers, per output
// sample, the windowed frames covering it and divides by the squared-window envelope, which is
// computed once at prepare (in double) and checked there (NOLA).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "common/stft_params.h"
#include "cuda/callbacks/stft_load_info.h"
#include "cuda/choices.h"
#include "cuda/context.h"
#include "cuda/event_timer.h"
#include "cuda/fft_plan.h"
#ifdef ABW_STFT_LTO
#include "stft_load_fatbin.h"  // generated: the LTO-IR of callbacks/stft_load.cu
#endif
#include "cuda/kernels/common.cuh"
#include "cuda/kernels/stft_fused.cuh"
#include "cuda/op.h"
#include "cuda/twiddles.h"

namespace abw::cuda {
namespace {

std::shared_ptr<Scratch> upload_floats(const std::vector<float>& v) { return upload_scratch(v.data(), v.size() * sizeof(float)); }

// "n,<FNV-1a of the bytes>": identifies a table's content in a cache key.
std::string content_key(const std::vector<float>& v) {
  uint64_t h = 1469598103934665603ull;
  const auto* p = reinterpret_cast<const unsigned char*>(v.data());
  for (size_t i = 0; i < v.size() * sizeof(float); ++i) h = (h ^ p[i]) * 1099511628211ull;
  return std::to_string(v.size()) + "," + std::to_string(h);
}

// Constant tables (windows, istft's envelope) on the device, built and uploaded once per key:
// a pipeline prepares the same istft for every batch of chunks, and an upload of more than
// 64 KB from pageable memory waits for the stream's queued work, so the host would stall until
// the GPU is idle and then leave it idle while it prepares the next ops.
template <class Build>
std::shared_ptr<Scratch> cached_table(const std::string& key, Build build) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<Scratch>> tables;
  std::lock_guard<std::mutex> lock(mu);
  auto it = tables.find(key);
  if (it != tables.end()) return it->second;
  if (tables.size() >= 64) tables.clear();  // a bound for processes that sweep many geometries
  auto t = upload_floats(build());
  tables[key] = t;
  return t;
}

// The op's window on the device, with `normalized`'s 1/√n_fft folded in.
std::shared_ptr<Scratch> device_window(OpArgs& a, const StftParams& p) {
  std::vector<float> win = stft_window(a.p, p, a.op);
  if (p.normalized) {
    const float s = static_cast<float>(1.0 / std::sqrt(static_cast<double>(p.n_fft)));
    for (float& v : win) v *= s;
  }
  return cached_table("window " + content_key(win), [&] { return win; });
}

// frames[b][f][k] = x[b][f·hop − pad + k] (padding resolved) · win[k]; complex output when cplx.
template <class T>
__global__ void frame_kernel(const T* __restrict__ x, const float* __restrict__ win, float* __restrict__ fr, int64_t batch, int64_t L,
                             int64_t frames, int64_t nfft, int64_t hop, int64_t pad, bool reflect, bool cplx) {
  ABW_GRID_STRIDE(i, batch * frames * nfft) {
    const int64_t k = i % nfft, f = (i / nfft) % frames, b = i / (nfft * frames);
    int64_t j = f * hop - pad + k;
    float v;
    if (reflect) {
      j = j < 0 ? -j : j;
      j = j >= L ? 2 * (L - 1) - j : j;
      v = ld(x[b * L + j]);
    } else {
      v = (j >= 0 && j < L) ? ld(x[b * L + j]) : 0.f;
    }
    v *= win[k];
    if (cplx) {
      fr[2 * i] = v;
      fr[2 * i + 1] = 0.f;
    } else {
      fr[i] = v;
    }
  }
}

template <class T>
__global__ void narrow_kernel(const float* __restrict__ x, T* __restrict__ y, int64_t n) {
  ABW_GRID_STRIDE(i, n) y[i] = st<T>(x[i]);
}

// Centre padding resolved once into a contiguous f32 signal per channel (reflect or constant).
// One grid row per channel (blockIdx.y): no 64-bit division per element.
template <class T>
__global__ void pad_signal(const T* __restrict__ x, float* __restrict__ xp, int64_t L, int64_t Lp, int64_t pad, bool reflect) {
  const int64_t b = blockIdx.y;
  const T* xb = x + b * L;
  float* yb = xp + b * Lp;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < Lp; i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t j = i - pad;
    float v;
    if (reflect) {
      j = j < 0 ? -j : j;
      j = j >= L ? 2 * (L - 1) - j : j;
      v = ld(xb[j]);
    } else {
      v = (j >= 0 && j < L) ? ld(xb[j]) : 0.f;
    }
    yb[i] = v;
  }
}

// Spectrum of the windowed frame from the unwindowed one: a periodic Hann window of length
// n_fft is 0.5 − 0.25·e^{+iθ} − 0.25·e^{−iθ}, so windowing is the 3-tap convolution
// 0.5·X[k] − 0.25·(X[k−1] + X[k+1]) over bins (X[−1] = conj X[1], X[n/2+1] = conj X[n/2−1]);
// the rectangular window is the 1-tap (c0 = 1, c1 = 0). Written transposed, [frames, bins] →
// [bins, frames], through a 32×32 shared-memory tile so reads and writes both coalesce.
template <class T>
__global__ void window_transpose(const float2* __restrict__ X, T* __restrict__ y, int64_t frames, int64_t nh, int64_t nfft, float c0, float c1, float scale) {
  // (Staging each row with its two neighbour bins in shared memory measured slower than these
  // L1-served neighbour loads.)
  __shared__ float2 tile[32][33];
  const int64_t f0 = static_cast<int64_t>(blockIdx.y) * 32, k0 = static_cast<int64_t>(blockIdx.x) * 32;
  for (int r = threadIdx.y; r < 32; r += blockDim.y) {
    const int64_t f = f0 + r, k = k0 + threadIdx.x;
    if (f < frames && k < nh) {
      const float2* row = X + f * nh;
      float2 v = row[k];
      if (c1 != 0.f) {
        const float2 lo = k > 0 ? row[k - 1] : make_float2(row[1].x, -row[1].y);
        const int64_t kh = k + 1;
        const float2 hi = kh < nh ? row[kh] : make_float2(row[nfft - kh].x, -row[nfft - kh].y);  // bin n − kh mirrors
        v = make_float2(c0 * v.x + c1 * (lo.x + hi.x), c0 * v.y + c1 * (lo.y + hi.y));
      }
      tile[r][threadIdx.x] = make_float2(v.x * scale, v.y * scale);
    }
  }
  __syncthreads();
  for (int r = threadIdx.y; r < 32; r += blockDim.y) {
    const int64_t k = k0 + r, f = f0 + threadIdx.x;
    if (f < frames && k < nh) {
      const float2 v = tile[threadIdx.x][r];
      if constexpr (std::is_same_v<T, float>) {
        reinterpret_cast<float2*>(y)[k * frames + f] = v;  // one 8-byte store
      } else {
        y[2 * (k * frames + f)] = st<T>(v.x);
        y[2 * (k * frames + f) + 1] = st<T>(v.y);
      }
    }
  }
}

// Geometry of one stft call, from the input's shape and the parameters.
struct StftGeom {
  int64_t batch, L, pad, Lp, frames, nh, nfreq, count;
  bool reflect;
};

// The paths without a cuFFT callback. `which` names the one taken, for the choice record.
// Two-sided stft from a one-sided R2C would need the mirror; the C2C path computes every bin.
CallPtr stft_classic(OpArgs& a, const StftParams& p, const StftGeom& g, const void* x, void* y, std::string* which) {
  const int64_t batch = g.batch, L = g.L, pad = g.pad, Lp = g.Lp, frames = g.frames, nh = g.nh, nfreq = g.nfreq, count = g.count;
  const bool reflect = g.reflect;
  auto call = std::make_unique<Call>();
  const std::string& wname = a.p.s("window");
  const DType dt = a.dtype;
  // Fast path (one-sided, window spanning n_fft, even n_fft): cuFFT reads the overlapping frames
  // straight from the padded signal (input distance = hop), the window is applied in frequency
  // and the transpose to [freq, frame] is fused with it — no framed copy of the signal.
  // (Measured on an H200, 2 ch × 60 s, n_fft 4096: 171 µs this way, 305 µs framing first.)
  if (p.onesided && p.win == p.n_fft && p.n_fft % 2 == 0 && p.n_fft >= 4 && (wname == "hann" || wname == "ones")) {
    *which = "padded";
    const bool hann = wname == "hann";
    const float c0 = hann ? 0.5f : 1.0f, c1 = hann ? -0.25f : 0.0f;
    const float scale = p.normalized ? static_cast<float>(1.0 / std::sqrt(static_cast<double>(p.n_fft))) : 1.0f;
    auto xp = std::make_shared<Scratch>(static_cast<size_t>(batch * Lp) * 4);
    auto spec = std::make_shared<Scratch>(static_cast<size_t>(frames * nh) * 8);
    auto plan = FftPlan::shared(p.n_fft, CUFFT_R2C, frames, 1, p.hop, 1, nh, Lp, nh);
    call->keep = {xp, spec, plan};
    const int64_t nfft = p.n_fft;
    call->launch = [=](cudaStream_t s) {
      const dim3 pgrid(std::min<unsigned>(blocks_for(Lp), 4096), static_cast<unsigned>(batch));
      ABW_FLOAT_DISPATCH(dt, pad_signal<T><<<pgrid, kThreads, 0, s>>>(static_cast<const T*>(x), xp->as<float>(), L, Lp, pad, reflect));
      const dim3 grid(static_cast<unsigned>((nh + 31) / 32), static_cast<unsigned>((frames + 31) / 32)), block(32, 8);
      for (int64_t b = 0; b < batch; ++b) {
        plan->exec(s, xp->as<float>() + b * Lp, spec->get(), false);
        ABW_FLOAT_DISPATCH(dt, window_transpose<T><<<grid, block, 0, s>>>(spec->as<float2>(), static_cast<T*>(y) + 2 * b * nh * frames, frames, nh, nfft, c0, c1, scale));
      }
    };
    return call;
  }
  auto dwin = device_window(a, p);
  const bool cplx = !p.onesided;
  auto frbuf = std::make_shared<Scratch>(static_cast<size_t>(batch * frames * p.n_fft * (cplx ? 2 : 1)) * 4);
  if (!cplx) {
    // Framed: windowed frames contiguous, one contiguous R2C per signal, then the transpose to
    // [freq, frame] (cuFFT's own strided output is far slower than a tiled transpose).
    *which = "framed";
    auto spec = std::make_shared<Scratch>(static_cast<size_t>(frames * nh) * 8);
    auto cplan = FftPlan::shared(p.n_fft, CUFFT_R2C, frames, 1, p.n_fft, 1, nh, p.n_fft, nh);
    call->keep = {dwin, frbuf, spec, cplan};
    const int64_t nfft = p.n_fft, hop = p.hop;
    call->launch = [=](cudaStream_t s) {
      const int64_t total = batch * frames * nfft;
      ABW_FLOAT_DISPATCH(dt, frame_kernel<T><<<blocks_for(total), kThreads, 0, s>>>(static_cast<const T*>(x), dwin->as<float>(), frbuf->as<float>(), batch, L,
                                                                                   frames, nfft, hop, pad, reflect, false));
      const dim3 grid(static_cast<unsigned>((nh + 31) / 32), static_cast<unsigned>((frames + 31) / 32)), block(32, 8);
      for (int64_t b = 0; b < batch; ++b) {
        cplan->exec(s, frbuf->as<float>() + b * frames * nfft, spec->get(), false);
        ABW_FLOAT_DISPATCH(dt, window_transpose<T><<<grid, block, 0, s>>>(spec->as<float2>(), static_cast<T*>(y) + 2 * b * nh * frames, frames, nh, nfft, 1.0f, 0.0f, 1.0f));
      }
    };
    return call;
  }
  // Two-sided: `frames` C2C transforms per signal; bin k of frame f lands at k·frames + f.
  *which = "two-sided";
  std::shared_ptr<Scratch> sout = dt != DType::f32 ? std::make_shared<Scratch>(static_cast<size_t>(count) * 4) : nullptr;
  auto plan = FftPlan::shared(p.n_fft, CUFFT_C2C, frames, 1, p.n_fft, frames, 1, p.n_fft, nfreq);
  call->keep = {dwin, frbuf, sout, plan};
  const int64_t nfft = p.n_fft, hop = p.hop;
  call->launch = [=](cudaStream_t s) {
    const int64_t total = batch * frames * nfft;
    ABW_FLOAT_DISPATCH(dt, frame_kernel<T><<<blocks_for(total), kThreads, 0, s>>>(static_cast<const T*>(x), dwin->as<float>(), frbuf->as<float>(), batch, L,
                                                                                 frames, nfft, hop, pad, reflect, true));
    float* out = sout ? sout->as<float>() : static_cast<float*>(y);
    for (int64_t b = 0; b < batch; ++b) plan->exec(s, frbuf->as<float2>() + b * frames * nfft, out + 2 * b * nfreq * frames, false);
    if (sout) ABW_FLOAT_DISPATCH(dt, narrow_kernel<T><<<blocks_for(count), kThreads, 0, s>>>(out, static_cast<T*>(y), count));
  };
  return call;
}

#ifdef ABW_STFT_LTO
// ---- The callback path (f32, one-sided): one R2C over batch·frames virtual frames whose loads
// a cuFFT LTO callback resolves from the signal (callbacks/stft_load.cu: padding, framing and
// the window in time), then one transpose launch for every signal. No padded copy of the signal,
// one cuFFT exec and two launches in all, where the padded path makes 1 + 2·batch.

// Spectra [batch, frames, nh] → [batch, nh, frames] through a 32×32 shared-memory tile (reads
// and writes both coalesce), every signal in one launch (grid.z, looping past 65535).
__global__ void transpose_spectra(const float2* __restrict__ X, float2* __restrict__ y, int64_t batch, int64_t frames, int64_t nh) {
  __shared__ float2 tile[32][33];
  const int64_t f0 = static_cast<int64_t>(blockIdx.y) * 32, k0 = static_cast<int64_t>(blockIdx.x) * 32;
  for (int64_t b = blockIdx.z; b < batch; b += gridDim.z) {
    const float2* xb = X + b * frames * nh;
    float2* yb = y + b * nh * frames;
    for (int r = threadIdx.y; r < 32; r += blockDim.y) {
      const int64_t f = f0 + r, k = k0 + threadIdx.x;
      if (f < frames && k < nh) tile[r][threadIdx.x] = xb[f * nh + k];
    }
    __syncthreads();
    for (int r = threadIdx.y; r < 32; r += blockDim.y) {
      const int64_t k = k0 + r, f = f0 + threadIdx.x;
      if (f < frames && k < nh) yb[k * frames + f] = tile[threadIdx.x][r];
    }
    __syncthreads();  // the next signal reuses the tile
  }
}

// A plan with the load callback linked in, with the window and the callback's parameters it
// reads. Geometry only (the signal is the exec's input pointer), so it is shared by every call
// of this geometry.
struct StftCallbackPlan {
  std::shared_ptr<Scratch> win, info;
  std::shared_ptr<FftPlan> plan;
};

// Throws when cuFFT cannot link the callback (or plan the transform).
std::shared_ptr<StftCallbackPlan> make_callback_plan(const StftParams& p, const StftGeom& g, std::shared_ptr<Scratch> win) {
  auto cp = std::make_shared<StftCallbackPlan>();
  cp->win = std::move(win);
  unsigned shift = 0;
  if (p.n_fft > 1 && (p.n_fft & (p.n_fft - 1)) == 0)
    while ((int64_t{1} << shift) < p.n_fft) ++shift;
  const StftLoadInfo info{cp->win->as<float>(),       static_cast<unsigned>(p.n_fft), shift, static_cast<unsigned>(g.frames),
                          static_cast<unsigned>(p.hop), static_cast<int>(g.L),        static_cast<int>(g.pad), g.reflect ? 1 : 0};
  cp->info = upload_scratch(&info, sizeof info);
  const FftCallback cb{"abw_stft_load", abw_stft_load_fatbin, sizeof abw_stft_load_fatbin, CUFFT_CB_LD_REAL, cp->info->get()};
  cp->plan = std::make_shared<FftPlan>(p.n_fft, CUFFT_R2C, g.batch * g.frames, 1, p.n_fft, 1, g.nh, p.n_fft, g.nh, &cb);
  return cp;
}

// Why the callback path cannot take this call, or "" when it can.
std::string callback_unfit(const StftParams& p, const StftGeom& g) {
  if (g.batch * g.frames * p.n_fft >= (int64_t{1} << 32)) return "batch·frames·n_fft is 2^32 or more (the callback indexes in 32 bits)";
  if (g.Lp >= (int64_t{1} << 31) || p.hop >= (int64_t{1} << 31)) return "a padded signal of 2^31 samples or more (the callback indexes in 32 bits)";
  if ((g.frames + 31) / 32 > 65535) return "more than 2097120 frames (the transpose's grid)";
  return "";
}

// The callback path's call on x → y.
CallPtr stft_callback_call(const StftGeom& g, std::shared_ptr<StftCallbackPlan> cp, const void* x, void* y) {
  auto spec = std::make_shared<Scratch>(static_cast<size_t>(g.batch * g.frames * g.nh) * 8);
  auto call = std::make_unique<Call>();
  call->keep = {spec, cp};
  const int64_t batch = g.batch, frames = g.frames, nh = g.nh;
  call->launch = [=](cudaStream_t s) {
    cp->plan->exec(s, x, spec->get(), false);
    const dim3 grid(static_cast<unsigned>((nh + 31) / 32), static_cast<unsigned>((frames + 31) / 32), static_cast<unsigned>(std::min<int64_t>(batch, 65535))),
        block(32, 8);
    transpose_spectra<<<grid, block, 0, s>>>(spec->as<float2>(), static_cast<float2*>(y), batch, frames, nh);
  };
  return call;
}

#endif

// ---- The fused path (f32, one-sided, n_fft 4096): one kernel frames, windows, transforms and
// writes [freq, frame] (stft_fused.cuh), P frame pairs per block.

std::string fused_unfit(const StftParams& p, const StftGeom& g) {
  if (p.n_fft != stft_fused::kNfft) return "n_fft is not " + std::to_string(stft_fused::kNfft);
  if (g.batch > 65535) return "more than 65535 signals (the kernel's grid)";
  return "";
}

template <int P>
CallPtr stft_fused_call(const StftParams& p, const StftGeom& g, std::shared_ptr<Scratch> dwin, const void* x, void* y) {
  auto tw4096 = twiddle_table(stft_fused::kNfft), tw256 = twiddle_table(256);
  constexpr size_t smem = stft_fused::smem_bytes<P>();
  ABW_CU(cudaFuncSetAttribute(stft_fused::stft_frame_pairs<P>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
  auto call = std::make_unique<Call>();
  call->keep = {dwin, tw4096, tw256};
  const StftGeom geo = g;
  const int64_t hop = p.hop;
  call->launch = [=](cudaStream_t s) {
    const dim3 grid(static_cast<unsigned>((geo.frames + 2 * P - 1) / (2 * P)), static_cast<unsigned>(geo.batch));
    stft_fused::stft_frame_pairs<P><<<grid, 256 * P, smem, s>>>(static_cast<const float*>(x), dwin->as<float>(), tw4096->as<float2>(), tw256->as<float2>(),
                                                              static_cast<float2*>(y), geo.L, geo.frames, hop, geo.pad, geo.reflect);
    ABW_CU(cudaGetLastError());
  };
  return call;
}

// ---- The race (f32, one-sided), once per geometry per process, on the bound tensors.

// out[0] = max |ref|, out[1] = max |ref − got| over the pairs where both are finite (as float
// bits: non-negative floats order like their bit patterns, so atomicMax on the bits is a float
// max); out[2] |= 1 where ref is not finite, |= 2 where got is not finite but ref is.
__global__ void compare_outputs(const float* __restrict__ ref, const float* __restrict__ got, int64_t n, unsigned* __restrict__ out) {
  float mref = 0.f, mdiff = 0.f;
  unsigned flags = 0;
  ABW_GRID_STRIDE(i, n) {
    const float r = ref[i], v = got[i];
    if (!isfinite(r)) {
      flags |= 1u;
    } else if (!isfinite(v)) {
      flags |= 2u;
    } else {
      mref = fmaxf(mref, fabsf(r));
      mdiff = fmaxf(mdiff, fabsf(r - v));
    }
  }
  for (int o = 16; o > 0; o >>= 1) {  // blocks of whole warps: every lane gets here
    mref = fmaxf(mref, __shfl_xor_sync(0xffffffffu, mref, o));
    mdiff = fmaxf(mdiff, __shfl_xor_sync(0xffffffffu, mdiff, o));
    flags |= __shfl_xor_sync(0xffffffffu, flags, o);
  }
  if ((threadIdx.x & 31) == 0) {
    atomicMax(out, __float_as_uint(mref));
    atomicMax(out + 1, __float_as_uint(mdiff));
    if (flags) atomicOr(out + 2, flags);
  }
}

struct Comparison {
  float max_ref, max_diff;
  unsigned flags;
};

// Compares two f32 arrays on `s` and waits for the answer.
Comparison compare_on_device(cudaStream_t s, const float* ref, const float* got, int64_t n) {
  Scratch acc(3 * sizeof(unsigned));
  ABW_CU(cudaMemsetAsync(acc.get(), 0, 3 * sizeof(unsigned), s));
  compare_outputs<<<std::min<unsigned>(blocks_for(n), 1024), kThreads, 0, s>>>(ref, got, n, acc.as<unsigned>());
  ABW_CU(cudaGetLastError());
  unsigned h[3] = {0, 0, 0};
  ABW_CU(cudaMemcpyAsync(h, acc.get(), sizeof h, cudaMemcpyDeviceToHost, s));
  ABW_CU(cudaStreamSynchronize(s));
  Comparison c{0.f, 0.f, h[2]};
  std::memcpy(&c.max_ref, &h[0], sizeof(float));
  std::memcpy(&c.max_diff, &h[1], sizeof(float));
  return c;
}

// Why a candidate's output may not stand in for the classic one's, or "" when it may.
std::string refusal(const Comparison& c, double* rel) {
  *rel = c.max_ref > 0.f ? static_cast<double>(c.max_diff) / static_cast<double>(c.max_ref) : 0.0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", *rel);
  if (c.flags & 2u) return "refused: non-finite output where the classic path's is finite";
  if (c.flags & 1u) return "refused: the classic output on the bound input is not finite, so the comparison proves nothing";
  if (!(c.max_ref > 0.f)) return "refused: the classic output on the bound input is all zeros, so the comparison proves nothing";
  if (!(*rel < 1e-4)) return std::string("refused: max abs difference from the classic path is ") + buf + " of its max abs value (limit 1e-4)";
  return "";
}

// Mean ms per launch of `c` over 5 back-to-back launches.
float launch_ms(const Call& c, cudaStream_t s) {
  return mean_launch_ms(s, 5, [&] {
    c.launch(s);
    return true;
  });
}

// The path chosen per geometry, once per process. A callback plan that won is held for the
// process: building it is a JIT link, and pipelines prepare (and release) the same stft per chunk.
struct StftChoice {
  std::string path;  // "classic", "callback", "fused P=2", "fused P=4"
#ifdef ABW_STFT_LTO
  std::shared_ptr<StftCallbackPlan> plan;
#endif
};
std::mutex choice_mu;
std::map<std::string, StftChoice>& choice_cache() {
  static std::map<std::string, StftChoice> m;
  return m;
}

struct Candidate {
  std::string path;
  CallPtr call;
  float ms = NAN;
  double rel = NAN;
  std::string why;  // refused or failed: never runs
};

// The call of a candidate path by name (classic is the caller's).
CallPtr path_call(const std::string& path, OpArgs& a, const StftParams& p, const StftGeom& g, const DevTensor& X, const DevTensor& Y) {
  if (path == "fused P=2") return stft_fused_call<2>(p, g, device_window(a, p), X.data, Y.data);
  if (path == "fused P=4") return stft_fused_call<4>(p, g, device_window(a, p), X.data, Y.data);
  return nullptr;
}

// The f32 one-sided stft: the classic path (padded or framed) raced once per geometry against
// the load-callback path and the fused kernel (two block sizes) on the bound tensors. A
// candidate is kept only when it is the fastest AND its output on these tensors matches the
// classic one (max abs difference under 1e-4 of the max abs value); the record (choices.h) says
// which ran, every time and why a candidate lost.
CallPtr stft_choose(OpArgs& a, const StftParams& p, const StftGeom& g, const DevTensor& X, const DevTensor& Y, CallPtr classic,
                    const std::string& classic_name) {
  std::string key = "stft f32 x";
  for (int64_t d : X.shape) key += " " + std::to_string(d);
  key += " n_fft " + std::to_string(p.n_fft) + " hop " + std::to_string(p.hop) + " win " + std::to_string(p.win) + " " + a.p.s("window") +
         (p.center ? " center " + a.p.s("pad_mode") : " nocenter") + (p.normalized ? " normalized" : "");
  {
    std::lock_guard<std::mutex> lk(choice_mu);
    auto it = choice_cache().find(key);
    if (it != choice_cache().end()) {
#ifdef ABW_STFT_LTO
      if (it->second.path == "callback") return stft_callback_call(g, it->second.plan, X.data, Y.data);
#endif
      if (CallPtr c = path_call(it->second.path, a, p, g, X, Y)) return c;
      return classic;
    }
  }
  ChoiceRecord r;
  r.str("op", a.op).str("mode", "f32").str("api", "cufft").str("classic", classic_name);
  std::vector<Candidate> cands;
  std::vector<std::string> unfit;  // candidates that do not apply, with why
  bool cache = true;
  float plan_ms = NAN;
#ifdef ABW_STFT_LTO
  std::shared_ptr<StftCallbackPlan> cp;
  if (const std::string why = callback_unfit(p, g); !why.empty()) {
    unfit.push_back("load callback: " + why);
  } else {
    try {
      const auto t0 = std::chrono::steady_clock::now();
      cp = make_callback_plan(p, g, device_window(a, p));
      plan_ms = std::chrono::duration<float, std::milli>(std::chrono::steady_clock::now() - t0).count();
      cands.push_back({"callback", stft_callback_call(g, cp, X.data, Y.data)});
    } catch (const Error& e) {
      if (e.code() == "ENOMEM") cache = false;
      unfit.push_back(std::string("load callback failed: ") + e.what());
    }
  }
#else
  unfit.push_back("load callback: this build has no LTO callback (bin2c was not found when the CUDA module was built)");
#endif
  if (const std::string why = fused_unfit(p, g); !why.empty()) {
    unfit.push_back("fused: " + why);
  } else {
    for (const char* path : {"fused P=2", "fused P=4"}) {
      try {
        cands.push_back({path, path_call(path, a, p, g, X, Y)});
      } catch (const Error& e) {
        if (e.code() == "ENOMEM") cache = false;
        unfit.push_back(std::string(path) + " failed: " + e.what());
      }
    }
  }
  float classic_ms = NAN;
  try {
    cudaStream_t s = ctx().stream();
    // The classic output on the bound tensors is the reference each candidate's must match.
    classic->launch(s);
    ABW_CU(cudaGetLastError());
    Scratch ref(static_cast<size_t>(g.count) * 4);
    ABW_CU(cudaMemcpyAsync(ref.get(), Y.data, static_cast<size_t>(g.count) * 4, cudaMemcpyDeviceToDevice, s));
    for (Candidate& c : cands) {
      try {
        c.call->launch(s);
        ABW_CU(cudaGetLastError());
        c.why = refusal(compare_on_device(s, ref.as<float>(), Y.ptr<float>(), g.count), &c.rel);
      } catch (const Error& e) {
        if (e.code() == "ENOMEM") throw;
        c.why = std::string("failed to run: ") + e.what();
      }
    }
    // Alternate rounds so that clock or thermal drift favours no one; best round each.
    for (int round = 0; round < 3; ++round) {
      classic_ms = std::fmin(classic_ms, launch_ms(*classic, s));
      for (Candidate& c : cands)
        if (c.why.empty()) c.ms = std::fmin(c.ms, launch_ms(*c.call, s));
    }
  } catch (const Error& e) {
    // Out of memory while the candidates are held: the classic path runs, and a later prepare
    // may race again (not cached).
    if (e.code() != "ENOMEM") throw;
    cache = false;
    for (Candidate& c : cands) c.why = std::string("out of device memory while racing: ") + e.what();
  }
  size_t best = cands.size();  // the classic path
  float best_ms = classic_ms;
  for (size_t i = 0; i < cands.size(); ++i)
    if (cands[i].why.empty() && cands[i].ms < best_ms) best = i, best_ms = cands[i].ms;
  const std::string path = best < cands.size() ? cands[best].path : "classic";
  if (cache) {
    std::lock_guard<std::mutex> lk(choice_mu);
    StftChoice& ch = choice_cache()[key];
    ch.path = path;
#ifdef ABW_STFT_LTO
    ch.plan = path == "callback" ? cp : nullptr;
#endif
  }
  r.str("path", path);
  if (!std::isnan(classic_ms)) r.num("classicMs", classic_ms);
  if (!std::isnan(plan_ms)) r.num("callbackPlanMs", plan_ms);
  std::string others = std::isnan(classic_ms) || best == cands.size() ? "" : "the " + classic_name + " path's " + ms_text(classic_ms);
  for (size_t i = 0; i < cands.size(); ++i) {
    const Candidate& c = cands[i];
    const std::string field = c.path == "callback" ? "callback" : c.path == "fused P=2" ? "fusedP2" : "fusedP4";
    if (!std::isnan(c.ms)) r.num((field + "Ms").c_str(), c.ms);
    if (!std::isnan(c.rel)) r.num((field + "MaxRelDiff").c_str(), c.rel);
    if (!c.why.empty()) r.str((field + "Why").c_str(), c.why);
    if (i != best) others += (others.empty() ? "" : ", ") + c.path + (c.why.empty() ? " " + ms_text(c.ms) : " " + c.why);
  }
  std::string notes;
  for (const std::string& u : unfit) notes += (notes.empty() ? "" : "; ") + u;
  if (!notes.empty()) r.str("unfit", notes);
  const std::string chosen = best < cands.size() ? cands[best].path : classic_name + " path";
  r.str("summary", chosen + " (" + ms_text(best_ms) + (others.empty() ? "" : " against " + others) + ")" + (notes.empty() ? "" : "; " + notes));
  if (cache) r.emit(key);
  if (best < cands.size()) return std::move(cands[best].call);
  return classic;
}

CallPtr stft(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  const StftParams p = read_stft_params(a.p, a.op);
  const std::string& pad_mode = a.p.s("pad_mode");
  ABW_CHECK(pad_mode == "reflect" || pad_mode == "constant", "EINVAL", a.msg("parameter `pad_mode` must be 'reflect' or 'constant', got '" + pad_mode + "'"));
  const bool reflect = pad_mode == "reflect";
  ABW_CHECK(X.ndim() >= 1, "ESHAPE", a.msg("input `input` must be at least 1-D"));
  const int64_t L = X.size(-1);
  const int64_t batch = shape_numel(Shape(X.shape.begin(), X.shape.end() - 1));
  const int64_t pad = p.center ? p.n_fft / 2 : 0;
  if (p.center && reflect) ABW_CHECK(pad < L, "ESHAPE", a.msg("reflect padding of " + std::to_string(pad) + " needs a signal longer than that"));
  const int64_t Lp = L + 2 * pad;
  ABW_CHECK(Lp >= p.n_fft, "ESHAPE", a.msg("signal length (after padding) is shorter than n_fft"));
  const int64_t frames = 1 + (Lp - p.n_fft) / p.hop, nh = p.n_fft / 2 + 1, nfreq = p.onesided ? nh : p.n_fft;
  Shape os(X.shape.begin(), X.shape.end() - 1);
  os.insert(os.end(), {nfreq, frames, 2});
  a.check_shape(Y, os, "output `out`");
  const int64_t count = Y.numel();
  if (count == 0) {
    auto call = std::make_unique<Call>();
    call->launch = [](cudaStream_t) {};
    return call;
  }
  const StftGeom g{batch, L, pad, Lp, frames, nh, nfreq, count, reflect};
  std::string which;
  CallPtr classic = stft_classic(a, p, g, X.data, Y.data, &which);
  if (!p.onesided || a.dtype != DType::f32) return classic;
  return stft_choose(a, p, g, X, Y, std::move(classic), which);
}

// spec[b][f][k] = x[b][k][f] for the first nh bins (f32), with the imaginary parts of bin 0 and,
// for even n_fft, bin n/2 cleared (C2R ignores them; clearing makes every backend agree).
// A transpose per signal through 32×32 shared tiles: reads run along frames and writes along
// bins, both coalesced (the one-thread-per-output form reads one pair per 32-byte sector).
constexpr int kTile = 32, kTileRows = 8;
template <class T>
__global__ void gather_spec_tiled(const T* __restrict__ x, float2* __restrict__ spec, int64_t nfreq, int64_t frames, int64_t nh, bool even) {
  __shared__ float2 tile[kTile][kTile + 1];
  const int64_t b = blockIdx.z, f0 = static_cast<int64_t>(blockIdx.x) * kTile, k0 = static_cast<int64_t>(blockIdx.y) * kTile;
  const int tx = threadIdx.x, ty = threadIdx.y;
  for (int r = ty; r < kTile; r += kTileRows) {
    const int64_t k = k0 + r, f = f0 + tx;
    if (k < nh && f < frames) {
      const T* src = x + 2 * ((b * nfreq + k) * frames + f);
      tile[r][tx] = make_float2(ld(src[0]), ld(src[1]));
    }
  }
  __syncthreads();
  for (int r = ty; r < kTile; r += kTileRows) {
    const int64_t f = f0 + r, k = k0 + tx;
    if (k < nh && f < frames) {
      float2 v = tile[tx][r];
      if (k == 0 || (even && k == nh - 1)) v.y = 0.f;
      spec[(b * frames + f) * nh + k] = v;
    }
  }
}

template <class T>
__global__ void gather_spec(const T* __restrict__ x, float* __restrict__ spec, int64_t batch, int64_t nfreq, int64_t frames, int64_t nh, bool even) {
  ABW_GRID_STRIDE(i, batch * frames * nh) {
    const int64_t k = i % nh, f = (i / nh) % frames, b = i / (nh * frames);
    const T* src = x + 2 * ((b * nfreq + k) * frames + f);
    spec[2 * i] = ld(src[0]);
    spec[2 * i + 1] = (k == 0 || (even && k == nh - 1)) ? 0.f : ld(src[1]);
  }
}

// y[b][i] = Σ_f fr[b][f][t − f·hop]·wsc[t − f·hop] / env[i], t = start + i, for i < valid; 0 after.
template <class T>
__global__ void overlap_add(const float* __restrict__ fr, const float* __restrict__ wsc, const float* __restrict__ env, T* __restrict__ y, int64_t batch,
                            int64_t length, int64_t valid, int64_t frames, int64_t nfft, int64_t hop, int64_t start) {
  ABW_GRID_STRIDE(idx, batch * length) {
    const int64_t i = idx % length, b = idx / length;
    if (i >= valid) {
      y[idx] = st<T>(0.f);
      continue;
    }
    const int64_t t = start + i;
    const int64_t flo = t >= nfft ? (t - nfft) / hop + 1 : 0, fhi = min(frames - 1, t / hop);
    float acc = 0.f;
    const float* fb = fr + b * frames * nfft;
    for (int64_t f = flo; f <= fhi; ++f) {
      const int64_t k = t - f * hop;
      acc += fb[f * nfft + k] * wsc[k];
    }
    y[idx] = st<T>(acc / env[i]);
  }
}

// Σ w² of the frames covering each kept output sample (summed in f32 frame by frame, as the cpu
// backend does); ESHAPE where it vanishes (the window's overlap-add is not invertible, NOLA).
std::vector<float> istft_envelope(OpArgs& a, const std::vector<float>& win, int64_t nfft, int64_t hop, int64_t frames, int64_t start, int64_t valid) {
  std::vector<float> env(static_cast<size_t>(std::max<int64_t>(valid, 1)), 0.0f);
  for (int64_t i = 0; i < valid; ++i) {
    const int64_t t = start + i;
    const int64_t flo = t >= nfft ? (t - nfft) / hop + 1 : 0, fhi = std::min(frames - 1, t / hop);
    float e = 0.f;
    for (int64_t f = flo; f <= fhi; ++f) {
      const float w = win[static_cast<size_t>(t - f * hop)];
      e += w * w;
    }
    if (!(std::fabs(e) >= 1e-11f)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.3g", static_cast<double>(e));
      fail("ESHAPE", a.msg("window overlap-add is not invertible (NOLA): envelope " + std::string(buf) + " at output sample " + std::to_string(i)));
    }
    env[static_cast<size_t>(i)] = e;
  }
  return env;
}

CallPtr istft(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  const StftParams p = read_stft_params(a.p, a.op);
  const int64_t length = a.p.i("length");
  ABW_CHECK(length >= 0, "EINVAL", a.msg("parameter `length` must be >= 0"));
  ABW_CHECK(X.ndim() >= 3 && X.shape.back() == 2, "ESHAPE", a.msg("input `input` must be [..., n_freq, n_frames, 2], got " + shape_str(X.shape)));
  const int64_t nh = p.n_fft / 2 + 1, nfreq = X.size(-3), frames = X.size(-2);
  ABW_CHECK(nfreq == (p.onesided ? nh : p.n_fft), "ESHAPE", a.msg("input `input` has " + std::to_string(nfreq) + " frequency bins, expected " + std::to_string(p.onesided ? nh : p.n_fft)));
  ABW_CHECK(frames >= 1, "ESHAPE", a.msg("input `input` has no frames"));
  Shape os(X.shape.begin(), X.shape.end() - 3);
  const int64_t batch = shape_numel(os);
  os.push_back(length);
  a.check_shape(Y, os, "output `out`");
  auto call = std::make_unique<Call>();
  if (Y.numel() == 0) {
    call->launch = [](cudaStream_t) {};
    return call;
  }
  const std::vector<float> win = stft_window(a.p, p, a.op);
  const int64_t nfft = p.n_fft, hop = p.hop;
  const int64_t expected = nfft + hop * (frames - 1), start = p.center ? nfft / 2 : 0;
  const int64_t valid = std::clamp<int64_t>(expected - start, 0, length);
  const float scale = static_cast<float>(p.normalized ? 1.0 / std::sqrt(static_cast<double>(nfft)) : 1.0 / static_cast<double>(nfft));
  const std::string wkey = content_key(win);
  // Envelope Σ w² over the kept samples, summed in f32 frame by frame as the cpu backend does.
  auto denv = cached_table("istft env " + wkey + " n " + std::to_string(nfft) + " h " + std::to_string(hop) + " f " + std::to_string(frames) + " s " +
                               std::to_string(start) + " v " + std::to_string(valid),
                           [&] { return istft_envelope(a, win, nfft, hop, frames, start, valid); });
  auto dwsc = cached_table("istft wsc " + wkey + " " + std::to_string(scale), [&] {
    std::vector<float> wsc(win);
    for (float& v : wsc) v *= scale;
    return wsc;
  });
  // The tiled gather takes the signals on the grid's z (at most 65535 of them).
  const bool tiled = batch <= 65535;
  auto spec = std::make_shared<Scratch>(static_cast<size_t>(batch * frames * nh * 2) * 4);
  auto frb = std::make_shared<Scratch>(static_cast<size_t>(batch * frames * nfft) * 4);
  auto plan = FftPlan::shared(nfft, CUFFT_C2R, batch * frames, 1, nh, 1, nfft, nh, nfft);
  call->keep = {denv, dwsc, spec, frb, plan};
  const void* x = X.data;
  void* y = Y.data;
  const DType dt = a.dtype;
  const bool even = nfft % 2 == 0;
  call->launch = [=](cudaStream_t s) {
    const int64_t tot = batch * frames * nh;
    ABW_FLOAT_DISPATCH(dt, {
      if (tiled) {
        const dim3 grid(static_cast<unsigned>((frames + kTile - 1) / kTile), static_cast<unsigned>((nh + kTile - 1) / kTile), static_cast<unsigned>(batch));
        gather_spec_tiled<T><<<grid, dim3(kTile, kTileRows), 0, s>>>(static_cast<const T*>(x), spec->as<float2>(), nfreq, frames, nh, even);
      } else {
        gather_spec<T><<<blocks_for(tot), kThreads, 0, s>>>(static_cast<const T*>(x), spec->as<float>(), batch, nfreq, frames, nh, even);
      }
      plan->exec(s, spec->get(), frb->get(), false);
      overlap_add<T><<<blocks_for(batch * length), kThreads, 0, s>>>(frb->as<float>(), dwsc->as<float>(), denv->as<float>(), static_cast<T*>(y), batch,
                                                                      length, valid, frames, nfft, hop, start);
    });
  };
  return call;
}

}  // namespace
ABW_CUDA_OP(stft, stft, kFloats);
ABW_CUDA_OP(istft, istft, kFloats);
}  // namespace abw::cuda
