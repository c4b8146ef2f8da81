// cuda LSTM. lstm_cell: two cuBLASLt GEMMs into f32 gates (x·W_ihᵀ, then += h·W_hhᵀ) and one
// fused pointwise kernel (biases, σ/tanh, c' and h'). lstm: cuDNN's RNN API (v8 descriptors,
// inference mode); the weights the op receives are copied into cuDNN's weight space at every
// launch (cheap next to T steps, and always the bound tensors' current values). Gate order i, f,
// g, o is cuDNN's linear-layer order 0..3 (input) and 4..7 (recurrent), PyTorch's layout too.
// The RNN algorithm (standard or persistent) and whether its launch replays as one CUDA graph are
// chosen per geometry by timing the candidates (see `lstm`).
#include <cudnn.h>

#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cuda/choices.h"
#include "cuda/context.h"
#include "cuda/event_timer.h"
#include "cuda/gemm.h"
#include "cuda/graph_call.h"
#include "cuda/kernels/common.cuh"
#include "cuda/op.h"

namespace abw::cuda {
namespace {

__device__ __forceinline__ float sigm(float v) { return 1.f / (1.f + expf(-v)); }

template <class T>
__global__ void lstm_cell_pointwise(const float* __restrict__ gates, const T* __restrict__ b_ih, const T* __restrict__ b_hh, const T* __restrict__ cx,
                                    T* __restrict__ h1, T* __restrict__ c1, int64_t B, int64_t H) {
  ABW_GRID_STRIDE(idx, B * H) {
    const int64_t b = idx / H, j = idx % H;
    const float* g = gates + b * 4 * H;
    float v[4];
    for (int q = 0; q < 4; ++q) {
      v[q] = g[q * H + j];
      if (b_ih) v[q] += ld(b_ih[q * H + j]);
      if (b_hh) v[q] += ld(b_hh[q * H + j]);
    }
    const float i = sigm(v[0]), f = sigm(v[1]), gg = tanhf(v[2]), o = sigm(v[3]);
    const float c = f * ld(cx[idx]) + i * gg;
    c1[idx] = st<T>(c);
    h1[idx] = st<T>(o * tanhf(c));
  }
}

CallPtr lstm_cell(OpArgs& a) {
  const DevTensor& X = a.input(0, "input");
  const DevTensor& Hx = a.input(1, "hx");
  const DevTensor& Cx = a.input(2, "cx");
  const DevTensor& Wih = a.input(3, "w_ih");
  const DevTensor& Whh = a.input(4, "w_hh");
  const DevTensor* Bih = a.optional(5);
  const DevTensor* Bhh = a.optional(6);
  ABW_CHECK(X.ndim() == 2 && Hx.ndim() == 2, "ESHAPE", a.msg("input must be [B, I] and hx [B, H]"));
  const int64_t B = X.shape[0], I = X.shape[1], H = Hx.shape[1];
  a.check_shape(Hx, {B, H}, "input `hx`");
  a.check_shape(Cx, {B, H}, "input `cx`");
  a.check_shape(Wih, {4 * H, I}, "input `w_ih`");
  a.check_shape(Whh, {4 * H, H}, "input `w_hh`");
  if (Bih) a.check_shape(*Bih, {4 * H}, "input `b_ih`");
  if (Bhh) a.check_shape(*Bhh, {4 * H}, "input `b_hh`");
  const DevTensor& H1 = a.output(0, "h1");
  const DevTensor& C1 = a.output(1, "c1");
  a.check_shape(H1, {B, H}, "output `h1`");
  a.check_shape(C1, {B, H}, "output `c1`");
  auto call = std::make_unique<Call>();
  if (B * H == 0) {
    call->launch = [](cudaStream_t) {};
    return call;
  }
  auto gates = std::make_shared<Scratch>(static_cast<size_t>(B * 4 * H) * 4);
  GemmShape gx;
  gx.M = B, gx.N = 4 * H, gx.K = I, gx.trans_b = true;
  GemmShape gh = gx;
  gh.K = H;
  std::shared_ptr<Gemm> g1 = I ? std::make_shared<Gemm>(gx, a.dtype, a.tf32, nullptr, 0.0f, DType::f32) : nullptr;
  std::shared_ptr<Gemm> g2 = std::make_shared<Gemm>(gh, a.dtype, a.tf32, nullptr, I ? 1.0f : 0.0f, DType::f32);
  call->keep = {gates, g1, g2};
  const void *x = X.data, *hx = Hx.data, *cx = Cx.data, *wih = Wih.data, *whh = Whh.data;
  const void* bih = Bih ? Bih->data : nullptr;
  const void* bhh = Bhh ? Bhh->data : nullptr;
  void *h1 = H1.data, *c1 = C1.data;
  const DType dt = a.dtype;
  call->launch = [=](cudaStream_t s) {
    if (g1) g1->run(s, x, wih, gates->get());
    g2->run(s, hx, whh, gates->get());
    ABW_FLOAT_DISPATCH(dt, lstm_cell_pointwise<T><<<blocks_for(B * H), kThreads, 0, s>>>(gates->as<float>(), static_cast<const T*>(bih), static_cast<const T*>(bhh),
                                                                                      static_cast<const T*>(cx), static_cast<T*>(h1), static_cast<T*>(c1), B, H));
  };
  return call;
}

void dnn_check(cudnnStatus_t s, const char* what) {
  if (s == CUDNN_STATUS_SUCCESS) return;
  if (s == CUDNN_STATUS_ALLOC_FAILED) fail("ENOMEM", std::string("out of device memory in ") + what);
  fail("EINTERNAL", std::string(what) + " failed: " + cudnnGetErrorString(s));
}

struct RnnDescs {
  cudnnRNNDescriptor_t rnn = nullptr;
  cudnnDropoutDescriptor_t drop = nullptr;
  cudnnRNNDataDescriptor_t x = nullptr, y = nullptr;
  cudnnTensorDescriptor_t h = nullptr, c = nullptr;
  ~RnnDescs() {
    if (rnn) cudnnDestroyRNNDescriptor(rnn);
    if (drop) cudnnDestroyDropoutDescriptor(drop);
    if (x) cudnnDestroyRNNDataDescriptor(x);
    if (y) cudnnDestroyRNNDataDescriptor(y);
    if (h) cudnnDestroyTensorDescriptor(h);
    if (c) cudnnDestroyTensorDescriptor(c);
  }
};

struct Copy {
  const void* src;
  void* dst;
  size_t bytes;  // of the source
};

template <class T>
__global__ void widen(const T* __restrict__ x, float* __restrict__ y, int64_t n) {
  ABW_GRID_STRIDE(i, n) y[i] = ld(x[i]);
}
template <class T>
__global__ void narrow(const float* __restrict__ x, T* __restrict__ y, int64_t n) {
  ABW_GRID_STRIDE(i, n) y[i] = st<T>(x[i]);
}

// f16/bf16 storage runs cuDNN's RNN in f32: cuDNN's half RNNs keep the hidden and cell state in
// half between steps, which drifts from the one-rounding result the precision policy asks for
// (f16/bf16 storage, f32 compute). Widening in and rounding out cost a few passes over x and out.
void copy_or_widen(cudaStream_t s, DType dt, const void* src, void* dst, size_t src_bytes) {
  if (dt == DType::f32) {
    ABW_CU(cudaMemcpyAsync(dst, src, src_bytes, cudaMemcpyDeviceToDevice, s));
    return;
  }
  const int64_t n = static_cast<int64_t>(src_bytes / 2);
  ABW_FLOAT_DISPATCH(dt, widen<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<const T*>(src), static_cast<float*>(dst), n));
}

CallPtr lstm_with(OpArgs& a, cudnnRNNAlgo_t algo) {
  const int64_t layers = a.p.i("num_layers"), H = a.p.i("hidden_size");
  const bool bias = a.p.b("bias"), batch_first = a.p.b("batch_first");
  const DevTensor& X = a.input(0, "x");
  ABW_CHECK(X.ndim() == 3, "ESHAPE", a.msg("input `x` must be 3-D"));
  ABW_CHECK(layers >= 1 && H >= 1, "EINVAL", a.msg("parameters `num_layers` and `hidden_size` must be >= 1"));
  const int64_t T = batch_first ? X.shape[1] : X.shape[0], B = batch_first ? X.shape[0] : X.shape[1], I = X.shape[2];
  const DevTensor* H0 = a.optional(1);
  const DevTensor* C0 = a.optional(2);
  if (H0) a.check_shape(*H0, {layers, B, H}, "input `h0`");
  if (C0) a.check_shape(*C0, {layers, B, H}, "input `c0`");
  const size_t per = bias ? 4 : 2;
  ABW_CHECK(a.in.size() == 3 + per * static_cast<size_t>(layers), "EINVAL", a.msg("expected " + std::to_string(3 + per * layers) + " inputs for " + std::to_string(layers) + " layers"));
  for (int64_t l = 0; l < layers; ++l) {
    const size_t base = 3 + per * static_cast<size_t>(l);
    a.check_shape(a.input(base, "weight_ih"), {4 * H, l == 0 ? I : H}, "input `weight_ih`");
    a.check_shape(a.input(base + 1, "weight_hh"), {4 * H, H}, "input `weight_hh`");
    if (bias) {
      a.check_shape(a.input(base + 2, "bias_ih"), {4 * H}, "input `bias_ih`");
      a.check_shape(a.input(base + 3, "bias_hh"), {4 * H}, "input `bias_hh`");
    }
  }
  const DevTensor& Out = a.output(0, "out");
  const DevTensor& Hn = a.output(1, "h_n");
  const DevTensor& Cn = a.output(2, "c_n");
  a.check_shape(Out, batch_first ? Shape{B, T, H} : Shape{T, B, H}, "output `out`");
  a.check_shape(Hn, {layers, B, H}, "output `h_n`");
  a.check_shape(Cn, {layers, B, H}, "output `c_n`");
  auto call = std::make_unique<Call>();
  const DType dt = a.dtype;
  const size_t es = dtype_size(dt);
  if (B == 0) {
    call->launch = [](cudaStream_t) {};
    return call;
  }
  if (T == 0) {  // no steps: h_n, c_n are the initial states
    const void *h0 = H0 ? H0->data : nullptr, *c0 = C0 ? C0->data : nullptr;
    void *hn = Hn.data, *cn = Cn.data;
    const size_t bytes = static_cast<size_t>(layers * B * H) * es;
    call->launch = [=](cudaStream_t s) {
      if (h0) ABW_CU(cudaMemcpyAsync(hn, h0, bytes, cudaMemcpyDeviceToDevice, s));
      else ABW_CU(cudaMemsetAsync(hn, 0, bytes, s));
      if (c0) ABW_CU(cudaMemcpyAsync(cn, c0, bytes, cudaMemcpyDeviceToDevice, s));
      else ABW_CU(cudaMemsetAsync(cn, 0, bytes, s));
    };
    return call;
  }
  Context& c = ctx();
  const cudnnDataType_t ddt = CUDNN_DATA_FLOAT;  // f16/bf16 are widened: see copy_or_widen
  // tf32: CUDNN_DEFAULT_MATH lets cuDNN use TF32 tensor cores on float data; f32: FMA only.
  const cudnnMathType_t math = a.tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
  const bool wide = dt != DType::f32;
  auto d = std::make_shared<RnnDescs>();
  dnn_check(cudnnCreateDropoutDescriptor(&d->drop), "cudnnCreateDropoutDescriptor");
  dnn_check(cudnnSetDropoutDescriptor(d->drop, c.dnn, 0.0f, nullptr, 0, 0), "cudnnSetDropoutDescriptor");
  dnn_check(cudnnCreateRNNDescriptor(&d->rnn), "cudnnCreateRNNDescriptor");
  dnn_check(cudnnSetRNNDescriptor_v8(d->rnn, algo, CUDNN_LSTM, bias ? CUDNN_RNN_DOUBLE_BIAS : CUDNN_RNN_NO_BIAS, CUDNN_UNIDIRECTIONAL,
                                     CUDNN_LINEAR_INPUT, ddt, CUDNN_DATA_FLOAT, math, static_cast<int32_t>(I), static_cast<int32_t>(H), static_cast<int32_t>(H),
                                     static_cast<int32_t>(layers), d->drop,
                                     // Unpacked (batch-major) data needs padded I/O enabled.
                                     batch_first ? CUDNN_RNN_PADDED_IO_ENABLED : 0u),
            "cudnnSetRNNDescriptor_v8");
  std::vector<int32_t> seq(static_cast<size_t>(B), static_cast<int32_t>(T));
  const cudnnRNNDataLayout_t layout = batch_first ? CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED : CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_PACKED;
  float fill = 0.f;
  dnn_check(cudnnCreateRNNDataDescriptor(&d->x), "cudnnCreateRNNDataDescriptor");
  dnn_check(cudnnSetRNNDataDescriptor(d->x, ddt, layout, static_cast<int>(T), static_cast<int>(B), static_cast<int>(I), seq.data(), &fill), "cudnnSetRNNDataDescriptor x");
  dnn_check(cudnnCreateRNNDataDescriptor(&d->y), "cudnnCreateRNNDataDescriptor");
  dnn_check(cudnnSetRNNDataDescriptor(d->y, ddt, layout, static_cast<int>(T), static_cast<int>(B), static_cast<int>(H), seq.data(), &fill), "cudnnSetRNNDataDescriptor y");
  const int dims[3] = {static_cast<int>(layers), static_cast<int>(B), static_cast<int>(H)};
  const int strides[3] = {static_cast<int>(B * H), static_cast<int>(H), 1};
  for (auto* t : {&d->h, &d->c}) {
    dnn_check(cudnnCreateTensorDescriptor(t), "cudnnCreateTensorDescriptor");
    dnn_check(cudnnSetTensorNdDescriptor(*t, ddt, 3, dims, strides), "cudnnSetTensorNdDescriptor");
  }
  size_t wbytes = 0, work = 0, reserve = 0;
  dnn_check(cudnnGetRNNWeightSpaceSize(c.dnn, d->rnn, &wbytes), "cudnnGetRNNWeightSpaceSize");
  dnn_check(cudnnGetRNNTempSpaceSizes(c.dnn, d->rnn, CUDNN_FWD_MODE_INFERENCE, d->x, &work, &reserve), "cudnnGetRNNTempSpaceSizes");
  auto wspace = std::make_shared<Scratch>(wbytes);
  auto wk = std::make_shared<Scratch>(work);
  auto rs = std::make_shared<Scratch>(reserve);
  auto dseq = upload_scratch(seq.data(), seq.size() * sizeof(int32_t));
  // Where each gate's matrix and bias lives in cuDNN's weight space.
  std::vector<Copy> copies;
  cudnnTensorDescriptor_t md = nullptr, bd = nullptr;
  dnn_check(cudnnCreateTensorDescriptor(&md), "cudnnCreateTensorDescriptor");
  dnn_check(cudnnCreateTensorDescriptor(&bd), "cudnnCreateTensorDescriptor");
  for (int64_t l = 0; l < layers; ++l) {
    const size_t base = 3 + per * static_cast<size_t>(l);
    const int64_t in = l == 0 ? I : H;
    for (int id = 0; id < 8; ++id) {
      void *m = nullptr, *b = nullptr;
      dnn_check(cudnnGetRNNWeightParams(c.dnn, d->rnn, static_cast<int32_t>(l), wbytes, wspace->get(), id, md, &m, bd, &b), "cudnnGetRNNWeightParams");
      const int gate = id % 4;
      const bool rec = id >= 4;
      const int64_t cols = rec ? H : in;
      const char* wsrc = static_cast<const char*>(a.in[base + (rec ? 1 : 0)].data) + static_cast<size_t>(gate * H * cols) * es;
      copies.push_back({wsrc, m, static_cast<size_t>(H * cols) * es});
      if (bias && b) {
        const char* bsrc = static_cast<const char*>(a.in[base + (rec ? 3 : 2)].data) + static_cast<size_t>(gate * H) * es;
        copies.push_back({bsrc, b, static_cast<size_t>(H) * es});
      }
    }
  }
  cudnnDestroyTensorDescriptor(md);
  cudnnDestroyTensorDescriptor(bd);
  call->keep = {d, wspace, wk, rs, dseq};
  const void *x = X.data, *h0 = H0 ? H0->data : nullptr, *c0 = C0 ? C0->data : nullptr;
  void *out = Out.data, *hn = Hn.data, *cn = Cn.data;
  const int64_t nx = X.numel(), nout = Out.numel(), nst = layers * B * H;
  // f32 copies of x, the states and the outputs when the storage is f16/bf16.
  std::shared_ptr<Scratch> x32, h032, c032, out32, hn32, cn32;
  if (wide) {
    x32 = std::make_shared<Scratch>(static_cast<size_t>(nx) * 4);
    out32 = std::make_shared<Scratch>(static_cast<size_t>(nout) * 4);
    hn32 = std::make_shared<Scratch>(static_cast<size_t>(nst) * 4);
    cn32 = std::make_shared<Scratch>(static_cast<size_t>(nst) * 4);
    if (h0) h032 = std::make_shared<Scratch>(static_cast<size_t>(nst) * 4);
    if (c0) c032 = std::make_shared<Scratch>(static_cast<size_t>(nst) * 4);
    call->keep.insert(call->keep.end(), {x32, out32, hn32, cn32, h032, c032});
  }
  call->launch = [=](cudaStream_t s) {
    Context& cx = ctx();
    for (const Copy& k : copies) copy_or_widen(s, dt, k.src, k.dst, k.bytes);
    const void *rx = x, *rh0 = h0, *rc0 = c0;
    void *rout = out, *rhn = hn, *rcn = cn;
    if (wide) {
      copy_or_widen(s, dt, x, x32->get(), static_cast<size_t>(nx) * es);
      if (h0) copy_or_widen(s, dt, h0, h032->get(), static_cast<size_t>(nst) * es);
      if (c0) copy_or_widen(s, dt, c0, c032->get(), static_cast<size_t>(nst) * es);
      rx = x32->get(), rh0 = h0 ? h032->get() : nullptr, rc0 = c0 ? c032->get() : nullptr;
      rout = out32->get(), rhn = hn32->get(), rcn = cn32->get();
    }
    dnn_check(cudnnSetStream(cx.dnn, s), "cudnnSetStream");
    dnn_check(cudnnRNNForward(cx.dnn, d->rnn, CUDNN_FWD_MODE_INFERENCE, dseq->as<int32_t>(), d->x, rx, d->y, rout, d->h, rh0, rhn, d->c, rc0, rcn, wbytes,
                              wspace->get(), work, wk->get(), reserve, rs->get()),
              "cudnnRNNForward");
    if (wide) {
      ABW_FLOAT_DISPATCH(dt, {
        narrow<T><<<blocks_for(nout), kThreads, 0, s>>>(out32->as<float>(), static_cast<T*>(out), nout);
        narrow<T><<<blocks_for(nst), kThreads, 0, s>>>(hn32->as<float>(), static_cast<T*>(hn), nst);
        narrow<T><<<blocks_for(nst), kThreads, 0, s>>>(cn32->as<float>(), static_cast<T*>(cn), nst);
      });
    }
  };
  return call;
}

// Mean time of one launch of `c` on `s` (one warm-up, then `reps`), in ms.
float time_launch(const Call& c, cudaStream_t s, int reps) {
  c.launch(s);
  return mean_launch_ms(s, reps, [&] {
    c.launch(s);
    return true;
  });
}

// What a geometry runs: the RNN algorithm, and whether its launch is one CUDA graph.
struct LstmChoice {
  cudnnRNNAlgo_t algo;
  bool graph;
};
std::mutex algo_mu;
std::map<std::string, LstmChoice>& algo_cache() {
  static std::map<std::string, LstmChoice> m;
  return m;
}

const char* algo_name(cudnnRNNAlgo_t algo) { return algo == CUDNN_RNN_ALGO_PERSIST_STATIC ? "PERSIST_STATIC" : "STANDARD"; }

CallPtr lstm_chosen(OpArgs& a, LstmChoice c) {
  CallPtr call = lstm_with(a, c.algo);
  std::string why;
  if (c.graph)
    if (CallPtr g = graph_call(call, &why)) return g;
  return call;
}

// The algorithm is chosen per geometry by timing the candidates on the bound tensors, once per
// process. cuDNN's standard algorithm launches a GEMM and a pointwise kernel per step and layer
// from the host (2 layers × 512 steps: over 2000 launches), so its time is the host's launch
// rate as much as the GPU's; captured into one CUDA graph at prepare, the same kernels replay
// with no host in between. The persistent algorithm (PERSIST_STATIC) keeps the recurrent
// weights on chip for the whole sequence: it should win for a small batch over many steps (a
// codec's LSTM: batch 1, thousands of frames) and lost for a larger batch (2 layers × H512 ×
// B16 × T512 on an H200: 16.0 ms against 10.8-12.6 ms); it is not offered for every size.
CallPtr lstm(OpArgs& a) {
  const DevTensor& X = a.input(0, "x");
  std::string key = "lstm " + std::string(dtype_name(a.dtype)) + (a.tf32 ? " tf32" : "") + " x";
  for (int64_t d : X.shape) key += " " + std::to_string(d);
  key += " L" + std::to_string(a.p.i("num_layers")) + " H" + std::to_string(a.p.i("hidden_size")) + (a.p.b("bias") ? " b" : "") +
         (a.p.b("batch_first") ? " bf" : "");
  {
    std::lock_guard<std::mutex> lk(algo_mu);
    auto it = algo_cache().find(key);
    if (it != algo_cache().end()) return lstm_chosen(a, it->second);
  }
  struct Candidate {
    LstmChoice choice;
    CallPtr call;
    float ms = NAN;
  };
  std::vector<Candidate> cands;
  cands.push_back({{CUDNN_RNN_ALGO_STANDARD, false}, lstm_with(a, CUDNN_RNN_ALGO_STANDARD)});
  std::string graph_why, persistent_why;
  CallPtr standard = lstm_with(a, CUDNN_RNN_ALGO_STANDARD);
  if (CallPtr g = graph_call(standard, &graph_why)) cands.push_back({{CUDNN_RNN_ALGO_STANDARD, true}, std::move(g)});
  try {
    CallPtr persistent = lstm_with(a, CUDNN_RNN_ALGO_PERSIST_STATIC);
    std::string why;
    if (CallPtr g = graph_call(persistent, &why)) cands.push_back({{CUDNN_RNN_ALGO_PERSIST_STATIC, true}, std::move(g)});
    else cands.push_back({{CUDNN_RNN_ALGO_PERSIST_STATIC, false}, std::move(persistent)});
  } catch (const Error& e) {
    if (e.code() == "ENOMEM") throw;
    persistent_why = e.what();  // not offered for this size or precision
  }
  cudaStream_t s = ctx().stream();
  // Two rounds, best of each candidate: the first round also brings the clocks up.
  for (int round = 0; round < 2; ++round)
    for (Candidate& c : cands) {
      const float ms = time_launch(*c.call, s, 3);
      c.ms = std::isnan(c.ms) ? ms : std::min(c.ms, ms);
    }
  size_t best = 0;
  for (size_t i = 1; i < cands.size(); ++i)
    if (cands[i].ms < cands[best].ms) best = i;
  {
    std::lock_guard<std::mutex> lk(algo_mu);
    algo_cache()[key] = cands[best].choice;
  }
  auto name = [](const LstmChoice& c) { return std::string(algo_name(c.algo)) + (c.graph ? " as one CUDA graph" : ""); };
  ChoiceRecord r;
  r.str("op", a.op).str("mode", a.tf32 ? "tf32" : dtype_name(a.dtype)).str("api", "rnn");
  r.str("algo", algo_name(cands[best].choice.algo)).str("graph", cands[best].choice.graph ? "yes" : "no");
  std::string others;
  for (const Candidate& c : cands) {
    const std::string field = std::string(c.choice.algo == CUDNN_RNN_ALGO_PERSIST_STATIC ? "persistent" : "standard") + (c.choice.graph ? "GraphMs" : "Ms");
    r.num(field.c_str(), c.ms);
    if (&c != &cands[best]) others += (others.empty() ? "" : ", ") + name(c.choice) + " " + ms_text(c.ms);
  }
  if (!graph_why.empty()) r.str("graphWhy", graph_why);
  if (!persistent_why.empty()) r.str("persistentWhy", persistent_why);
  r.str("summary", "RNN algo " + name(cands[best].choice) + " (" + ms_text(cands[best].ms) + (others.empty() ? "" : " against " + others) + ")" +
                       (persistent_why.empty() ? "" : "; PERSIST_STATIC not offered"));
  r.emit(key);
  return std::move(cands[best].call);
}

}  // namespace
ABW_CUDA_OP(lstm_cell, lstm_cell, kFloats | kTF32);
ABW_CUDA_OP(lstm, lstm, kFloats | kTF32);
}  // namespace abw::cuda
