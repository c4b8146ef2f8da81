// cuda normalisation over statistics groups (a layer_norm row, an instance (n, c), a group_norm
// (n, g)), biased variance, accumulated in double:
// - small groups: one block per group; two passes (mean, then squared deviations) and one
//   scale-and-shift pass;
// - large groups (an instance of a spectrogram: 262144 values, and only as many groups as
//   channels): one block per group would leave most SMs idle, so each group is split into
//   chunks, one block each: a partials pass (sums of x − x₀ and (x − x₀)² per chunk; the shift by
//   the group's first value keeps the one-pass variance exact enough for any mean), then a pass
//   in which every block reduces its group's partials and normalises its chunk — two reads and
//   one write, with 16-byte vector loads where aligned.
// batch_norm (and instance_norm from running statistics) is a per-channel affine.
// instance_norm takes channels-last input too (norm_channels_last.cuh), and an activation
// (GELU) fused into its normalising pass: mdx23c's every norm is followed by one.
#include <cmath>
#include <memory>
#include <string>

#include "cuda/context.h"
#include "cuda/kernels/common.cuh"
#include "cuda/kernels/norm_channels_last.cuh"
#include "cuda/op.h"

namespace abw::cuda {
namespace {

__device__ double block_sum(double v, double* red) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffff, v, o);
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = v;
  __syncthreads();
  if (threadIdx.x < 32) {
    double w = threadIdx.x < (blockDim.x + 31) / 32 ? red[threadIdx.x] : 0.0;
    for (int o = 16; o > 0; o >>= 1) w += __shfl_xor_sync(0xffffffff, w, o);
    if (threadIdx.x == 0) red[32] = w;
  }
  __syncthreads();
  const double r = red[32];
  __syncthreads();
  return r;
}

// Group g covers `len` contiguous elements starting at g·len. Affine index: per element within
// the group (layer_norm: aff_div = 0), or per channel c = (g % groups_per_sample)·ch_per_group +
// i / aff_div (instance/group norm).
template <class T>
__global__ void group_stats_norm(const T* __restrict__ x, T* __restrict__ y, const T* __restrict__ w, const T* __restrict__ b,
                                 int64_t len, double eps, int64_t aff_div, int64_t groups_per_sample, int64_t ch_per_group, bool gelu) {
  __shared__ double red[33];
  const int64_t g = blockIdx.x;
  const T* xg = x + g * len;
  T* yg = y + g * len;
  double s = 0;
  for (int64_t i = threadIdx.x; i < len; i += blockDim.x) s += ld(xg[i]);
  const double mean_d = block_sum(s, red) / static_cast<double>(len);
  const float mean = static_cast<float>(mean_d);
  double q = 0;
  for (int64_t i = threadIdx.x; i < len; i += blockDim.x) {
    const double d = static_cast<double>(ld(xg[i]) - mean);
    q += d * d;
  }
  const double var = block_sum(q, red) / static_cast<double>(len);
  const float rstd = static_cast<float>(1.0 / sqrt(var + eps));
  for (int64_t i = threadIdx.x; i < len; i += blockDim.x) {
    int64_t k = i;
    if (aff_div) k = (g % groups_per_sample) * ch_per_group + i / aff_div;
    const float scale = rstd * (w ? ld(w[k]) : 1.f);
    const float v = (ld(xg[i]) - mean) * scale + (b ? ld(b[k]) : 0.f);
    yg[i] = st<T>(gelu ? gelu_erf(v) : v);
  }
}

template <class T>
__global__ void channel_affine(const T* __restrict__ x, T* __restrict__ y, const T* __restrict__ rm, const T* __restrict__ rv,
                               const T* __restrict__ w, const T* __restrict__ b, int64_t n, int64_t C, int64_t S, double eps, bool gelu) {
  ABW_GRID_STRIDE(i, n) {
    const int64_t c = (i / S) % C;  // S = 1: channels last
    const double rstd = 1.0 / sqrt(static_cast<double>(ld(rv[c])) + eps);
    const float scale = static_cast<float>(rstd * (w ? ld(w[c]) : 1.f));
    const float v = (ld(x[i]) - ld(rm[c])) * scale + (b ? ld(b[c]) : 0.f);
    y[i] = st<T>(gelu ? gelu_erf(v) : v);
  }
}

