// Batched FFT backend (see detail/fft_plan.h): FFTW plan cache, or the built-in fallback.
#include "cpu/detail/fft_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "common/error.h"
#include "common/memory.h"
#include "common/thread_pool.h"

#if defined(ABW_HAVE_FFTW)
#include <fftw3.h>
#endif

namespace abw::cpu::fft {

namespace {

enum Kind : int { kC2CFwd = 0, kC2CInv = 1, kR2C = 2, kC2R = 3 };

// Split a batch over the pool: fn(b0, count) per chunk; each chunk is one batched call.
template <class F>
void split_batch(int64_t n, int64_t batch, F&& fn) {
  const int64_t threads = num_threads();
  // Below ~64K points a second thread costs more than it saves.
  int64_t chunks = std::min<int64_t>(threads, batch);
  if (n * batch < 65536) chunks = 1;
  if (chunks <= 1) {
    fn(0, batch);
    return;
  }
  const int64_t per = (batch + chunks - 1) / chunks;
  chunks = (batch + per - 1) / per;
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      int64_t b0 = c * per, cnt = std::min(per, batch - b0);
      fn(b0, cnt);
    }
  });
}

#if defined(ABW_HAVE_FFTW)

using Key = std::tuple<int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, bool>;

std::mutex& plan_mutex() {
  static std::mutex m;
  return m;
}
std::map<Key, fftwf_plan>& plan_cache() {
  static std::map<Key, fftwf_plan> c;  // plans live as long as the process
  return c;
}

bool aligned(const void* p) { return fftwf_alignment_of(const_cast<float*>(static_cast<const float*>(p))) == 0; }

// How hard FFTW plans (ABW_FFTW_PLANNER). `estimate`, the default, plans from heuristics in
// microseconds; `measure` and `patient` time candidate algorithms: seconds per new size, but on
// the 2-core x64 machine (FFTW 3.3.10, r2c) 1.4× faster at n = 2^12–2^16 and 1.9–2.7× at
// n = 2^18–2^22 (decision 37). ABW_FFTW_WISDOM keeps what was learnt in a file, so a machine plans once.
struct Planner {
  unsigned flags;
  const char* name;
  std::string error;  // non-empty: the variable's value is not allowed
};

const Planner& planner() {
  static const Planner p = [] {
    const char* v = std::getenv("ABW_FFTW_PLANNER");
    const std::string s = v ? v : "";
    if (s.empty() || s == "estimate") return Planner{FFTW_ESTIMATE, "estimate", ""};
    if (s == "measure") return Planner{FFTW_MEASURE, "measure", ""};
    if (s == "patient") return Planner{FFTW_PATIENT, "patient", ""};
    return Planner{FFTW_ESTIMATE, "invalid", "ABW_FFTW_PLANNER must be estimate, measure or patient, got '" + s + "'"};
  }();
  return p;
}

std::string wisdom_path() {
  const char* v = std::getenv("ABW_FFTW_WISDOM");
  return v ? v : "";
}

// Imports ABW_FFTW_WISDOM once per process (a missing file is a first run); under plan_mutex.
void import_wisdom_once() {
  static bool tried = false;
  static std::string error;
  if (!tried) {
    tried = true;
    const std::string path = wisdom_path();
    if (!path.empty()) {
      if (FILE* f = std::fopen(path.c_str(), "r")) {
        const int ok = fftwf_import_wisdom_from_file(f);
        std::fclose(f);
        if (!ok) error = "ABW_FFTW_WISDOM: " + path + " is not FFTW single-precision wisdom (remove it, or name another file)";
      }
    }
  }
  ABW_CHECK(error.empty(), "EINVAL", error);
}

// Writes all wisdom to ABW_FFTW_WISDOM after a timed plan: to a temporary file, renamed into
// place, so a concurrent reader (another case's process) never sees half a file; under plan_mutex.
void export_wisdom() {
  const std::string path = wisdom_path();
  if (path.empty()) return;
  const std::string tmp = path + ".tmp" + std::to_string(std::random_device{}());
  bool ok = fftwf_export_wisdom_to_filename(tmp.c_str()) != 0;
  // Windows' rename does not replace an existing file: remove it, then rename (not atomic there).
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) ok = std::remove(path.c_str()) == 0 && std::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) std::remove(tmp.c_str());
  ABW_CHECK(ok, "EINVAL", "ABW_FFTW_WISDOM: cannot write " + path);
}

// Floats spanned by `batch` transforms of `count` elements (complex: two floats each).
size_t extent(int64_t count, int64_t batch, int64_t stride, int64_t dist, bool complex) {
  return static_cast<size_t>((batch - 1) * dist + (count - 1) * stride + 1) * (complex ? 2 : 1);
}

