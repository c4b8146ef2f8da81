// Small helpers shared by the cpu kernels: shape checks that name the argument, parallel loops
// with a sensible grain, and vectorisable float math (exp, sigmoid, tanh) that stays within a few
// ulp of libm without -ffast-math.
#pragma once
// GCC keeps compare-and-select loops (clamps, NaN tests in exp/tanh) scalar under the default
// -ftrapping-math, which only matters for FP exception flags that nothing here reads; results
// are bit-identical. Clang and MSVC already behave like this. Must come before any function.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/memory.h"
#include "common/registry.h"
#include "common/tensor.h"
#include "common/thread_pool.h"

namespace abw::cpu {

constexpr int64_t kGrain = 16384;  // elements per parallel chunk for cheap elementwise loops

inline std::string sstr(const Shape& s) { return shape_str(s); }

inline void check_shape(const KernelArgs& a, const Tensor& t, const Shape& want, const char* what) {
  ABW_CHECK(t.shape() == want, "ESHAPE",
            a.msg(std::string(what) + " has shape " + sstr(t.shape()) + ", expected " + sstr(want)));
}
inline void check_dtype(const KernelArgs& a, const Tensor& t, DType d, const char* what) {
  ABW_CHECK(t.dtype() == d, "EDTYPE",
            a.msg(std::string(what) + " is " + dtype_name(t.dtype()) + ", expected " + dtype_name(d)));
}
inline void check_ndim(const KernelArgs& a, const Tensor& t, int64_t nd, const char* what) {
  ABW_CHECK(t.ndim() == nd, "ESHAPE",
            a.msg(std::string(what) + " must be " + std::to_string(nd) + "-D, got shape " + sstr(t.shape())));
}
// f32 tensor accessors that also check the dtype (the dispatcher checks floats, this keeps
// kernels safe when called with something else).
inline const float* fin(const KernelArgs& a, const Tensor& t, const char* what) {
  check_dtype(a, t, DType::f32, what);
  return t.data<float>();
}
inline float* fout(const KernelArgs& a, Tensor& t, const char* what) {
  check_dtype(a, t, DType::f32, what);
  return t.data<float>();
}

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// parallel_for over n items where each item costs `work` elementary operations.
template <class F>
inline void par(int64_t n, int64_t work_per_item, F&& fn) {
  int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, work_per_item));
  parallel_for(n, grain, fn);
}

// ---- vectorisable math -------------------------------------------------------------------
inline float bits_to_float(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }

// Cephes-style expf: range reduction by ln2 in two parts (|r| <= ln2/2), degree-6 polynomial, 2^n by exponent
// bits split in two factors so results stay right down to subnormals. ~1 ulp; NaN propagates.
inline float exp_f(float x) {
  const bool nan = x != x;
  float xc = nan ? 0.0f : x;
  // Above 89.5 the 2^n scaling below overflows to +inf by itself, as expf does past 88.72.
  xc = xc > 89.5f ? 89.5f : xc;
  xc = xc < -103.972084f ? -103.972084f : xc;
  // Round to nearest with the 1.5·2^23 trick: unlike std::floor it vectorises, and
  // |xc·log2e| < 2^22 keeps it exact.
  const float fx = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - fx * 0.693359375f;
  r = r - fx * -2.12194440e-4f;
  const float z = r * r;
  float y = 1.9875691500E-4f;
  y = y * r + 1.3981999507E-3f;
  y = y * r + 8.3334519073E-3f;
  y = y * r + 4.1665795894E-2f;
  y = y * r + 1.6666665459E-1f;
  y = y * r + 5.0000001201E-1f;
  y = y * z + r + 1.0f;
  const int32_t n = static_cast<int32_t>(fx);  // in [-150, 129]
  const int32_t n1 = n / 2, n2 = n - n1;
  const float s1 = bits_to_float(static_cast<uint32_t>(n1 + 127) << 23);
  const float s2 = bits_to_float(static_cast<uint32_t>(n2 + 127) << 23);
  const float res = y * s1 * s2;
  return nan ? x : res;
}

inline float sigmoid_f(float x) { return 1.0f / (1.0f + exp_f(-x)); }

// GELU, exact (erf form, torch's default): the gelu op and instance_norm's fused activation.
inline float gelu_erf_f(float v) { return v * 0.5f * (1.0f + std::erf(v * 0.70710678118654752f)); }

// tanh: odd polynomial near 0 (where 1 - 2/(e^2x+1) would cancel), exp formula elsewhere.
inline float tanh_f(float x) {
  float ax = std::fabs(x);
  float s = x * x;
  float p = -5.70498872745E-3f;
  p = p * s + 2.06390887954E-2f;
  p = p * s - 5.37397155531E-2f;
  p = p * s + 1.33314422036E-1f;
  p = p * s - 3.33332819422E-1f;
  float small = p * s * x + x;
  float e = exp_f(2.0f * (ax > 9.0f ? 9.0f : ax));
  float big = 1.0f - 2.0f / (e + 1.0f);
  big = ax > 9.0f ? 1.0f : big;  // tanh(9) rounds to 1 in f32
  big = std::copysign(big, x);
  return ax < 0.625f ? small : (x != x ? x : big);
}

// Sum and sum of squared deviations of n floats: 16 float lanes over short blocks, blocks added
// in double, so long rows stay accurate and the inner loop vectorises.
inline double sum_f(const float* x, int64_t n) {
  double total = 0;
  int64_t i = 0;
  while (i < n) {
    int64_t e = std::min(n, i + 1024);
    float acc[16] = {0};
    for (; i + 16 <= e; i += 16)
      for (int j = 0; j < 16; ++j) acc[j] += x[i + j];
    double part = 0;
    for (int j = 0; j < 16; ++j) part += acc[j];
    for (; i < e; ++i) part += x[i];
    total += part;
  }
  return total;
}
inline double sumsq_dev_f(const float* x, int64_t n, float mean) {
  double total = 0;
  int64_t i = 0;
  while (i < n) {
    int64_t e = std::min(n, i + 1024);
    float acc[16] = {0};
    for (; i + 16 <= e; i += 16)
      for (int j = 0; j < 16; ++j) {
        float d = x[i + j] - mean;
        acc[j] += d * d;
      }
    double part = 0;
    for (int j = 0; j < 16; ++j) part += acc[j];
    for (; i < e; ++i) {
      double d = static_cast<double>(x[i]) - mean;
      part += d * d;
    }
    total += part;
  }
  return total;
}

}  // namespace abw::cpu