const void* opt_vec(OpArgs& a, size_t i, int64_t n, const char* what) {
  const DevTensor* t = a.optional(i);
  if (!t) return nullptr;
  a.check_shape(*t, {n}, what);
  return t->data;
}

// Large groups: chunk `c` of group `g` is [c·chunk, min(len, (c+1)·chunk)).
constexpr int64_t kChunk = 8192;

// This block's chunk of its group: group blockIdx.y, values [c0, c1).
struct Chunk {
  int64_t g, c0, c1;
  __device__ explicit Chunk(int64_t len)
      : g(blockIdx.y), c0(static_cast<int64_t>(blockIdx.x) * kChunk), c1(min(len, static_cast<int64_t>(blockIdx.x) * kChunk + kChunk)) {}
  // Calls f(i) for the start of each of this thread's steps of `step` values over the chunk.
  template <int step, class F> __device__ void each(F f) const {
    for (int64_t i = c0 + static_cast<int64_t>(threadIdx.x) * step; i < c1; i += static_cast<int64_t>(blockDim.x) * step) f(i);
  }
};

template <class T, bool VEC>
__global__ void chunk_partials(const T* __restrict__ x, double2* __restrict__ part, int64_t len) {
  __shared__ double red[33];
  const Chunk ch(len);
  const T* xg = x + ch.g * len;
  const double k = ld(xg[0]);
  double s = 0, q = 0;
  // In double per value: with a shift far from the mean (x₀ an outlier, such as a DC bin), f32
  // sums of (x − x₀)² lose the variance to cancellation; the FP64 adds cost nothing here.
  auto add = [&](float v) {
    const double d = static_cast<double>(v) - k;
    s += d;
    q += d * d;
  };
  if constexpr (VEC) {
    constexpr int V = Vec16<T>::n;
    ch.each<V>([&](int64_t i) {
      float f[V];
      load_vec(xg + i, f);
#pragma unroll
      for (int j = 0; j < V; ++j) add(f[j]);
    });
  } else {
    ch.each<1>([&](int64_t i) { add(ld(xg[i])); });
  }
  s = block_sum(s, red);
  q = block_sum(q, red);
  if (threadIdx.x == 0) part[ch.g * gridDim.x + blockIdx.x] = make_double2(s, q);
}

template <class T, bool VEC>
__global__ void chunk_normalize(const T* __restrict__ x, T* __restrict__ y, const T* __restrict__ w, const T* __restrict__ b, const double2* __restrict__ part,
                                int64_t len, double eps, int64_t aff_div, int64_t groups_per_sample, int64_t ch_per_group, bool gelu) {
  __shared__ double red[33];
  const Chunk ch(len);
  const int64_t g = ch.g;
  const T* xg = x + g * len;
  T* yg = y + g * len;
  double s = 0, q = 0;
  for (unsigned i = threadIdx.x; i < gridDim.x; i += blockDim.x) {
    const double2 p = part[g * gridDim.x + i];
    s += p.x;
    q += p.y;
  }
  s = block_sum(s, red) / static_cast<double>(len);
  q = block_sum(q, red) / static_cast<double>(len);
  const float mean = static_cast<float>(static_cast<double>(ld(xg[0])) + s);
  const float rstd = static_cast<float>(1.0 / sqrt(fmax(q - s * s, 0.0) + eps));
  // Instance norm: the whole group is one channel (aff_div = len); layer norm: per element.
  const bool one_channel = aff_div == len;
  const int64_t base = (g % groups_per_sample) * ch_per_group;
  const float scale0 = one_channel ? rstd * (w ? ld(w[base]) : 1.f) : rstd, shift0 = one_channel && b ? ld(b[base]) : 0.f;
  auto affine = [&](int64_t i, float v) {
    float r;
    if (one_channel) {
      r = (v - mean) * scale0 + shift0;
    } else {
      const int64_t kk = aff_div ? base + i / aff_div : i;
      r = (v - mean) * rstd * (w ? ld(w[kk]) : 1.f) + (b ? ld(b[kk]) : 0.f);
    }
    return gelu ? gelu_erf(r) : r;
  };
  if constexpr (VEC) {
    constexpr int V = Vec16<T>::n;
    ch.each<V>([&](int64_t i) {
      float f[V];
      load_vec(xg + i, f);
#pragma unroll
      for (int j = 0; j < V; ++j) f[j] = affine(i + j, f[j]);
      store_vec(yg + i, f);
    });
  } else {
    ch.each<1>([&](int64_t i) { yg[i] = st<T>(affine(i, ld(xg[i]))); });
  }
}