fftwf_plan get_plan(Kind kind, int64_t n, int64_t batch, float* in, int64_t is, int64_t id, float* out, int64_t os,
                    int64_t od) {
  const bool al = aligned(in) && aligned(out);
  Key key{kind, n, batch, is, id, os, od, al};
  std::lock_guard<std::mutex> lk(plan_mutex());
  auto& cache = plan_cache();
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  ABW_CHECK(n < INT32_MAX && batch < INT32_MAX && is < INT32_MAX && id < INT32_MAX && os < INT32_MAX && od < INT32_MAX,
            "ESHAPE", "fft size or batch too large for FFTW");
  const Planner& pl = planner();
  ABW_CHECK(pl.error.empty(), "EINVAL", pl.error);
  import_wisdom_once();
  int nn = static_cast<int>(n);
  unsigned flags = pl.flags | (al ? 0u : FFTW_UNALIGNED);
  // A timing planner overwrites the arrays it plans on, so it plans on kernel scratch of the same
  // extent (64-byte aligned, so an aligned caller's plan fits it; an unaligned caller's plan says
  // FFTW_UNALIGNED either way).
  Scratch<float> scratch_in, scratch_out;
  if (pl.flags != FFTW_ESTIMATE) {
    const int64_t nh = n / 2 + 1;
    scratch_in = Scratch<float>(extent(kind == kC2R ? nh : n, batch, is, id, kind != kR2C));
    scratch_out = Scratch<float>(extent(kind == kR2C ? nh : n, batch, os, od, kind != kC2R));
    in = scratch_in.data();
    out = scratch_out.data();
  }
  fftwf_plan p = nullptr;
  switch (kind) {
    case kC2CFwd:
    case kC2CInv:
      p = fftwf_plan_many_dft(1, &nn, static_cast<int>(batch), reinterpret_cast<fftwf_complex*>(in), nullptr,
                              static_cast<int>(is), static_cast<int>(id), reinterpret_cast<fftwf_complex*>(out), nullptr,
                              static_cast<int>(os), static_cast<int>(od), kind == kC2CFwd ? FFTW_FORWARD : FFTW_BACKWARD,
                              flags | FFTW_PRESERVE_INPUT);
      break;
    case kR2C:
      p = fftwf_plan_many_dft_r2c(1, &nn, static_cast<int>(batch), in, nullptr, static_cast<int>(is),
                                  static_cast<int>(id), reinterpret_cast<fftwf_complex*>(out), nullptr,
                                  static_cast<int>(os), static_cast<int>(od), flags | FFTW_PRESERVE_INPUT);
      break;
    case kC2R:
      p = fftwf_plan_many_dft_c2r(1, &nn, static_cast<int>(batch), reinterpret_cast<fftwf_complex*>(in), nullptr,
                                  static_cast<int>(is), static_cast<int>(id), out, nullptr, static_cast<int>(os),
                                  static_cast<int>(od), flags | FFTW_DESTROY_INPUT);
      break;
  }
  ABW_CHECK(p != nullptr, "EINTERNAL", "FFTW could not plan a transform of size " + std::to_string(n));
  cache.emplace(key, p);
  if (pl.flags != FFTW_ESTIMATE) export_wisdom();
  return p;
}

void run(Kind kind, int64_t n, int64_t batch, const float* cin, int64_t is, int64_t id, float* out, int64_t os,
         int64_t od) {
  if (n <= 0 || batch <= 0) return;
  float* in = const_cast<float*>(cin);  // FFTW's API is not const; c2c/r2c plans preserve input
  const bool in_complex = kind != kR2C, out_complex = kind != kC2R;
  split_batch(n, batch, [&](int64_t b0, int64_t cnt) {
    float* i = in + b0 * id * (in_complex ? 2 : 1);
    float* o = out + b0 * od * (out_complex ? 2 : 1);
    fftwf_plan p = get_plan(kind, n, cnt, i, is, id, o, os, od);
    switch (kind) {
      case kC2CFwd:
      case kC2CInv:
        fftwf_execute_dft(p, reinterpret_cast<fftwf_complex*>(i), reinterpret_cast<fftwf_complex*>(o));
        break;
      case kR2C: fftwf_execute_dft_r2c(p, i, reinterpret_cast<fftwf_complex*>(o)); break;
      case kC2R: fftwf_execute_dft_c2r(p, reinterpret_cast<fftwf_complex*>(i), o); break;
    }
  });
}

#else  // ---- fallback ------------------------------------------------------------------------

struct cf {
  float re, im;
};
inline cf operator+(cf a, cf b) { return {a.re + b.re, a.im + b.im}; }
inline cf operator-(cf a, cf b) { return {a.re - b.re, a.im - b.im}; }
inline cf operator*(cf a, cf b) { return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }
inline cf conj(cf a) { return {a.re, -a.im}; }