// Groups at least this long, and too few of them to fill the GPU with one block each, split.
// (Splitting every group of 8192 values or more, for mdx23c's 1024 instances of 128×512 that run
// one block per group at 0.8 TB/s, is not validated in a pipeline yet: docs/backends/cuda.md.)
bool split_groups(int64_t groups, int64_t len) { return len >= 4 * kChunk && groups < 1024; }

CallPtr group_call(OpArgs& a, const DevTensor& X, const DevTensor& Y, const void* w, const void* b, int64_t groups, int64_t len, double eps,
                   int64_t aff_div, int64_t gps, int64_t cpg, bool gelu = false) {
  const void* x = X.data;
  void* y = Y.data;
  const DType dt = a.dtype;
  auto call = std::make_unique<Call>();
  if (groups > 0 && len > 0 && split_groups(groups, len)) {
    const int64_t chunks = (len + kChunk - 1) / kChunk;
    ABW_CHECK(groups <= 65535, "ESHAPE", a.msg("too many statistics groups for one launch"));
    auto part = std::make_shared<Scratch>(static_cast<size_t>(groups * chunks) * sizeof(double2));
    call->keep = {part};
    const bool vec = aligned16({x, y}) && len % 8 == 0;  // every group and chunk starts on a 16-byte boundary
    call->launch = [=](cudaStream_t s) {
      const dim3 grid(static_cast<unsigned>(chunks), static_cast<unsigned>(groups));
      ABW_FLOAT_DISPATCH(dt, {
        const T* xt = static_cast<const T*>(x);
        T* yt = static_cast<T*>(y);
        const T* wt = static_cast<const T*>(w);
        const T* bt = static_cast<const T*>(b);
        double2* pt = part->as<double2>();
        if (vec) {
          chunk_partials<T, true><<<grid, kThreads, 0, s>>>(xt, pt, len);
          chunk_normalize<T, true><<<grid, kThreads, 0, s>>>(xt, yt, wt, bt, pt, len, eps, aff_div, gps, cpg, gelu);
        } else {
          chunk_partials<T, false><<<grid, kThreads, 0, s>>>(xt, pt, len);
          chunk_normalize<T, false><<<grid, kThreads, 0, s>>>(xt, yt, wt, bt, pt, len, eps, aff_div, gps, cpg, gelu);
        }
      });
    };
    return call;
  }
  call->launch = [=](cudaStream_t s) {
    if (groups == 0 || len == 0) return;
    const int threads = len >= 4096 ? 512 : 256;
    ABW_FLOAT_DISPATCH(dt, group_stats_norm<T><<<static_cast<unsigned>(groups), threads, 0, s>>>(
                               static_cast<const T*>(x), static_cast<T*>(y), static_cast<const T*>(w), static_cast<const T*>(b), len, eps, aff_div, gps, cpg, gelu));
  };
  return call;
}

CallPtr layer_norm(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  const auto ns = a.p.ints("normalized_shape");
  const double eps = a.p.f("eps");
  const int64_t nd = X.ndim(), k = static_cast<int64_t>(ns.size());
  ABW_CHECK(k <= nd, "ESHAPE", a.msg("`normalized_shape` has more dims than input " + shape_str(X.shape)));
  int64_t D = 1;
  for (int64_t i = 0; i < k; ++i) {
    ABW_CHECK(X.shape[static_cast<size_t>(nd - k + i)] == ns[static_cast<size_t>(i)], "ESHAPE", a.msg("input does not end with normalized_shape"));
    D *= ns[static_cast<size_t>(i)];
  }
  a.check_shape(Y, X.shape, "output `out`");
  const Shape nshape(ns.begin(), ns.end());
  const DevTensor* W = a.optional(1);
  const DevTensor* B = a.optional(2);
  if (W) a.check_shape(*W, nshape, "input `weight`");
  if (B) a.check_shape(*B, nshape, "input `bias`");
  const int64_t rows = D ? X.numel() / D : 0;
  return group_call(a, X, Y, W ? W->data : nullptr, B ? B->data : nullptr, rows, D, eps, 0, 1, 1);
}