// exp(sign·2πi·num/den) with the angle reduced exactly in integers and evaluated in double.
cf unit(int64_t num, int64_t den, int sign) {
  num %= den;
  if (num < 0) num += den;
  const double a = sign * 2.0 * 3.14159265358979323846 * static_cast<double>(num) / static_cast<double>(den);
  return {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))};
}

class Plan {
 public:
  Plan(int64_t n, bool inverse) : n_(n), sign_(inverse ? 1 : -1) {
    int64_t m = n;
    std::vector<int64_t> f;
    while (m % 4 == 0) { f.push_back(4); m /= 4; }
    while (m % 2 == 0) { f.push_back(2); m /= 2; }
    for (int64_t p = 3; p * p <= m; p += 2)
      while (m % p == 0) { f.push_back(p); m /= p; }
    if (m > 1) f.push_back(m);
    const int64_t biggest = f.empty() ? 1 : *std::max_element(f.begin(), f.end());
    if (biggest > 61) {
      init_bluestein();
      return;
    }
    int64_t len = n, s = 1;
    for (int64_t p : f) {
      Stage st;
      st.p = p;
      st.m = len / p;
      st.s = s;
      st.tw.resize(static_cast<size_t>(st.m * (p - 1)));
      for (int64_t j = 0; j < st.m; ++j)
        for (int64_t u = 1; u < p; ++u) st.tw[j * (p - 1) + u - 1] = unit(j * u, len, sign_);
      st.wp.resize(static_cast<size_t>(p));
      for (int64_t u = 0; u < p; ++u) st.wp[u] = unit(u, p, sign_);
      stages_.push_back(std::move(st));
      len /= p;
      s *= p;
    }
  }

  // Workspace (complex elements) run() needs beyond x.
  int64_t work_size() const { return blue_ ? 2 * M_ + sub_->work_size() : n_; }

  // In place on x[0..n), using work.
  void run(cf* x, cf* work) const {
    if (blue_) {
      bluestein(x, work);
      return;
    }
    cf* a = x;
    cf* b = work;
    for (const Stage& st : stages_) {
      stage(st, a, b);
      std::swap(a, b);
    }
    if (a != x) std::copy(a, a + n_, x);
  }

 private:
  struct Stage {
    int64_t p = 0, m = 0, s = 0;
    std::vector<cf> tw, wp;
  };

  void stage(const Stage& st, const cf* x, cf* y) const {
    const int64_t p = st.p, m = st.m, s = st.s;
    for (int64_t j = 0; j < m; ++j) {
      const cf* w = st.tw.data() + j * (p - 1);
      if (p == 2) {
        for (int64_t q = 0; q < s; ++q) {
          cf a0 = x[q + s * j], a1 = x[q + s * (j + m)];
          y[q + s * (2 * j)] = a0 + a1;
          y[q + s * (2 * j + 1)] = (a0 - a1) * w[0];
        }
      } else if (p == 4) {
        const float sg = static_cast<float>(sign_);
        for (int64_t q = 0; q < s; ++q) {
          cf a0 = x[q + s * j], a1 = x[q + s * (j + m)], a2 = x[q + s * (j + 2 * m)], a3 = x[q + s * (j + 3 * m)];
          cf t0 = a0 + a2, t1 = a0 - a2, t2 = a1 + a3, t3 = a1 - a3;
          cf it3{-sg * t3.im, sg * t3.re};  // (sign·i)·t3
          y[q + s * (4 * j)] = t0 + t2;
          y[q + s * (4 * j + 1)] = (t1 + it3) * w[0];
          y[q + s * (4 * j + 2)] = (t0 - t2) * w[1];
          y[q + s * (4 * j + 3)] = (t1 - it3) * w[2];
        }
      } else {
        cf buf[64];
        for (int64_t q = 0; q < s; ++q) {
          for (int64_t r = 0; r < p; ++r) buf[r] = x[q + s * (j + r * m)];
          for (int64_t u = 0; u < p; ++u) {
            cf acc = buf[0];
            for (int64_t r = 1; r < p; ++r) acc = acc + buf[r] * st.wp[(r * u) % p];
            y[q + s * (p * j + u)] = u == 0 ? acc : acc * w[u - 1];
          }
        }
      }
    }
  }

  void init_bluestein() {
    blue_ = true;
    M_ = 1;
    while (M_ < 2 * n_ - 1) M_ *= 2;
    sub_ = std::make_unique<Plan>(M_, false);
    subi_ = std::make_unique<Plan>(M_, true);
    chirp_.resize(static_cast<size_t>(n_));
    for (int64_t k = 0; k < n_; ++k) {
      // exp(sign·πi·k²/n) = unit(k² mod 2n, 2n)
      uint64_t k2 = static_cast<uint64_t>(k) * static_cast<uint64_t>(k) % static_cast<uint64_t>(2 * n_);
      chirp_[k] = unit(static_cast<int64_t>(k2), 2 * n_, sign_);
    }
    bhat_.assign(static_cast<size_t>(M_), cf{0, 0});
    bhat_[0] = conj(chirp_[0]);
    for (int64_t k = 1; k < n_; ++k) bhat_[k] = bhat_[M_ - k] = conj(chirp_[k]);
    std::vector<cf> w(static_cast<size_t>(sub_->work_size()));
    sub_->run(bhat_.data(), w.data());
    const float inv = 1.0f / static_cast<float>(M_);
    for (auto& v : bhat_) v = {v.re * inv, v.im * inv};
  }

  void bluestein(cf* x, cf* work) const {
    cf* a = work;
    cf* rest = work + 2 * M_;
    for (int64_t k = 0; k < n_; ++k) a[k] = x[k] * chirp_[k];
    std::fill(a + n_, a + M_, cf{0, 0});
    sub_->run(a, rest);
    for (int64_t k = 0; k < M_; ++k) a[k] = a[k] * bhat_[k];
    subi_->run(a, rest);
    for (int64_t k = 0; k < n_; ++k) x[k] = a[k] * chirp_[k];
  }

  int64_t n_;
  int sign_;
  std::vector<Stage> stages_;
  bool blue_ = false;
  int64_t M_ = 0;
  std::unique_ptr<Plan> sub_, subi_;
  std::vector<cf> chirp_, bhat_;
};

const Plan& get_plan(int64_t n, bool inverse) {
  static std::mutex mu;
  static std::map<std::pair<int64_t, bool>, std::unique_ptr<Plan>> cache;
  std::lock_guard<std::mutex> lk(mu);
  auto& p = cache[{n, inverse}];
  if (!p) p = std::make_unique<Plan>(n, inverse);
  return *p;
}

void run(Kind kind, int64_t n, int64_t batch, const float* in, int64_t is, int64_t id, float* out, int64_t os,
         int64_t od) {
  if (n <= 0 || batch <= 0) return;
  const Plan& plan = get_plan(n, kind == kC2CInv || kind == kC2R);
  const int64_t nh = n / 2 + 1;
  split_batch(n, batch, [&](int64_t b0, int64_t cnt) {
    Scratch<cf> x(static_cast<size_t>(n)), w(static_cast<size_t>(plan.work_size()));
    for (int64_t b = b0; b < b0 + cnt; ++b) {
      switch (kind) {
        case kC2CFwd:
        case kC2CInv: {
          const float* src = in + 2 * b * id;
          for (int64_t k = 0; k < n; ++k) x[k] = {src[2 * k * is], src[2 * k * is + 1]};
          plan.run(x.data(), w.data());
          float* dst = out + 2 * b * od;
          for (int64_t k = 0; k < n; ++k) {
            dst[2 * k * os] = x[k].re;
            dst[2 * k * os + 1] = x[k].im;
          }
          break;
        }
        case kR2C: {
          const float* src = in + b * id;
          for (int64_t k = 0; k < n; ++k) x[k] = {src[k * is], 0.0f};
          plan.run(x.data(), w.data());
          float* dst = out + 2 * b * od;
          for (int64_t k = 0; k < nh; ++k) {
            dst[2 * k * os] = x[k].re;
            dst[2 * k * os + 1] = x[k].im;
          }
          break;
        }
        case kC2R: {
          const float* src = in + 2 * b * id;
          for (int64_t k = 0; k < nh; ++k) x[k] = {src[2 * k * is], src[2 * k * is + 1]};
          x[0].im = 0.0f;
          if (n % 2 == 0) x[n / 2].im = 0.0f;
          for (int64_t k = nh; k < n; ++k) x[k] = conj(x[n - k]);
          plan.run(x.data(), w.data());
          float* dst = out + b * od;
          for (int64_t k = 0; k < n; ++k) dst[k * os] = x[k].re;
          break;
        }
      }
    }
  });
}

#endif

}  // namespace

const char* planner_name() {
#if defined(ABW_HAVE_FFTW)
  return planner().name;
#else
  return "";
#endif
}

void c2c(int64_t n, int64_t batch, const float* in, int64_t is, int64_t id, float* out, int64_t os, int64_t od,
         bool inverse) {
  run(inverse ? kC2CInv : kC2CFwd, n, batch, in, is, id, out, os, od);
}
void r2c(int64_t n, int64_t batch, const float* in, int64_t is, int64_t id, float* out, int64_t os, int64_t od) {
  run(kR2C, n, batch, in, is, id, out, os, od);
}
void c2r(int64_t n, int64_t batch, float* in, int64_t is, int64_t id, float* out, int64_t os, int64_t od) {
  run(kC2R, n, batch, in, is, id, out, os, od);
}

}  // namespace abw::cpu::fft