struct NC {
  int64_t N, C, S;
};
// [N, C, …spatial], or [N, …spatial, C] with channels_last.
NC nc_dims(OpArgs& a, const DevTensor& X, const DevTensor& Y, bool channels_last = false) {
  ABW_CHECK(X.ndim() >= 2, "ESHAPE",
            a.msg(std::string("input `input` must be at least 2-D ") + (channels_last ? "[N, ..., C]" : "[N, C, ...]") + ", got " + shape_str(X.shape)));
  a.check_shape(Y, X.shape, "output `out`");
  const int64_t c_dim = channels_last ? X.ndim() - 1 : 1;
  int64_t S = 1;
  for (int64_t d = 1; d < X.ndim(); ++d)
    if (d != c_dim) S *= X.shape[static_cast<size_t>(d)];
  return {X.shape[0], X.shape[static_cast<size_t>(c_dim)], S};
}

// S = 1 takes the channel as the last dim (channels last).
CallPtr affine_call(OpArgs& a, const DevTensor& X, const DevTensor& Y, const NC& d, const void* rm, const void* rv, const void* w, const void* b, double eps,
                    bool gelu = false) {
  const void* x = X.data;
  void* y = Y.data;
  const int64_t n = X.numel();
  const DType dt = a.dtype;
  auto call = std::make_unique<Call>();
  call->launch = [=](cudaStream_t s) {
    if (n == 0) return;
    ABW_FLOAT_DISPATCH(dt, channel_affine<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(x), static_cast<T*>(y), static_cast<const T*>(rm),
                                                                             static_cast<const T*>(rv), static_cast<const T*>(w), static_cast<const T*>(b), n, d.C, d.S, eps, gelu));
  };
  return call;
}

CallPtr batch_norm(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  const NC d = nc_dims(a, X, Y);
  a.input(1, "running_mean");
  a.input(2, "running_var");
  return affine_call(a, X, Y, d, opt_vec(a, 1, d.C, "input `running_mean`"), opt_vec(a, 2, d.C, "input `running_var`"),
                     opt_vec(a, 3, d.C, "input `weight`"), opt_vec(a, 4, d.C, "input `bias`"), a.p.f("eps"));
}

CallPtr instance_norm(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  const bool cl = a.p.b("channels_last", false);
  const std::string act = a.p.has("activation") && !a.p.is_null("activation") ? a.p.s("activation") : "none";
  ABW_CHECK(act == "none" || act == "gelu", "EINVAL", a.msg("parameter `activation` must be 'none' or 'gelu', got '" + act + "'"));
  const bool gelu = act == "gelu";
  const NC d = nc_dims(a, X, Y, cl);
  const void* rm = opt_vec(a, 1, d.C, "input `running_mean`");
  const void* rv = opt_vec(a, 2, d.C, "input `running_var`");
  const void* w = opt_vec(a, 3, d.C, "input `weight`");
  const void* b = opt_vec(a, 4, d.C, "input `bias`");
  const double eps = a.p.f("eps");
  if (!a.p.b("use_input_stats")) {
    ABW_CHECK(rm && rv, "EINVAL", a.msg("inputs `running_mean` and `running_var` are required when use_input_stats is false"));
    return affine_call(a, X, Y, cl ? NC{d.N, d.C, 1} : d, rm, rv, w, b, eps, gelu);
  }
  if (cl) return channels_last_norm_call(a, X.data, Y.data, w, b, d.N, d.S, d.C, eps, gelu);
  return group_call(a, X, Y, w, b, d.N * d.C, d.S, eps, d.S ? d.S : 1, d.C, 1, gelu);
}

CallPtr group_norm(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Y = a.output(0, "out");
  const NC d = nc_dims(a, X, Y);
  const int64_t G = a.p.i("num_groups");
  ABW_CHECK(G >= 1 && d.C % G == 0, "ESHAPE", a.msg("channels " + std::to_string(d.C) + " are not divisible by num_groups " + std::to_string(G)));
  const void* w = opt_vec(a, 1, d.C, "input `weight`");
  const void* b = opt_vec(a, 2, d.C, "input `bias`");
  const int64_t cg = d.C / G;
  return group_call(a, X, Y, w, b, d.N * G, cg * d.S, a.p.f("eps"), d.S ? d.S : 1, G, cg);
}

}  // namespace
ABW_CUDA_OP(layer_norm, layer_norm, kFloats);
ABW_CUDA_OP(batch_norm, batch_norm, kFloats);
ABW_CUDA_OP(instance_norm, instance_norm, kFloats);
ABW_CUDA_OP(group_norm, group_norm, kFloats);
}  // namespace abw::cuda
